#include "models/host/job_device.h"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <Imath/half.h>
#include <fmt/format.h>

#include "models/npu/kv_layout.h"
#include "platform/error.h"

namespace vp::host {
namespace {

constexpr std::uint32_t kFlagPimAttention = 1U << 0, kFlagGreedy = 1U << 1, kFlagSubBatch = 1U << 2,
                        kFlagSubBatchAdaptive = 1U << 3, kFlagLmHead = 1U << 4,
                        kFlagTokens = 1U << 5, kFlagSplitByCount = 1U << 6, kFlagLogits = 1U << 7,
                        kFlagSeededRouting = 1U << 8;

}  // namespace

const RegisterTable& JobDevice::registers() {
  static const RegisterTable table = [] {
    RegisterTable t{
        "periph.job",
        "JOB",
        "Decode job hand-off: model shard, workload and system switches; request mailbox; iteration "
        "reports.",
        0x1000,
        {}};
    auto ro = [&t](const char* name, std::uint32_t offset, const char* what) {
      t.registers.push_back({name, offset, 0, RegAccess::ReadOnly, what});
    };
    auto wo = [&t](const char* name, std::uint32_t offset, const char* what) {
      t.registers.push_back({name, offset, 0, RegAccess::WriteOnly, what});
    };
    ro("MAGIC", 0x000, "Reads 'JOB1'.");
    ro("FLAGS", 0x004,
       "Bit 0: attention on PIM (else on the NPU); 1: greedy min-load channel assignment (else round-robin); "
       "2: sub-batch interleaving on (from SUB_BATCH_MIN requests); 3: adaptive (split only when the estimate "
       "says it pays); 4: LM head on the NPU; 5: real tokens "
       "(seeded weights and embeddings in memory, each request's next token is the argmax of its logits); 6: "
       "sub-batches split by request count per channel (else by load); 7: report each generated "
       "token's logits (LOGITS) before the token; 8: MoE tokens routed by the seeded router "
       "(ROUTER_WEIGHT), else by the model's router output.");
    ro("SUB_BATCH_MIN", 0x008, "Batch size from which sub-batch interleaving is used (when on).");
    ro("LAYERS", 0x00C, "Decoder layers to simulate per iteration.");
    ro("DEVICE_LAYERS", 0x010, "Decoder layers the device holds (layers / pp).");
    ro("D_MODEL", 0x014, "Model width E.");
    ro("HEADS", 0x018, "Attention heads of the device's shard (heads / tp).");
    ro("HEAD_DIM", 0x01C, "Elements per head.");
    ro("EMBED_SHARD", 0x020, "E / tp: the QKV output per projection and the projection's input.");
    ro("FFN_SHARD", 0x024,
       "The FFN's (or each expert's) hidden width on this device (ffn_dim / tp; 4 E / tp for GPT3).");
    ro("VOCAB_SHARD", 0x028, "LM head columns on this device (vocab / tp).");
    ro("MAX_BATCH", 0x02C, "Largest batch (requests decoded together).");
    ro("ITERATIONS", 0x030,
       "steady: decode iterations per sampled batch; serving: iteration limit (0 = none).");
    ro("BATCHES", 0x034, "steady/trace: sampled batches.");
    ro("REQUESTS", 0x038, "Requests in the mailbox.");
    ro("MODE", 0x03C, "0 steady, 1 serving, 2 trace.");
    ro("MAX_SEQ", 0x040,
       "Longest context (tokens): the model's max_seq, or the job's workload.max_context.");
    ro("CHANNELS", 0x044, "HBM channels (from the memory the job's `memory` key names).");
    ro("BANKS", 0x048, "Banks per channel.");
    ro("ROWS", 0x04C, "Rows per bank.");
    ro("ROW_BYTES", 0x050, "Bytes per bank row.");
    ro("SEED", 0x054, "Seed of the weights, embeddings and prompt tokens (FLAGS bit 5).");
    ro("KV_LAYERS", 0x058,
       "Decoder layers whose KV cache the runtime reserves per request: DEVICE_LAYERS, or the "
       "job's kv_layers (LAYERS .. DEVICE_LAYERS; the public simulator reserves only the "
       "simulated layers).");
    ro("DEVICES", 0x098,
       "Devices of the system (the platform's devices.count; 1 = this device alone, the others "
       "not simulated).");
    ro("DEVICES_BUILT", 0x09C,
       "Devices built and driven by the firmware: all of them (exact) or one per pipeline stage "
       "(mirrored). Built device i's NPU registers are at the NPU base + i x DEVICE_STRIDE.");
    ro("DEVICE_STRIDE", 0x0A0, "Bytes between the register windows of consecutive built NPUs.");
    ro("TP", 0x0A4, "Tensor-parallel devices per layer (the model's tp).");
    ro("PP", 0x0A8, "Pipeline stages (the model's pp).");
    ro("MIRROR", 0x0AC,
       "Devices each built device stands for: tp when mirrored (its tensor-parallel peers mirror "
       "it), else 1.");
    ro("MICRO_BATCHES", 0x0B0,
       "Several devices: micro-batches in flight through the pipeline (system.micro_batches, "
       "default pp).");
    ro("V_CHUNK", 0x05C,
       "Tokens per V segment of the KV layout: ROW_BYTES / 2 (the paper's layout: a V row "
       "holds 512 tokens of one head and dimension tile) or the job's system.v_chunk_tokens.");
    ro("MEM_SHARE", 0x060,
       "Adaptive split: the share (per mille) of its weight-stream bandwidth a GEMM keeps while "
       "PIM attention runs beside it (system.adaptive_mem_share; default: measured for the "
       "memory's arbitration policy, docs/runtime.md).");
    ro("ATT_STRETCH", 0x064,
       "Adaptive split: how much longer (per mille) attention takes while GEMMs run beside it "
       "(system.adaptive_attention_stretch; default: measured for the memory's arbitration "
       "policy, docs/runtime.md).");
    ro("KV_HEADS", 0x068,
       "K/V heads on the device (HEADS / KV_HEADS query heads share each: grouped-query "
       "attention; equal to HEADS for multi-head attention).");
    ro("ARCH", 0x06C,
       "The model's layer kind: bit 0 SwiGLU FFN (gate and up, SiLU(gate) x up, down; else "
       "GELU), bit 1 RMSNorm (else LayerNorm), bit 2 rotary positions (RoPE on q and k).");
    ro("ROPE_THETA", 0x070, "RoPE base, fp32 bits (ARCH bit 2).");
    ro("EXPERTS", 0x074,
       "Experts per layer (0: a dense FFN); FFN_SHARD is then each expert's hidden width.");
    ro("TOP_K", 0x078, "Experts each token is routed to.");
    ro("ROUTER_SKEW", 0x07C,
       "The seeded router's popularity (FLAGS bit 8): 0 uniform, else expert e is drawn with "
       "weight 1 / (e + 1)^s, s = ROUTER_SKEW / 1000 (system.moe_router, docs/runtime.md).");
    t.registers.push_back({"ROUTER_EXPERT", 0x0E0, 0, RegAccess::ReadWrite,
                           "Selects the expert ROUTER_WEIGHT shows."});
    ro("ROUTER_WEIGHT", 0x0E4,
       "The seeded router's popularity weight of expert ROUTER_EXPERT, of 65536 in all "
       "(0 beyond EXPERTS).");
    t.registers.push_back(
        {"REQ_INDEX", 0x080, 0, RegAccess::ReadWrite,
         "Selects the request the REQ_* registers show (they read 0xFFFFFFFF for an index >= REQUESTS)."});
    ro("REQ_CONTEXT", 0x084, "Tokens in its KV cache when it joins.");
    ro("REQ_REMAINING", 0x088, "Tokens it still generates.");
    ro("REQ_CHANNEL", 0x08C, "Channel its KV must use, or 0xFFFFFFFF (the runtime assigns one).");
    ro("REQ_BATCH", 0x090, "steady/trace: the sampled batch it belongs to.");
    ro("REQ_REJECTED", 0x094,
       "serving: 1 if the request is longer than the context and the workload rejects such "
       "requests (workload.too_long reject): it is never scheduled.");
    ro("SCHEDULER", 0x0F0,
       "serving: the iteration scheduler, 0 orca (every request's whole prefill joins the next "
       "iteration), 1 vllm (prefill-only iterations first), 2 sarathi (chunked prefill in a "
       "token budget, decodes first).");
    ro("TOKEN_BUDGET", 0x0F4,
       "serving: tokens per iteration (sarathi: decodes and prefill chunks together; orca and "
       "vllm: prefill tokens).");
    ro("PREEMPTION", 0x0F8,
       "serving: how a request is preempted when KV memory runs short: 0 recompute (drop its "
       "KV, prefill again), 1 swap (SWAP its KV rows to host memory and back).");
    ro("KV_WATERMARK", 0x0FC,
       "serving: per mille of each channel's KV row groups a new request must leave free to be "
       "admitted.");
    ro("ARRIVED", 0x100, "serving: requests arrived by the serving clock (they arrive in order).");
    wo("IDLE", 0x104,
       "serving: write anything when nothing can run: the serving clock skips to the next "
       "arrival.");
    t.registers.push_back(
        {"EVENT_ARG", 0x10C, 0, RegAccess::ReadWrite, "serving: the argument of the next EVENT."});
    wo("FEATURE_ROWS", 0x110, "serving: the next iteration's rows (tokens) (sampling feature).");
    wo("FEATURE_ATTENTION", 0x114,
       "serving: the next iteration's slowest channel's PIM attention load (sampling feature).");
    wo("FEATURE_KV", 0x118,
       "serving: the next iteration's decoding requests' KV tokens (sampling feature).");
    wo("FEATURE_PREFILL", 0x11C,
       "serving: the next iteration's prefill attention work, sum of chunk tokens x context / "
       "1024 (sampling feature).");
    wo("FEATURE_SPLIT", 0x128, "serving: the next iteration's sub-batches (1 or 2).");
    ro("SIMULATE", 0x120,
       "serving: read after writing the FEATURE_* registers: 1 = simulate the iteration exactly; "
       "0 = it is estimated (the serving clock has moved by the estimate; run no descriptors, "
       "report its tokens, then write ITER_SKIPPED). Always 1 without workload.sampling.");
    wo("ITER_SKIPPED", 0x124,
       "serving: write anything after an estimated iteration's tokens and finishes were reported.");
    wo("EVENT", 0x108,
       "serving: write kind << 24 | request: 1 scheduled, 2 a token (stamped at ITER_END), 3 "
       "finished (stamped at ITER_END), 4 preempted (EVENT_ARG = tokens to recompute), 5 swapped "
       "out (EVENT_ARG = KB), 6 swapped in (EVENT_ARG = KB), 7 rejected (larger than the device).");
    wo("ITER_BEGIN", 0x0C0, "Write the batch size: a decode iteration starts.");
    wo("LAYERS_END", 0x0C4, "Write anything: the iteration's decoder layers are done.");
    wo("ITER_END", 0x0C8, "Write the tokens generated: the iteration is done.");
    wo("LAYER", 0x0CC, "Write the layer index being started (progress).");
    wo("SUB_BATCHES", 0x0D8, "Write the sub-batches of the iteration about to begin (1 or 2).");
    t.registers.push_back({"TOKEN_REQUEST", 0x0D0, 0, RegAccess::ReadWrite,
                           "Selects the request TOKEN records for."});
    wo("TOKEN", 0x0D4,
       "Write a token generated by the TOKEN_REQUEST request (kept in <out>/tokens.json).");
    wo("EXPERT_ROUTED", 0x0E8,
       "Write expert << 22 | tokens: an expert FFN ran over that many routed tokens "
       "(summary.moe_routed_tokens, moe_expert_launches).");
    wo("LOGITS", 0x0DC,
       "FLAGS bit 7: write the logits the next TOKEN is chosen from, two fp16 per write (low "
       "half first), VOCAB_SHARD values, before that TOKEN (kept in <out>/logits.json).");
    return t;
  }();
  return table;
}

void JobDevice::register_type(ModuleRegistry& registry) {
  add_module_type<JobDevice>(registry, "periph.job", registers().summary);
}

JobDevice::JobDevice(const sc_core::sc_module_name& name, ConfigNode& config, SimContext& context)
    : RegisterDevice(name, registers(), config),
      context_(context),
      tokens_file_(context.outputs.claim(config.path() + " (its tokens)", "tokens.json")),
      logits_file_(context.outputs.claim(config.path() + " (its logits)", "logits.json")) {
  // The model: a file (configs/models/), optionally re-sharded by tp / pp (0: the file's).
  {
    model_where_ = config.key_path("model");
    const std::string file =
        context.resolve_path(config.get_string("model", "../models/gpt3-7b.json"));
    model_ = with_config_file(file, model_where_, [](Config& loaded) {
      ConfigNode node = loaded.root();
      auto model = ModelSpec::from_config(node);
      node.finish();
      return model;
    });
    const auto tp = static_cast<std::uint32_t>(config.get_u64("tp", 0, 0, 1024));
    const auto pp = static_cast<std::uint32_t>(config.get_u64("pp", 0, 0, 1024));
    model_ = model_.with_parallelism(tp, pp, config.key_path("tp") + " / " + config.key_path("pp"));
    // A grouped-query variant of the model (kv_heads from heads down to 1: GQA studies).
    const auto kv_heads = static_cast<std::uint32_t>(config.get_u64("kv_heads", 0, 0, 4096));
    model_ = model_.with_kv_heads(kv_heads, config.key_path("kv_heads"));
  }
  layers_ = static_cast<std::uint32_t>(config.get_u64("layers", 0, 0, model_.device_layers()));
  if (layers_ == 0) layers_ = model_.device_layers();
  kv_layers_ =
      static_cast<std::uint32_t>(config.get_u64("kv_layers", 0, 0, model_.device_layers()));
  if (kv_layers_ == 0) kv_layers_ = model_.device_layers();
  if (kv_layers_ < layers_)
    throw ConfigError(
        fmt::format("{}: {} layers of KV cache cannot hold the {} layers simulated (0 = all {} the "
                    "device holds)",
                    config.key_path("kv_layers"), kv_layers_, layers_, model_.device_layers()));
  npu_where_ = config.key_path("npu");
  npu_ = config.get_string("npu", "npu");
  memory_where_ = config.key_path("memory");
  memory_ = config.get_string("memory", "hbm");

  ConfigNode w = config.child("workload");
  const std::string w_mode_where = w.key_path("mode");
  workload_.mode = w.get_string("mode", "steady");
  serving_ = workload_.mode == "serving";
  if (serving_) {
    requests_file_ = context.outputs.claim(config.path() + " (its requests)", "requests.csv");
    request_tokens_file_ =
        context.outputs.claim(config.path() + " (its tokens' times)", "request_tokens.csv");
  }
  if (workload_.mode != "steady" && workload_.mode != "serving" && workload_.mode != "trace" &&
      workload_.mode != "prompt")
    throw ConfigError(fmt::format("{}: unknown mode '{}' (steady, serving, trace, prompt)",
                                  w.key_path("mode"), workload_.mode));
  workload_.dataset = w.get_string("dataset", "sharegpt");
  if (workload_.dataset == "sharegpt" || workload_.dataset == "alpaca") {
    workload_.dataset_file =
        context.resolve_path(fmt::format("../workloads/{}.tsv", workload_.dataset));
  } else {
    workload_.dataset_file = context.resolve_path(workload_.dataset);  // a TSV of the same format
    std::error_code ec;
    if (!std::filesystem::is_regular_file(workload_.dataset_file, ec))
      throw ConfigError(fmt::format(
          "{}: unknown dataset '{}' (allowed: sharegpt, alpaca, or a TSV file of input_toks "
          "and output_toks columns; {} is {})",
          w.key_path("dataset"), workload_.dataset, workload_.dataset_file,
          std::filesystem::exists(workload_.dataset_file, ec) ? "not a regular file"
                                                              : "no such file"));
  }
  if (workload_.mode == "trace")
    workload_.trace_file = context.resolve_path(w.require_string("trace"));
  workload_.batch = static_cast<std::uint32_t>(w.get_u64("batch", 256, 1, 4096));
  workload_.batches = static_cast<std::uint32_t>(w.get_u64("batches", 1, 1, 1000));
  workload_.requests = static_cast<std::uint32_t>(w.get_u64("requests", 1024, 1, 1U << 20));
  workload_.seed = w.get_u64("seed", 1, 0, ~0ULL);
  if (workload_.mode == "serving") {  // arrivals in time (docs/workloads.md, Serving)
    workload_.arrivals = w.get_enum("arrivals", "poisson", {"poisson", "trace"});
    if (workload_.arrivals == "poisson") {
      workload_.rate = w.get_double("rate", 10.0, 1e-6, 1e6);
    } else {
      const std::string trace = w.get_string("arrival_trace", "azure-conv");
      workload_.arrival_trace_file =
          trace == "azure-conv"   ? context.resolve_path("../workloads/azure/conv.csv")
          : trace == "azure-code" ? context.resolve_path("../workloads/azure/code.csv")
                                  : context.resolve_path(trace);
      std::error_code ec;
      if (!std::filesystem::is_regular_file(workload_.arrival_trace_file, ec))
        throw ConfigError(fmt::format(
            "{}: unknown arrival trace '{}' (allowed: azure-conv, azure-code, or a CSV file "
            "TIMESTAMP,ContextTokens,GeneratedTokens; {} is {})",
            w.key_path("arrival_trace"), trace, workload_.arrival_trace_file,
            std::filesystem::exists(workload_.arrival_trace_file, ec) ? "not a regular file"
                                                                      : "no such file"));
      workload_.rate_scale = w.get_double("rate_scale", 1.0, 1e-6, 1e6);
      workload_.start_s = w.get_double("start_s", 0.0, 0.0, 1e9);
    }
    workload_.duration_s = w.get_double("duration_s", 0.0, 0.0, 1e9);
    workload_.reject_too_long =
        w.get_enum("too_long", "truncate", {"truncate", "reject"}) == "reject";
    if (w.has("sampling")) {  // iteration sampling (docs/workloads.md, Sampling)
      ConfigNode sampling = w.child("sampling");
      const auto period = static_cast<std::uint32_t>(sampling.get_u64("period", 10, 1, 1U << 20));
      const auto warmup = static_cast<std::uint32_t>(sampling.get_u64("warmup", 20, 7, 1U << 20));
      sampling.finish();
      sampler_ = IterationSampler(period, warmup);
    }
  }
  // The serving window: the model's context, or less (a KV row list per request is sized by it).
  max_context_ =
      static_cast<std::uint32_t>(w.get_u64("max_context", model_.max_seq, 2, model_.max_seq));
  workload_.max_seq = max_context_;
  // steady/trace: iterations per batch (at least 1); serving: a limit (0: until all are done).
  const auto iterations =
      static_cast<std::uint32_t>(w.get_u64("iterations", workload_.mode == "serving" ? 0 : 1,
                                           workload_.mode == "serving" ? 0 : 1, 1U << 20));
  workload_.prompt_tokens = iterations;
  w.finish();
  try {
    requests_ = make_workload(workload_);
  } catch (const UserInputError& e) {
    throw InputError(fmt::format("{}: {}", config.key_path("workload"), e.what()));
  }
  std::uint32_t batches = workload_.batches;
  if (workload_.mode == "trace" || workload_.mode == "prompt") batches = 1;
  // steady/trace: a whole sampled batch runs at once; serving: the iteration-level batching limit.
  const std::uint32_t largest = static_cast<std::uint32_t>(requests_.size() / batches);
  const auto max_batch = static_cast<std::uint32_t>(
      config.get_u64("max_batch", workload_.mode == "serving" ? 256 : largest, 1, 4096));
  if (workload_.mode != "serving" && max_batch < largest)
    throw ConfigError(
        fmt::format("{}: {} is below the batch of {} requests the {} workload runs at once",
                    config.key_path("max_batch"), max_batch, largest, workload_.mode));

  ConfigNode s = config.child("system");
  std::uint32_t flags = 0;
  const std::string attention = s.get_string("attention", "pim");
  if (attention != "pim" && attention != "npu")
    throw ConfigError(
        fmt::format("{}: '{}' is not pim or npu", s.key_path("attention"), attention));
  if (attention == "pim") flags |= kFlagPimAttention;
  pim_attention_ = attention == "pim";
  attention_where_ = s.key_path("attention");
  const std::string assignment = s.get_string("channel_assignment", "greedy");
  if (assignment != "greedy" && assignment != "round-robin")
    throw ConfigError(fmt::format("{}: '{}' is not greedy or round-robin",
                                  s.key_path("channel_assignment"), assignment));
  if (assignment == "greedy") flags |= kFlagGreedy;
  const std::string sub_batch = s.get_string("sub_batch", "on");
  if (sub_batch != "on" && sub_batch != "off" && sub_batch != "adaptive")
    throw ConfigError(
        fmt::format("{}: '{}' is not on, off or adaptive", s.key_path("sub_batch"), sub_batch));
  if (sub_batch == "on") flags |= kFlagSubBatch;
  if (sub_batch == "adaptive") flags |= kFlagSubBatch | kFlagSubBatchAdaptive;
  const std::string split = s.get_string("sub_batch_split", "load");
  if (split != "load" && split != "count")
    throw ConfigError(
        fmt::format("{}: '{}' is not load or count", s.key_path("sub_batch_split"), split));
  if (split == "count") flags |= kFlagSplitByCount;
  if (s.get_bool("lm_head", true)) flags |= kFlagLmHead;
  if (s.get_bool("tokens", false)) flags |= kFlagTokens;
  if ((flags & kFlagTokens) != 0 && (flags & kFlagLmHead) == 0)
    throw ConfigError(fmt::format("{}: generating tokens needs the LM head (lm_head: true)",
                                  s.key_path("tokens")));
  if (s.get_bool("logits", false)) flags |= kFlagLogits;
  if ((flags & kFlagTokens) != 0 && sampler_.enabled())
    throw ConfigError(
        fmt::format("{}: real tokens need every iteration simulated; remove workload.sampling",
                    s.key_path("tokens")));
  if ((flags & kFlagLogits) != 0 && (flags & kFlagTokens) == 0)
    throw ConfigError(
        fmt::format("{}: reporting logits needs real tokens (tokens: true)", s.key_path("logits")));
  const auto sub_batch_min =
      static_cast<std::uint32_t>(s.get_u64("sub_batch_min", 256, 2, 1U << 20));
  v_chunk_where_ = s.key_path("v_chunk_tokens");
  v_chunk_ = static_cast<std::uint32_t>(s.get_u64("v_chunk_tokens", 0, 0, 1U << 20));
  if (s.has("adaptive_mem_share")) mem_share_ = s.get_double("adaptive_mem_share", 1.0, 0.0, 1.0);
  if (s.has("adaptive_attention_stretch"))
    attention_stretch_ = s.get_double("adaptive_attention_stretch", 0.0, 0.0, 10.0);
  double router_skew = 0;
  if (model_.moe()) {
    // The model's own router needs real tokens; timing runs draw from the seeded router.
    const std::string router =
        s.get_enum("moe_router", (flags & kFlagTokens) != 0 ? "gate" : "uniform",
                   {"gate", "uniform", "skewed"});
    if (router == "gate" && (flags & kFlagTokens) == 0)
      throw ConfigError(fmt::format(
          "{}: routing by the model's router output ('gate') needs real tokens (tokens: true); "
          "timing runs use 'uniform' or 'skewed'",
          s.key_path("moe_router")));
    if (router != "gate") flags |= kFlagSeededRouting;
    if (router == "skewed") router_skew = s.get_double("moe_skew", 1.0, 0.001, 4.0);
  }
  // Serving: the scheduler, KV memory management and SLOs (docs/runtime.md, Serving).
  std::uint32_t scheduler = 0, token_budget = 0, preemption = 0, watermark = 0;
  if (serving_) {
    const std::string policy = s.get_enum("scheduler", "sarathi", {"orca", "vllm", "sarathi"});
    scheduler = policy == "orca" ? 0U : policy == "vllm" ? 1U : 2U;
    // orca / vllm: prefill tokens per iteration (a prompt that fits the context always fits);
    // sarathi: the whole iteration's tokens, decodes first, prefill chunks in the rest.
    token_budget = static_cast<std::uint32_t>(
        s.get_u64("token_budget", policy == "sarathi" ? 512 : max_context_, 1, 1U << 16));
    preemption = s.get_enum("preemption", "recompute", {"recompute", "swap"}) == "swap" ? 1U : 0U;
    watermark = static_cast<std::uint32_t>(
        std::lround(s.get_double("kv_watermark", 0.01, 0.0, 0.5) * 1000.0));
    if (model_.moe())
      throw ConfigError(fmt::format(
          "{}: the serving workload runs dense models (mixture-of-experts serving is not "
          "modelled); use mode steady for {}",
          w_mode_where, model_.name));
  }
  const auto micro_batches = static_cast<std::uint32_t>(
      s.get_u64("micro_batches", model_.pp, 1, std::max<std::uint64_t>(1, max_batch)));
  s.finish();
  check_devices(context.devices, config, flags);
  if (serving_) {
    ConfigNode slo = config.child("slo");
    if (slo.has("ttft_ms")) slo_.ttft_ms = slo.get_double("ttft_ms", 0.0, 1e-3, 1e9);
    if (slo.has("tpot_ms")) slo_.tpot_ms = slo.get_double("tpot_ms", 0.0, 1e-3, 1e9);
    slo.finish();
  }
  store("SCHEDULER", scheduler);
  store("TOKEN_BUDGET", token_budget);
  store("PREEMPTION", preemption);
  store("KV_WATERMARK", watermark);

  {
    const DeviceLayout& devices = context.devices;
    store("DEVICES", devices.count);
    store("DEVICES_BUILT", devices.simulated);
    store("DEVICE_STRIDE", static_cast<std::uint32_t>(devices.bus_stride));
    store("TP", model_.tp);
    store("PP", model_.pp);
    store("MIRROR", devices.group);
    store("MICRO_BATCHES", micro_batches);
    devices_ = devices;
  }
  store("SEED", static_cast<std::uint32_t>(workload_.seed));
  store("KV_LAYERS", kv_layers_);
  const std::uint32_t values[] = {0x31424F4AU,
                                  flags,
                                  sub_batch_min,
                                  layers_,
                                  model_.device_layers(),
                                  model_.d_model,
                                  model_.device_heads(),
                                  model_.head_dim(),
                                  model_.device_embedding(),
                                  model_.device_ffn(),
                                  model_.device_vocab(),
                                  max_batch,
                                  iterations,
                                  batches,
                                  static_cast<std::uint32_t>(requests_.size()),
                                  workload_.mode == "steady"    ? 0U
                                  : workload_.mode == "serving" ? 1U
                                  : workload_.mode == "trace"   ? 2U
                                                                : 3U,
                                  max_context_};
  const char* names[] = {
      "MAGIC",      "FLAGS",    "SUB_BATCH_MIN", "LAYERS",    "DEVICE_LAYERS", "D_MODEL",
      "HEADS",      "HEAD_DIM", "EMBED_SHARD",   "FFN_SHARD", "VOCAB_SHARD",   "MAX_BATCH",
      "ITERATIONS", "BATCHES",  "REQUESTS",      "MODE",      "MAX_SEQ"};
  for (std::size_t i = 0; i < std::size(values); ++i) store(names[i], values[i]);
  store("KV_HEADS", model_.device_kv_heads());
  store("ARCH", (model_.ffn == FfnKind::SwiGlu ? 1U : 0U) |
                    (model_.norm == NormKind::RmsNorm ? 2U : 0U) |
                    (model_.positions == Positions::Rope ? 4U : 0U));
  const auto theta = static_cast<float>(model_.rope_theta);
  std::uint32_t theta_bits = 0;
  std::memcpy(&theta_bits, &theta, sizeof theta_bits);
  store("ROPE_THETA", theta_bits);
  store("EXPERTS", model_.experts);
  store("TOP_K", model_.top_k);
  store("ROUTER_SKEW", static_cast<std::uint32_t>(std::lround(router_skew * 1000.0)));
  {  // popularity weights 1 / (e + 1)^s (s = 0: uniform), in 65536ths; the last takes the rest
    double total = 0;
    for (std::uint32_t e = 0; e < model_.experts; ++e) total += std::pow(e + 1.0, -router_skew);
    std::uint32_t given = 0;
    for (std::uint32_t e = 0; e < model_.experts; ++e) {
      const auto w = e + 1 == model_.experts
                         ? 65536U - given
                         : static_cast<std::uint32_t>(
                               std::floor(65536.0 * std::pow(e + 1.0, -router_skew) / total));
      router_weights_.push_back(w);
      given += w;
    }
  }
  on_write("ROUTER_EXPERT", [this](std::uint32_t v) { router_expert_ = v; });
  on_read("ROUTER_WEIGHT", [this] {
    return router_expert_ < router_weights_.size() ? router_weights_[router_expert_] : 0U;
  });
  on_write("EXPERT_ROUTED", [this](std::uint32_t v) {
    routed_tokens_ += v & ((1U << 22) - 1);
    ++expert_launches_;
  });

  on_write("REQ_INDEX", [this](std::uint32_t v) { request_index_ = v; });
  auto field = [this](std::uint32_t WorkloadRequest::*member) {
    return [this, member] {
      return request_index_ < requests_.size() ? requests_[request_index_].*member : 0xFFFFFFFFU;
    };
  };
  on_read("REQ_CONTEXT", field(&WorkloadRequest::context));
  on_read("REQ_REMAINING", field(&WorkloadRequest::remaining));
  on_read("REQ_CHANNEL", field(&WorkloadRequest::channel));
  on_read("REQ_BATCH", field(&WorkloadRequest::batch));
  on_read("REQ_REJECTED", [this] {
    return request_index_ < requests_.size() && requests_[request_index_].too_long ? 1U : 0U;
  });
  if (serving_) {
    serving_log_.reset(requests_);
    on_read("ARRIVED", [this] {
      if (!serving_started_) {  // the serving clock starts when the firmware first asks
        serving_started_ = true;
        serving_origin_ns_ = serving_now_ns();
      }
      return static_cast<std::uint32_t>(arrived_by(serving_now_ns()));
    });
    on_write("IDLE", [this](std::uint32_t) {
      const std::uint64_t now = serving_now_ns();
      const std::size_t next = arrived_by(now);
      if (next < requests_.size()) clock_offset_ns_ += requests_[next].arrival_ns - now;
    });
    on_write("EVENT", [this](std::uint32_t v) { serving_event(v >> 24, v & 0xFFFFFFU); });
    const std::string p = "summary.serving";
    serving_log_.add_stats(context.stats, p, slo_);
    // Iteration sampling: the firmware writes the iteration's features, then reads SIMULATE.
    auto feature = [this](std::size_t i) {
      return [this, i](std::uint32_t v) { features_[i] = static_cast<double>(v); };
    };
    on_write("FEATURE_ROWS", feature(1));
    on_write("FEATURE_ATTENTION", feature(2));
    on_write("FEATURE_KV", feature(3));
    on_write("FEATURE_PREFILL", feature(4));
    on_write("FEATURE_SPLIT", [this](std::uint32_t v) { features_split_ = v; });
    on_read("SIMULATE", [this] {
      features_[0] = 1.0;
      sampled_iteration_ = sampler_.exact(features_, features_split_);
      if (!sampled_iteration_)  // the iteration takes the model's time on the serving clock
        clock_offset_ns_ +=
            static_cast<std::uint64_t>(std::llround(sampler_.estimate(features_, features_split_)));
      return sampled_iteration_ ? 1U : 0U;
    });
    on_write("ITER_SKIPPED", [this](std::uint32_t) { flush_serving_events(); });
    if (sampler_.enabled()) {
      const std::string q = p + ".sampling";
      context.stats.add(q + ".exact_iterations", "iterations", "iterations simulated exactly",
                        [this] { return StatsTree::Value{sampler_.report().exact}; });
      context.stats.add(q + ".estimated_iterations", "iterations",
                        "iterations estimated by the cost model",
                        [this] { return StatsTree::Value{sampler_.report().estimated}; });
      context.stats.add(q + ".exact_time_s", "s", "serving time of the exact iterations",
                        [this] { return StatsTree::Value{sampler_.report().exact_ns * 1e-9}; });
      context.stats.add(q + ".estimated_time_s", "s", "serving time of the estimated iterations",
                        [this] { return StatsTree::Value{sampler_.report().estimated_ns * 1e-9}; });
      context.stats.add(q + ".estimated_time_ci95_s", "s",
                        "95% confidence half-width of the estimated time (docs/workloads.md)",
                        [this] { return StatsTree::Value{sampler_.report().ci95_ns * 1e-9}; });
    }
  }

  on_write("ITER_BEGIN", [this](std::uint32_t batch) {
    begin_ = sample();
    layers_end_ = begin_;
    in_iteration_ = true;
    batch_sum_ += batch;
    current_layer_ = 0;
  });
  on_write("LAYERS_END", [this](std::uint32_t) { layers_end_ = sample(); });
  on_write("TOKEN", [this](std::uint32_t token) {
    tokens_by_request_[stored("TOKEN_REQUEST")].push_back(token);
    if (!pending_logits_.empty()) {  // the logits this token was chosen from
      pending_logits_.resize(devices_.count > 1 ? model_.vocab : model_.device_vocab());
      logits_by_request_[stored("TOKEN_REQUEST")].push_back(std::move(pending_logits_));
      pending_logits_.clear();
    }
  });
  on_write("LOGITS", [this](std::uint32_t pair) {
    for (const std::uint32_t bits : {pair & 0xFFFFU, pair >> 16}) {
      Imath::half value;
      value.setBits(static_cast<std::uint16_t>(bits));
      pending_logits_.push_back(static_cast<float>(value));
    }
  });
  on_write("SUB_BATCHES", [this](std::uint32_t n) { split_iterations_ += n > 1 ? 1 : 0; });
  on_write("LAYER", [this](std::uint32_t layer) {
    current_layer_ = layer;
    progress("layer");
  });
  on_write("ITER_END", [this](std::uint32_t tokens) {
    if (!in_iteration_) return;
    const Window end = sample();
    // The decoder layers (ITER_BEGIN .. LAYERS_END) scale with device_layers / layers; the rest
    // of the iteration (LM head) does not.
    const double scale = static_cast<double>(model_.device_layers()) / layers_;
    auto scaled = [&](double Window::*field) {
      return (layers_end_.*field - begin_.*field) * scale + (end.*field - layers_end_.*field);
    };
    time_ns_ += end.time_ns - begin_.time_ns;
    const double iteration_ns = scaled(&Window::time_ns);
    scaled_time_ns_ += iteration_ns;
    if (serving_)  // the serving clock runs at the device's time: its layers scaled like the stats
      clock_offset_ns_ +=
          static_cast<std::uint64_t>(std::llround(iteration_ns - (end.time_ns - begin_.time_ns)));
    macs_ += scaled(&Window::macs);
    pim_ns_ += scaled(&Window::pim_ns);
    memory_pj_ += scaled(&Window::memory_pj);
    npu_pj_ += scaled(&Window::npu_pj);
    ++iterations_;
    tokens_ += tokens;
    if (!tokens_by_request_.empty()) write_tokens();
    in_iteration_ = false;
    if (serving_) {  // this iteration's tokens and finishes exist from now on
      if (sampler_.enabled() && sampled_iteration_)
        sampler_.record(features_, features_split_, iteration_ns);
      flush_serving_events();
    }
    progress("iteration");
  });

  const std::string p = "summary";
  context.stats.add(
      p + ".tokens_per_second", "tokens/s",
      "generated tokens / decode time (layers scaled to the device)", [this] {
        return StatsTree::Value{scaled_time_ns_ > 0 ? tokens_ / (scaled_time_ns_ * 1e-9) : 0.0};
      });
  context.stats.add(
      p + ".iteration_time_ns", "ns", "mean decode iteration time (layers scaled to the device)",
      [this] {
        return StatsTree::Value{iterations_ > 0 ? scaled_time_ns_ / static_cast<double>(iterations_)
                                                : 0.0};
      });
  context.stats.add(
      p + ".simulated_iteration_time_ns", "ns", "mean simulated iteration time (unscaled)", [this] {
        return StatsTree::Value{iterations_ > 0 ? time_ns_ / static_cast<double>(iterations_)
                                                : 0.0};
      });
  context.stats.add(p + ".npu_utilization", "ratio",
                    "useful systolic-array MACs / peak over the decode iterations", [this] {
                      return StatsTree::Value{scaled_time_ns_ > 0 && peak_macs_per_ns_ > 0
                                                  ? macs_ / (peak_macs_per_ns_ * scaled_time_ns_)
                                                  : 0.0};
                    });
  context.stats.add(
      p + ".pim_utilization", "ratio", "mean fraction of time a channel's PIM units run attention",
      [this] { return StatsTree::Value{scaled_time_ns_ > 0 ? pim_ns_ / scaled_time_ns_ : 0.0}; });
  context.stats.add(
      p + ".memory_energy_per_token_uj", "uJ",
      "HBM energy (commands, PIM and background) per generated token, layers scaled to the device",
      [this] {
        return StatsTree::Value{tokens_ > 0 ? memory_pj_ * 1e-6 / static_cast<double>(tokens_)
                                            : 0.0};
      });
  context.stats.add(
      p + ".memory_power_w", "W",
      "HBM power over the decode iterations (layers scaled to the device)", [this] {
        return StatsTree::Value{scaled_time_ns_ > 0 ? memory_pj_ * 1e-3 / scaled_time_ns_ : 0.0};
      });
  context.stats.add(
      p + ".npu_energy_per_token_uj", "uJ",
      "NPU energy (arrays, vector units, SRAM, static) per generated token (layers scaled to the device)",
      [this] {
        return StatsTree::Value{tokens_ > 0 ? npu_pj_ * 1e-6 / static_cast<double>(tokens_) : 0.0};
      });
  context.stats.add(p + ".energy_per_token_uj", "uJ",
                    "memory_energy_per_token_uj + npu_energy_per_token_uj", [this] {
                      return StatsTree::Value{tokens_ > 0 ? (memory_pj_ + npu_pj_) * 1e-6 /
                                                                static_cast<double>(tokens_)
                                                          : 0.0};
                    });
  context.stats.add(
      p + ".power_w", "W",
      "HBM + NPU power over the decode iterations (layers scaled to the device)", [this] {
        return StatsTree::Value{
            scaled_time_ns_ > 0 ? (memory_pj_ + npu_pj_) * 1e-3 / scaled_time_ns_ : 0.0};
      });
  context.stats.add_counter(p + ".iterations", "iterations", "decode iterations measured",
                            iterations_);
  context.stats.add_counter(p + ".tokens", "tokens", "tokens generated in them", tokens_);
  context.stats.add_counter(p + ".moe_routed_tokens", "tokens",
                            "tokens through expert FFNs (tokens x top_k x layers when every "
                            "token's experts ran once)",
                            routed_tokens_);
  context.stats.add_counter(p + ".moe_expert_launches", "experts",
                            "expert FFNs run (experts that received tokens, per layer and "
                            "sub-batch)",
                            expert_launches_);
  context.stats.add_counter(p + ".split_iterations", "iterations",
                            "iterations run as two sub-batches", split_iterations_);
  context.stats.add(p + ".batch_mean", "requests", "mean batch size", [this] {
    return StatsTree::Value{
        iterations_ > 0 ? static_cast<double>(batch_sum_) / static_cast<double>(iterations_) : 0.0};
  });
  context.stats.add(p + ".simulated_layers", "layers", "decoder layers simulated per iteration",
                    [this] { return StatsTree::Value{std::uint64_t{layers_}}; });
  context.stats.add(p + ".device_layers", "layers", "decoder layers of the device (layers / pp)",
                    [this] { return StatsTree::Value{std::uint64_t{model_.device_layers()}}; });
  context.stats.add(p + ".tensor_parallel", "devices",
                    "tp: devices sharing each layer's heads and FC columns",
                    [this] { return StatsTree::Value{std::uint64_t{model_.tp}}; });
  context.stats.add(p + ".pipeline_parallel", "stages",
                    "pp: pipeline stages (the device runs layers / pp)",
                    [this] { return StatsTree::Value{std::uint64_t{model_.pp}}; });
  wall_start_ = last_print_ = std::chrono::steady_clock::now();
}

void JobDevice::connect(ModuleLookup& lookup) {
  // The NPU is measured through its statistics (MACs, PIM busy time, energy): it must exist.
  lookup.resolve_target(npu_, npu_where_);
  if (!context_.stats.contains(npu_ + ".sa.macs"))
    throw ConfigError(
        fmt::format("{}: '{}' is not an NPU (the job measures an npu.core through its statistics)",
                    npu_where_, npu_));
  auto* info =
      dynamic_cast<const hbm::PimMemoryInfo*>(lookup.resolve_target(memory_, memory_where_).first);
  if (info == nullptr)
    throw ConfigError(fmt::format(
        "{}: '{}' is not an HBM-PIM memory (the job describes the device's memory to the "
        "firmware)",
        memory_where_, memory_));
  if (pim_attention_ && info->mode() == hbm::PimMode::Dram)
    throw ConfigError(fmt::format(
        "{}: 'pim' needs PIM units, but '{}' is a plain DRAM (mode dram); use attention 'npu', "
        "or memory mode dual or blocked",
        attention_where_, memory_));
  const auto& org = info->organization();
  {  // attention (PIM or NPU) reads a head's K and V out of bank rows: the head must fit them
    npu::KvLayout layout;
    layout.heads = model_.device_heads();
    layout.head_dim = model_.head_dim();
    layout.row_elems = org.row_bytes() / 2;
    if (!layout.valid())
      throw ConfigError(fmt::format(
          "{}: {} has heads of {} elements; the attention engine needs a multiple of 16 that "
          "divides the {} elements of a bank row of '{}' (d_model / heads)",
          model_where_, model_.name, layout.head_dim, layout.row_elems, memory_));
  }
  store("CHANNELS", org.channels);
  if (workload_.mode == "trace")  // the trace pins each request to a channel of this memory
    for (std::size_t i = 0; i < requests_.size(); ++i)
      if (requests_[i].channel >= org.channels)
        throw InputError(fmt::format(
            "{}: data row {}: ch_idx {} is not a channel of '{}' (channels 0 .. {})",
            workload_.trace_file, i + 1, requests_[i].channel, memory_, org.channels - 1));
  store("BANKS", org.banks());
  store("ROWS", org.rows);
  store("ROW_BYTES", org.row_bytes());
  const std::uint32_t row_elems = org.row_bytes() / 2;
  if (v_chunk_ == 0) v_chunk_ = row_elems;
  if (!npu::KvLayout::valid_v_chunk(v_chunk_, row_elems))
    throw ConfigError(fmt::format(
        "{}: {} tokens per V segment must be a multiple of 16 that divides the {} elements of "
        "a bank row (0 = the whole row)",
        v_chunk_where_, v_chunk_, row_elems));
  store("V_CHUNK", v_chunk_);
  const Interference measured = measured_interference(info->arbitration());
  if (mem_share_ < 0) mem_share_ = measured.mem_share;
  if (attention_stretch_ < 0) attention_stretch_ = measured.attention_stretch;
  store("MEM_SHARE", static_cast<std::uint32_t>(std::lround(mem_share_ * 1000.0)));
  store("ATT_STRETCH", static_cast<std::uint32_t>(std::lround(attention_stretch_ * 1000.0)));
}

JobDevice::Interference JobDevice::measured_interference(const std::string& arbitration) {
  // tools/calibrate_adaptive.py (GPT3-7B, ShareGPT, one layer without the LM head, batch 256
  // and 512, the mean of the two; docs/results/adaptive-calibration.jsonl, docs/runtime.md).
  static const std::map<std::string, Interference> kMeasured = {{"pim-first", {0.175, 0.163}},
                                                                {"slack", {0.36, 0.29}},
                                                                {"mem-first", {0.47, 0.36}},
                                                                {"delay-budget", {0.19, 0.11}}};
  const auto it = kMeasured.find(arbitration);
  return it != kMeasured.end() ? it->second : Interference{1.0, 0.0};  // blocked, dram: no overlap
}

void JobDevice::write_tokens() const {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [request, tokens] : tokens_by_request_) out[std::to_string(request)] = tokens;
  std::ofstream file(tokens_file_);
  file << out.dump() << '\n';
}

