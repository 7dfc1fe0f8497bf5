#pragma once
// A fork-join team of threads for the forward pass: Run() hands out task indexes to the
// calling thread and the team's workers and returns when every task is done.
//
// Why not core::ThreadPool: a forward pass forks and joins several hundred times per
// token; the pool's queue of std::function and futures costs more than a small matrix
// product. Workers here wait on an atomic generation counter (a futex) and claim tasks
// with one fetch_add each. Run() is not reentrant and must be called from one thread
// at a time.

#include <atomic>
#include <cstdint>
#include <functional>
#include <thread>
#include <vector>

namespace strata::genai {

class ThreadTeam {
 public:
  // n_threads counts the calling thread: 1 runs everything inline. 0 = hardware threads.
  explicit ThreadTeam(int n_threads = 0);
  ~ThreadTeam();
  ThreadTeam(const ThreadTeam&) = delete;
  ThreadTeam& operator=(const ThreadTeam&) = delete;

  int size() const { return static_cast<int>(workers_.size()) + 1; }

  // Calls fn(task, thread) for task in [0, n_tasks); thread is in [0, size()) and no
  // two concurrent calls share one, so per-thread scratch can be indexed by it.
  void Run(int64_t n_tasks, const std::function<void(int64_t task, int thread)>& fn);

 private:
  void WorkerLoop(int thread);
  void Work(int thread);

  std::vector<std::thread> workers_;
  std::atomic<uint64_t> generation_{0};
  std::atomic<int64_t> next_task_{0};
  std::atomic<int> busy_{0};
  std::atomic<bool> stopping_{false};
  int64_t n_tasks_ = 0;
  const std::function<void(int64_t, int)>* fn_ = nullptr;
};

}  // namespace strata::genai
