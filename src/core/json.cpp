#include "core/json.h"

#include <cmath>
#include <iterator>

#include <fmt/format.h>

namespace strata::core {

Result<Json> ParseJson(std::string_view text, std::string_view what) {
  try {
    return Json::parse(text.begin(), text.end());
  } catch (const Json::parse_error& e) {
    // e.byte is 1-based position of the offending byte; turn it into line/column.
    size_t byte = e.byte == 0 ? 0 : e.byte - 1;
    if (byte > text.size()) byte = text.size();
    size_t line = 1, column = 1;
    for (size_t i = 0; i < byte; ++i) {
      if (text[i] == '\n') {
        ++line;
        column = 1;
      } else {
        ++column;
      }
    }
    std::string detail = e.what();
    // nlohmann's message starts with "[json.exception.parse_error.101] parse error at
    // line 1, column 2: "; keep only the part after the position.
    if (auto pos = detail.find(": "); pos != std::string::npos) detail = detail.substr(pos + 2);
    if (text.empty()) return InvalidArgumentError(fmt::format("{}: empty, expected JSON", what));
    return InvalidArgumentError(
        fmt::format("{}: invalid JSON at line {}, column {}: {}", what, line, column, detail));
  }
}

std::string_view JsonTypeName(const Json& v) {
  switch (v.type()) {
    case Json::value_t::null: return "null";
    case Json::value_t::object: return "object";
    case Json::value_t::array: return "array";
    case Json::value_t::string: return "string";
    case Json::value_t::boolean: return "boolean";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned: return "integer";
    case Json::value_t::number_float: return "number";
    case Json::value_t::binary: return "binary";
    case Json::value_t::discarded: return "discarded";
  }
  return "unknown";
}

namespace {

Status WrongType(std::string_view field, std::string_view want, const Json& got) {
  return InvalidArgumentError(
      fmt::format("field '{}' must be {}, got {}", field, want, JsonTypeName(got)));
}

const Json* Find(const Json& object, std::string_view field) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(field);
  if (it == object.end() || it->is_null()) return nullptr;
  return &*it;
}

}  // namespace

Result<std::string> RequiredString(const Json& object, std::string_view field) {
  const Json* v = Find(object, field);
  if (v == nullptr) return InvalidArgumentError(fmt::format("field '{}' is required", field));
  if (!v->is_string()) return WrongType(field, "a string", *v);
  return v->get<std::string>();
}

Result<std::string> OptionalString(const Json& object, std::string_view field,
                                   std::string fallback) {
  const Json* v = Find(object, field);
  if (v == nullptr) return fallback;
  if (!v->is_string()) return WrongType(field, "a string", *v);
  return v->get<std::string>();
}

Result<int64_t> OptionalInt(const Json& object, std::string_view field, int64_t fallback) {
  const Json* v = Find(object, field);
  if (v == nullptr) return fallback;
  if (v->is_number_integer()) return v->get<int64_t>();
  if (v->is_number_float()) {
    double d = v->get<double>();
    if (d == static_cast<double>(static_cast<int64_t>(d))) return static_cast<int64_t>(d);
  }
  return WrongType(field, "an integer", *v);
}

Result<double> OptionalNumber(const Json& object, std::string_view field, double fallback) {
  const Json* v = Find(object, field);
  if (v == nullptr) return fallback;
  if (!v->is_number()) return WrongType(field, "a number", *v);
  return v->get<double>();
}

Result<bool> OptionalBool(const Json& object, std::string_view field, bool fallback) {
  const Json* v = Find(object, field);
  if (v == nullptr) return fallback;
  if (!v->is_boolean()) return WrongType(field, "a boolean", *v);
  return v->get<bool>();
}

void AppendJsonString(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': out.append("\\\""); break;
      case '\\': out.append("\\\\"); break;
      case '\b': out.append("\\b"); break;
      case '\f': out.append("\\f"); break;
      case '\n': out.append("\\n"); break;
      case '\r': out.append("\\r"); break;
      case '\t': out.append("\\t"); break;
      default:
        if (c < 0x20) {
          out.append("\\u00");
          out.push_back(kHex[c >> 4]);
          out.push_back(kHex[c & 15]);
        } else {
          out.push_back(ch);
        }
    }
  }
  out.push_back('"');
}

void AppendJsonNumber(std::string& out, double v) {
  if (!std::isfinite(v)) {
    out.append("null");
    return;
  }
  const size_t from = out.size();
  fmt::format_to(std::back_inserter(out), "{}", v);  // the shortest text that reads back as v
  if (out.find_first_of(".e", from) == std::string::npos) out.append(".0");
}

}  // namespace strata::core
