#pragma once
// A real-time endpoint: named, serving one or more variants (model versions) with
// traffic weights, an optional shadow variant that gets a copy of the traffic, data
// capture, micro-batching per variant, and limits (rows per request, concurrent
// requests). Its configuration can be swapped while it serves: requests in flight
// finish on the state they started with, new ones see the new state, and no request
// fails because of the swap.

#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "core/core.h"
#include "serve/data_capture.h"
#include "serve/micro_batcher.h"
#include "serve/predictor.h"

namespace strata::serve {

struct VariantSpec {
  std::string name;
  std::string model;
  std::string version_ref;  // as asked: "3" or an alias ("production")
  int64_t version = 0;      // resolved when deployed
  double weight = 1;
  bool shadow = false;  // receives a copy of traffic; its answers are only recorded

  Json ToJson() const;
};

struct EndpointSpec {
  std::string name;
  std::vector<VariantSpec> variants;
  CaptureOptions capture;
  size_t max_rows = 1000;        // rows per request (413 past it)
  int max_concurrency = 64;      // requests in flight (429 past it)
  std::chrono::milliseconds timeout{30000};
  BatchOptions batching;

  // The API body: {"name", "variants": [{"name", "model", "version"|"alias", "weight",
  // "shadow"}], "capture": {"sample_rate"}, "limits": {"max_rows", "max_concurrency",
  // "timeout_ms"}, "batching": {"max_delay_us", "max_rows"}}. Shorthand: {"name",
  // "model", "version"|"alias"} for one variant. Checks names, weights and limits.
  static Result<EndpointSpec> FromJson(const Json& json);
  Json ToJson() const;
};

// One request of Endpoint::InvokeMany.
struct InvokeCall {
  std::string_view content_type;
  std::string_view body;
  std::string request_id;
};

struct InvokeResult {
  // The response body, JSON text: {"predictions": [Predictor::RowJson of each row],
  // "variant": "...", "model": {"name", "version"}, "notes": [...]?}
  std::string body;
  std::string variant;
  size_t rows = 0;
  size_t batch_rows = 0;
  double model_seconds = 0;
};

class Endpoint {
 public:
  Endpoint(std::string name, std::filesystem::path capture_dir);
  ~Endpoint();

  const std::string& name() const { return name_; }
  // Installs a new configuration with its loaded models (one per variant, same order).
  void Swap(EndpointSpec spec, std::vector<std::shared_ptr<const Predictor>> predictors);
  EndpointSpec spec() const;
  int in_flight() const { return in_flight_.load(); }

  // One invocation. Throttled past max_concurrency, PayloadTooLarge past max_rows,
  // InvalidArgument for a malformed body (naming row and field), Unavailable when it ran
  // past the timeout.
  Result<InvokeResult> Invoke(std::string_view content_type, std::string_view body,
                              const std::string& request_id = "");
  // Requests that arrived together (an event loop's ready requests): each is answered
  // as Invoke would answer it, in order, and those that go to the same variant are
  // predicted as one batch now, without waiting for more (MicroBatcher::PredictTogether).
  std::vector<Result<InvokeResult>> InvokeMany(const std::vector<InvokeCall>& calls);

  // Closes capture files (shutdown, tests).
  void FlushCapture();

 private:
  struct Variant {
    VariantSpec spec;
    std::shared_ptr<const Predictor> predictor;
    std::unique_ptr<MicroBatcher> batcher;
  };
  struct State {
    EndpointSpec spec;
    std::vector<std::shared_ptr<Variant>> live;  // weighted
    std::shared_ptr<Variant> shadow;
    double total_weight = 0;
    std::shared_ptr<DataCapture> capture;  // null when capture is off
  };
  std::shared_ptr<const State> Current() const;
  std::shared_ptr<Variant> Pick(const State& state);
  void RunShadow(std::shared_ptr<const State> state, Json rows, const std::string& request_id);
  Status Admit(const State& state);  // counts a request in flight, or Throttled
  // A request's answer once its batch ran: the timeout check, the body, capture (when
  // `sampled`) and the shadow's copy. `rows` (the request's JSON rows) serve only those
  // two.
  Result<InvokeResult> Answer(const std::shared_ptr<const State>& state, const Variant& v, Json rows,
                              BatchedResult batched, const std::string& request_id,
                              std::chrono::steady_clock::time_point start, bool sampled);

  std::string name_;
  std::filesystem::path capture_dir_;
  mutable std::mutex mu_;
  std::shared_ptr<const State> state_;
  std::atomic<int> in_flight_{0};
  std::atomic<int> shadow_in_flight_{0};
  std::mt19937_64 rng_;
  std::mutex rng_mu_;
  std::unique_ptr<core::ThreadPool> shadow_pool_;
};

}  // namespace strata::serve
