// periph.job: hands the decode job to the firmware and measures what the firmware reports.
//
// Contract:
// - From its config the device builds the job: the model and the device's shard
//   (model_spec.h), the workload (workload.h) and the system switches; the firmware reads them
//   as read-only registers and the requests one at a time through a mailbox (write REQ_INDEX,
//   read REQ_*). Firmware never parses JSON.
// - The firmware reports ITER_BEGIN (batch size), LAYERS_END (after the decoder layers of the
//   iteration) and ITER_END (tokens generated). The device measures each iteration's simulated
//   time and, between ITER_BEGIN and ITER_END, the NPU's useful MACs and PIM busy time (from the
//   stats tree: <npu>.sa.macs, <npu>.sa.peak_macs_per_ns, <npu>.attention.pim_busy_ns_per_channel).
// - Summary statistics (summary.*): tokens_per_second, iteration_time_ns, npu_utilization,
//   pim_utilization, iterations, tokens, batch_mean, simulated_layers, device_layers. When the
//   firmware simulates fewer layers than the device holds, the layer part of each iteration is
//   scaled by device_layers / simulated_layers (the LM head is not).
// - Tokens (system.tokens): the firmware reports every generated token (TOKEN_REQUEST, TOKEN);
//   they are written to <out>/tokens.json. With system.logits the firmware also reports the
//   logits each token was chosen from (LOGITS, two fp16 per write, before its TOKEN), written to
//   <out>/logits.json as {"request index": [[logits of step 0], ...]} when the simulation ends.
//   Workload mode "prompt": `requests` requests with an empty KV cache that each generate
//   `iterations` tokens from a one-token prompt.
// - Progress: a line on stderr per iteration, and during long iterations at most every 5 s of
//   wall time (iteration, layer, simulated and wall time). Serving: at most every 5 s, the
//   serving clock, requests done, the batch and an ETA.
// - Several devices (the platform's devices section): the model's tp x pp must equal the
//   devices, the mirror group tp; DEVICES, DEVICES_BUILT, DEVICE_STRIDE, TP, PP, MIRROR and
//   MICRO_BATCHES tell the firmware the layout, and the measurements sum every built device
//   (each counted for the mirrors it stands for; docs/multi-device.md).
// - Serving (workload mode "serving"): requests arrive on the serving clock (simulated time plus
//   the gaps skipped by IDLE while nothing can run); the firmware reads ARRIVED and reports
//   EVENTs, kept by serving_log.h, written to <out>/requests.csv and <out>/request_tokens.csv at
//   the end, and summarized in summary.serving.*.
#pragma once

#include <chrono>
#include <map>
#include <vector>

#include "models/host/iteration_sampler.h"
#include "models/host/model_spec.h"
#include "models/host/serving_log.h"
#include "models/host/workload.h"
#include "models/mem/pim_memory_info.h"
#include "models/periph/register_device.h"
#include "platform/registry.h"

namespace vp::host {

class JobDevice : public RegisterDevice {
 public:
  static const RegisterTable& registers();
  static void register_type(ModuleRegistry& registry);
  JobDevice(const sc_core::sc_module_name& name, ConfigNode& config, SimContext& context);
  void connect(ModuleLookup& lookup) override;

  [[nodiscard]] const ModelSpec& model() const { return model_; }
  [[nodiscard]] const std::vector<WorkloadRequest>& requests() const { return requests_; }

 private:
  struct Window {
    double time_ns = 0, macs = 0, pim_ns = 0, memory_pj = 0, npu_pj = 0;
  };
  [[nodiscard]] Window sample();
  /// Several devices: the model's split must match the platform's devices (errors name the key).
  void check_devices(const DeviceLayout& devices, ConfigNode& config, std::uint32_t flags) const;
  DeviceLayout devices_;
  [[nodiscard]] double stat(const std::string& name) const;
  void progress(const char* what);
  /// <out>/tokens.json: {"request index": [tokens in order]} (rewritten at every ITER_END).
  void write_tokens() const;
  void end_of_simulation() override;
  /// <out>/logits.json: {"request index": [[vocabulary logits of each step]]} (at the end).
  void write_logits() const;

