#pragma once
// Time: a Clock interface so tests can control "now", and RFC 3339 UTC text, the
// only time format on the wire (API.md).

#include <atomic>
#include <chrono>
#include <string>
#include <string_view>

#include "core/status.h"

namespace strata::core {

using TimePoint = std::chrono::system_clock::time_point;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint Now() const = 0;
};

// The wall clock. A process-wide instance; thread-safe.
const Clock& SystemClock();

// A clock for tests: starts at the given time and moves only when told. Thread-safe.
class FakeClock : public Clock {
 public:
  explicit FakeClock(TimePoint start) : now_(start.time_since_epoch().count()) {}
  TimePoint Now() const override;
  void Advance(std::chrono::milliseconds d);

 private:
  std::atomic<TimePoint::rep> now_;
};

// "2026-11-23T03:49:47.123Z" (milliseconds, always UTC).
std::string FormatRfc3339(TimePoint t);
// Accepts "Z" or "+hh:mm" offsets and optional fractional seconds.
Result<TimePoint> ParseRfc3339(std::string_view text);
// Milliseconds since the Unix epoch, the form stored in the catalog.
int64_t ToUnixMillis(TimePoint t);
TimePoint FromUnixMillis(int64_t ms);

}  // namespace strata::core
