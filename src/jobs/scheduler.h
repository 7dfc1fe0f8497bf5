#pragma once
// Runs Pending jobs in worker processes, at most `max_concurrent` at once.
//
// Each job runs as `<worker_executable> worker --job ID --data-dir DIR` with stdout and
// stderr appended to the job's log object. Workers get SIGKILL if the scheduler's
// thread dies (PR_SET_PDEATHSIG), so a crashed server never leaves orphans behind.
//
// - A worker that exits without recording an outcome (crash, kill -9, OOM) leaves its
//   job Failed with the reason read from its wait status.
// - A stop request (job Stopping) sends SIGTERM; after `stop_grace`, SIGKILL.
// - Start() fails the InProgress jobs of schedulers that are no longer alive (a server
//   that crashed); Stop(requeue=true) sends the running jobs back to Pending.
//
// Several schedulers may share one catalog (a server and a CLI running `--wait`):
// claims are atomic, and each scheduler only reaps its own workers.
// Thread-safety: Notify() from any thread; Start/Stop from the owning thread.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "core/core.h"
#include "jobs/job_repository.h"
#include "store/store.h"

namespace strata::jobs {

struct SchedulerOptions {
  int max_concurrent = 0;  // 0: one per core
  std::string worker_executable;  // empty: this program (/proc/self/exe)
  std::filesystem::path data_dir;
  std::chrono::milliseconds poll_interval{200};
  std::chrono::seconds stop_grace{10};
};

class Scheduler {
 public:
  // `store` and `repo` must outlive the scheduler.
  Scheduler(SchedulerOptions options, store::Store& store, JobRepository& repo);
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  Status Start();
  // Wakes the loop: a job was submitted or a stop requested.
  void Notify();
  // Stops launching; running workers get SIGTERM and, after the grace, SIGKILL. With
  // `requeue`, their jobs go back to Pending; otherwise they are marked Stopped.
  void Stop(bool requeue = true);

  const std::string& id() const { return id_; }
  int running() const { return running_count_.load(); }

  // "pid:starttime" of this process: unique across pid reuse.
  static std::string ProcessInstanceId();
  static bool IsInstanceAlive(const std::string& instance_id);

 private:
  struct Worker {
    std::string job_id;
    std::chrono::steady_clock::time_point term_sent{};
    bool term = false;
  };

  void Loop();
  void Tick();
  void Reap();
  void HandleStops();
  void LaunchPending();
  Status Launch(const Job& job);
  void RecoverDeadSchedulers();

  SchedulerOptions options_;
  store::Store& store_;
  JobRepository& repo_;
  std::string id_;
  std::map<pid_t, Worker> workers_;  // loop thread only
  std::atomic<int> running_count_{0};
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  bool requeue_ = true;  // set by Stop(), read by the loop thread after it sees stopping_
  bool notified_ = false;
  std::thread thread_;
};

}  // namespace strata::jobs