  /// Serving: the serving clock (simulated time plus the idle gaps skipped) and the events.
  [[nodiscard]] std::uint64_t serving_now_ns() const;
  /// Requests that arrived by `now_ns` (they are in arrival order): the index of the next one.
  [[nodiscard]] std::size_t arrived_by(std::uint64_t now_ns) const;
  void serving_event(std::uint32_t kind, std::uint32_t request);
  /// Stamps the pending tokens and finishes with the serving clock's now.
  void flush_serving_events();
  static constexpr std::uint32_t kEventScheduled = 1, kEventToken = 2, kEventFinished = 3,
                                 kEventPreempted = 4, kEventSwappedOut = 5, kEventSwappedIn = 6,
                                 kEventRejected = 7;

  SimContext& context_;
  bool serving_ = false;
  ServingLog serving_log_;
  ServingSlo slo_;
  std::uint64_t clock_offset_ns_ = 0;
  bool serving_started_ = false;
  IterationSampler sampler_{0, 0};         ///< serving: iteration sampling (off by default)
  IterationSampler::Features features_{};  ///< the features of the iteration about to run
  unsigned features_split_ = 1;            ///< its sub-batches
  bool sampled_iteration_ = false;         ///< it runs exactly and is recorded at ITER_END
  std::uint64_t serving_origin_ns_ = 0;    ///< simulated time of the firmware's first ARRIVED read
  std::vector<std::pair<std::uint32_t, std::uint32_t>> pending_events_;  ///< (kind, request)
  std::string requests_file_, request_tokens_file_;  ///< serving: <out>/requests.csv, tokens
  std::string tokens_file_;                          ///< <out>/tokens.json
  std::string logits_file_;                          ///< <out>/logits.json
  ModelSpec model_;
  WorkloadSpec workload_;
  std::vector<WorkloadRequest> requests_;
  std::string npu_, npu_where_, memory_, memory_where_, attention_where_, model_where_;
  bool pim_attention_ = true;
  std::uint32_t max_context_ = 0;  ///< longest context of the run (workload.max_context)
  std::uint32_t layers_ = 0;       ///< simulated decoder layers per iteration
  std::uint32_t kv_layers_ = 0;    ///< layers of KV cache reserved per request
  std::uint32_t v_chunk_ = 0;      ///< tokens per V segment (0 until connect: the memory's row)
  std::string v_chunk_where_;
  /// Adaptive split: the GEMMs' bandwidth share beside PIM (system.adaptive_mem_share; < 0
  /// until connect: the measured value for the memory's arbitration policy).
  double mem_share_ = -1;
  /// And the attention's stretch beside GEMMs (system.adaptive_attention_stretch).
  double attention_stretch_ = -1;
  struct Interference {
    double mem_share, attention_stretch;
  };
  /// What was measured under an arbitration policy (its defaults).
  [[nodiscard]] static Interference measured_interference(const std::string& arbitration);
  std::uint32_t request_index_ = 0, current_layer_ = 0;
  std::vector<std::uint32_t> router_weights_;  ///< timing router's popularity, 65536ths
  std::uint32_t router_expert_ = 0;
  std::uint64_t routed_tokens_ = 0, expert_launches_ = 0;

  Window begin_, layers_end_;
  bool in_iteration_ = false;
  std::uint64_t iterations_ = 0, tokens_ = 0, batch_sum_ = 0, split_iterations_ = 0;
  double time_ns_ = 0, scaled_time_ns_ = 0, macs_ = 0, pim_ns_ = 0, peak_macs_per_ns_ = 0,
         memory_pj_ = 0, npu_pj_ = 0;
  std::chrono::steady_clock::time_point wall_start_, last_print_;
  std::map<std::uint32_t, std::vector<std::uint32_t>> tokens_by_request_;
  std::map<std::uint32_t, std::vector<std::vector<float>>> logits_by_request_;
  std::vector<float> pending_logits_;  ///< LOGITS written since the last TOKEN
};

}  // namespace vp::host
