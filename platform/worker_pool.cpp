#include "platform/worker_pool.h"

#include <chrono>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace vp {
namespace {

void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  _mm_pause();
#else
  std::this_thread::yield();
#endif
}

// Polling time before a worker sleeps: longer than the gap between two steps of a busy
// simulation, short enough not to hold a core while the simulation does something else.
constexpr auto kSpinTime = std::chrono::microseconds(500);

}  // namespace

WorkerPool::WorkerPool(unsigned threads) {
  for (unsigned k = 1; k < threads; ++k) workers_.emplace_back([this, k] { work(k); });
}

WorkerPool::~WorkerPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  for (auto& worker : workers_) worker.join();
}

void WorkerPool::run_share(unsigned index) {
  const std::size_t stride = threads();
  for (std::size_t i = index; i < count_; i += stride) {
    try {
      (*task_)(i);
    } catch (...) {
      errors_[i] = std::current_exception();
    }
  }
}

void WorkerPool::run(std::size_t count, const std::function<void(std::size_t)>& task) {
  if (workers_.empty() || count < 2) {
    for (std::size_t i = 0; i < count; ++i) task(i);
    return;
  }
  count_ = count;
  task_ = &task;
  errors_.assign(count, nullptr);
  finished_.store(0, std::memory_order_relaxed);
  generation_.fetch_add(1);
  if (sleeping_.load() > 0) {
    std::lock_guard<std::mutex> lock(mutex_);  // a sleeper checks the generation under the lock
    wake_.notify_all();
  }
  run_share(0);
  while (finished_.load(std::memory_order_acquire) < workers_.size()) cpu_relax();
  for (const auto& error : errors_)
    if (error) std::rethrow_exception(error);
}

void WorkerPool::work(unsigned index) {
  std::uint64_t seen = 0;
  while (true) {
    std::uint64_t now = generation_.load(std::memory_order_acquire);
    const auto give_up = std::chrono::steady_clock::now() + kSpinTime;
    for (unsigned spin = 1; now == seen; ++spin) {
      cpu_relax();
      now = generation_.load(std::memory_order_acquire);
      if (spin % 64 == 0 && std::chrono::steady_clock::now() > give_up) break;
    }
    if (now == seen) {
      // sleeping_ and generation_ are sequentially consistent on both sides, so either run()
      // sees this sleeper and notifies, or the predicate sees the new generation.
      std::unique_lock<std::mutex> lock(mutex_);
      sleeping_.fetch_add(1);
      wake_.wait(lock, [&] { return stop_ || generation_.load() != seen; });
      sleeping_.fetch_sub(1);
      if (stop_) return;
      now = generation_.load();
    }
    seen = now;
    run_share(index);
    finished_.fetch_add(1, std::memory_order_release);
  }
}

}  // namespace vp