void JobDevice::end_of_simulation() {
  // Tokens chosen after the last measured iteration (a pipeline's drain) are kept too.
  if (!tokens_by_request_.empty()) write_tokens();
  if (!logits_by_request_.empty()) write_logits();
  if (serving_) {
    serving_log_.write_requests(requests_file_);
    serving_log_.write_tokens(request_tokens_file_);
  }
}

std::size_t JobDevice::arrived_by(std::uint64_t now_ns) const {
  return static_cast<std::size_t>(
      std::upper_bound(requests_.begin(), requests_.end(), now_ns,
                       [](std::uint64_t t, const WorkloadRequest& r) { return t < r.arrival_ns; }) -
      requests_.begin());
}

std::uint64_t JobDevice::serving_now_ns() const {
  return static_cast<std::uint64_t>(access_time().value() /
                                    sc_core::sc_time(1, sc_core::SC_NS).value()) +
         clock_offset_ns_ - serving_origin_ns_;
}

void JobDevice::flush_serving_events() {
  const std::uint64_t now = serving_now_ns();
  for (const auto& [kind, request] : pending_events_)
    if (kind == kEventToken) {
      serving_log_.token(request, now);
    } else {
      serving_log_.finished(request, now);
    }
  pending_events_.clear();
}

void JobDevice::serving_event(std::uint32_t kind, std::uint32_t request) {
  const std::uint32_t arg = stored("EVENT_ARG");
  switch (kind) {
    case kEventScheduled: serving_log_.scheduled(request, serving_now_ns()); break;
    case kEventToken:
    case kEventFinished: pending_events_.emplace_back(kind, request); break;
    case kEventPreempted: serving_log_.preempted(request, arg, 0); break;
    case kEventSwappedOut: serving_log_.preempted(request, 0, std::uint64_t{arg} * 1024); break;
    case kEventSwappedIn: serving_log_.swapped_in(request, std::uint64_t{arg} * 1024); break;
    case kEventRejected: serving_log_.rejected(request); break;
    default: break;
  }
}

