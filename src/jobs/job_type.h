#pragma once
// Job types: what a job of a given `type` does. Types are registered with explicit
// calls at start-up (no static initializers), by jobs/ for its built-in test types and
// by platform/ for training, tuning, transforms and the rest.

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/core.h"
#include "jobs/job.h"
#include "store/store.h"

namespace strata::jobs {

// What a running job sees of the world, inside its worker process. Not thread-safe:
// call from the job's own thread.
class JobContext {
 public:
  virtual ~JobContext() = default;
  virtual const Job& job() const = 0;
  // Reports progress in [0, 1] and what is happening. Cheap to call often: writes to
  // the catalog are throttled.
  virtual void Progress(double fraction, std::string_view message = {}) = 0;
  // True once a stop was requested (through the API, or SIGTERM from the scheduler).
  // A job should check between steps and return promptly; its result is then
  // discarded and the job ends Stopped.
  virtual bool StopRequested() = 0;
  virtual store::ObjectStore& objects() = 0;
  // The whole store (catalog and objects) of the data directory.
  virtual store::Store& store() = 0;
};

struct JobType {
  std::string name;
  std::string description;
  // Runs in the server when the job is submitted, so bad parameters are a 400 at once
  // rather than a failed job later. May be empty.
  std::function<Status(const Json& params)> validate;
  // Runs in the worker process. The Json is the job's result; an error fails the job
  // with the status's message as its failure_reason.
  std::function<Result<Json>(JobContext&)> run;
};

class JobTypeRegistry {
 public:
  // Conflict when the name is taken.
  Status Register(JobType type);
  const JobType* Find(std::string_view name) const;
  std::vector<const JobType*> All() const;

 private:
  std::map<std::string, JobType, std::less<>> types_;
};

// `sleep` and `echo`: trivial jobs that exercise the job system end to end (progress,
// logs, stop, failure, crash) until real job types arrive, and stay for tests.
void RegisterBuiltinJobTypes(JobTypeRegistry& registry);

}  // namespace strata::jobs
