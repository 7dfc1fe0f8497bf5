#pragma once
// A small Prometheus registry: counters, gauges and histograms with labels, plus gauge
// callbacks read at render time. The HTTP server records every request through
// RequestStarted/RequestFinished; other subsystems add their own series.
// Thread-safe. Per-request paths hold CounterRef / HistogramRef handles and update
// atomics without a lock.

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace strata::api {

using Labels = std::vector<std::pair<std::string, std::string>>;

class Metrics {
 private:
  struct HistogramCells;

 public:
  Metrics();

  // A counter series found (or created) once and then added to with an atomic, without
  // the registry's lock or the labels' rendering: for per-request paths. Valid as long
  // as the registry.
  class CounterRef {
   public:
    void Add(double delta = 1) const { value_->fetch_add(delta, std::memory_order_relaxed); }

   private:
    friend class Metrics;
    explicit CounterRef(std::atomic<double>* value) : value_(value) {}
    std::atomic<double>* value_;
  };
  // The same for a histogram series (the default latency buckets).
  class HistogramRef {
   public:
    void Observe(double value) const;

   private:
    friend class Metrics;
    HistogramRef(HistogramCells* cells, const std::vector<double>* bounds) : cells_(cells), bounds_(bounds) {}
    HistogramCells* cells_;
    const std::vector<double>* bounds_;
  };
  CounterRef Counter(const std::string& name, const std::string& help, const Labels& labels);
  HistogramRef Histogram(const std::string& name, const std::string& help, const Labels& labels);

  void RequestStarted();
  void RequestFinished(std::string_view method, std::string_view route, int status, double seconds);

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
  // Cells are atomics so that updates through the Refs need no lock; the maps holding
  // them change only under mu_, and their nodes never move.
  struct HistogramCells {
    explicit HistogramCells(size_t n) : buckets(new std::atomic<uint64_t>[n]()) {}
    std::unique_ptr<std::atomic<uint64_t>[]> buckets;  // per-bucket counts (cumulated at render)
    std::atomic<double> sum{0};
    std::atomic<uint64_t> count{0};
  };
  struct Family {
    Kind kind;
    std::string help;
    std::map<std::string, std::atomic<double>> values;  // rendered labels -> value
    std::map<std::string, HistogramCells> histograms;   // rendered labels -> histogram
    std::function<double()> callback;
  };
  Family& FamilyFor(const std::string& name, const std::string& help, Kind kind);
  // The HTTP series of one (method, route, status), cached for RequestFinished.
  struct RequestSeries {
    CounterRef requests;
    HistogramRef duration;
  };

  mutable std::mutex mu_;
  std::map<std::string, Family> families_;
  std::vector<double> bounds_;
  std::atomic<double>* in_flight_ = nullptr;  // the in-flight gauge's cell
  std::unordered_map<std::string, RequestSeries> request_series_;  // under mu_
};

}  // namespace strata::api
