#pragma once
// A job: a long operation (training, tuning trial, batch transform, ...) that runs in a
// worker process and whose state lives in the catalog. States are API.md's:
//
//   Pending --claim--> InProgress --worker result--> Completed | Failed
//      |                   |
//      +--stop--> Stopped  +--stop--> Stopping --worker exits--> Stopped
//
// A worker that dies without reporting (crash, kill -9, out of memory) leaves the job
// Failed with the reason; a server restarted after a crash fails the jobs its dead
// predecessor was running.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/core.h"

namespace strata::jobs {

enum class JobStatus { kPending, kInProgress, kCompleted, kFailed, kStopping, kStopped };

std::string_view JobStatusName(JobStatus status);
std::optional<JobStatus> ParseJobStatus(std::string_view name);
bool IsTerminal(JobStatus status);

struct Job {
  std::string id;  // UUIDv7
  std::string name;
  std::string type;
  JobStatus status = JobStatus::kPending;
  double progress = 0;  // 0..1
  std::string message;  // the worker's latest word on what it is doing
  Json params = Json::object();
  Json result;  // null until Completed
  std::string failure_reason;
  int64_t created_at = 0;  // Unix ms; 0 = not yet
  int64_t started_at = 0;
  int64_t ended_at = 0;
  int64_t worker_pid = 0;
  std::string server_id;  // the scheduler instance that launched the worker
  bool stop_requested = false;
  std::string log_key;  // object store key of the captured log

  // The API representation (times as RFC 3339, internal fields omitted).
  Json ToJson() const;
};

}  // namespace strata::jobs
