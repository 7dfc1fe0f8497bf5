#pragma once
// The application: opens the data directory and wires the subsystems together. The
// only place that knows all of them; the API and the CLI reach every feature through
// an App.
//
// Thread-safety: the services are safe to call from many threads (the HTTP server's
// handler threads) once Open() has returned.

#include <memory>

#include "core/core.h"
#include "jobs/jobs.h"
#include "platform/dataset_service.h"
#include "platform/endpoint_service.h"
#include "platform/job_service.h"
#include "platform/model_service.h"
#include "store/store.h"

namespace strata::platform {

enum class Mode {
  kServer,  // `strata server`: runs the job scheduler
  kLocal,   // the CLI without --server: runs jobs only when a command waits for one
};

class App {
 public:
  static Result<std::unique_ptr<App>> Open(const core::Config& config, Mode mode);
  ~App();  // stops the scheduler (running jobs are re-queued)

  // Starts the job scheduler if it is not running yet.
  Status StartScheduler();
  // Stops it; running jobs go back to the queue. Idempotent.
  void StopScheduler();

  // Imports every CSV, TSV and JSON Lines file of `dir` as a dataset named after the
  // file, if the catalog has no dataset yet (a newcomer's first start). Returns the
  // number imported.
  Result<int> LoadSampleData(const std::filesystem::path& dir);

  const core::Config& config() const { return config_; }
  Mode mode() const { return mode_; }
  store::Store& store() { return store_; }
  JobService& jobs() { return *job_service_; }
  DatasetService& datasets() { return *dataset_service_; }
  ModelService& models() { return *model_service_; }
  EndpointService& endpoints() { return *endpoint_service_; }
  const jobs::JobTypeRegistry& job_types() const { return job_types_; }
  // Null until StartScheduler().
  const jobs::Scheduler* scheduler() const { return scheduler_.get(); }

 private:
  App(core::Config config, Mode mode, store::Store store);

  core::Config config_;
  Mode mode_;
  store::Store store_;
  jobs::JobTypeRegistry job_types_;
  std::unique_ptr<JobService> job_service_;
  std::unique_ptr<DatasetService> dataset_service_;
  std::unique_ptr<ModelService> model_service_;
  std::unique_ptr<EndpointService> endpoint_service_;
  std::unique_ptr<jobs::JobRepository> scheduler_repo_;
  std::unique_ptr<jobs::Scheduler> scheduler_;
};

// Registers every job type the program knows. The server and the worker process call
// it alike, so a job submitted to one can run in the other.
void RegisterJobTypes(jobs::JobTypeRegistry& registry);

// `strata worker --job ID`: runs one job; returns the process exit code.
int RunWorkerProcess(const core::Config& config, const std::string& job_id);

}  // namespace strata::platform
