#include "serve/micro_batcher.h"

#include <fmt/format.h>

#include "serve/batch_cuts.h"

namespace strata::serve {

BatchedResult SliceOfBatch(const Predictions& batch, size_t batch_rows, size_t first, size_t rows,
                           double model_seconds) {
  BatchedResult r;
  r.batch_rows = batch_rows;
  r.model_seconds = model_seconds;
  r.predictions.rows = rows;
  r.predictions.per_row = batch.per_row;
  const auto w = static_cast<ptrdiff_t>(batch.per_row);
  r.predictions.values.assign(batch.values.begin() + static_cast<ptrdiff_t>(first) * w,
                              batch.values.begin() + static_cast<ptrdiff_t>(first + rows) * w);
  return r;
}

MicroBatcher::MicroBatcher(PredictFn predict, BatchOptions options)
    : predict_(std::move(predict)), options_(options) {}

MicroBatcher::Ticket MicroBatcher::Arrive() {
  std::lock_guard lock(mu_);
  ++arrived_;
  return Ticket(this);
}

MicroBatcher::Ticket::~Ticket() {
  if (b_ == nullptr) return;
  {
    std::lock_guard lock(b_->mu_);
    --b_->arrived_;
  }
  b_->cv_.notify_all();  // a leader may be waiting for this request
}

Result<BatchedResult> MicroBatcher::RunAlone(const Json& rows) {
  const auto start = std::chrono::steady_clock::now();
  STRATA_ASSIGN_OR_RETURN(Predictions p, predict_(rows));
  BatchedResult r;
  r.predictions = std::move(p);
  r.batch_rows = rows.size();
  r.model_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return r;
}

Result<BatchedResult> MicroBatcher::Predict(Ticket& ticket, const Json& rows) {
  Pending me;
  me.rows = &rows;
  std::unique_lock lock(mu_);
  if (ticket.b_ == this) {
    ticket.b_ = nullptr;
    --arrived_;
  }

  if (forming_ && !forming_->closed && forming_->rows + rows.size() <= options_.max_rows) {
    // Follower: join the batch and wait for the leader to fill in our result.
    std::shared_ptr<Batch> batch = forming_;
    batch->rows += rows.size();
    batch->members.push_back(&me);
    cv_.notify_all();
    cv_.wait(lock, [&] { return me.done; });
    return Finish(me, rows, lock);
  }

  // Leader: open a batch and wait for the others in flight, up to the delay.
  auto batch = std::make_shared<Batch>();
  batch->members.push_back(&me);
  batch->rows = rows.size();
  forming_ = batch;
  const auto deadline = std::chrono::steady_clock::now() + options_.max_delay;
  cv_.wait_until(lock, deadline, [&] {
    return arrived_ <= 0 || batch->rows >= options_.max_rows;
  });
  batch->closed = true;
  if (forming_ == batch) forming_.reset();
  lock.unlock();
  RunBatch(batch->members);
  lock.lock();
  for (Pending* p : batch->members) p->done = true;
  cv_.notify_all();
  return Finish(me, rows, lock);
}

void MicroBatcher::RunBatch(const std::vector<Pending*>& members) {
  // Concatenate, predict once, hand out slices. A batch of one predicts the request's
  // own rows: copying a JSON document costs about as much as predicting it.
  size_t total = 0;
  for (Pending* p : members) {
    p->first = total;
    total += p->rows->size();
  }
  Json concatenated;
  if (members.size() > 1) {
    concatenated = Json::array();
    for (Pending* p : members) {
      for (const auto& r : *p->rows) concatenated.push_back(r);
    }
  }
  const Json& all = members.size() > 1 ? concatenated : *members.front()->rows;
  const auto start = std::chrono::steady_clock::now();
  Result<Predictions> out = predict_(all);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  for (Pending* p : members) {
    if (!out.ok()) {
      // One client's bad row must not fail the others: each re-runs its own rows.
      p->retry_alone = members.size() > 1;
      p->result = out.status();
      continue;
    }
    BatchedResult r = SliceOfBatch(*out, all.size(), p->first, p->rows->size(), seconds);
    // Notes name rows by their index in the batch; renumber them for this request.
    for (const std::string& note : out->notes) {
      size_t row = 0;
      if (std::sscanf(note.c_str(), "row %zu:", &row) == 1) {
        if (row >= p->first && row < p->first + p->rows->size()) {
          r.predictions.notes.push_back(fmt::format("row {}{}", row - p->first, note.substr(note.find(':'))));
        }
      } else if (p == members.front()) {
        r.predictions.notes.push_back(note);
      }
    }
    p->result = std::move(r);
  }
}

std::vector<Result<BatchedResult>> MicroBatcher::PredictTogether(const std::vector<const Json*>& requests) {
  std::vector<Pending> pending(requests.size());
  for (size_t i = 0; i < requests.size(); ++i) pending[i].rows = requests[i];
  ForEachBatch(requests.size(), options_.max_rows, [&](size_t i) { return requests[i]->size(); },
               [&](size_t first, size_t last) {
                 std::vector<Pending*> batch;
                 for (size_t i = first; i < last; ++i) batch.push_back(&pending[i]);
                 RunBatch(batch);
               });
  std::vector<Result<BatchedResult>> out;
  out.reserve(requests.size());
  for (Pending& p : pending) out.push_back(p.retry_alone ? RunAlone(*p.rows) : std::move(p.result));
  return out;
}

Result<BatchedResult> MicroBatcher::Finish(Pending& me, const Json& rows, std::unique_lock<std::mutex>& lock) {
  if (!me.retry_alone) return std::move(me.result);
  lock.unlock();
  Result<BatchedResult> mine = RunAlone(rows);
  lock.lock();
  return mine;
}

}  // namespace strata::serve
