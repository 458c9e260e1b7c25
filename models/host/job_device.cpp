#include "models/host/job_device.h"

#include <cstdio>
#include <filesystem>

#include <fmt/format.h>

#include "platform/error.h"

namespace vp::host {
namespace {

constexpr std::uint32_t kFlagPimAttention = 1U << 0, kFlagGreedy = 1U << 1, kFlagSubBatch = 1U << 2,
                        kFlagLmHead = 1U << 4;

std::string resolve(const std::string& value, const SimContext& context) {
  std::filesystem::path path = value;
  if (path.is_relative() && !std::filesystem::exists(path)) path = std::filesystem::path(context.config_dir) / path;
  return path.string();
}

}  // namespace

const RegisterTable& JobDevice::registers() {
  static const RegisterTable table = [] {
    RegisterTable t{"periph.job", "JOB",
                    "Decode job hand-off: model shard, workload and system switches; request mailbox; iteration "
                    "reports.",
                    0x1000, {}};
    auto ro = [&t](const char* name, std::uint32_t offset, const char* what) {
      t.registers.push_back({name, offset, 0, RegAccess::ReadOnly, what});
    };
    ro("MAGIC", 0x000, "Reads 'JOB1'.");
    ro("FLAGS", 0x004,
       "Bit 0: attention on PIM (else on the NPU); 1: greedy min-load channel assignment (else round-robin); "
       "2: sub-batch interleaving on (from SUB_BATCH_MIN requests); 4: LM head on the NPU.");
    ro("SUB_BATCH_MIN", 0x008, "Batch size from which sub-batch interleaving is used (when on).");
    ro("LAYERS", 0x00C, "Decoder layers to simulate per iteration.");
    ro("DEVICE_LAYERS", 0x010, "Decoder layers the device holds (layers / pp).");
    ro("D_MODEL", 0x014, "Model width E.");
    ro("HEADS", 0x018, "Attention heads of the device's shard (heads / tp).");
    ro("HEAD_DIM", 0x01C, "Elements per head.");
    ro("EMBED_SHARD", 0x020, "E / tp: the QKV output per projection and the projection's input.");
    ro("FFN_SHARD", 0x024, "4 E / tp: the FFN's hidden width on this device.");
    ro("VOCAB_SHARD", 0x028, "LM head columns on this device (vocab / tp).");
    ro("MAX_BATCH", 0x02C, "Largest batch (requests decoded together).");
    ro("ITERATIONS", 0x030, "steady: decode iterations per sampled batch; serving: iteration limit (0 = none).");
    ro("BATCHES", 0x034, "steady/trace: sampled batches.");
    ro("REQUESTS", 0x038, "Requests in the mailbox.");
    ro("MODE", 0x03C, "0 steady, 1 serving, 2 trace.");
    ro("MAX_SEQ", 0x040, "Longest context (tokens).");
    ro("CHANNELS", 0x044, "HBM channels (from the memory the job's `memory` key names).");
    ro("BANKS", 0x048, "Banks per channel.");
    ro("ROWS", 0x04C, "Rows per bank.");
    ro("ROW_BYTES", 0x050, "Bytes per bank row.");
    t.registers.push_back({"REQ_INDEX", 0x080, 0, RegAccess::ReadWrite, "Selects the request the REQ_* registers show."});
    ro("REQ_CONTEXT", 0x084, "Tokens in its KV cache when it joins.");
    ro("REQ_REMAINING", 0x088, "Tokens it still generates.");
    ro("REQ_CHANNEL", 0x08C, "Channel its KV must use, or 0xFFFFFFFF (the runtime assigns one).");
    ro("REQ_BATCH", 0x090, "steady/trace: the sampled batch it belongs to.");
    ro("REQ_ARRIVAL", 0x094, "serving: the iteration it arrives at.");
    auto wo = [&t](const char* name, std::uint32_t offset, const char* what) {
      t.registers.push_back({name, offset, 0, RegAccess::WriteOnly, what});
    };
    wo("ITER_BEGIN", 0x0C0, "Write the batch size: a decode iteration starts.");
    wo("LAYERS_END", 0x0C4, "Write anything: the iteration's decoder layers are done.");
    wo("ITER_END", 0x0C8, "Write the tokens generated: the iteration is done.");
    wo("LAYER", 0x0CC, "Write the layer index being started (progress).");
    return t;
  }();
  return table;
}

void JobDevice::register_type(ModuleRegistry& registry) {
  add_module_type<JobDevice>(registry, "periph.job", registers().summary);
}

JobDevice::JobDevice(const sc_core::sc_module_name& name, ConfigNode& config, SimContext& context)
    : RegisterDevice(name, registers(), config), context_(context) {
  // The model: a file (configs/models/) or an inline object.
  {
    const std::string where = config.key_path("model");
    const std::string file = resolve(config.get_string("model", "../models/gpt3-7b.json"), context);
    auto loaded = Config::load_file(file);
    ConfigNode node = loaded.root();
    model_ = ModelSpec::from_config(node);
    node.finish();
    (void)where;
  }
  layers_ = static_cast<std::uint32_t>(config.get_u64("layers", 0, 0, model_.device_layers()));
  if (layers_ == 0) layers_ = model_.device_layers();
  npu_ = config.get_string("npu", "npu");
  memory_where_ = config.key_path("memory");
  memory_ = config.get_string("memory", "hbm");

  ConfigNode w = config.child("workload");
  workload_.mode = w.get_string("mode", "steady");
  if (workload_.mode != "steady" && workload_.mode != "serving" && workload_.mode != "trace")
    throw ConfigError(fmt::format("{}: unknown mode '{}' (steady, serving, trace)", w.key_path("mode"), workload_.mode));
  workload_.dataset = w.get_string("dataset", "sharegpt");
  if (workload_.dataset == "sharegpt" || workload_.dataset == "alpaca") {
    workload_.dataset_file = resolve(fmt::format("../workloads/{}.tsv", workload_.dataset), context);
  } else {
    workload_.dataset_file = resolve(workload_.dataset, context);  // a TSV of the same format
  }
  if (workload_.mode == "trace") workload_.trace_file = resolve(w.require_string("trace"), context);
  workload_.batch = static_cast<std::uint32_t>(w.get_u64("batch", 256, 1, 4096));
  workload_.batches = static_cast<std::uint32_t>(w.get_u64("batches", 1, 1, 1000));
  workload_.requests = static_cast<std::uint32_t>(w.get_u64("requests", 1024, 1, 1U << 20));
  workload_.arrival_per_iteration = static_cast<std::uint32_t>(w.get_u64("arrival_per_iteration", 0, 0, 1U << 20));
  workload_.seed = w.get_u64("seed", 1, 0, ~0ULL);
  workload_.max_seq = model_.max_seq;
  // steady/trace: iterations per batch (at least 1); serving: a limit, 0 = until every request is done.
  const auto iterations = static_cast<std::uint32_t>(
      w.get_u64("iterations", workload_.mode == "serving" ? 0 : 1, workload_.mode == "serving" ? 0 : 1, 1U << 20));
  w.finish();
  try {
    requests_ = make_workload(workload_);
  } catch (const UserInputError& e) {
    throw InputError(fmt::format("{}: {}", config.key_path("workload"), e.what()));
  }
  std::uint32_t batches = workload_.batches;
  if (workload_.mode == "trace") batches = 1;
  // steady/trace: a whole sampled batch runs at once; serving: the iteration-level batching limit.
  const std::uint32_t largest = static_cast<std::uint32_t>(requests_.size() / batches);
  const auto max_batch = static_cast<std::uint32_t>(
      config.get_u64("max_batch", workload_.mode == "serving" ? 256 : largest, 1, 4096));
  if (workload_.mode != "serving" && max_batch < largest)
    throw ConfigError(fmt::format("{}: {} is below the batch of {} requests the {} workload runs at once",
                                  config.key_path("max_batch"), max_batch, largest, workload_.mode));

  ConfigNode s = config.child("system");
  std::uint32_t flags = 0;
  const std::string attention = s.get_string("attention", "pim");
  if (attention != "pim" && attention != "npu")
    throw ConfigError(fmt::format("{}: '{}' is not pim or npu", s.key_path("attention"), attention));
  if (attention == "pim") flags |= kFlagPimAttention;
  const std::string assignment = s.get_string("channel_assignment", "greedy");
  if (assignment != "greedy" && assignment != "round-robin")
    throw ConfigError(fmt::format("{}: '{}' is not greedy or round-robin", s.key_path("channel_assignment"), assignment));
  if (assignment == "greedy") flags |= kFlagGreedy;
  const std::string sub_batch = s.get_string("sub_batch", "on");
  if (sub_batch != "on" && sub_batch != "off")
    throw ConfigError(fmt::format("{}: '{}' is not on or off", s.key_path("sub_batch"), sub_batch));
  if (sub_batch == "on") flags |= kFlagSubBatch;
  if (s.get_bool("lm_head", true)) flags |= kFlagLmHead;
  const auto sub_batch_min = static_cast<std::uint32_t>(s.get_u64("sub_batch_min", 256, 2, 1U << 20));
  s.finish();

  const std::uint32_t values[] = {0x31424F4AU, flags, sub_batch_min, layers_, model_.device_layers(), model_.d_model,
                                  model_.device_heads(), model_.head_dim(), model_.device_embedding(),
                                  model_.device_ffn(), model_.device_vocab(), max_batch, iterations, batches,
                                  static_cast<std::uint32_t>(requests_.size()),
                                  workload_.mode == "steady" ? 0U : workload_.mode == "serving" ? 1U : 2U,
                                  model_.max_seq};
  const char* names[] = {"MAGIC", "FLAGS", "SUB_BATCH_MIN", "LAYERS", "DEVICE_LAYERS", "D_MODEL", "HEADS",
                         "HEAD_DIM", "EMBED_SHARD", "FFN_SHARD", "VOCAB_SHARD", "MAX_BATCH", "ITERATIONS",
                         "BATCHES", "REQUESTS", "MODE", "MAX_SEQ"};
  for (std::size_t i = 0; i < std::size(values); ++i) store(names[i], values[i]);

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
  on_read("REQ_ARRIVAL", field(&WorkloadRequest::arrival));

  on_write("ITER_BEGIN", [this](std::uint32_t batch) {
    begin_ = sample();
    layers_end_ = begin_;
    in_iteration_ = true;
    batch_sum_ += batch;
    current_layer_ = 0;
  });
  on_write("LAYERS_END", [this](std::uint32_t) { layers_end_ = sample(); });
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
    scaled_time_ns_ += scaled(&Window::time_ns);
    macs_ += scaled(&Window::macs);
    pim_ns_ += scaled(&Window::pim_ns);
    ++iterations_;
    tokens_ += tokens;
    in_iteration_ = false;
    progress("iteration");
  });

  const std::string p = "summary";
  context.stats.add(p + ".tokens_per_second", "tokens/s", "generated tokens / decode time (layers scaled to the device)",
                    [this] { return StatsTree::Value{scaled_time_ns_ > 0 ? tokens_ / (scaled_time_ns_ * 1e-9) : 0.0}; });
  context.stats.add(p + ".iteration_time_ns", "ns", "mean decode iteration time (layers scaled to the device)", [this] {
    return StatsTree::Value{iterations_ > 0 ? scaled_time_ns_ / static_cast<double>(iterations_) : 0.0};
  });
  context.stats.add(p + ".simulated_iteration_time_ns", "ns", "mean simulated iteration time (unscaled)", [this] {
    return StatsTree::Value{iterations_ > 0 ? time_ns_ / static_cast<double>(iterations_) : 0.0};
  });
  context.stats.add(p + ".npu_utilization", "ratio", "useful systolic-array MACs / peak over the decode iterations",
                    [this] {
                      return StatsTree::Value{scaled_time_ns_ > 0 && peak_macs_per_ns_ > 0
                                                  ? macs_ / (peak_macs_per_ns_ * scaled_time_ns_)
                                                  : 0.0};
                    });
  context.stats.add(p + ".pim_utilization", "ratio", "mean fraction of time a channel's PIM units run attention",
                    [this] { return StatsTree::Value{scaled_time_ns_ > 0 ? pim_ns_ / scaled_time_ns_ : 0.0}; });
  context.stats.add_counter(p + ".iterations", "iterations", "decode iterations measured", iterations_);
  context.stats.add_counter(p + ".tokens", "tokens", "tokens generated in them", tokens_);
  context.stats.add(p + ".batch_mean", "requests", "mean batch size", [this] {
    return StatsTree::Value{iterations_ > 0 ? static_cast<double>(batch_sum_) / static_cast<double>(iterations_) : 0.0};
  });
  context.stats.add(p + ".simulated_layers", "layers", "decoder layers simulated per iteration",
                    [this] { return StatsTree::Value{std::uint64_t{layers_}}; });
  context.stats.add(p + ".device_layers", "layers", "decoder layers of the device (layers / pp)",
                    [this] { return StatsTree::Value{std::uint64_t{model_.device_layers()}}; });
  wall_start_ = last_print_ = std::chrono::steady_clock::now();
}

