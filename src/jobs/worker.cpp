#include "jobs/worker.h"

#include <csignal>

#include <fmt/format.h>

#include "jobs/job_repository.h"

namespace strata::jobs {
namespace {

volatile std::sig_atomic_t g_sigterm = 0;

void OnSigterm(int) { g_sigterm = 1; }

class WorkerContext : public JobContext {
 public:
  WorkerContext(Job job, JobRepository& repo, store::Store& store)
      : job_(std::move(job)), repo_(repo), store_(store) {}

  const Job& job() const override { return job_; }

  void Progress(double fraction, std::string_view message) override {
    auto now = std::chrono::steady_clock::now();
    // At most 5 writes a second, but always the final one.
    if (fraction < 1 && now - last_progress_ < std::chrono::milliseconds(200)) return;
    last_progress_ = now;
    Status s = repo_.UpdateProgress(job_.id, fraction, std::string(message));
    if (!s.ok()) core::log::Warn("cannot record progress: {}", s.ToString());
  }

  bool StopRequested() override {
    if (g_sigterm) stop_seen_ = true;
    if (stop_seen_) return true;
    auto now = std::chrono::steady_clock::now();
    if (now - last_check_ >= std::chrono::milliseconds(500)) {
      last_check_ = now;
      auto job = repo_.Get(job_.id);
      if (job.ok() && (job->stop_requested || job->status == JobStatus::kStopping)) stop_seen_ = true;
    }
    return stop_seen_;
  }

  store::ObjectStore& objects() override { return *store_.objects; }
  store::Store& store() override { return store_; }
  bool stop_seen() const { return stop_seen_ || g_sigterm; }

 private:
  Job job_;
  JobRepository& repo_;
  store::Store& store_;
  bool stop_seen_ = false;
  std::chrono::steady_clock::time_point last_progress_{}, last_check_{};
};

}  // namespace

int RunWorker(store::Store& store, const JobTypeRegistry& types, const std::string& job_id) {
  std::signal(SIGTERM, OnSigterm);
  core::log::LogContext context("job_id", job_id);
  JobRepository repo(*store.catalog);

  auto job = repo.Get(job_id);
  if (!job.ok()) {
    core::log::Error("{}", job.status().ToString());
    return 1;
  }
  if (job->status != JobStatus::kInProgress && job->status != JobStatus::kStopping) {
    core::log::Error("job '{}' is {}, not claimed by a scheduler", job->name, JobStatusName(job->status));
    return 1;
  }
  const JobType* type = types.Find(job->type);
  if (type == nullptr) {
    (void)repo.Fail(job_id, fmt::format("unknown job type '{}'", job->type));
    return 0;
  }

  core::log::Info("starting {} job '{}'", job->type, job->name);
  WorkerContext ctx(*job, repo, store);
  Result<Json> result = InternalError("job did not run");
  try {
    result = type->run(ctx);
  } catch (const std::exception& e) {
    result = InternalError(fmt::format("job crashed: {}", e.what()));
  } catch (...) {
    result = InternalError("job crashed with an unknown exception");
  }

  Result<bool> recorded = false;
  if (ctx.stop_seen() || ctx.StopRequested()) {
    core::log::Info("job stopped");
    recorded = repo.MarkStopped(job_id, "stopped on request");
  } else if (result.ok()) {
    core::log::Info("job completed");
    recorded = repo.Complete(job_id, *result);
  } else {
    core::log::Error("job failed: {}", result.status().message());
    recorded = repo.Fail(job_id, result.status().message());
  }
  if (!recorded.ok()) {
    core::log::Error("cannot record the job's outcome: {}", recorded.status().ToString());
    return 1;
  }
  return 0;
}

}  // namespace strata::jobs
