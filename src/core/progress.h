#pragma once
// A terminal progress bar for long CLI operations:
//   importing data.csv  [########............]  42%  12.3 MB/s  ETA 4s
// It draws only when its stream is a terminal (so scripts and CI logs stay clean),
// redraws at most 10 times a second, and erases itself on Finish(). Not thread-safe:
// update it from one thread.

#include <chrono>
#include <cstdio>
#include <string>

namespace strata::core {

class ProgressBar {
 public:
  enum class Unit { kCount, kBytes, kPercent };

  // total <= 0 means unknown (a spinner with the running count).
  ProgressBar(std::string label, double total, Unit unit = Unit::kCount, FILE* out = stderr);
  ~ProgressBar();
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  void Update(double done);
  void SetLabel(std::string label);
  // Draws the final state and moves to a new line.
  void Finish();
  bool enabled() const { return enabled_; }

  // The line that would be drawn for these values: exposed for tests.
  static std::string Render(const std::string& label, double done, double total, Unit unit,
                            double seconds, int width);

 private:
  void Draw(bool force);

  std::string label_;
  double total_;
  Unit unit_;
  FILE* out_;
  bool enabled_;
  bool finished_ = false;
  double done_ = 0;
  std::chrono::steady_clock::time_point start_, last_draw_;
};

}  // namespace strata::core
