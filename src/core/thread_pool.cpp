#include "core/thread_pool.h"

#include <algorithm>
#include <atomic>

namespace strata::core {

ThreadPool::ThreadPool(size_t threads) {
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  threads_.reserve(threads);
  for (size_t i = 0; i < threads; ++i) threads_.emplace_back([this] { Loop(); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) t.join();
}

void ThreadPool::Enqueue(std::function<void()> task) {
  {
    std::lock_guard lock(mu_);
    queue_.push_back(std::move(task));
  }
  cv_.notify_one();
}

void ThreadPool::Loop() {
  for (;;) {
    std::function<void()> task;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping and drained
      task = std::move(queue_.front());
      queue_.pop_front();
    }
    task();
  }
}

void ThreadPool::ParallelFor(size_t n, const std::function<void(size_t)>& fn) {
  if (n == 0) return;
  size_t parts = std::min(n, threads_.size() + 1);
  size_t chunk = (n + parts - 1) / parts;
  std::vector<std::future<void>> futures;
  for (size_t p = 1; p < parts; ++p) {
    size_t begin = p * chunk, end = std::min(n, begin + chunk);
    if (begin >= end) break;
    futures.push_back(Submit([&fn, begin, end] {
      for (size_t i = begin; i < end; ++i) fn(i);
    }));
  }
  for (size_t i = 0; i < std::min(n, chunk); ++i) fn(i);
  for (auto& f : futures) f.get();  // rethrows a task's exception
}

void ThreadPool::ParallelForDynamic(size_t n, const std::function<void(size_t)>& fn) {
  if (n == 0) return;
  std::atomic<size_t> next{0};
  auto claim = [&] {
    for (size_t i = next.fetch_add(1); i < n; i = next.fetch_add(1)) {
      try {
        fn(i);
      } catch (...) {
        next.store(n);  // the others stop claiming
        throw;
      }
    }
  };
  std::vector<std::future<void>> futures;
  for (size_t t = 0; t < std::min(n - 1, threads_.size()); ++t) futures.push_back(Submit(claim));
  std::exception_ptr error;
  try {
    claim();
  } catch (...) {
    error = std::current_exception();
  }
  // Every helper must finish before `next` and `fn` go out of scope.
  for (auto& f : futures) {
    try {
      f.get();
    } catch (...) {
      if (!error) error = std::current_exception();
    }
  }
  if (error) std::rethrow_exception(error);
}

}  // namespace strata::core
