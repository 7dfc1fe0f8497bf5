#include "api/metrics.h"

#include <algorithm>
#include <charconv>
#include <cmath>

#include <fmt/format.h>

#include "core/core.h"

namespace strata::api {
namespace {

std::string Escape(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string RenderLabels(const Labels& labels) {
  std::string out;
  for (const auto& [k, v] : labels) out += (out.empty() ? "" : ",") + k + "=\"" + Escape(v) + "\"";
  return out;
}

std::string Number(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (v == std::floor(v) && std::fabs(v) < 1e15) return fmt::format("{}", static_cast<int64_t>(v));
  return fmt::format("{}", v);
}

std::string Series(const std::string& name, const std::string& labels) {
  return labels.empty() ? name : name + "{" + labels + "}";
}

}  // namespace

Metrics::Metrics()
    : bounds_{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10} {
  AddGaugeCallback("strata_process_resident_memory_bytes", "Resident memory of the server process",
                   [] { return static_cast<double>(core::ResidentMemoryBytes()); });
  std::lock_guard lock(mu_);
  in_flight_ = &FamilyFor("strata_http_requests_in_flight", "HTTP requests being handled", Kind::kGauge).values[""];
}

Metrics::Family& Metrics::FamilyFor(const std::string& name, const std::string& help, Kind kind) {
  auto it = families_.find(name);
  if (it == families_.end()) it = families_.try_emplace(name, Family{kind, help, {}, {}, nullptr}).first;
  return it->second;
}

Metrics::CounterRef Metrics::Counter(const std::string& name, const std::string& help, const Labels& labels) {
  std::string key = RenderLabels(labels);
  std::lock_guard lock(mu_);
  return CounterRef(&FamilyFor(name, help, Kind::kCounter).values[key]);
}

Metrics::HistogramRef Metrics::Histogram(const std::string& name, const std::string& help, const Labels& labels) {
  std::string key = RenderLabels(labels);
  std::lock_guard lock(mu_);
  auto& histograms = FamilyFor(name, help, Kind::kHistogram).histograms;
  auto it = histograms.try_emplace(std::move(key), bounds_.size()).first;
  return HistogramRef(&it->second, &bounds_);
}

void Metrics::HistogramRef::Observe(double value) const {
  auto at = std::lower_bound(bounds_->begin(), bounds_->end(), value) - bounds_->begin();
  if (at < static_cast<long>(bounds_->size())) cells_->buckets[at].fetch_add(1, std::memory_order_relaxed);
  cells_->sum.fetch_add(value, std::memory_order_relaxed);
  cells_->count.fetch_add(1, std::memory_order_relaxed);
}

void Metrics::RequestStarted() { in_flight_->fetch_add(1, std::memory_order_relaxed); }

void Metrics::RequestFinished(std::string_view method, std::string_view route, int status, double seconds) {
  in_flight_->fetch_sub(1, std::memory_order_relaxed);
  // The series' key is made in a buffer each thread keeps, so that a request that finds
  // its series allocates nothing.
  thread_local std::string key;
  key.assign(method).append(1, ' ').append(route).append(1, ' ');
  const size_t status_at = key.size();
  key.resize(status_at + 8);
  key.resize(static_cast<size_t>(std::to_chars(key.data() + status_at, key.data() + key.size(), status).ptr - key.data()));
  RequestSeries* series = nullptr;
  {
    std::lock_guard lock(mu_);
    if (auto it = request_series_.find(key); it != request_series_.end()) series = &it->second;
  }
  if (series == nullptr) {
    const std::string route_label(route);
    RequestSeries made{Counter("strata_http_requests_total", "HTTP requests by method, route and status",
                               {{"method", std::string(method)}, {"route", route_label}, {"status", std::to_string(status)}}),
                       Histogram("strata_http_request_duration_seconds", "HTTP request latency by route, in seconds",
                                 {{"route", route_label}})};
    std::lock_guard lock(mu_);
    series = &request_series_.try_emplace(key, made).first->second;
  }
  series->requests.Add();
  series->duration.Observe(seconds);
}

void Metrics::IncrementCounter(const std::string& name, const std::string& help, const Labels& labels,
                               double delta) {
  Counter(name, help, labels).Add(delta);
}

void Metrics::SetGauge(const std::string& name, const std::string& help, const Labels& labels, double value) {
  std::string key = RenderLabels(labels);
  std::lock_guard lock(mu_);
  FamilyFor(name, help, Kind::kGauge).values[key].store(value, std::memory_order_relaxed);
}

void Metrics::Observe(const std::string& name, const std::string& help, const Labels& labels, double value) {
  Histogram(name, help, labels).Observe(value);
}

void Metrics::AddGaugeCallback(const std::string& name, const std::string& help, std::function<double()> fn) {
  std::lock_guard lock(mu_);
  FamilyFor(name, help, Kind::kGauge).callback = std::move(fn);
}

std::string Metrics::RenderPrometheus() const {
  // Callbacks may be slow (a catalog query): read them outside the lock.
  std::vector<std::pair<std::string, std::function<double()>>> callbacks;
  {
    std::lock_guard lock(mu_);
    for (const auto& [name, f] : families_) {
      if (f.callback) callbacks.emplace_back(name, f.callback);
    }
  }
  std::map<std::string, double> called;
  for (const auto& [name, fn] : callbacks) called[name] = fn();

  std::string out;
  std::lock_guard lock(mu_);
  for (const auto& [name, f] : families_) {
    const char* type = f.kind == Kind::kCounter ? "counter" : f.kind == Kind::kGauge ? "gauge" : "histogram";
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, f.help, name, type);
    if (f.callback) out += fmt::format("{} {}\n", name, Number(called[name]));
    for (const auto& [labels, v] : f.values) out += fmt::format("{} {}\n", Series(name, labels), Number(v.load()));
    for (const auto& [labels, h] : f.histograms) {
      // The count is read first and caps the buckets: a request observed while this
      // renders must not make a bucket exceed +Inf.
      const uint64_t count = h.count.load();
      uint64_t cumulative = 0;
      std::string sep = labels.empty() ? "" : ",";
      for (size_t i = 0; i < bounds_.size(); ++i) {
        cumulative = std::min(count, cumulative + h.buckets[i].load());
        out += fmt::format("{}_bucket{{{}{}le=\"{}\"}} {}\n", name, labels, sep, Number(bounds_[i]), cumulative);
      }
      out += fmt::format("{}_bucket{{{}{}le=\"+Inf\"}} {}\n", name, labels, sep, count);
      out += fmt::format("{} {}\n", Series(name + "_sum", labels), Number(h.sum.load()));
      out += fmt::format("{} {}\n", Series(name + "_count", labels), count);
    }
  }
  return out;
}

}  // namespace strata::api
