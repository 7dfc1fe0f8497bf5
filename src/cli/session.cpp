#include "cli/session.h"

#include <fmt/format.h>

namespace strata::cli {

Result<core::Config> LoadConfig(const GlobalFlags& flags, bool client_command) {
  STRATA_ASSIGN_OR_RETURN(core::Config config, core::Config::Load(flags.settings));
  core::log::Format format;
  if (!core::log::ParseFormat(config.Get("log_format"), &format)) {
    return InvalidArgumentError(fmt::format("log_format must be text or json, got '{}'", config.Get("log_format")));
  }
  core::log::Level level;
  if (!core::log::ParseLevel(config.Get("log_level"), &level)) {
    return InvalidArgumentError(
        fmt::format("log_level must be debug, info, warn or error, got '{}'", config.Get("log_level")));
  }
  if (client_command && config.SourceOf("log_level") == "default") level = core::log::Level::kWarn;
  core::log::Init(format, level);
  return config;
}

Result<std::unique_ptr<Session>> Session::Open(const GlobalFlags& flags) {
  auto session = std::unique_ptr<Session>(new Session());
  STRATA_ASSIGN_OR_RETURN(session->config_, LoadConfig(flags, /*client_command=*/true));
  STRATA_ASSIGN_OR_RETURN(session->format_, ResolveOutputFormat(flags.output));
  const std::string& server = session->config_.Get("server");
  if (!server.empty()) {
    STRATA_ASSIGN_OR_RETURN(session->transport_, MakeRemoteTransport(server));
  } else {
    STRATA_ASSIGN_OR_RETURN(session->transport_, MakeLocalTransport(session->config_));
  }
  return session;
}

void Session::Print(const Json& value, const std::function<std::string(const Json&)>& render) const {
  std::string text = format_ == OutputFormat::kJson ? PrettyJson(value) : render(value);
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fflush(stdout);
}

}  // namespace strata::cli
