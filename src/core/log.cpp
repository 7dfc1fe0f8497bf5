// Adapter over spdlog: spdlog owns the sink and its locking; this file owns the line
// formats (spdlog's JSON would need a custom formatter anyway, so the JSON line is
// built here with nlohmann and handed to spdlog as an opaque message).
#include "core/log.h"

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>

#include <nlohmann/json.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

namespace strata::core::log {
namespace {

std::atomic<Level> g_level{Level::kInfo};
std::atomic<Format> g_format{Format::kText};
thread_local std::vector<std::pair<std::string, std::string>> t_context;

std::shared_ptr<spdlog::logger> Logger() {
  static std::shared_ptr<spdlog::logger> logger = [] {
    auto l = spdlog::stderr_color_mt("strata");
    l->set_level(spdlog::level::trace);
    l->set_pattern("%v");  // the line is fully formatted in Write()
    return l;
  }();
  return logger;
}

std::string_view LevelName(Level level) {
  switch (level) {
    case Level::kDebug: return "debug";
    case Level::kInfo: return "info";
    case Level::kWarn: return "warn";
    case Level::kError: return "error";
  }
  return "info";
}

std::string Timestamp() {
  auto now = std::chrono::system_clock::now();
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()) % 1000;
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900,
                     tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms.count());
}

}  // namespace

void Init(Format format, Level level) {
  g_format = format;
  g_level = level;
  Logger();
}

bool ParseLevel(std::string_view name, Level* out) {
  for (Level l : {Level::kDebug, Level::kInfo, Level::kWarn, Level::kError}) {
    if (LevelName(l) == name) {
      *out = l;
      return true;
    }
  }
  return false;
}

bool ParseFormat(std::string_view name, Format* out) {
  if (name == "text") *out = Format::kText;
  else if (name == "json") *out = Format::kJson;
  else return false;
  return true;
}

bool Enabled(Level level) { return level >= g_level.load(std::memory_order_relaxed); }

void Write(Level level, std::string_view message) {
  std::string line;
  if (g_format == Format::kJson) {
    nlohmann::ordered_json j;
    j["ts"] = Timestamp();
    j["level"] = LevelName(level);
    j["msg"] = message;
    for (const auto& [k, v] : t_context) j[k] = v;
    line = j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
  } else {
    line = fmt::format("{} {:<5} {}", Timestamp(), LevelName(level), message);
    for (const auto& [k, v] : t_context) fmt::format_to(std::back_inserter(line), " {}={}", k, v);
  }
  Logger()->info(line);
}

LogContext::LogContext(std::string key, std::string value) {
  t_context.emplace_back(std::move(key), std::move(value));
}
LogContext::~LogContext() { t_context.pop_back(); }

const std::vector<std::pair<std::string, std::string>>& CurrentContext() { return t_context; }

}  // namespace strata::core::log
