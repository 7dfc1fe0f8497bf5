#pragma once
// A fixed-size pool of worker threads with a FIFO queue.
//
// Thread-safe: Submit may be called from any thread, including from a task. The
// destructor finishes every queued task, then joins the threads. A task that throws
// has its exception delivered through the returned future, never to the pool.

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <thread>
#include <type_traits>
#include <vector>

namespace strata::core {

class ThreadPool {
 public:
  // threads == 0 means one per hardware thread.
  explicit ThreadPool(size_t threads = 0);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  size_t size() const { return threads_.size(); }

  template <typename F>
  auto Submit(F&& f) -> std::future<std::invoke_result_t<F>> {
    using R = std::invoke_result_t<F>;
    auto task = std::make_shared<std::packaged_task<R()>>(std::forward<F>(f));
    std::future<R> fut = task->get_future();
    Enqueue([task] { (*task)(); });
    return fut;
  }

  // Runs fn(i) for i in [0, n) over the pool and the calling thread; returns when all
  // are done. Work is split in contiguous chunks; fn must be thread-safe.
  void ParallelFor(size_t n, const std::function<void(size_t)>& fn);
  // Runs fn(i) for i in [0, n) like ParallelFor, but each free thread claims the next
  // index, one at a time, in order: for tasks of uneven cost (put the longest first).
  // A task must not call ParallelFor* on the same pool (its thread would wait on work
  // queued behind itself).
  void ParallelForDynamic(size_t n, const std::function<void(size_t)>& fn);

 private:
  void Enqueue(std::function<void()> task);
  void Loop();

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace strata::core
