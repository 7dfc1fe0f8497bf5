// The one place that defines each setting. Add a setting here; nothing else to edit.
#include "core/config.h"

namespace strata::core {

const std::vector<SettingSpec>& AllSettings() {
  static const std::vector<SettingSpec> kSettings = {
      {"config", SettingType::kString, "", "YAML file with settings (keys are setting names)"},
      {"data_dir", SettingType::kString, "./strata-data",
       "directory holding catalog.db and objects/"},
      {"server", SettingType::kString, "",
       "URL of a Strata server for the CLI to talk to; empty: serve the local data dir "
       "in-process"},
      {"host", SettingType::kString, "127.0.0.1", "address the server listens on"},
      {"port", SettingType::kInt, "8080", "TCP port the server listens on (0: any free port)"},
      {"log_format", SettingType::kString, "text", "log line format: text or json"},
      {"log_level", SettingType::kString, "info", "debug, info, warn or error"},
      {"http_threads", SettingType::kInt, "0", "threads running HTTP handlers (0: one per core)"},
      {"io_threads", SettingType::kInt, "0",
       "threads reading and writing connections, which also run small invocations (0: two where "
       "there are two cores or more)"},
      {"max_body_bytes", SettingType::kInt, "67108864",
       "largest request body accepted in memory; larger gets 413"},
      {"read_timeout_s", SettingType::kInt, "30", "seconds to receive a whole request"},
      {"write_timeout_s", SettingType::kInt, "30", "seconds to send a response chunk"},
      {"idle_timeout_s", SettingType::kInt, "60", "seconds a keep-alive connection may idle"},
      {"shutdown_grace_s", SettingType::kInt, "30",
       "seconds in-flight requests get to finish on SIGINT/SIGTERM"},
      {"max_jobs", SettingType::kInt, "0", "jobs run at once (0: one per core)"},
      {"sample_data", SettingType::kString, "",
       "directory of CSV/TSV/JSON Lines files imported as datasets when the data dir has none"},
  };
  return kSettings;
}

}  // namespace strata::core
