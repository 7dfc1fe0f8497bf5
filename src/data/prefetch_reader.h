#pragma once
// Runs a RecordReader on a background thread and hands its records over in batches,
// so tokenizing (one core) overlaps with inference or column writing (the other).
// Only for readers whose columns are fixed once opened (CSV, TSV, JSON Lines in its
// second pass): discovered columns would not line up with batched records.

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>

#include "data/reader.h"

namespace strata::data {

class PrefetchReader : public RecordReader {
 public:
  explicit PrefetchReader(std::unique_ptr<RecordReader> inner);
  ~PrefetchReader() override;

  const std::vector<std::string>& columns() const override { return inner_->columns(); }
  Result<bool> Next(Record* record) override;
  uint64_t bytes_read() const override { return bytes_read_; }
  uint64_t total_bytes() const override { return inner_->total_bytes(); }
  const std::string& display_name() const override { return inner_->display_name(); }

 private:
  struct Batch {
    std::string arena;
    std::vector<size_t> starts;         // per field: offset in arena
    std::vector<uint32_t> sizes;        // per field
    std::vector<uint8_t> nulls;         // per field
    std::vector<uint32_t> field_count;  // per record
    std::vector<int64_t> lines;         // per record
    uint64_t bytes_read = 0;            // the inner reader's position after the batch
    Status error;                       // set on the last batch when reading failed
    bool last = false;
  };
  void Produce();

  std::unique_ptr<RecordReader> inner_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::unique_ptr<Batch>> queue_;
  bool stop_ = false;
  std::thread thread_;
  std::unique_ptr<Batch> current_;
  size_t record_ = 0, field_ = 0;
  uint64_t bytes_read_ = 0;
};

}  // namespace strata::data
