#include "jobs/job.h"

#include <array>

namespace strata::jobs {
namespace {

constexpr std::array<std::pair<JobStatus, std::string_view>, 6> kNames = {{
    {JobStatus::kPending, "Pending"},
    {JobStatus::kInProgress, "InProgress"},
    {JobStatus::kCompleted, "Completed"},
    {JobStatus::kFailed, "Failed"},
    {JobStatus::kStopping, "Stopping"},
    {JobStatus::kStopped, "Stopped"},
}};

Json Time(int64_t ms) {
  if (ms == 0) return nullptr;
  return core::FormatRfc3339(core::FromUnixMillis(ms));
}

}  // namespace

std::string_view JobStatusName(JobStatus status) {
  for (const auto& [s, n] : kNames) {
    if (s == status) return n;
  }
  return "Failed";
}

std::optional<JobStatus> ParseJobStatus(std::string_view name) {
  for (const auto& [s, n] : kNames) {
    if (n == name) return s;
  }
  return std::nullopt;
}

bool IsTerminal(JobStatus status) {
  return status == JobStatus::kCompleted || status == JobStatus::kFailed ||
         status == JobStatus::kStopped;
}

Json Job::ToJson() const {
  Json j = {
      {"id", id},
      {"name", name},
      {"type", type},
      {"status", JobStatusName(status)},
      {"progress", progress},
      {"message", message},
      {"params", params},
      {"result", result},
      {"failure_reason", failure_reason.empty() ? Json(nullptr) : Json(failure_reason)},
      {"created_at", Time(created_at)},
      {"started_at", Time(started_at)},
      {"ended_at", Time(ended_at)},
  };
  if (worker_pid != 0 && !IsTerminal(status)) j["worker_pid"] = worker_pid;
  if (started_at != 0) {
    int64_t end = ended_at != 0 ? ended_at : core::ToUnixMillis(core::SystemClock().Now());
    j["duration_s"] = static_cast<double>(end - started_at) / 1000.0;
  }
  return j;
}

}  // namespace strata::jobs
