#include "api/metrics.h"

#include <algorithm>
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
  FamilyFor("strata_http_requests_in_flight", "HTTP requests being handled", Kind::kGauge).values[""] = 0;
}

Metrics::Family& Metrics::FamilyFor(const std::string& name, const std::string& help, Kind kind) {
  auto it = families_.find(name);
  if (it == families_.end()) it = families_.emplace(name, Family{kind, help, {}, {}, nullptr}).first;
  return it->second;
}

void Metrics::RequestStarted() {
  std::lock_guard lock(mu_);
  families_["strata_http_requests_in_flight"].values[""] = static_cast<double>(++in_flight_);
}

void Metrics::RequestFinished(const std::string& method, const std::string& route, int status, double seconds) {
  std::string status_text = std::to_string(status);
  {
    std::lock_guard lock(mu_);
    families_["strata_http_requests_in_flight"].values[""] = static_cast<double>(--in_flight_);
  }
  IncrementCounter("strata_http_requests_total", "HTTP requests by method, route and status",
                   {{"method", method}, {"route", route}, {"status", status_text}});
  Observe("strata_http_request_duration_seconds", "HTTP request latency by route, in seconds",
          {{"route", route}}, seconds);
}

void Metrics::IncrementCounter(const std::string& name, const std::string& help, const Labels& labels,
                               double delta) {
  std::string key = RenderLabels(labels);
  std::lock_guard lock(mu_);
  FamilyFor(name, help, Kind::kCounter).values[key] += delta;
}

void Metrics::SetGauge(const std::string& name, const std::string& help, const Labels& labels, double value) {
  std::string key = RenderLabels(labels);
  std::lock_guard lock(mu_);
  FamilyFor(name, help, Kind::kGauge).values[key] = value;
}

void Metrics::Observe(const std::string& name, const std::string& help, const Labels& labels, double value) {
  std::string key = RenderLabels(labels);
  std::lock_guard lock(mu_);
  Histogram& h = FamilyFor(name, help, Kind::kHistogram).histograms[key];
  if (h.buckets.empty()) h.buckets.assign(bounds_.size(), 0);
  auto at = std::lower_bound(bounds_.begin(), bounds_.end(), value) - bounds_.begin();
  if (at < static_cast<long>(bounds_.size())) ++h.buckets[at];
  h.sum += value;
  ++h.count;
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
    for (const auto& [labels, v] : f.values) out += fmt::format("{} {}\n", Series(name, labels), Number(v));
    for (const auto& [labels, h] : f.histograms) {
      uint64_t cumulative = 0;
      std::string sep = labels.empty() ? "" : ",";
      for (size_t i = 0; i < bounds_.size(); ++i) {
        cumulative += h.buckets[i];
        out += fmt::format("{}_bucket{{{}{}le=\"{}\"}} {}\n", name, labels, sep, Number(bounds_[i]), cumulative);
      }
      out += fmt::format("{}_bucket{{{}{}le=\"+Inf\"}} {}\n", name, labels, sep, h.count);
      out += fmt::format("{} {}\n", Series(name + "_sum", labels), Number(h.sum));
      out += fmt::format("{} {}\n", Series(name + "_count", labels), h.count);
    }
  }
  return out;
}

}  // namespace strata::api
