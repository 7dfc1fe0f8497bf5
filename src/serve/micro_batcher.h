#pragma once
// Dynamic micro-batching: concurrent small requests to one model are gathered and
// predicted as one batch, which amortizes the per-call cost of the model (matrix set-up,
// tree traversal set-up) across requests.
//
// Two ways in, one batching rule:
// - Predict: leader/follower between threads, no thread of its own. A request takes a
//   Ticket when it arrives (before parsing its body) and calls Predict with it. The
//   first request to find no batch forming becomes the leader: it waits until every
//   request that has arrived has joined, the batch holds max_rows, or max_delay has
//   passed, whichever comes first; then it runs the batch on its own thread and hands
//   each follower its slice. A lone request never waits (nobody else has arrived), so
//   batching costs nothing at low load.
// - PredictTogether: requests a caller has already gathered (an event loop's requests
//   that became ready together) run as batches now, on the calling thread, with no
//   waiting and no other thread woken.
// Either way a failed batch of several requests re-runs each request's rows alone, so
// one client's bad row fails only that client.

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "core/core.h"
#include "serve/predictor.h"

namespace strata::serve {

struct BatchOptions {
  std::chrono::microseconds max_delay{1000};
  size_t max_rows = 256;
};

struct BatchedResult {
  Predictions predictions;  // this request's rows only
  size_t batch_rows = 0;    // rows in the batch it ran in
  double model_seconds = 0;  // time of the batch's Predict
};

// The result of rows [first, first + rows) of a batch's predictions, without notes
// (each way of batching gives a request its own).
BatchedResult SliceOfBatch(const Predictions& batch, size_t batch_rows, size_t first, size_t rows,
                           double model_seconds);

class MicroBatcher {
 public:
  // `predict` runs one batch: rows (already parsed) in, predictions out.
  using PredictFn = std::function<Result<Predictions>(const Json& rows)>;
  MicroBatcher(PredictFn predict, BatchOptions options);

  // Announces a request that will call Predict (or give up: the destructor withdraws it).
  class Ticket {
   public:
    Ticket(Ticket&& o) noexcept : b_(o.b_) { o.b_ = nullptr; }
    Ticket& operator=(Ticket&&) = delete;
    ~Ticket();

   private:
    friend class MicroBatcher;
    explicit Ticket(MicroBatcher* b) : b_(b) {}
    MicroBatcher* b_;
  };
  Ticket Arrive();

  // Predicts `rows` (a JSON list of rows), possibly together with other callers'.
  Result<BatchedResult> Predict(Ticket& ticket, const Json& rows);

  // Predicts each request's rows (JSON lists), together in batches of up to max_rows,
  // now; one result per request, in order. Does not use tickets or wait for anyone.
  std::vector<Result<BatchedResult>> PredictTogether(const std::vector<const Json*>& requests);

 private:
  struct Pending {
    const Json* rows = nullptr;
    size_t first = 0;  // offset in the batch
    bool done = false;
    bool retry_alone = false;  // the batch failed: run this request's rows by themselves
    Result<BatchedResult> result = Status(ErrorCode::kInternal, "not run");
  };
  struct Batch {
    std::vector<Pending*> members;
    size_t rows = 0;
    bool closed = false;
  };

  Result<BatchedResult> RunAlone(const Json& rows);
  // Predicts the members' rows as one batch and fills in each member's result (or
  // retry_alone); sets their offsets. Touches nothing but the members.
  void RunBatch(const std::vector<Pending*>& members);
  // A request's result once its batch ran: its slice, or its rows run alone when the
  // batch failed. Called and returns with `lock` held.
  Result<BatchedResult> Finish(Pending& me, const Json& rows, std::unique_lock<std::mutex>& lock);

  PredictFn predict_;
  BatchOptions options_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::shared_ptr<Batch> forming_;  // the batch a leader is gathering, if any
  int arrived_ = 0;                  // tickets not yet in a batch
};

}  // namespace strata::serve
