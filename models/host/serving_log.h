// The serving workload's record: what happened to every request and when, and the latency
// metrics computed from it (docs/workloads.md, Serving).
//
// Contract:
// - Times are serving-clock ns (the simulated time plus the idle gaps the firmware skipped while
//   nothing had arrived). arrive() is given by the workload; the firmware reports scheduled
//   (first admitted), each token, finished, preempted (with the tokens to recompute or the bytes
//   swapped out) and rejected (larger than the whole device) as they happen.
// - Per request: TTFT = first token - arrival; TPOT = (finish - first token) / (tokens - 1) for
//   requests of at least two tokens; end-to-end = finish - arrival; queueing = scheduled -
//   arrival. Percentiles interpolate linearly between the closest ranks of the sorted values
//   (p50 of {1, 2, 3, 4} is 2.5).
// - Goodput: requests that finished within both SLOs (TTFT and TPOT; 0 = no limit) per second of
//   the serving span (first arrival to last finish).
// - write_requests(): one CSV row per request; write_tokens(): one row per generated token.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "models/host/workload.h"
#include "platform/stats.h"

namespace vp::host {

struct ServingSlo {
  double ttft_ms = 0, tpot_ms = 0;  ///< 0: no limit
};

class ServingLog {
 public:
  void reset(const std::vector<WorkloadRequest>& requests);
  void scheduled(std::uint32_t request, std::uint64_t now_ns);
  void token(std::uint32_t request, std::uint64_t now_ns);
  void finished(std::uint32_t request, std::uint64_t now_ns);
  void preempted(std::uint32_t request, std::uint32_t recompute_tokens, std::uint64_t swap_bytes);
  void swapped_in(std::uint32_t request, std::uint64_t bytes);
  void rejected(std::uint32_t request);

  struct Summary {
    std::uint64_t requests = 0, finished = 0, rejected_too_long = 0, rejected_device = 0,
                  truncated = 0, preemptions = 0, recomputed_tokens = 0, swapped_out_bytes = 0,
                  swapped_in_bytes = 0, tokens = 0, slo_met = 0;
    double span_s = 0, ttft_ms[3] = {}, tpot_ms[3] = {}, e2e_ms[3] = {}, queue_ms[3] = {};
    double ttft_mean_ms = 0, tpot_mean_ms = 0, throughput_tokens_s = 0, throughput_requests_s = 0,
           goodput_requests_s = 0;
  };
  [[nodiscard]] Summary summarize(const ServingSlo& slo) const;
  /// Linear interpolation between closest ranks; q in [0, 1]; 0 for no values.
  [[nodiscard]] static double percentile(std::vector<double> values, double q);
  /// summary.serving.* statistics, computed at the dump.
  void add_stats(StatsTree& stats, const std::string& prefix, const ServingSlo& slo) const;
  void write_requests(const std::string& path) const;
  void write_tokens(const std::string& path) const;
  [[nodiscard]] std::uint64_t done() const { return done_; }
  [[nodiscard]] std::size_t size() const { return records_.size(); }

 private:
  static constexpr std::uint64_t kNever = ~std::uint64_t{0};
  struct Record {
    std::uint64_t arrival = 0, scheduled = kNever, first_token = kNever, finish = kNever;
    std::uint32_t prompt = 0, output = 0, tokens = 0, preemptions = 0, recomputed = 0;
    std::uint64_t swapped_out = 0, swapped_in = 0;
    bool truncated = false, too_long = false, rejected = false;
  };
  std::vector<Record> records_;
  std::vector<std::pair<std::uint32_t, std::uint64_t>> token_times_;  ///< (request, ns) in order
  std::uint64_t done_ = 0;                                            ///< finished or rejected
};

}  // namespace vp::host
