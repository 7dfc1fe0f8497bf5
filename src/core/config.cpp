// Adapter over yaml-cpp for the config file; the precedence rules live here.
#include "core/config.h"

#include <cassert>
#include <cstdlib>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

namespace strata::core {
namespace {

Status CheckType(const SettingSpec& spec, const std::string& value, std::string_view where) {
  if (spec.type == SettingType::kInt) {
    char* end = nullptr;
    errno = 0;
    std::strtoll(value.c_str(), &end, 10);
    if (value.empty() || *end != '\0' || errno == ERANGE) {
      return InvalidArgumentError(
          fmt::format("{}: setting '{}' must be an integer, got '{}'", where, spec.name, value));
    }
  } else if (spec.type == SettingType::kBool) {
    if (value != "true" && value != "false" && value != "1" && value != "0") {
      return InvalidArgumentError(
          fmt::format("{}: setting '{}' must be true or false, got '{}'", where, spec.name, value));
    }
  }
  return Status::Ok();
}

Status LoadFile(const std::string& path, std::map<std::string, std::string>* out) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    return InvalidArgumentError(fmt::format("config file '{}' cannot be read", path));
  } catch (const YAML::Exception& e) {
    return InvalidArgumentError(fmt::format("config file '{}': line {}, column {}: {}", path,
                                            e.mark.line + 1, e.mark.column + 1, e.msg));
  }
  if (root.IsNull()) return Status::Ok();
  if (!root.IsMap()) {
    return InvalidArgumentError(fmt::format("config file '{}': expected a map of settings", path));
  }
  for (const auto& kv : root) {
    std::string key = kv.first.as<std::string>();
    int line = kv.first.Mark().line + 1;
    const SettingSpec* spec = FindSetting(key);
    if (spec == nullptr || key == "config") {
      return InvalidArgumentError(
          fmt::format("config file '{}': line {}: unknown setting '{}'", path, line, key));
    }
    if (!kv.second.IsScalar()) {
      return InvalidArgumentError(fmt::format(
          "config file '{}': line {}: setting '{}' must be a single value", path, line, key));
    }
    std::string value = kv.second.as<std::string>();
    STRATA_RETURN_IF_ERROR(
        CheckType(*spec, value, fmt::format("config file '{}': line {}", path, line)));
    (*out)[key] = value;
  }
  return Status::Ok();
}

}  // namespace

const SettingSpec* FindSetting(std::string_view name) {
  for (const auto& s : AllSettings()) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

std::string EnvVarFor(std::string_view name) {
  std::string env = "STRATA_";
  for (char c : name) env += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return env;
}

std::string FlagFor(std::string_view name) {
  std::string flag = "--";
  for (char c : name) flag += c == '_' ? '-' : c;
  return flag;
}

Config Config::Defaults() {
  Config c;
  for (const auto& s : AllSettings()) c.values_[std::string(s.name)] = {std::string(s.default_value), "default"};
  return c;
}

Result<Config> Config::Load(const std::map<std::string, std::string>& flags,
                            const EnvLookup& env_lookup) {
  EnvLookup env = env_lookup ? env_lookup : [](const char* n) -> const char* { return std::getenv(n); };
  Config c = Defaults();

  for (const auto& [name, value] : flags) {
    if (FindSetting(name) == nullptr) return InvalidArgumentError("unknown setting '" + name + "'");
  }
  // The config file's own location follows flag > env.
  std::string config_path;
  if (auto it = flags.find("config"); it != flags.end()) {
    config_path = it->second;
  } else if (const char* v = env("STRATA_CONFIG"); v != nullptr) {
    config_path = v;
  }
  if (!config_path.empty()) {
    std::map<std::string, std::string> from_file;
    STRATA_RETURN_IF_ERROR(LoadFile(config_path, &from_file));
    for (auto& [k, v] : from_file) c.values_[k] = {v, "file"};
    c.values_["config"] = {config_path, flags.count("config") ? "flag" : "env"};
  }
  for (const auto& s : AllSettings()) {
    if (s.name == "config") continue;
    std::string env_name = EnvVarFor(s.name);
    if (const char* v = env(env_name.c_str()); v != nullptr) {
      STRATA_RETURN_IF_ERROR(CheckType(s, v, "environment variable " + env_name));
      c.values_[std::string(s.name)] = {v, "env"};
    }
  }
  for (const auto& [name, value] : flags) {
    if (name == "config") continue;
    STRATA_RETURN_IF_ERROR(CheckType(*FindSetting(name), value, "flag " + FlagFor(name)));
    c.values_[name] = {value, "flag"};
  }
  return c;
}

const std::string& Config::Get(std::string_view name) const {
  auto it = values_.find(name);
  assert(it != values_.end() && "undefined setting");
  return it->second.text;
}

int64_t Config::GetInt(std::string_view name) const { return std::strtoll(Get(name).c_str(), nullptr, 10); }

bool Config::GetBool(std::string_view name) const {
  const std::string& v = Get(name);
  return v == "true" || v == "1";
}

std::string_view Config::SourceOf(std::string_view name) const {
  auto it = values_.find(name);
  return it == values_.end() ? "default" : it->second.source;
}

void Config::Set(std::string_view name, std::string value) {
  values_[std::string(name)] = {std::move(value), "flag"};
}

Json Config::ToJson() const {
  Json out = Json::object();
  for (const auto& s : AllSettings()) {
    const auto& v = values_.at(std::string(s.name));
    out[std::string(s.name)] = {{"value", v.text}, {"source", v.source}, {"help", s.help}};
  }
  return out;
}

}  // namespace strata::core
