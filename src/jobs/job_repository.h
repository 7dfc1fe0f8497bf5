#pragma once
// Jobs in the catalog. Every state change is a compare-and-set on the current status
// in one statement or transaction, so the server's scheduler, its HTTP handlers and
// the worker processes (each with its own connection to the same catalog) can race
// without losing or resurrecting a state: once terminal, a job stays terminal.
//
// Thread-safe as far as the underlying store::Database is.

#include <optional>
#include <string>
#include <vector>

#include "core/core.h"
#include "jobs/job.h"
#include "store/store.h"

namespace strata::jobs {

struct JobPage {
  std::vector<Job> items;
  std::string next_page_token;  // empty on the last page
};

struct JobFilter {
  std::optional<JobStatus> status;
  std::string type;  // empty: any
};

class JobRepository {
 public:
  // `db` must outlive the repository.
  JobRepository(store::Database& db, const core::Clock& clock = core::SystemClock());

  // Conflict if the name is taken.
  Result<Job> Create(const std::string& name, const std::string& type, const Json& params);
  // By id, or by name when `id_or_name` is not an id. NotFound otherwise.
  Result<Job> Get(const std::string& id_or_name);
  // Newest first. page_token is the id of the last job of the previous page.
  Result<JobPage> List(int limit, const std::string& page_token, const JobFilter& filter = {});

  // Atomically takes the oldest Pending job for `server_id`: InProgress, started now.
  Result<std::optional<Job>> ClaimNextPending(const std::string& server_id);
  Status SetWorker(const std::string& id, int64_t pid, const std::string& log_key);
  // No effect on a terminal job (returns OK: a late progress report is not an error).
  Status UpdateProgress(const std::string& id, double progress, const std::string& message);

  // Terminal transitions, from InProgress or Stopping only. Each returns true if it
  // changed the job, false otherwise: already terminal (someone else decided first),
  // or re-queued by a shutdown while its worker was still finishing.
  Result<bool> Complete(const std::string& id, const Json& result);
  Result<bool> Fail(const std::string& id, const std::string& reason);
  Result<bool> MarkStopped(const std::string& id, const std::string& message);
  // A job interrupted by a graceful shutdown goes back to the queue.
  Result<bool> Requeue(const std::string& id, const std::string& message);

  // Pending -> Stopped at once; InProgress -> Stopping (the scheduler signals the
  // worker). Conflict for a terminal job. Returns the job after the change.
  Result<Job> RequestStop(const std::string& id_or_name);

  // Jobs InProgress or Stopping, for the scheduler's bookkeeping and for recovery.
  Result<std::vector<Job>> ListActive();

 private:
  Result<bool> Finish(const std::string& id, JobStatus to, const Json& result,
                      const std::string& reason, const std::string& message);
  int64_t NowMs() const { return core::ToUnixMillis(clock_.Now()); }

  store::Database& db_;
  const core::Clock& clock_;
};

}  // namespace strata::jobs
