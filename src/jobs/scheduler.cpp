#include "jobs/scheduler.h"

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstring>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

namespace strata::jobs {
namespace {

// Field 22 of /proc/PID/stat: the process's start time in clock ticks since boot.
std::string StartTime(pid_t pid) {
  std::ifstream in(fmt::format("/proc/{}/stat", pid));
  std::string stat;
  if (!std::getline(in, stat)) return "";
  // The command name (field 2) is in parentheses and may contain spaces.
  auto close = stat.rfind(')');
  if (close == std::string::npos) return "";
  std::istringstream rest(stat.substr(close + 2));
  std::string field;
  for (int i = 3; i <= 22 && rest >> field; ++i) {
    if (i == 22) return field;
  }
  return "";
}

std::string DescribeExit(int wait_status) {
  if (WIFSIGNALED(wait_status)) {
    int sig = WTERMSIG(wait_status);
    std::string name = sigabbrev_np(sig) ? std::string("SIG") + sigabbrev_np(sig) : "?";
    std::string text = fmt::format("worker was killed by signal {} ({})", sig, name);
    if (sig == SIGKILL) text += "; it may have run out of memory";
    return text;
  }
  if (WIFEXITED(wait_status) && WEXITSTATUS(wait_status) != 0) {
    return fmt::format("worker exited with code {} without recording a result",
                       WEXITSTATUS(wait_status));
  }
  return "worker exited without recording a result";
}

}  // namespace

std::string Scheduler::ProcessInstanceId() {
  pid_t pid = getpid();
  return fmt::format("{}:{}", pid, StartTime(pid));
}

bool Scheduler::IsInstanceAlive(const std::string& instance_id) {
  auto colon = instance_id.find(':');
  if (colon == std::string::npos) return false;
  pid_t pid = static_cast<pid_t>(std::strtol(instance_id.c_str(), nullptr, 10));
  if (pid <= 0) return false;
  std::string start = StartTime(pid);
  return !start.empty() && start == instance_id.substr(colon + 1);
}

Scheduler::Scheduler(SchedulerOptions options, store::Store& store, JobRepository& repo)
    : options_(std::move(options)), store_(store), repo_(repo), id_(ProcessInstanceId()) {
  if (options_.max_concurrent <= 0) options_.max_concurrent = static_cast<int>(core::CoreCount());
  if (options_.worker_executable.empty()) {
    std::error_code ec;
    options_.worker_executable = std::filesystem::read_symlink("/proc/self/exe", ec).string();
  }
}

Scheduler::~Scheduler() { Stop(); }

Status Scheduler::Start() {
  RecoverDeadSchedulers();
  thread_ = std::thread([this] { Loop(); });
  return Status::Ok();
}

void Scheduler::Notify() {
  {
    std::lock_guard lock(mu_);
    notified_ = true;
  }
  cv_.notify_all();
}

void Scheduler::Stop(bool requeue) {
  {
    std::lock_guard lock(mu_);
    if (stopping_ || !thread_.joinable()) return;
    stopping_ = true;
    requeue_ = requeue;
  }
  cv_.notify_all();
  // The loop thread forked the workers; PR_SET_PDEATHSIG would kill them as soon as it
  // exits, so the shutdown sequence runs on that thread (see Loop) before it returns.
  thread_.join();
}

void Scheduler::RecoverDeadSchedulers() {
  auto active = repo_.ListActive();
  if (!active.ok()) {
    core::log::Error("cannot list active jobs for recovery: {}", active.status().ToString());
    return;
  }
  for (const Job& job : *active) {
    if (job.server_id == id_ || IsInstanceAlive(job.server_id)) continue;
    if (job.status == JobStatus::kStopping) {
      (void)repo_.MarkStopped(job.id, "stopped: the server running it exited");
      continue;
    }
    std::string reason = fmt::format(
        "the server running this job stopped unexpectedly; worker (pid {}) was lost", job.worker_pid);
    core::log::Warn("job '{}': {}", job.name, reason);
    (void)repo_.Fail(job.id, reason);
    (void)store_.objects->Append(job.log_key, "[scheduler] " + reason + "\n");
  }
}

void Scheduler::Loop() {
  for (;;) {
    {
      std::unique_lock lock(mu_);
      cv_.wait_for(lock, options_.poll_interval, [this] { return stopping_ || notified_; });
      notified_ = false;
      if (stopping_) break;
    }
    Tick();
  }

  // Graceful shutdown: running jobs go back to the queue, their workers are told to
  // stop, and stragglers are killed after the grace period.
  for (auto& [pid, w] : workers_) {
    if (requeue_) {
      auto requeued = repo_.Requeue(w.job_id, "re-queued: the server shut down while it ran");
      if (requeued.ok() && *requeued) core::log::Info("job {} re-queued for the next start", w.job_id);
    } else {
      (void)repo_.RequestStop(w.job_id);  // Stopping; the worker or Reap() records Stopped
    }
    ::kill(pid, SIGTERM);
  }
  auto deadline = std::chrono::steady_clock::now() + options_.stop_grace;
  while (!workers_.empty() && std::chrono::steady_clock::now() < deadline) {
    Reap();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  for (auto& [pid, w] : workers_) ::kill(pid, SIGKILL);
  while (!workers_.empty()) {
    Reap();
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

void Scheduler::Tick() {
  Reap();
  HandleStops();
  LaunchPending();
}

void Scheduler::Reap() {
  for (auto it = workers_.begin(); it != workers_.end();) {
    int wait_status = 0;
    pid_t r = ::waitpid(it->first, &wait_status, WNOHANG);
    if (r == 0) {
      ++it;
      continue;
    }
    const std::string job_id = it->second.job_id;
    it = workers_.erase(it);
    running_count_ = static_cast<int>(workers_.size());
    auto job = repo_.Get(job_id);
    if (!job.ok()) continue;
    if (IsTerminal(job->status) || job->status == JobStatus::kPending) continue;
    if (job->status == JobStatus::kStopping) {
      (void)repo_.MarkStopped(job_id, "stopped on request");
      continue;
    }
    std::string reason = r < 0 ? "worker vanished (waitpid failed)" : DescribeExit(wait_status);
    core::log::Warn("job '{}' failed: {}", job->name, reason);
    (void)store_.objects->Append(job->log_key, "[scheduler] " + reason + "\n");
    (void)repo_.Fail(job_id, reason);
  }
}

void Scheduler::HandleStops() {
  if (workers_.empty()) return;
  auto active = repo_.ListActive();
  if (!active.ok()) return;
  auto now = std::chrono::steady_clock::now();
  for (auto& [pid, w] : workers_) {
    for (const Job& job : *active) {
      if (job.id != w.job_id || job.status != JobStatus::kStopping) continue;
      if (!w.term) {
        core::log::Info("stopping job '{}' (worker pid {})", job.name, pid);
        ::kill(pid, SIGTERM);
        w.term = true;
        w.term_sent = now;
      } else if (now - w.term_sent > options_.stop_grace) {
        core::log::Warn("job '{}' ignored SIGTERM for {} s; killing it", job.name,
                        options_.stop_grace.count());
        ::kill(pid, SIGKILL);
      }
    }
  }
}

void Scheduler::LaunchPending() {
  while (static_cast<int>(workers_.size()) < options_.max_concurrent) {
    auto claimed = repo_.ClaimNextPending(id_);
    if (!claimed.ok()) {
      core::log::Error("cannot claim a job: {}", claimed.status().ToString());
      return;
    }
    if (!claimed->has_value()) return;
    const Job& job = **claimed;
    Status s = Launch(job);
    if (!s.ok()) {
      core::log::Error("cannot start a worker for job '{}': {}", job.name, s.ToString());
      (void)repo_.Fail(job.id, "cannot start a worker: " + s.message());
    }
  }
}

Status Scheduler::Launch(const Job& job) {
  STRATA_ASSIGN_OR_RETURN(std::filesystem::path log_path, store_.objects->LocalPath(job.log_key));
  std::error_code ec;
  std::filesystem::create_directories(log_path.parent_path(), ec);
  int log_fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) return InternalError(fmt::format("cannot open log '{}': {}", log_path.string(), std::strerror(errno)));
  int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);

  // Everything the child needs is prepared before fork(): after it, only
  // async-signal-safe calls are allowed in a multi-threaded parent's child.
  std::string data_dir = std::filesystem::absolute(options_.data_dir).string();
  std::vector<std::string> args = {options_.worker_executable, "worker", "--job", job.id,
                                   "--data-dir", data_dir};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t parent = getpid();

  pid_t pid = ::fork();
  if (pid < 0) {
    ::close(log_fd);
    if (null_fd >= 0) ::close(null_fd);
    return InternalError(fmt::format("fork failed: {}", std::strerror(errno)));
  }
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) _exit(1);  // the parent died before prctl took effect
    if (null_fd >= 0) ::dup2(null_fd, 0);
    ::dup2(log_fd, 1);
    ::dup2(log_fd, 2);
    ::syscall(SYS_close_range, 3, ~0U, 0);
    ::execv(argv[0], argv.data());
    _exit(127);
  }
  ::close(log_fd);
  if (null_fd >= 0) ::close(null_fd);
  workers_[pid] = Worker{job.id};
  running_count_ = static_cast<int>(workers_.size());
  core::log::Info("job '{}' ({}) started in worker pid {}", job.name, job.type, pid);
  return repo_.SetWorker(job.id, pid, job.log_key);
}

}  // namespace strata::jobs
