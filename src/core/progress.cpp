#include "core/progress.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace strata::core {
namespace {

std::string Amount(double v, ProgressBar::Unit unit) {
  if (unit == ProgressBar::Unit::kBytes) {
    const char* units[] = {"B", "KB", "MB", "GB", "TB"};
    int i = 0;
    while (v >= 1000 && i < 4) {
      v /= 1000;
      ++i;
    }
    return i == 0 ? fmt::format("{:.0f} {}", v, units[i]) : fmt::format("{:.1f} {}", v, units[i]);
  }
  if (v >= 1e6) return fmt::format("{:.1f}M", v / 1e6);
  if (v >= 1e4) return fmt::format("{:.1f}k", v / 1e3);
  return fmt::format("{:.0f}", v);
}

std::string Duration(double s) {
  if (!std::isfinite(s) || s < 0) return "?";
  int64_t t = static_cast<int64_t>(s + 0.5);
  if (t >= 3600) return fmt::format("{}h{:02}m", t / 3600, (t % 3600) / 60);
  if (t >= 60) return fmt::format("{}m{:02}s", t / 60, t % 60);
  return fmt::format("{}s", t);
}

int TerminalWidth(FILE* out) {
  winsize ws{};
  if (ioctl(fileno(out), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 20) return ws.ws_col;
  return 80;
}

}  // namespace

ProgressBar::ProgressBar(std::string label, double total, Unit unit, FILE* out)
    : label_(std::move(label)),
      total_(total),
      unit_(unit),
      out_(out),
      enabled_(out != nullptr && isatty(fileno(out))),
      start_(std::chrono::steady_clock::now()) {}

ProgressBar::~ProgressBar() {
  if (!finished_) Finish();
}

void ProgressBar::Update(double done) {
  done_ = done;
  Draw(false);
}

void ProgressBar::SetLabel(std::string label) {
  label_ = std::move(label);
  Draw(true);
}

void ProgressBar::Finish() {
  if (finished_) return;
  finished_ = true;
  if (!enabled_) return;
  if (total_ > 0) done_ = std::max(done_, total_);
  Draw(true);
  std::fputc('\n', out_);
  std::fflush(out_);
}

std::string ProgressBar::Render(const std::string& label, double done, double total, Unit unit,
                                double seconds, int width) {
  std::string rate;
  if (unit != Unit::kPercent && seconds > 0.2) {
    rate = Amount(done / seconds, unit) + "/s";
  }
  if (total <= 0) {
    return fmt::format("{}  {}  {}  {}", label, Amount(done, unit), rate, Duration(seconds));
  }
  double frac = std::clamp(done / total, 0.0, 1.0);
  std::string eta = frac > 0 && frac < 1 ? "ETA " + Duration(seconds * (1 - frac) / frac)
                                         : Duration(seconds);
  std::string tail = fmt::format(" {:3.0f}%  {}  {}", frac * 100, rate, eta);
  int bar = std::clamp(width - static_cast<int>(label.size() + tail.size()) - 5, 10, 40);
  int filled = static_cast<int>(frac * bar);
  return fmt::format("{}  [{}{}]{}", label, std::string(filled, '#'),
                     std::string(bar - filled, '.'), tail);
}

void ProgressBar::Draw(bool force) {
  if (!enabled_) return;
  auto now = std::chrono::steady_clock::now();
  if (!force && now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  double secs = std::chrono::duration<double>(now - start_).count();
  int width = TerminalWidth(out_);
  std::string line = Render(label_, done_, total_, unit_, secs, width);
  if (static_cast<int>(line.size()) > width - 1) line.resize(width - 1);
  fmt::print(out_, "\r{}\x1b[K", line);
  std::fflush(out_);
}

}  // namespace strata::core