void JobDevice::connect(ModuleLookup& lookup) {
  auto* info = dynamic_cast<const hbm::PimMemoryInfo*>(lookup.resolve_target(memory_, memory_where_).first);
  if (info == nullptr)
    throw ConfigError(fmt::format("{}: '{}' is not an HBM-PIM memory (the job describes the device's memory to the "
                                  "firmware)",
                                  memory_where_, memory_));
  const auto& org = info->organization();
  store("CHANNELS", org.channels);
  store("BANKS", org.banks());
  store("ROWS", org.rows);
  store("ROW_BYTES", org.row_bytes());
}

double JobDevice::stat(const std::string& name) const {
  return context_.stats.contains(name) ? context_.stats.as_double(name) : 0.0;
}

JobDevice::Window JobDevice::sample() {
  Window w;
  w.time_ns = access_time().to_seconds() * 1e9;
  w.macs = stat(npu_ + ".sa.macs");
  w.pim_ns = stat(npu_ + ".attention.pim_busy_ns_per_channel");
  peak_macs_per_ns_ = stat(npu_ + ".sa.peak_macs_per_ns");
  return w;
}

void JobDevice::progress(const char* what) {
  const auto now = std::chrono::steady_clock::now();
  const bool iteration = std::string(what) == "iteration";
  if (!iteration && now - last_print_ < std::chrono::seconds(5)) return;
  last_print_ = now;
  const double wall = std::chrono::duration<double>(now - wall_start_).count();
  if (iteration) {
    std::fprintf(stderr, "[job] iteration %llu done: %.1f us simulated, wall %.1f s\n",
                 static_cast<unsigned long long>(iterations_), access_time().to_seconds() * 1e6, wall);
  } else {
    std::fprintf(stderr, "[job] iteration %llu, layer %u of %u: %.1f us simulated, wall %.1f s\n",
                 static_cast<unsigned long long>(iterations_) + 1, current_layer_ + 1, layers_,
                 access_time().to_seconds() * 1e6, wall);
  }
}

}  // namespace vp::host
