// Cost of one parallel step on this machine: WorkerPool::run() of two trivial tasks on two
// threads, the hand-off every aligned scheduling window pays with `threads` 2 (besides moving
// the channels' own cache lines between the cores). Read it next to the
// *_aligned_2threads benchmarks: a step costs about two cache-line transfers between the cores.
// Ends with: BENCH worker_pool_step_ns <value> ns
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <vector>

#include <systemc>

#include "platform/worker_pool.h"

int sc_main(int /*argc*/, char* /*argv*/[]) {
  constexpr std::size_t kSteps = 200000;
  constexpr std::size_t kWarmUp = 10000;
  vp::WorkerPool pool(2);
  // One cache line per task, so the tasks themselves share nothing.
  constexpr std::size_t kLine = 8;  // counters per cache line
  std::vector<std::uint64_t> counters(2 * kLine, 0);
  const auto task = [&counters](std::size_t i) { ++counters[i * kLine]; };
  for (std::size_t s = 0; s < kWarmUp; ++s) pool.run(2, task);
  const auto start = std::chrono::steady_clock::now();
  for (std::size_t s = 0; s < kSteps; ++s) pool.run(2, task);
  const std::chrono::duration<double, std::nano> elapsed = std::chrono::steady_clock::now() - start;
  if (counters[0] != kSteps + kWarmUp || counters[kLine] != kSteps + kWarmUp) {
    std::fprintf(stderr, "worker_pool_step: a task did not run once per step\n");
    return 1;
  }
  std::printf("%zu steps of two tasks on two threads, %.3f ms\n", kSteps, elapsed.count() / 1e6);
  std::printf("BENCH worker_pool_step_ns %.1f ns\n", elapsed.count() / kSteps);
  return 0;
}
