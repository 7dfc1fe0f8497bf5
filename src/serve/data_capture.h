#pragma once
// Data capture of an endpoint: a sampled fraction of requests and responses written as
// JSON Lines for monitoring. Files rotate by size and age:
//   <dir>/YYYY/MM/DD/HH/<unix-ms>-<seq>.jsonl
// A file being written is named *.jsonl.partial and renamed when it is closed, so a
// reader of *.jsonl never sees a torn file. Thread-safe.

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <random>
#include <string>

#include "core/core.h"

namespace strata::serve {

struct CaptureOptions {
  double sample_rate = 0;  // 0: off; 1: every request
  uint64_t max_file_bytes = 16 << 20;
  std::chrono::seconds max_file_age{300};
};

class DataCapture {
 public:
  DataCapture(std::filesystem::path dir, CaptureOptions options, uint64_t seed = std::random_device{}());
  ~DataCapture();  // closes the open file
  DataCapture(const DataCapture&) = delete;
  DataCapture& operator=(const DataCapture&) = delete;

  bool enabled() const { return options_.sample_rate > 0; }
  // Whether to capture this request (a draw with probability sample_rate).
  bool Sample();
  // Appends one line. Errors are logged, never thrown at the request.
  void Record(const Json& entry);
  // Closes the current file (rotation happens on its own; this is for shutdown/tests).
  void Flush();
  uint64_t records() const;

 private:
  Status OpenFile(std::chrono::system_clock::time_point now);
  void CloseFile();

  std::filesystem::path dir_;
  CaptureOptions options_;
  mutable std::mutex mu_;
  std::mt19937_64 rng_;
  FILE* file_ = nullptr;
  std::filesystem::path partial_;
  uint64_t bytes_ = 0, records_ = 0;
  std::chrono::system_clock::time_point opened_;
};

}  // namespace strata::serve
