// WorkerPool: every task runs once per run(), the split over threads is fixed, writes are
// visible to the caller, exceptions reach the caller, and many short runs in a row (the
// simulator's pattern) neither lose nor repeat a task.
#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <thread>
#include <catch2/catch.hpp>

#include "platform/worker_pool.h"

TEST_CASE("every task of a run executes exactly once and its writes are visible",
          "[platform][pool]") {
  vp::WorkerPool pool(2);
  CHECK(pool.threads() == 2);
  std::vector<int> hits(37, 0);
  for (int run = 0; run < 2000; ++run) {  // short runs back to back, some after the workers slept
    if (run % 500 == 499) std::this_thread::sleep_for(std::chrono::milliseconds(2));
    const std::size_t count = 1 + static_cast<std::size_t>(run) % hits.size();
    pool.run(count, [&hits](std::size_t i) { ++hits[i]; });
  }
  int total = 0;
  for (std::size_t i = 0; i < hits.size(); ++i) total += hits[i];
  // run r covers indices 0 .. (r mod 37); summed over 2000 runs
  int expected = 0;
  for (int run = 0; run < 2000; ++run) expected += 1 + run % 37;
  CHECK(total == expected);
  CHECK(hits[0] == 2000);
}

TEST_CASE("a task's thread depends only on its index", "[platform][pool]") {
  vp::WorkerPool pool(3);
  std::vector<std::thread::id> first(12), again(12);
  pool.run(12, [&first](std::size_t i) { first[i] = std::this_thread::get_id(); });
  pool.run(12, [&again](std::size_t i) { again[i] = std::this_thread::get_id(); });
  CHECK(first == again);
  CHECK(first[0] == std::this_thread::get_id());  // index 0 runs on the caller
  CHECK(first[1] != first[0]);
  CHECK(first[3] == first[0]);
}

TEST_CASE("an exception in a task reaches the caller after all tasks ran", "[platform][pool]") {
  vp::WorkerPool pool(2);
  std::vector<int> ran(8, 0);
  CHECK_THROWS_WITH(pool.run(8,
                             [&ran](std::size_t i) {
                               ran[i] = 1;
                               if (i == 5) throw std::runtime_error("task 5 failed");
                             }),
                    "task 5 failed");
  CHECK(std::count(ran.begin(), ran.end(), 1) == 8);
  pool.run(2, [&ran](std::size_t i) { ran[i] = 2; });  // still usable
  CHECK(ran[1] == 2);
}

TEST_CASE("one thread runs everything on the caller", "[platform][pool]") {
  vp::WorkerPool pool(1);
  CHECK(pool.threads() == 1);
  std::vector<std::thread::id> ids(4);
  pool.run(4, [&ids](std::size_t i) { ids[i] = std::this_thread::get_id(); });
  for (const auto& id : ids) CHECK(id == std::this_thread::get_id());
}
