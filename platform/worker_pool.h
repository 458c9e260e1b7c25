// A fixed set of threads that run the independent parts of one simulation step in parallel.
//
// Contract:
// - WorkerPool(n) starts n - 1 threads; run() uses them and the calling thread (n in all).
// - run(count, task) calls task(i) once for every i in [0, count) and returns when all calls
//   have returned. Thread k of n (the caller is 0) takes i = k, k + n, k + 2n, ...: the split
//   depends only on count and n, never on timing, so results do not depend on scheduling.
// - Tasks must not touch shared state without their own synchronisation (the simulator gives
//   each task one channel controller). The caller sees every write a task made once run()
//   returns. An exception thrown by a task is rethrown by run() (the lowest index first) after
//   all tasks have finished.
// - Idle workers spin for a short while (a simulation step follows the previous one within
//   microseconds) and then sleep; the destructor stops and joins them.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace vp {

class WorkerPool {
 public:
  explicit WorkerPool(unsigned threads);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  [[nodiscard]] unsigned threads() const { return static_cast<unsigned>(workers_.size()) + 1; }
  void run(std::size_t count, const std::function<void(std::size_t)>& task);

 private:
  void work(unsigned index);
  void run_share(unsigned index);

  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::atomic<std::uint64_t> generation_{0};  ///< bumped once per run()
  std::atomic<unsigned> finished_{0};         ///< workers done with the current generation
  std::atomic<unsigned> sleeping_{0};
  bool stop_ = false;  ///< guarded by mutex_
  std::size_t count_ = 0;
  const std::function<void(std::size_t)>* task_ = nullptr;
  std::vector<std::exception_ptr> errors_;  ///< per task index of the current run
};

}  // namespace vp
