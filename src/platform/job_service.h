#pragma once
// Job operations as the API offers them: submit (validated against the job type),
// list, show, stop, and read logs. The API's handlers and the CLI (through them) are
// thin translations over these calls.

#include <memory>
#include <string>

#include "core/core.h"
#include "jobs/jobs.h"
#include "store/store.h"

namespace strata::platform {

class JobService {
 public:
  // All references must outlive the service. `scheduler` may be null (no job runs in
  // this process until a scheduler is attached with AttachScheduler).
  JobService(store::Store& store, const jobs::JobTypeRegistry& types);

  void AttachScheduler(jobs::Scheduler* scheduler) { scheduler_ = scheduler; }

  Result<jobs::Job> Submit(const std::string& type, const std::string& name, const Json& params);
  Result<jobs::Job> Get(const std::string& id_or_name);
  Result<jobs::JobPage> List(int limit, const std::string& page_token, const jobs::JobFilter& filter);
  Result<jobs::Job> Stop(const std::string& id_or_name);
  // Up to max_bytes of the job's log from `offset`; empty when nothing was logged yet.
  Result<std::string> ReadLog(const jobs::Job& job, uint64_t offset, uint64_t max_bytes);

  jobs::JobRepository& repository() { return repo_; }
  const jobs::JobTypeRegistry& types() const { return types_; }

 private:
  store::Store& store_;
  const jobs::JobTypeRegistry& types_;
  jobs::JobRepository repo_;
  jobs::Scheduler* scheduler_ = nullptr;
};

}  // namespace strata::platform
