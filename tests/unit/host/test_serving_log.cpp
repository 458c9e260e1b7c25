// The serving metrics of a small hand-computed case: three requests with known arrival,
// scheduling, token and finish times give the documented TTFT, TPOT, end-to-end and queueing
// percentiles, throughput and goodput under SLOs.
#include <catch2/catch.hpp>

#include "models/host/serving_log.h"

using vp::host::ServingLog;
using vp::host::ServingSlo;
using vp::host::WorkloadRequest;

TEST_CASE("percentiles interpolate between the closest ranks", "[host][serving]") {
  CHECK(ServingLog::percentile({4, 1, 3, 2}, 0.5) == Approx(2.5));
  CHECK(ServingLog::percentile({4, 1, 3, 2}, 0.0) == 1);
  CHECK(ServingLog::percentile({4, 1, 3, 2}, 1.0) == 4);
  CHECK(ServingLog::percentile({10, 20}, 0.9) == Approx(19));
  CHECK(ServingLog::percentile({}, 0.5) == 0);
}

TEST_CASE("serving metrics of a hand-computed case", "[host][serving]") {
  // Request 0 arrives at 0 ms, is scheduled at 1, tokens at 10, 12, 14 (finish 14).
  // Request 1 arrives at 2, scheduled at 2, tokens at 12, 20 (finish 20).
  // Request 2 arrives at 4, is rejected (larger than the device).
  std::vector<WorkloadRequest> requests(3);
  const std::uint64_t ms = 1000000;
  requests[0].arrival_ns = 0, requests[0].context = 5, requests[0].remaining = 3;
  requests[1].arrival_ns = 2 * ms, requests[1].context = 7, requests[1].remaining = 2;
  requests[2].arrival_ns = 4 * ms, requests[2].context = 9, requests[2].remaining = 4;
  ServingLog log;
  log.reset(requests);
  log.scheduled(0, 1 * ms);
  log.scheduled(1, 2 * ms);
  log.scheduled(0, 9 * ms);  // a second admission (after a preemption) keeps the first time
  log.token(0, 10 * ms);
  log.token(0, 12 * ms);
  log.token(1, 12 * ms);
  log.preempted(0, 6, 0);
  log.token(0, 14 * ms);
  log.finished(0, 14 * ms);
  log.token(1, 20 * ms);
  log.finished(1, 20 * ms);
  log.rejected(2);
  CHECK(log.done() == 3);

  // TTFT 10 and 10; TPOT (14 - 10) / 2 = 2 and (20 - 12) / 1 = 8; e2e 14 and 18; queue 1, 0.
  const auto s = log.summarize(ServingSlo{11, 5});
  CHECK(s.requests == 3);
  CHECK(s.finished == 2);
  CHECK(s.rejected_device == 1);
  CHECK(s.preemptions == 1);
  CHECK(s.recomputed_tokens == 6);
  CHECK(s.tokens == 5);
  CHECK(s.ttft_ms[0] == Approx(10));
  CHECK(s.tpot_ms[0] == Approx(5));     // median of 2 and 8
  CHECK(s.tpot_ms[2] == Approx(7.94));  // 2 + 0.99 x 6
  CHECK(s.e2e_ms[0] == Approx(16));
  CHECK(s.e2e_ms[1] == Approx(17.6));
  CHECK(s.queue_ms[0] == Approx(0.5));
  CHECK(s.span_s == Approx(0.020));  // first arrival 0 to last finish 20 ms
  CHECK(s.throughput_tokens_s == Approx(250));
  CHECK(s.throughput_requests_s == Approx(100));
  // SLOs TTFT 11 ms, TPOT 5 ms: request 0 meets both, request 1 misses TPOT.
  CHECK(s.slo_met == 1);
  CHECK(s.goodput_requests_s == Approx(50));
  CHECK(log.summarize(ServingSlo{9, 0}).slo_met == 0);
  CHECK(log.summarize(ServingSlo{}).slo_met == 2);
}
