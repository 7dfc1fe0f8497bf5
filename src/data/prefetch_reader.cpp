#include "data/prefetch_reader.h"

namespace strata::data {
namespace {

constexpr size_t kBatchRecords = 4096;
constexpr size_t kQueueDepth = 4;

}  // namespace

PrefetchReader::PrefetchReader(std::unique_ptr<RecordReader> inner) : inner_(std::move(inner)) {
  thread_ = std::thread([this] { Produce(); });
}

PrefetchReader::~PrefetchReader() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void PrefetchReader::Produce() {
  Record rec;
  for (;;) {
    auto batch = std::make_unique<Batch>();
    while (batch->lines.size() < kBatchRecords) {
      auto more = inner_->Next(&rec);
      if (!more.ok()) {
        batch->error = more.status();
        batch->last = true;
        break;
      }
      if (!*more) {
        batch->last = true;
        break;
      }
      for (size_t i = 0; i < rec.fields.size(); ++i) {
        batch->starts.push_back(batch->arena.size());
        batch->sizes.push_back(static_cast<uint32_t>(rec.fields[i].size()));
        batch->nulls.push_back(rec.null[i]);
        batch->arena.append(rec.fields[i]);
      }
      batch->field_count.push_back(static_cast<uint32_t>(rec.fields.size()));
      batch->lines.push_back(rec.line);
    }
    batch->bytes_read = inner_->bytes_read();
    bool last = batch->last;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return stop_ || queue_.size() < kQueueDepth; });
      if (stop_) return;
      queue_.push_back(std::move(batch));
    }
    cv_.notify_all();
    if (last) return;
  }
}

Result<bool> PrefetchReader::Next(Record* record) {
  while (!current_ || record_ >= current_->lines.size()) {
    if (current_ && current_->last) {
      if (!current_->error.ok()) return current_->error;
      return false;
    }
    std::unique_lock lock(mu_);
    cv_.wait(lock, [this] { return !queue_.empty(); });
    current_ = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    cv_.notify_all();
    record_ = 0;
    field_ = 0;
  }
  const Batch& b = *current_;
  size_t n = b.field_count[record_];
  record->fields.resize(n);
  record->null.resize(n);
  for (size_t i = 0; i < n; ++i, ++field_) {
    record->fields[i] = std::string_view(b.arena.data() + b.starts[field_], b.sizes[field_]);
    record->null[i] = b.nulls[field_];
  }
  record->line = b.lines[record_];
  ++record_;
  if (record_ == b.lines.size()) bytes_read_ = b.bytes_read;
  return true;
}

}  // namespace strata::data