void JobDevice::write_logits() const {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [request, steps] : logits_by_request_) out[std::to_string(request)] = steps;
  std::ofstream file(logits_file_);
  file << out.dump() << '\n';
}

double JobDevice::stat(const std::string& name) const {
  return context_.stats.contains(name) ? context_.stats.as_double(name) : 0.0;
}

JobDevice::Window JobDevice::sample() {
  Window w;
  w.time_ns = access_time().to_seconds() * 1e9;
  // The system's work: every built device (one, by default), each counted for the mirrors it
  // stands for (PIM busy time is a mean per channel, so it is averaged).
  const double mirror = devices_.group;
  peak_macs_per_ns_ = 0;
  for (std::uint32_t i = 0; i < devices_.simulated; ++i) {
    const std::string npu = devices_.module_name(npu_, i), hbm = devices_.module_name(memory_, i);
    w.macs += mirror * stat(npu + ".sa.macs");
    w.pim_ns += stat(npu + ".attention.pim_busy_ns_per_channel") / devices_.simulated;
    w.memory_pj += mirror * stat(hbm + ".energy_pj");
    w.npu_pj += mirror * stat(npu + ".energy.total_pj");
    peak_macs_per_ns_ += mirror * stat(npu + ".sa.peak_macs_per_ns");
  }
  return w;
}

