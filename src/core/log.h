#pragma once
// The one logger. Human-readable lines on a terminal, JSON lines with
// `--log-format json`. Thread-safe. Every line written while a LogContext is alive on
// the current thread carries its fields (the HTTP server sets `request_id`, the job
// worker sets `job_id`), so all lines of one request can be found together.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

namespace strata::core::log {

enum class Level { kDebug, kInfo, kWarn, kError };
enum class Format { kText, kJson };

// Configures the process-wide logger; lines go to stderr. Safe to call again.
void Init(Format format, Level level);
// "debug"|"info"|"warn"|"error" and "text"|"json"; false when unknown.
bool ParseLevel(std::string_view name, Level* out);
bool ParseFormat(std::string_view name, Format* out);

bool Enabled(Level level);
void Write(Level level, std::string_view message);

// Adds key=value to every line logged on this thread while it lives. Nests.
class LogContext {
 public:
  LogContext(std::string key, std::string value);
  ~LogContext();
  LogContext(const LogContext&) = delete;
  LogContext& operator=(const LogContext&) = delete;
};
// The fields of the current thread's contexts, outermost first.
const std::vector<std::pair<std::string, std::string>>& CurrentContext();

template <typename... A>
void Debug(fmt::format_string<A...> f, A&&... a) {
  if (Enabled(Level::kDebug)) Write(Level::kDebug, fmt::format(f, std::forward<A>(a)...));
}
template <typename... A>
void Info(fmt::format_string<A...> f, A&&... a) {
  if (Enabled(Level::kInfo)) Write(Level::kInfo, fmt::format(f, std::forward<A>(a)...));
}
template <typename... A>
void Warn(fmt::format_string<A...> f, A&&... a) {
  if (Enabled(Level::kWarn)) Write(Level::kWarn, fmt::format(f, std::forward<A>(a)...));
}
template <typename... A>
void Error(fmt::format_string<A...> f, A&&... a) {
  if (Enabled(Level::kError)) Write(Level::kError, fmt::format(f, std::forward<A>(a)...));
}

}  // namespace strata::core::log
