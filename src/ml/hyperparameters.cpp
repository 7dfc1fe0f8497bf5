#include "ml/hyperparameters.h"

#include <cmath>

#include <fmt/format.h>

namespace strata::ml {
namespace {

std::string Range(const HyperparameterSpec& s) {
  std::string lo = std::isinf(s.min) ? "(-inf" : fmt::format("{}{}", s.min_exclusive ? "(" : "[", s.min);
  std::string hi = std::isinf(s.max) ? "inf)" : fmt::format("{}]", s.max);
  return lo + ", " + hi;
}

}  // namespace

Json HyperparameterSpec::ToJson() const {
  Json j = {{"name", name}, {"type", type}, {"default", default_value}, {"description", description}};
  if (type != "string" && type != "bool") j["range"] = Range(*this);
  if (!values.empty()) j["values"] = values;
  return j;
}

Result<Json> ValidateHyperparameters(const std::vector<HyperparameterSpec>& specs, const Json& given) {
  if (!given.is_null() && !given.is_object()) return InvalidArgumentError("hyperparameters must be an object");
  Json out = Json::object();
  for (const auto& s : specs) out[s.name] = s.default_value;
  if (given.is_null()) return out;
  for (const auto& [name, value] : given.items()) {
    const HyperparameterSpec* spec = nullptr;
    for (const auto& s : specs) {
      if (s.name == name) spec = &s;
    }
    if (spec == nullptr) {
      std::string known;
      for (const auto& s : specs) known += (known.empty() ? "" : ", ") + s.name;
      return InvalidArgumentError(fmt::format("unknown hyperparameter '{}' (known: {})", name, known));
    }
    if (spec->type == "string") {
      if (!value.is_string()) return InvalidArgumentError(fmt::format("{} must be a string, got {}", name, value.dump()));
      std::string v = value.get<std::string>();
      if (!spec->values.empty() && std::find(spec->values.begin(), spec->values.end(), v) == spec->values.end()) {
        std::string allowed;
        for (const auto& a : spec->values) allowed += (allowed.empty() ? "" : ", ") + a;
        return InvalidArgumentError(fmt::format("{} must be one of {}, got '{}'", name, allowed, v));
      }
      out[name] = v;
      continue;
    }
    if (spec->type == "bool") {
      const std::string text = value.is_string() ? value.get<std::string>() : "";
      if (value.is_boolean()) {
        out[name] = value;
      } else if (text == "true" || text == "1" || value == 1) {
        out[name] = true;
      } else if (text == "false" || text == "0" || value == 0) {
        out[name] = false;
      } else {
        return InvalidArgumentError(fmt::format("{} must be true or false, got {}", name, value.dump()));
      }
      continue;
    }
    double d;
    if (value.is_number()) {
      d = value.get<double>();
    } else if (value.is_string()) {
      char* end = nullptr;
      d = std::strtod(value.get<std::string>().c_str(), &end);
      if (value.get<std::string>().empty() || *end != '\0') {
        return InvalidArgumentError(fmt::format("{} must be a number, got '{}'", name, value.get<std::string>()));
      }
    } else {
      return InvalidArgumentError(fmt::format("{} must be a number, got {}", name, value.dump()));
    }
    if (spec->type == "int" && d != std::floor(d)) return InvalidArgumentError(fmt::format("{} must be an integer, got {}", name, d));
    bool low = spec->min_exclusive ? d <= spec->min : d < spec->min;
    if (low || d > spec->max || std::isnan(d)) {
      return InvalidArgumentError(fmt::format("{} must be in {}, got {}", name, Range(*spec), d));
    }
    out[name] = spec->type == "int" ? Json(static_cast<int64_t>(d)) : Json(d);
  }
  return out;
}

}  // namespace strata::ml