void JobDevice::check_devices(const DeviceLayout& devices, ConfigNode& config,
                              std::uint32_t flags) const {
  if (devices.count == 1) return;
  const std::string split = config.key_path("tp") + " / " + config.key_path("pp");
  if (model_.tp * model_.pp != devices.count)
    throw ConfigError(fmt::format(
        "{}: {} is split tp {} x pp {} = {} devices, but the platform has {} (devices.count); "
        "make tp x pp equal the devices",
        split, model_.name, model_.tp, model_.pp, model_.tp * model_.pp, devices.count));
  if (devices.mirrored && devices.group != model_.tp)
    throw ConfigError(fmt::format(
        "devices.mirror_group: {} must be tp = {} (mirrored simulates one device per pipeline "
        "stage; its tensor-parallel peers mirror it)",
        devices.group, model_.tp));
  if (serving_)
    throw ConfigError(
        fmt::format("{}: the serving workload runs on one device; several devices run mode steady",
                    config.key_path("workload")));
  if (model_.moe())
    throw ConfigError(fmt::format(
        "{}: {} is a mixture of experts; several devices run dense models (expert parallelism is "
        "not modelled)",
        model_where_, model_.name));
  if (model_.pp > 1 && layers_ != model_.device_layers())
    throw ConfigError(fmt::format(
        "{}: a pipeline of {} stages is timed with every layer of a stage simulated ({} of {} "
        "asked); use 0, or simulate mirrored for speed",
        config.key_path("layers"), model_.pp, layers_, model_.device_layers()));
  if ((flags & kFlagTokens) != 0 && devices.mirrored)
    throw ConfigError(
        "devices.simulate: real tokens need every device's data (exact); mirrored devices hold "
        "copies of one device's");
  if ((flags & kFlagTokens) != 0 && model_.kv_heads % model_.tp != 0)
    throw ConfigError(
        fmt::format("{}: real tokens on several devices need the K/V heads ({}) split over tp ({})",
                    model_where_, model_.kv_heads, model_.tp));
}

