#pragma once
// What every CLI command starts from: the resolved configuration, the output format
// and a transport to the API (remote with --server, in-process otherwise).

#include <map>
#include <memory>
#include <string>

#include "cli/output.h"
#include "cli/transport.h"
#include "core/core.h"

namespace strata::cli {

// Values of the global flags, by setting name (only those given on the command line).
struct GlobalFlags {
  std::map<std::string, std::string> settings;
  std::string output;  // "", "table" or "json"
};

// Loads the configuration and sets up logging. Client commands log warnings only,
// unless --log-level says otherwise, so their output stays readable.
Result<core::Config> LoadConfig(const GlobalFlags& flags, bool client_command);

class Session {
 public:
  static Result<std::unique_ptr<Session>> Open(const GlobalFlags& flags);

  const core::Config& config() const { return config_; }
  OutputFormat format() const { return format_; }
  Transport& transport() { return *transport_; }

  // Prints a JSON value as JSON, or as a table through `render` in table mode.
  void Print(const Json& value, const std::function<std::string(const Json&)>& render) const;

 private:
  core::Config config_;
  OutputFormat format_ = OutputFormat::kTable;
  std::unique_ptr<Transport> transport_;
};

}  // namespace strata::cli
