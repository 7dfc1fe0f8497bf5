// `strata server`, `strata worker`, `strata config show`, `strata version`.
#include <cstdio>

#include <fmt/format.h>

#include "cli/commands.h"

namespace strata::cli {

int CmdServer(const GlobalFlags& g) {
  auto config = LoadConfig(g, /*client_command=*/false);
  if (!config.ok()) return ReportError(config.status());
  auto app = platform::App::Open(*config, platform::Mode::kServer);
  if (!app.ok()) return ReportError(app.status());

  if (const std::string& samples = config->Get("sample_data"); !samples.empty()) {
    auto loaded = (*app)->LoadSampleData(samples);
    if (!loaded.ok()) core::log::Warn("sample data not loaded: {}", loaded.status().ToString());
  }

  // Endpoints come back before the port opens, so the first request finds them.
  if (Status s = (*app)->endpoints().LoadAll(); !s.ok()) core::log::Warn("endpoints not loaded: {}", s.ToString());

  api::Metrics metrics;
  api::Router router;
  api::AddAllRoutes(router, **app, metrics);

  api::ServerOptions options;
  options.host = config->Get("host");
  options.port = static_cast<int>(config->GetInt("port"));
  options.handler_threads = static_cast<int>(config->GetInt("http_threads"));
  options.io_threads = static_cast<int>(config->GetInt("io_threads"));
  options.max_body_bytes = static_cast<uint64_t>(config->GetInt("max_body_bytes"));
  options.read_timeout = std::chrono::seconds(config->GetInt("read_timeout_s"));
  options.write_timeout = std::chrono::seconds(config->GetInt("write_timeout_s"));
  options.idle_timeout = std::chrono::seconds(config->GetInt("idle_timeout_s"));
  options.shutdown_grace = std::chrono::seconds(config->GetInt("shutdown_grace_s"));
  options.temp_dir = ((*app)->store().data_dir / "tmp").string();
  options.handle_signals = true;

  api::HttpServer server(options, router, metrics);
  if (Status s = server.Start(); !s.ok()) return ReportError(s);
  // The first line on stdout is the contract tests and scripts read the URL from.
  fmt::print("strata server listening on http://{}:{} (data dir {})\n", options.host, server.port(),
             (*app)->store().data_dir.string());
  std::fflush(stdout);
  core::log::Info("strata {} ({}) listening on {}:{}", core::Version(), core::GitCommit(),
                  options.host, server.port());
  server.Run();
  core::log::Info("HTTP server stopped; stopping the job scheduler");
  (*app)->StopScheduler();
  core::log::Info("bye");
  return 0;
}

int CmdWorker(const GlobalFlags& g, const std::string& job_id) {
  auto config = LoadConfig(g, /*client_command=*/false);
  if (!config.ok()) return ReportError(config.status());
  return platform::RunWorkerProcess(*config, job_id);
}

int CmdConfigShow(const GlobalFlags& g) {
  auto config = LoadConfig(g, /*client_command=*/true);
  if (!config.ok()) return ReportError(config.status());
  auto format = ResolveOutputFormat(g.output);
  if (!format.ok()) return ReportError(format.status());
  Json j = config->ToJson();
  if (*format == OutputFormat::kJson) {
    fmt::print("{}", PrettyJson(j));
    return 0;
  }
  Table t;
  t.headers = {"SETTING", "VALUE", "SOURCE", "FLAG / ENV"};
  for (const auto& s : core::AllSettings()) {
    const Json& v = j[std::string(s.name)];
    t.rows.push_back({std::string(s.name), v["value"], v["source"],
                      core::FlagFor(s.name) + " / " + core::EnvVarFor(s.name)});
  }
  fmt::print("{}", t.Render());
  return 0;
}

int CmdVersion(const GlobalFlags& g) {
  fmt::print("strata {} (commit {})\n", core::Version(), core::GitCommit());
  return 0;
}

}  // namespace strata::cli