void JobDevice::progress(const char* what) {
  const auto now = std::chrono::steady_clock::now();
  const bool iteration = std::string(what) == "iteration";
  if (serving_) {  // at most every 5 s: the serving clock, requests done, an ETA
    if (now - last_print_ < std::chrono::seconds(5)) return;
    last_print_ = now;
    const double wall = std::chrono::duration<double>(now - wall_start_).count();
    const double done = static_cast<double>(serving_log_.done());
    const double all = static_cast<double>(serving_log_.size());
    std::fprintf(
        stderr,
        "[serving] %.3f s served, %llu of %llu requests done, iteration %llu, wall %.0f s, "
        "ETA %s\n",
        static_cast<double>(serving_now_ns()) * 1e-9,
        static_cast<unsigned long long>(serving_log_.done()),
        static_cast<unsigned long long>(serving_log_.size()),
        static_cast<unsigned long long>(iterations_), wall,
        done > 0 ? fmt::format("{:.0f} s", wall * (all - done) / done).c_str() : "-");
    return;
  }
  if (!iteration && now - last_print_ < std::chrono::seconds(5)) return;
  last_print_ = now;
  const double wall = std::chrono::duration<double>(now - wall_start_).count();
  if (iteration) {
    std::fprintf(stderr, "[job] iteration %llu done: %.1f us simulated, wall %.1f s\n",
                 static_cast<unsigned long long>(iterations_), access_time().to_seconds() * 1e6,
                 wall);
  } else {
    std::fprintf(stderr, "[job] iteration %llu, layer %u of %u: %.1f us simulated, wall %.1f s\n",
                 static_cast<unsigned long long>(iterations_) + 1, current_layer_ + 1, layers_,
                 access_time().to_seconds() * 1e6, wall);
  }
}

}  // namespace vp::host
