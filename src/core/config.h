#pragma once
// Configuration: every setting is defined once, in settings.cpp, with its type,
// default and help text. A value comes from, in order of precedence:
//   command-line flag > STRATA_<NAME> environment variable > YAML config file > default.
// The config file is named by the `config` setting (--config / STRATA_CONFIG); its keys
// are the setting names (e.g. `port: 9000`). Unknown keys and ill-typed values are
// errors that name the file, the line and the key.

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/json.h"
#include "core/status.h"

namespace strata::core {

enum class SettingType { kString, kInt, kBool };

struct SettingSpec {
  std::string_view name;  // snake_case; the flag is --name with '_' as '-'
  SettingType type;
  std::string_view default_value;
  std::string_view help;
};

// All settings, in display order.
const std::vector<SettingSpec>& AllSettings();
const SettingSpec* FindSetting(std::string_view name);
// "data_dir" -> "STRATA_DATA_DIR"; "data_dir" -> "--data-dir".
std::string EnvVarFor(std::string_view name);
std::string FlagFor(std::string_view name);

class Config {
 public:
  using EnvLookup = std::function<const char*(const char*)>;

  // `flags` maps setting names to values given on the command line.
  static Result<Config> Load(const std::map<std::string, std::string>& flags,
                             const EnvLookup& env = nullptr);
  // Defaults only; for tests.
  static Config Defaults();

  // REQUIRES: name is a defined setting (asserted; a typo is a programmer error).
  const std::string& Get(std::string_view name) const;
  int64_t GetInt(std::string_view name) const;
  bool GetBool(std::string_view name) const;
  // Where the value came from: "flag", "env", "file" or "default".
  std::string_view SourceOf(std::string_view name) const;
  void Set(std::string_view name, std::string value);  // for tests and derived values

  // {name: {"value": ..., "source": ...}} for `strata config show`.
  Json ToJson() const;

 private:
  struct Value {
    std::string text;
    std::string_view source;
  };
  std::map<std::string, Value, std::less<>> values_;
};

}  // namespace strata::core
