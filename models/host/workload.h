// Decode workloads: which requests the device serves, with their context and output lengths.
//
// Contract (docs/workloads.md):
// - Length distributions are the datasets' empirical (input, output) token pairs
//   (configs/workloads/{sharegpt,alpaca}.tsv, header "input_toks<TAB>output_toks").
// - "steady" (the paper's method): `batches` batches of `batch` requests, each a decode step at
//   steady state: a pair is drawn uniformly from the dataset, the request has generated g
//   tokens, g uniform in [0, output), so its context is input + g (capped at max_seq - 1) and it
//   still generates output - g tokens.
// - "serving": requests with a prompt to prefill and an output to generate, arriving in time:
//   Poisson arrivals at `rate` requests/s with (prompt, output) pairs drawn from the dataset, or
//   a replay of a timestamped trace (CSV "TIMESTAMP,ContextTokens,GeneratedTokens", the Azure
//   LLM inference traces) with its inter-arrival times divided by `rate_scale`, from `start_s`
//   for `duration_s` (0: to the end). At most `requests` requests. A request that does not fit
//   the context (prompt + output > max_seq) is truncated (prompt to at most max_seq - 1, then
//   the output to what is left) or, with `too_long` "reject", marked rejected.
// - "prompt": `requests` requests with an empty KV cache (a one-token prompt the firmware derives
//   from the seed) that each generate prompt_tokens tokens; for functional runs with real tokens.
// - "trace": the NeuPIMs simulator's request traces (CSV "seq_len,ch_idx"): one batch, context
//   = seq_len, one token to generate, the trace's channel.
// Every random draw comes from one std::mt19937_64 seeded with `seed` (no library distributions,
// so the sequence is the same everywhere). Malformed files name the file, line and problem.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace vp::host {

constexpr std::uint32_t kAnyChannel = 0xFFFFFFFFU;

struct LengthPair {
  std::uint32_t input = 0, output = 0;
};

struct WorkloadRequest {
  std::uint32_t context = 0;    ///< tokens in the KV cache when the request joins
  std::uint32_t remaining = 0;  ///< tokens it still generates
  std::uint32_t channel = kAnyChannel;
  std::uint32_t batch = 0;       ///< steady/trace: the sampled batch it belongs to
  std::uint64_t arrival_ns = 0;  ///< serving: arrival time
  bool truncated = false;        ///< serving: shortened to fit the context
  bool too_long = false;         ///< serving: longer than the context and rejected
};

struct WorkloadSpec {
  std::string mode = "steady";  ///< steady | serving | trace
  std::string dataset = "sharegpt";
  std::string dataset_file, trace_file;  ///< resolved paths
  std::uint32_t batch = 256, batches = 1, requests = 0;
  // serving
  std::string arrivals = "poisson";  ///< poisson | trace
  std::string arrival_trace_file;    ///< resolved path of the timestamped trace
  double rate = 10;                  ///< poisson: requests per second
  double rate_scale = 1;             ///< trace: arrival rate multiplier
  double start_s = 0, duration_s = 0;
  bool reject_too_long = false;
  std::uint64_t seed = 1;
  std::uint32_t max_seq = 2048;
  std::uint32_t prompt_tokens = 1;  ///< prompt mode: tokens each request generates
};

[[nodiscard]] std::vector<LengthPair> load_lengths(const std::string& path);
/// Contexts must leave room for the token to generate: 1 .. max_seq - 1.
[[nodiscard]] std::vector<WorkloadRequest> load_trace(const std::string& path,
                                                      std::uint32_t max_seq);
/// A timestamped request trace: arrival in ns from the first row, prompt and output tokens.
struct TimedRequest {
  std::uint64_t arrival_ns = 0;
  std::uint32_t prompt = 0, output = 0;
};
/// Rows must be in arrival order (a timestamp before the previous row's is an error).
[[nodiscard]] std::vector<TimedRequest> load_arrival_trace(const std::string& path);
[[nodiscard]] std::vector<WorkloadRequest> make_workload(const WorkloadSpec& spec);

}  // namespace vp::host
