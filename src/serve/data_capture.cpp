#include "serve/data_capture.h"

#include <atomic>
#include <ctime>

#include <fmt/format.h>

namespace strata::serve {

DataCapture::DataCapture(std::filesystem::path dir, CaptureOptions options, uint64_t seed)
    : dir_(std::move(dir)), options_(options), rng_(seed) {}

DataCapture::~DataCapture() { Flush(); }

bool DataCapture::Sample() {
  if (options_.sample_rate <= 0) return false;
  if (options_.sample_rate >= 1) return true;
  std::lock_guard lock(mu_);
  return std::uniform_real_distribution<double>(0, 1)(rng_) < options_.sample_rate;
}

uint64_t DataCapture::records() const {
  std::lock_guard lock(mu_);
  return records_;
}

Status DataCapture::OpenFile(std::chrono::system_clock::time_point now) {
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  const auto hour_dir = dir_ / fmt::format("{:04}/{:02}/{:02}/{:02}", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour);
  std::error_code ec;
  std::filesystem::create_directories(hour_dir, ec);
  if (ec) return InternalError(fmt::format("data capture: cannot create {}: {}", hour_dir.string(), ec.message()));
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  // The sequence is process-wide: across an endpoint update the old capture (still held by
  // requests in flight) and the new one may both open a file in the same millisecond.
  static std::atomic<uint64_t> seq{0};
  partial_ = hour_dir / fmt::format("{}-{:06}.jsonl.partial", ms, seq.fetch_add(1) % 1000000);
  file_ = std::fopen(partial_.c_str(), "wbx");
  if (file_ == nullptr) return InternalError(fmt::format("data capture: cannot open {}", partial_.string()));
  opened_ = now;
  bytes_ = 0;
  return Status::Ok();
}

void DataCapture::CloseFile() {
  if (file_ == nullptr) return;
  std::fclose(file_);
  file_ = nullptr;
  std::filesystem::path done = partial_;
  done.replace_extension();  // drop ".partial"
  std::error_code ec;
  std::filesystem::rename(partial_, done, ec);
  if (ec) core::log::Warn("data capture: cannot rename {}: {}", partial_.string(), ec.message());
}

void DataCapture::Record(const Json& entry) {
  std::string line = entry.dump(-1, ' ', false, Json::error_handler_t::replace);
  line += '\n';
  const auto now = std::chrono::system_clock::now();
  std::lock_guard lock(mu_);
  if (file_ != nullptr && (bytes_ + line.size() > options_.max_file_bytes || now - opened_ >= options_.max_file_age)) {
    CloseFile();
  }
  if (file_ == nullptr) {
    if (Status s = OpenFile(now); !s.ok()) {
      core::log::Warn("{}", s.message());
      return;
    }
  }
  if (std::fwrite(line.data(), 1, line.size(), file_) != line.size() || std::fflush(file_) != 0) {
    core::log::Warn("data capture: write to {} failed", partial_.string());
    return;
  }
  bytes_ += line.size();
  ++records_;
}

void DataCapture::Flush() {
  std::lock_guard lock(mu_);
  CloseFile();
}

}  // namespace strata::serve
