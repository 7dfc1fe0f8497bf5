#pragma once
// A small Prometheus registry: counters, gauges and histograms with labels, plus gauge
// callbacks read at render time. The HTTP server records every request through
// RequestStarted/RequestFinished; other subsystems add their own series.
// Thread-safe; the hot path takes one short lock.

#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace strata::api {

using Labels = std::vector<std::pair<std::string, std::string>>;

class Metrics {
 public:
  Metrics();

  void RequestStarted();
  void RequestFinished(const std::string& method, const std::string& route, int status, double seconds);

  void IncrementCounter(const std::string& name, const std::string& help, const Labels& labels,
                        double delta = 1);
  void SetGauge(const std::string& name, const std::string& help, const Labels& labels, double value);
  // Histogram with the default latency buckets (0.5 ms .. 10 s), in seconds.
  void Observe(const std::string& name, const std::string& help, const Labels& labels, double value);
  void AddGaugeCallback(const std::string& name, const std::string& help, std::function<double()> fn);

  // The text exposition format (version 0.0.4).
  std::string RenderPrometheus() const;

 private:
  enum class Kind { kCounter, kGauge, kHistogram };
  struct Histogram {
    std::vector<uint64_t> buckets;  // cumulative at render; per-bucket counts here
    double sum = 0;
    uint64_t count = 0;
  };
  struct Family {
    Kind kind;
    std::string help;
    std::map<std::string, double> values;         // rendered labels -> value
    std::map<std::string, Histogram> histograms;  // rendered labels -> histogram
    std::function<double()> callback;
  };
  Family& FamilyFor(const std::string& name, const std::string& help, Kind kind);

  mutable std::mutex mu_;
  std::map<std::string, Family> families_;
  std::vector<double> bounds_;
  int64_t in_flight_ = 0;
};

}  // namespace strata::api
