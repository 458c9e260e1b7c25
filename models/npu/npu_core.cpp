#include "models/npu/npu_core.h"

#include <cctype>
#include <cmath>
#include <cstring>

#include <fmt/format.h>

#include "models/npu/unit_trace.h"
#include "platform/error.h"

namespace vp::npu {

const RegisterTable& NpuCore::registers() {
  static const RegisterTable table = [] {
    RegisterTable t{
        "npu.core", "NPU", "NPU command processor: queues, semaphores, interrupts.", 0x1000, {}};
    t.registers.push_back({"ID", 0x000, 0x4E505530, RegAccess::ReadOnly, "Reads 'NPU0'."});
    t.registers.push_back(
        {"IRQ_STATUS", 0x004, 0, RegAccess::ReadWrite,
         "Bit 0: a descriptor with the IRQ flag completed; bit 1: a queue stopped on an "
         "error. Write 1s to clear."});
    t.registers.push_back(
        {"IRQ_ENABLE", 0x008, 0, RegAccess::ReadWrite, "Mask of IRQ_STATUS bits that raise irq."});
    for (unsigned q = 0; q < kQueues; ++q) {
      const std::uint32_t at = 0x100 + 0x20 * q;
      const std::string p = fmt::format("Q{}_", q);
      t.registers.push_back(
          {p + "BASE", at + 0x00, 0, RegAccess::ReadWrite,
           "Ring address in host RAM (64-byte aligned). Writing BASE or SIZE re-initialises an "
           "idle queue (HEAD = TAIL = 0); with descriptors pending it stops it with BAD_DOORBELL "
           "and changes nothing."});
      t.registers.push_back({p + "SIZE", at + 0x04, 0, RegAccess::ReadWrite,
                             "Ring entries (descriptors); re-initialises like BASE."});
      t.registers.push_back({p + "HEAD", at + 0x08, 0, RegAccess::ReadWrite,
                             "Doorbell: index of the next free slot (< SIZE, else BAD_DOORBELL)."});
      t.registers.push_back({p + "TAIL", at + 0x0C, 0, RegAccess::ReadOnly,
                             "Index of the next descriptor to run; advances (mod SIZE) when a "
                             "descriptor completes, stays on one that fails."});
      t.registers.push_back({p + "STATUS", at + 0x10, 0, RegAccess::ReadOnly,
                             "0, or the error code that stopped the queue."});
      t.registers.push_back({p + "ERROR_INDEX", at + 0x14, 0, RegAccess::ReadOnly,
                             "Ring index of the failed descriptor."});
      t.registers.push_back({p + "CONTROL", at + 0x18, 0, RegAccess::WriteOnly,
                             "Bit 0: clear the error and resume at TAIL."});
      t.registers.push_back({p + "COMPLETED", at + 0x1C, 0, RegAccess::ReadOnly,
                             "Descriptors completed (wraps at 2^32)."});
    }
    for (unsigned s = 0; s < kSemaphores; ++s)
      t.registers.push_back(
          {fmt::format("SEM{}", s), 0x200 + 4 * s, 0, RegAccess::ReadWrite, "Semaphore value."});
    return t;
  }();
  return table;
}

void NpuCore::register_type(ModuleRegistry& registry) {
  add_module_type<NpuCore>(registry, "npu.core", registers().summary);
}

NpuCore::NpuCore(const sc_core::sc_module_name& name, ConfigNode& config, SimContext& context)
    : RegisterDevice(name, registers(), config), context_(context) {
  bus_where_ = config.key_path("bus");
  bus_target_ = config.require_string("bus");
  period_ = sc_core::sc_time(1000.0 / config.get_double("clock_mhz", 1000.0, 1.0, 100000.0),
                             sc_core::SC_NS);
  descriptor_cycles_ = config.get_u64("descriptor_cycles", 10, 0, 1000000);
  memory_where_ = config.key_path("memory");
  memory_target_ = config.require_string("memory");
  ConfigNode systolic = config.child("systolic");
  const std::string model =
      systolic.get_enum("model", "arrays", {"arrays", "neupims-sim", "neupims-sim-npu-only"});
  systolic_.model = model == "arrays"        ? SystolicModel::Arrays
                    : model == "neupims-sim" ? SystolicModel::Simulator
                                             : SystolicModel::SimulatorNpuOnly;
  systolic_.arrays = static_cast<std::uint32_t>(systolic.get_u64("arrays", 8, 1, 1024));
  systolic_.rows = static_cast<std::uint32_t>(systolic.get_u64("rows", 128, 1, 4096));
  systolic_.cols = static_cast<std::uint32_t>(systolic.get_u64("cols", 128, 1, 4096));
  systolic_.accumulator_bytes =
      systolic.get_size("accumulator_bytes", 1ULL << 20, 4ULL * systolic_.cols, 1ULL << 32);
  prefetch_waves_ = static_cast<std::uint32_t>(systolic.get_u64("prefetch_waves", 2, 1, 64));
  systolic.finish();
  ConfigNode vector = config.child("vector");
  vector_.units = static_cast<std::uint32_t>(vector.get_u64("units", 8, 1, 1024));
  vector_.lanes = static_cast<std::uint32_t>(vector.get_u64("lanes", 128, 1, 65536));
  ConfigNode costs = vector.child("cycles");
  for (auto [key, slot] : {std::pair<const char*, std::uint32_t*>{"add", &vector_.add},
                           {"mul", &vector_.mul},
                           {"exp", &vector_.exp},
                           {"gelu", &vector_.gelu},
                           {"add_tree", &vector_.add_tree},
                           {"scalar_mul", &vector_.scalar_mul},
                           {"scalar_sqrt", &vector_.scalar_sqrt}})
    *slot = static_cast<std::uint32_t>(costs.get_u64(key, 1, 1, 1000000));
  costs.finish();
  vector.finish();
  // Defaults: Horowitz, "Computing's energy problem", ISSCC 2014 (45 nm, 0.9 V): fp16 multiply
  // 1.1 pJ + fp32 add 0.9 pJ per MAC; fp32 multiply 3.7 pJ per vector-lane cycle; 64-bit read of
  // a 32 KB SRAM bank 20 pJ = 2.5 pJ/byte. No static power unless configured.
  ConfigNode energy = config.child("energy");
  energy_.mac_pj = energy.get_double("mac_pj", 2.0, 0.0, 1e6);
  energy_.vector_lane_pj = energy.get_double("vector_lane_pj", 3.7, 0.0, 1e6);
  energy_.sram_pj_per_byte = energy.get_double("sram_pj_per_byte", 2.5, 0.0, 1e6);
  energy_.static_w = energy.get_double("static_w", 0.0, 0.0, 1e6);
  energy.finish();
  close_each_tile_ = config.get_enum("pim_tile_close", "each", {"each", "lazy"}) == "each";
  {
    ConfigNode link = config.child("host_link");
    host_link_.gbps = link.get_double("gbps", host_link_.gbps, 1e-3, 1e6);
    host_link_.latency_ns = link.get_double("latency_ns", host_link_.latency_ns, 0.0, 1e9);
    link.finish();
  }
  if (config.has("roofline")) {
    ConfigNode r = config.child("roofline");
    RooflineParams p;
    p.peak_tflops = r.get_double("peak_tflops", p.peak_tflops, 1e-3, 1e6);
    p.memory_gbps = r.get_double("memory_gbps", p.memory_gbps, 1e-3, 1e9);
    p.compute_efficiency = r.get_double("compute_efficiency", p.compute_efficiency, 1e-3, 1.0);
    p.memory_efficiency = r.get_double("memory_efficiency", p.memory_efficiency, 1e-3, 1.0);
    p.launch_us = r.get_double("launch_us", p.launch_us, 0.0, 1e6);
    p.host_link_gbps = r.get_double("host_link_gbps", p.host_link_gbps, 1e-3, 1e9);
    r.finish();
    roofline_ = p;
  }
  ConfigNode dma = config.child("dma");
  DmaConfig dma_config;
  dma_config.transaction_bytes =
      static_cast<std::uint32_t>(dma.get_size("transaction_bytes", 1024, 32, 1U << 20));
  dma_config.outstanding_bytes_per_channel =
      static_cast<std::uint32_t>(dma.get_size("outstanding_bytes_per_channel", 0, 0, 1U << 24));
  dma_config.pim_outstanding_per_channel =
      static_cast<std::uint32_t>(dma.get_u64("pim_outstanding_per_channel", 0, 0, 65536));
  dma.finish();
  dma_ = std::make_unique<DmaEngine>("dma", dma_config);
  dma_->trace_to(&context.events, fmt::format("{}.dma", basename()));
  vector_units_ = std::make_unique<VectorUnitPool>(vector_.units, &context.events,
                                                   fmt::format("{}.vu", basename()));
  ports_.irq_outputs["irq"] = &irq;
  if (context.devices.count > 1) {  // a multi-device platform: the interconnect's ports
    device_number_ = context.devices.global_id(context.devices.index_of(basename()));
    net_ = std::make_unique<tlm_utils::simple_initiator_socket<NpuCore>>("net");
    peer_ = std::make_unique<tlm_utils::simple_target_socket<NpuCore>>("peer");
    peer_->register_b_transport(this, &NpuCore::peer_transport);
    ports_.targets["peer"] = peer_.get();
    sc_core::sc_spawn([this] { receive_thread(); }, "peer_writes");
  }

  on_read("IRQ_STATUS", [this] { return irq_status_; });
  on_write("IRQ_STATUS", [this](std::uint32_t v) {
    irq_status_ &= ~v;
    update_irq();
  });
  on_write("IRQ_ENABLE", [this](std::uint32_t) { update_irq(); });
  for (unsigned q = 0; q < kQueues; ++q) {
    const std::string p = fmt::format("Q{}_", q);
    Queue& queue = queues_[q];
    // Re-pointing a ring re-initialises it; descriptors still pending would run from the new one.
    auto reinitialise = [this, q, &queue](std::uint32_t Queue::*field, std::uint32_t v) {
      if (queue.tail != queue.head) {
        fail(q, QueueError::BadDoorbell);
        return;
      }
      queue.*field = v;
      queue.head = queue.tail = 0;
      trace_depth(q);
    };
    on_write(p + "BASE", [reinitialise](std::uint32_t v) { reinitialise(&Queue::base, v); });
    on_write(p + "SIZE", [reinitialise](std::uint32_t v) { reinitialise(&Queue::size, v); });
    on_write(p + "HEAD", [this, q, &queue](std::uint32_t v) {
      if (queue.size == 0 || v >= queue.size || queue.base % kDescriptorBytes != 0) {
        fail(q, QueueError::BadDoorbell);
        return;
      }
      queue.head = v;
      queue.doorbell.notify(sc_core::SC_ZERO_TIME);
      trace_depth(q);
    });
    on_read(p + "BASE", [&queue] { return queue.base; });
    on_read(p + "SIZE", [&queue] { return queue.size; });
    on_read(p + "HEAD", [&queue] { return queue.head; });
    on_read(p + "TAIL", [&queue] { return queue.tail; });
    on_read(p + "STATUS", [&queue] { return static_cast<std::uint32_t>(queue.status); });
    on_read(p + "ERROR_INDEX", [&queue] { return queue.error_index; });
    on_read(p + "COMPLETED", [&queue] { return static_cast<std::uint32_t>(queue.completed); });
    on_write(p + "CONTROL", [&queue](std::uint32_t v) {
      if ((v & 1U) == 0) return;
      queue.status = QueueError::None;
      queue.doorbell.notify(sc_core::SC_ZERO_TIME);
    });
    sc_core::sc_spawn([this, q] { run_queue(q); }, fmt::format("queue{}", q).c_str());
    const std::string prefix = fmt::format("{}.q{}", basename(), q);
    context.stats.add_counter(prefix + ".descriptors", "descriptors", "descriptors completed",
                              queue.completed);
    context.stats.add_counter(prefix + ".errors", "errors", "descriptors that stopped the queue",
                              queue.errors);
  }
  register_unit_stats(context.stats);
  for (unsigned s = 0; s < kSemaphores; ++s) {
    on_read(fmt::format("SEM{}", s), [this, s] { return semaphores_[s]; });
    on_write(fmt::format("SEM{}", s), [this, s](std::uint32_t v) {
      semaphores_[s] = v;
      semaphore_changed_.notify(sc_core::SC_ZERO_TIME);
    });
  }
}

namespace {
/// A stats reader of one field of an engine's statistics (0 until the engine exists: engines are
/// built at connect time, statistics are declared at construction).
template <typename Engine, typename Field>
StatsTree::Reader engine_stat(const std::unique_ptr<Engine>& engine, Field field) {
  return [&engine, field] {
    return StatsTree::Value{engine ? field(engine->stats()) : std::uint64_t{0}};
  };
}
}  // namespace

NpuCore::EnergyParts NpuCore::energy_parts() const {
  EnergyParts e;
  const double attention_macs = attention_ ? attention_->stats().npu_macs : 0.0;
  e.mac = ((gemm_ ? gemm_->stats().macs : 0.0) + attention_macs) * energy_.mac_pj;
  e.vector = (vector_units_->busy() / period_) * vector_.lanes * energy_.vector_lane_pj;
  // SRAM: the arrays' operand and accumulator traffic, attention's K and V read into the arrays
  // (2 bytes per MAC operand), and every DMA byte written into or read out of the SRAM.
  const double dma_bytes = static_cast<double>(dma_->bytes_read + dma_->bytes_written);
  e.sram = ((gemm_ ? gemm_->stats().sram_bytes : 0.0) + 2.0 * attention_macs + dma_bytes) *
           energy_.sram_pj_per_byte;
  e.leakage = energy_.static_w * sc_core::sc_time_stamp().to_seconds() * 1e12;
  return e;
}

void NpuCore::register_unit_stats(StatsTree& stats) {
  const std::string en = std::string(basename()) + ".energy";
  stats.add(en + ".total_pj", "pJ",
            "NPU energy: mac_pj + vector_pj + sram_pj + static_pj (model in docs/npu.md)",
            [this] { return StatsTree::Value{energy_parts().total()}; });
  stats.add(en + ".mac_pj", "pJ", "(GEMM + NPU attention MACs) x energy.mac_pj",
            [this] { return StatsTree::Value{energy_parts().mac}; });
  stats.add(en + ".vector_pj", "pJ", "vector busy cycles x lanes x energy.vector_lane_pj",
            [this] { return StatsTree::Value{energy_parts().vector}; });
  stats.add(en + ".sram_pj", "pJ",
            "SRAM bytes (array operands, accumulators, DMA) x energy.sram_pj_per_byte",
            [this] { return StatsTree::Value{energy_parts().sram}; });
  stats.add(en + ".static_pj", "pJ", "energy.static_w x simulated time",
            [this] { return StatsTree::Value{energy_parts().leakage}; });
  const std::string sa = std::string(basename()) + ".sa";
  auto gemm = [this](auto field) { return engine_stat(gemm_, field); };
  stats.add(sa + ".gemms", "descriptors", "GEMMs run",
            gemm([](const GemmEngine::Stats& s) { return s.gemms; }));
  stats.add(sa + ".weight_bytes", "bytes",
            "weight bytes the GEMMs read through the DMA (every weight tile of every item)",
            gemm([](const GemmEngine::Stats& s) { return s.weight_bytes; }));
  stats.add(sa + ".gemm_cycles", "cycles", "wall cycles of GEMM descriptors (operands streamed)",
            gemm([](const GemmEngine::Stats& s) { return s.cycles; }));
  stats.add(sa + ".compute_cycles", "cycles",
            "cycles the same GEMMs take with operands always on chip",
            gemm([](const GemmEngine::Stats& s) { return s.compute_cycles; }));
  stats.add(sa + ".stall_cycles", "cycles",
            "gemm_cycles - compute_cycles: time lost waiting for memory",
            gemm([](const GemmEngine::Stats& s) {
              return s.cycles - std::min(s.cycles, s.compute_cycles);
            }));
  stats.add(sa + ".busy_cycles", "cycles", "busy cycles summed over the arrays",
            gemm([](const GemmEngine::Stats& s) {
              std::uint64_t sum = 0;
              for (auto c : s.array_busy_cycles) sum += c;
              return sum;
            }));
  for (std::uint32_t a = 0; a < systolic_.arrays; ++a)
    stats.add(
        fmt::format("{}.a{}.busy_cycles", sa, a), "cycles",
        "cycles this array was occupied: weight loads, streaming, fill/drain (the timeline's spans; stalls excluded)",
        [this, a] {
          return StatsTree::Value{gemm_ ? gemm_->stats().array_busy_cycles[a] : std::uint64_t{0}};
        });
  stats.add(sa + ".macs", "MACs", "useful multiply-accumulates of GEMM descriptors",
            [this] { return StatsTree::Value{gemm_ ? gemm_->stats().macs : 0.0}; });
  stats.add(sa + ".peak_macs_per_ns", "MACs/ns", "arrays x rows x cols x clock", [this] {
    return StatsTree::Value{static_cast<double>(systolic_.arrays) * systolic_.rows *
                            systolic_.cols / (period_.to_seconds() * 1e9)};
  });
  stats.add(sa + ".utilization", "ratio", "useful MACs / (arrays x rows x cols x simulated cycles)",
            [this] {
              const double cycles = sc_core::sc_time_stamp() / period_;
              const double peak =
                  static_cast<double>(systolic_.arrays) * systolic_.rows * systolic_.cols * cycles;
              return StatsTree::Value{peak > 0 && gemm_ ? gemm_->stats().macs / peak : 0.0};
            });
  const std::string vu = std::string(basename()) + ".vu";
  auto vec = [this](auto field) { return engine_stat(vector_unit_, field); };
  stats.add(vu + ".ops", "descriptors", "VECTOR descriptors run",
            vec([](const VectorEngine::Stats& s) { return s.ops; }));
  stats.add(vu + ".cycles", "cycles", "wall cycles of VECTOR descriptors (operands streamed)",
            vec([](const VectorEngine::Stats& s) { return s.cycles; }));
  stats.add(vu + ".busy_cycles", "cycles",
            "busy cycles summed over the units (VECTOR and attention work)", [this] {
              return StatsTree::Value{static_cast<std::uint64_t>(vector_units_->busy() / period_)};
            });
  stats.add(vu + ".utilization", "ratio", "busy_cycles / (units x simulated cycles)", [this] {
    const double cycles = sc_core::sc_time_stamp() / period_ * vector_units_->units();
    return StatsTree::Value{cycles > 0 ? (vector_units_->busy() / period_) / cycles : 0.0};
  });
  const std::string att = std::string(basename()) + ".attention";
  auto attn = [this](auto field) { return engine_stat(attention_, field); };
  stats.add(att + ".descriptors", "descriptors", "ATTENTION descriptors run",
            attn([](const AttentionEngine::Stats& s) { return s.descriptors; }));
  stats.add(att + ".requests", "requests", "requests attended",
            attn([](const AttentionEngine::Stats& s) { return s.requests; }));
  stats.add(att + ".tokens", "tokens", "context tokens attended",
            attn([](const AttentionEngine::Stats& s) { return s.tokens; }));
  stats.add(att + ".cycles", "cycles", "wall cycles of ATTENTION descriptors",
            attn([](const AttentionEngine::Stats& s) { return s.cycles; }));
  stats.add(att + ".pim_busy_cycles", "cycles", "PIM phases summed over the channels (PIM mode)",
            attn([](const AttentionEngine::Stats& s) {
              std::uint64_t sum = 0;
              for (auto c : s.channel_busy_cycles) sum += c;
              return sum;
            }));
  stats.add(att + ".pim_busy_ns_per_channel", "ns", "pim_busy_cycles x period / channels", [this] {
    if (!attention_) return StatsTree::Value{0.0};
    const auto& busy = attention_->stats().channel_busy_cycles;
    double sum = 0;
    for (auto c : busy) sum += static_cast<double>(c);
    return StatsTree::Value{
        busy.empty() ? 0.0 : sum * period_.to_seconds() * 1e9 / static_cast<double>(busy.size())};
  });
  stats.add(
      att + ".pim_utilization", "ratio", "pim_busy_cycles / (channels x simulated cycles)", [this] {
        if (!attention_) return StatsTree::Value{0.0};
        const auto& busy = attention_->stats().channel_busy_cycles;
        double sum = 0;
        for (auto c : busy) sum += static_cast<double>(c);
        const double cycles = sc_core::sc_time_stamp() / period_ * static_cast<double>(busy.size());
        return StatsTree::Value{cycles > 0 ? sum / cycles : 0.0};
      });
  const std::string d = std::string(basename()) + ".dma";
  stats.add_counter(d + ".bytes_read", "bytes", "bytes the DMA read from memory", dma_->bytes_read);
  stats.add_counter(d + ".bytes_written", "bytes", "bytes the DMA wrote to memory",
                    dma_->bytes_written);
  stats.add_counter(d + ".transactions", "transactions",
                    "memory transactions and PIM commands sent", dma_->transactions);
  stats.add_counter(d + ".refused", "transactions", "transactions the memory refused",
                    dma_->refused);
  stats.add(d + ".pim_commands", "commands", "PIM commands sent (all channels)", [this] {
    std::uint64_t sum = 0;
    for (auto c : dma_->pim_commands) sum += c;
    return StatsTree::Value{sum};
  });
}

std::string NpuCore::idle_report() const {
  std::string report;
  for (unsigned q = 0; q < kQueues; ++q) {
    const Queue& queue = queues_[q];
    if (queue.status != QueueError::None)
      report +=
          fmt::format("{}{} queue {} stopped with {} at descriptor {}", report.empty() ? "" : "; ",
                      basename(), q, to_string(queue.status), queue.error_index);
    else if (queue.waiting_on >= 0)
      report += fmt::format("{}{} queue {} waits at descriptor {} for semaphore {} (value {})",
                            report.empty() ? "" : "; ", basename(), q, queue.tail, queue.waiting_on,
                            semaphores_[queue.waiting_on]);
  }
  return report;
}

void NpuCore::connect(ModuleLookup& lookup) {
  bus.bind(lookup.target(bus_target_, bus_where_));
  auto* info = dynamic_cast<const hbm::PimMemoryInfo*>(
      lookup.resolve_target(memory_target_, memory_where_).first);
  if (info == nullptr)
    throw ConfigError(
        fmt::format("{}: '{}' is not an HBM-PIM memory (the NPU needs a module that publishes its "
                    "address mapping, e.g. type mem.hbm_pim)",
                    memory_where_, memory_target_));
  dma_->socket.bind(lookup.target(memory_target_, memory_where_));
  dma_->attach(*info);
  for (std::uint32_t c = 0; c < info->organization().channels; ++c) {
    const std::string ch = fmt::format("{}.pim.ch{:02}", basename(), c);
    context_.stats.add(ch + ".commands", "commands", "PIM commands sent to this channel",
                       [this, c] { return StatsTree::Value{dma_->pim_commands[c]}; });
    context_.stats.add(
        ch + ".busy_cycles", "cycles", "cycles this channel ran attention phases",
        [this, c] { return StatsTree::Value{attention_->stats().channel_busy_cycles[c]}; });
  }
  if (dma_->config().transaction_bytes > dma_->config().outstanding_bytes_per_channel)
    throw ConfigError(fmt::format(
        "{}.dma.transaction_bytes: {} bytes exceed the {} bytes allowed in flight per "
        "channel (outstanding_bytes_per_channel, default: what '{}' queues per channel)",
        name(), dma_->config().transaction_bytes, dma_->config().outstanding_bytes_per_channel,
        memory_target_));
  if (roofline_ && info->functional())
    throw ConfigError(fmt::format(
        "{}.roofline: the roofline timing computes no data, but '{}' is functional; set its "
        "functional: false",
        name(), memory_target_));
  if (roofline_) {
    const std::string r = std::string(basename()) + ".roofline";
    context_.stats.add(r + ".kernels", "kernels", "descriptors run as GPU kernels",
                       [this] { return StatsTree::Value{roofline_stats_.kernels}; });
    context_.stats.add(r + ".busy_ns", "ns", "time kernels ran (launch overhead included)",
                       [this] { return StatsTree::Value{roofline_stats_.busy_ns}; });
    context_.stats.add(r + ".flops", "flops", "arithmetic of the kernels (a MAC is 2)",
                       [this] { return StatsTree::Value{roofline_stats_.flops}; });
    context_.stats.add(r + ".bytes", "bytes", "memory traffic of the kernels",
                       [this] { return StatsTree::Value{roofline_stats_.bytes}; });
    context_.stats.add(
        r + ".utilization", "ratio", "flops / (peak_tflops x simulated time)", [this] {
          const double ns = sc_core::sc_time_stamp().to_seconds() * 1e9;
          return StatsTree::Value{
              ns > 0 ? roofline_stats_.flops / (roofline_->peak_tflops * 1e3 * ns) : 0.0};
        });
  }
  const std::string sa_track = std::string(basename()) + ".sa";
  gemm_ = std::make_unique<GemmEngine>(sa_track, systolic_, prefetch_waves_, period_, *dma_,
                                       arrays_, context_.events, info->functional());
  attention_ = std::make_unique<AttentionEngine>(std::string(basename()) + ".pim", systolic_,
                                                 vector_, *vector_units_, arrays_, period_, *dma_,
                                                 context_.events, info->functional());
  attention_->set_close_each_tile(close_each_tile_);
  swap_ = std::make_unique<SwapEngine>(host_link_, *dma_, info->functional());
  if (net_) {
    const auto& devices = context_.devices;
    net_->bind(lookup.target(devices.interconnect + ".in", "devices.interconnect"));
    collective_ = std::make_unique<CollectiveEngine>(
        device_number_, devices.count, [&devices](std::uint32_t d) { return devices.is_built(d); },
        *dma_, info->functional(), vector_, period_,
        [this](net::PeerMessage& m, std::uint64_t address, std::uint8_t* data,
               std::uint64_t bytes) { return send_message(m, address, data, bytes); });
    const std::string co = std::string(basename()) + ".collective";
    context_.stats.add(co + ".all_reduces", "collectives", "COLLECTIVE all-reduces run",
                       [this] { return StatsTree::Value{collective_->stats().all_reduces}; });
    context_.stats.add(co + ".all_gathers", "collectives", "COLLECTIVE all-gathers run",
                       [this] { return StatsTree::Value{collective_->stats().all_gathers}; });
    context_.stats.add(co + ".peer_copies", "descriptors", "PEER_COPY descriptors run",
                       [this] { return StatsTree::Value{collective_->stats().peer_copies}; });
    context_.stats.add(co + ".bytes_sent", "B", "bytes this device sent to others",
                       [this] { return StatsTree::Value{collective_->stats().bytes_sent}; });
    context_.stats.add(co + ".ring_ns", "ns",
                       "time in ring steps (links and adds), summed over collectives",
                       [this] { return StatsTree::Value{collective_->stats().ring_ns}; });
    context_.stats.add(co + ".last_ring_ns", "ns", "the last collective's ring steps",
                       [this] { return StatsTree::Value{collective_->stats().last_ring_ns}; });
  }
  const std::string sw = std::string(basename()) + ".swap";
  context_.stats.add(sw + ".swaps_out", "swaps", "SWAP descriptors out (HBM -> host)",
                     [this] { return StatsTree::Value{swap_->stats().swaps_out}; });
  context_.stats.add(sw + ".swaps_in", "swaps", "SWAP descriptors in (host -> HBM)",
                     [this] { return StatsTree::Value{swap_->stats().swaps_in}; });
  context_.stats.add(sw + ".bytes_out", "bytes", "KV bytes swapped out",
                     [this] { return StatsTree::Value{swap_->stats().bytes_out}; });
  context_.stats.add(sw + ".bytes_in", "bytes", "KV bytes swapped in",
                     [this] { return StatsTree::Value{swap_->stats().bytes_in}; });
  context_.stats.add(sw + ".link_busy_ns", "ns", "time the host link carried swaps",
                     [this] { return StatsTree::Value{swap_->stats().link_busy_ns}; });
  vector_unit_ =
      std::make_unique<VectorEngine>(std::string(basename()) + ".vu", vector_, period_, *dma_,
                                     *vector_units_, context_.events, info->functional());
}

bool NpuCore::in_memory(std::uint64_t address, std::uint64_t bytes) const {
  return dma_->memory().mapping().contains(address, bytes);
}

void NpuCore::update_irq() {
  const bool level = (irq_status_ & stored("IRQ_ENABLE")) != 0;
  if (context_.events.enabled()) {
    TraceEvent e;
    e.kind = TraceEvent::Kind::Counter;
    e.time_ps = to_ps(sc_core::sc_time_stamp());
    e.track = fmt::format("{}.irq", basename());
    e.name = "irq";
    e.value = level ? 1.0 : 0.0;
    context_.events.emit(e);
  }
  irq.set(level);
}

void NpuCore::trace_flow(unsigned q, TraceEvent::Kind kind, std::uint64_t flow_id) {
  if (!context_.events.enabled() || flow_id == 0) return;
  TraceEvent e;
  e.kind = kind;
  e.time_ps = to_ps(sc_core::sc_time_stamp());
  e.track = fmt::format("{}.q{}", basename(), q);
  e.name = "semaphore";
  e.flow_id = flow_id;
  context_.events.emit(e);
}

void NpuCore::trace_depth(unsigned q) {
  if (!context_.events.enabled()) return;
  const Queue& queue = queues_[q];
  TraceEvent e;
  e.kind = TraceEvent::Kind::Counter;
  e.time_ps = to_ps(sc_core::sc_time_stamp());
  e.track = fmt::format("{}.q{}.depth", basename(), q);
  e.name = "depth";
  e.value = queue.size == 0
                ? 0.0
                : static_cast<double>((queue.head + queue.size - queue.tail) % queue.size);
  context_.events.emit(e);
}

void NpuCore::trace(unsigned q, TraceEvent::Kind kind,
                    const std::array<std::uint32_t, kDescriptorWords>& words, std::uint32_t index) {
  if (!context_.events.enabled()) return;
  const auto opcode = static_cast<Opcode>(words[0] & 0xFFU);
  TraceEvent e;
  e.kind = kind;
  e.time_ps = to_ps(sc_core::sc_time_stamp());
  e.track = fmt::format("{}.q{}", basename(), q);
  e.name = "descriptor";
  e.args = {{"index", index}, {"opcode", static_cast<std::uint64_t>(opcode)}};
  for (const auto& d : descriptor_table()) {
    if (d.opcode != opcode) continue;
    e.name = d.name;
    if (kind == TraceEvent::Kind::Begin)  // the fields, by their lower-case names
      for (const auto& f : d.fields) {
        std::string name = f.name;
        for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        e.args.emplace_back(name, words[f.word]);
      }
  }
  context_.events.emit(e);
}

namespace {
std::uint64_t address_at(const std::array<std::uint32_t, kDescriptorWords>& words, unsigned lo) {
  return std::uint64_t{words[lo]} | (std::uint64_t{words[lo + 1]} << 32);
}
bool bad_dim(std::uint32_t v) { return v == 0 || v > kMaxGemmDim; }
}  // namespace

QueueError NpuCore::run_gemm(const std::array<std::uint32_t, kDescriptorWords>& words) {
  if (bad_dim(words[1]) || bad_dim(words[2]) || bad_dim(words[3])) return QueueError::BadSize;
  const GemmShape shape{words[1], words[2], words[3]};
  if ((words[10] & ~kGemmFlagWTiled) != 0) return QueueError::BadFlags;
  const GemmEngine::Operands operands{address_at(words, 4), address_at(words, 6),
                                      address_at(words, 8), (words[10] & kGemmFlagWTiled) != 0};
  if (!in_memory(operands.x, shape.m * shape.k * 2) ||
      !in_memory(operands.w, gemm_->weight_bytes(shape, operands.w_tiled)) ||
      !in_memory(operands.c, shape.m * shape.n * 2))
    return QueueError::BadAddress;
  if (roofline_) return run_kernel(roofline_gemm(*roofline_, shape.m, shape.k, shape.n));
  return gemm_->run(shape, operands) ? QueueError::None : QueueError::MemoryError;
}

QueueError NpuCore::run_vector(const std::array<std::uint32_t, kDescriptorWords>& words) {
  if (words[1] >= static_cast<std::uint32_t>(VectorOp::Count)) return QueueError::BadVectorOp;
  if (bad_dim(words[2]) || bad_dim(words[3])) return QueueError::BadSize;
  VectorJob job;
  job.op = static_cast<VectorOp>(words[1]);
  job.rows = words[2];
  job.length = words[3];
  job.src = address_at(words, 4);
  job.dst = address_at(words, 6);
  job.src2 = address_at(words, 8);
  std::memcpy(&job.scalar, &words[10], sizeof(float));
  const std::uint64_t extra = VectorEngine::src2_bytes(job);
  if (extra != 0 && !in_memory(job.src2, extra)) return QueueError::BadAddress;
  if (job.row_op()) {
    const QueueError e = prepare_row_op(words, job);
    if (e != QueueError::None) return e;
  } else {
    const std::uint64_t bytes = job.rows * job.length * 2;
    if (!in_memory(job.src, bytes) || !in_memory(job.dst, bytes)) return QueueError::BadAddress;
  }
  if (roofline_)  // a nominal 4 flops per element: these kernels are bound by memory
    return run_kernel(roofline_vector(*roofline_, job.rows, job.length, extra != 0 ? 2 : 1, 4.0));
  return vector_unit_->run(job) ? QueueError::None : QueueError::MemoryError;
}

QueueError NpuCore::prepare_row_op(const std::array<std::uint32_t, kDescriptorWords>& words,
                                   VectorJob& job) {
  job.param = words[11];
  const std::uint64_t row_bytes = job.length * 2;
  job.stride = words[12] != 0 ? words[12] : row_bytes;
  if (job.stride < row_bytes) return QueueError::BadSize;
  // The strided operand: rows `stride` apart, `rows` of them (or as many as the table names).
  auto strided_fits = [&](std::uint64_t base, std::uint64_t rows) {
    return in_memory(base, (rows - 1) * job.stride + row_bytes);
  };
  // The table at SRC2: ROPE's u32 positions; GATHER's and SCATTER_ADD's {u32 row, fp32 weight}.
  auto read_table = [&](std::uint64_t entry_bytes) {
    std::vector<std::uint32_t> words_read(job.rows * entry_bytes / 4);
    if (!dma_->debug_read(job.src2, words_read.size() * 4,
                          reinterpret_cast<std::uint8_t*>(words_read.data())))
      return false;
    const std::uint64_t step = entry_bytes / 4;
    for (std::uint64_t r = 0; r < job.rows; ++r) {
      job.index.push_back(words_read[r * step]);
      if (step == 2) {
        float w = 0;
        std::memcpy(&w, &words_read[r * step + 1], sizeof w);
        job.weight.push_back(w);
      }
    }
    return true;
  };
  switch (job.op) {
    case VectorOp::Rope:
      if (job.param == 0 || job.param % 2 != 0 || job.length % job.param != 0)
        return QueueError::BadSize;
      if (!strided_fits(job.src, job.rows) || !strided_fits(job.dst, job.rows))
        return QueueError::BadAddress;
      if (!read_table(4)) return QueueError::BadAddress;
      break;
    case VectorOp::TopK:
      if (job.param == 0 || job.param > job.length || job.length > 2048) return QueueError::BadSize;
      if (!in_memory(job.src, job.rows * row_bytes) ||
          !in_memory(job.dst, job.rows * job.param * 4))
        return QueueError::BadAddress;
      break;
    default: {  // Gather, ScatterAdd
      if (!read_table(8)) return QueueError::BadAddress;
      std::uint64_t largest = 0;
      for (const std::uint32_t i : job.index) largest = std::max<std::uint64_t>(largest, i);
      const std::uint64_t strided = job.op == VectorOp::Gather ? job.src : job.dst;
      const std::uint64_t packed = job.op == VectorOp::Gather ? job.dst : job.src;
      if (!strided_fits(strided, largest + 1) || !in_memory(packed, job.rows * row_bytes))
        return QueueError::BadAddress;
      break;
    }
  }
  return QueueError::None;
}

bool NpuCore::read_host(std::uint64_t address, void* data, std::uint32_t bytes) {
  return access_host(tlm::TLM_READ_COMMAND, address, data, bytes);
}

bool NpuCore::access_host(tlm::tlm_command command, std::uint64_t address, void* data,
                          std::uint32_t bytes) {
  if (bytes == 0) return true;
  tlm::tlm_generic_payload payload;
  payload.set_command(command);
  payload.set_address(address);
  payload.set_data_ptr(static_cast<unsigned char*>(data));
  payload.set_data_length(bytes);
  payload.set_streaming_width(bytes);
  payload.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
  bus->b_transport(payload, delay);
  sc_core::wait(delay);
  return payload.is_response_ok();
}

QueueError NpuCore::run_attention(const std::array<std::uint32_t, kDescriptorWords>& words) {
  if (words[1] >= static_cast<std::uint32_t>(AttentionMode::Count)) return QueueError::BadFlags;
  const auto& org = dma_->memory().organization();
  AttentionJob job;
  job.mode = static_cast<AttentionMode>(words[1]);
  // PIM attention on a memory without PIM units: refused here, as the memory would refuse
  // every PIM command.
  if (job.mode == AttentionMode::Pim && dma_->memory().mode() == hbm::PimMode::Dram)
    return QueueError::BadFlags;
  job.layout.heads = words[3];
  job.layout.head_dim = words[4];
  job.layout.row_elems = org.row_bytes() / 2;
  job.layout.banks = org.banks();
  job.layout.v_chunk = words[14];
  job.layout.kv_heads = words[15];
  if (words[2] == 0 || words[2] > kMaxAttentionRequests || !job.layout.valid() ||
      words[3] > kMaxGemmDim)
    return QueueError::BadSize;
  job.q = address_at(words, 6);
  job.out = address_at(words, 8);
  std::memcpy(&job.scale, &words[10], sizeof(float));
  if (words[10] == 0) job.scale = 1.0F / std::sqrt(static_cast<float>(job.layout.head_dim));
  // Word 12: bit 0 APPEND, bits 31:16 the queries per request (0 = 1; more: a prefill chunk,
  // NPU mode only).
  if ((words[12] & 0xFFFEU) != 0) return QueueError::BadFlags;
  job.append = (words[12] & 1U) != 0;
  job.queries = std::max(1U, words[12] >> 16);
  if (job.queries > 1 && job.mode != AttentionMode::Npu) return QueueError::BadFlags;
  const std::uint32_t rows = words[2] * job.queries;  // inputs and outputs
  const std::uint64_t vector_bytes = std::uint64_t{job.layout.embedding()} * 2;
  // The request's input: q, or with APPEND q, k and v one after the other (the QKV layout, the
  // output of the QKV projection); consecutive requests' inputs are Q_STRIDE bytes apart (0:
  // packed).
  const std::uint64_t q_needed =
      vector_bytes + (job.append ? std::uint64_t{job.layout.kv_embedding()} * 4 : 0);
  job.q_stride = words[11] != 0 ? words[11] : q_needed;
  if (job.q_stride < q_needed) return QueueError::BadSize;
  const std::uint64_t q_bytes = std::uint64_t{rows - 1} * job.q_stride + q_needed;
  if (!in_memory(job.q, q_bytes) || !in_memory(job.out, std::uint64_t{rows} * vector_bytes))
    return QueueError::BadAddress;
  std::vector<std::uint32_t> table(std::size_t{words[2]} * kAttentionEntryBytes / 4);
  if (!read_host(words[5], table.data(), static_cast<std::uint32_t>(table.size() * 4)))
    return QueueError::BadAddress;
  job.requests.resize(words[2]);
  for (std::uint32_t r = 0; r < words[2]; ++r) {
    AttentionRequest& req = job.requests[r];
    req.tokens = table[std::size_t{4} * r];
    req.channel = table[std::size_t{4} * r + 1];
    if (req.tokens < job.queries || req.tokens > kMaxGemmDim) return QueueError::BadSize;
    if (req.channel >= org.channels) return QueueError::BadAddress;
    req.k_rows.resize(job.layout.k_rows(req.tokens));
    req.v_rows.resize(job.layout.v_rows(req.tokens));
    if (!read_host(table[std::size_t{4} * r + 2], req.k_rows.data(),
                   static_cast<std::uint32_t>(req.k_rows.size() * 4)) ||
        !read_host(table[std::size_t{4} * r + 3], req.v_rows.data(),
                   static_cast<std::uint32_t>(req.v_rows.size() * 4)))
      return QueueError::BadAddress;
    for (auto* list : {&req.k_rows, &req.v_rows})
      for (std::uint32_t& row : *list) {
        if (row >= org.rows || words[13] >= org.rows - row) return QueueError::BadAddress;
        row += words[13];
      }
  }
  if (roofline_) {
    std::vector<std::uint32_t> tokens;
    for (const auto& r : job.requests) tokens.push_back(r.tokens);
    return run_kernel(roofline_attention(*roofline_, tokens, job.layout.embedding(), job.append,
                                         job.layout.kv_embedding(), job.queries));
  }
  return attention_->run(job) ? QueueError::None : QueueError::MemoryError;
}

QueueError NpuCore::run_copy(const std::array<std::uint32_t, kDescriptorWords>& words) {
  if (words[1] > 1) return QueueError::BadFlags;
  const std::uint32_t bytes = words[2];
  if (bytes == 0 || bytes > kMaxCopyBytes) return QueueError::BadSize;
  const std::uint64_t host = words[3], hbm = address_at(words, 4);
  if (!in_memory(hbm, bytes)) return QueueError::BadAddress;
  if (roofline_) return run_kernel(roofline_copy(*roofline_, bytes));
  constexpr std::uint32_t kPiece = 4096;
  std::vector<std::uint8_t> buffer(bytes);
  bool ok = true;
  if (words[1] == 0) {  // host -> HBM: each piece goes out as soon as it is read
    auto writes = std::make_shared<DmaEngine::Job>();
    for (std::uint32_t at = 0; at < bytes; at += kPiece) {
      const std::uint32_t n = std::min(kPiece, bytes - at);
      if (!access_host(tlm::TLM_READ_COMMAND, host + at, buffer.data() + at, n)) {
        writes->wait();
        return QueueError::BadAddress;
      }
      dma_->write(hbm + at, n, buffer.data() + at, writes);
    }
    writes->wait();
    ok = writes->ok;
  } else {  // HBM -> host
    auto reads = dma_->read(hbm, bytes, buffer.data());
    reads->wait();
    ok = reads->ok;
    for (std::uint32_t at = 0; ok && at < bytes; at += kPiece)
      if (!access_host(tlm::TLM_WRITE_COMMAND, host + at, buffer.data() + at,
                       std::min(kPiece, bytes - at)))
        return QueueError::BadAddress;
  }
  return ok ? QueueError::None : QueueError::MemoryError;
}

QueueError NpuCore::run_swap(const std::array<std::uint32_t, kDescriptorWords>& words) {
  if (words[1] > 1) return QueueError::BadFlags;
  const auto& org = dma_->memory().organization();
  SwapJob job;
  job.out = words[1] == 0;
  job.channel = words[2];
  job.depth = words[5];
  job.slot = words[6];
  if (words[3] == 0 || words[3] > kMaxSwapRows || job.depth == 0 || job.depth > 4096)
    return QueueError::BadSize;
  if (job.channel >= org.channels) return QueueError::BadAddress;
  job.rows.resize(words[3]);
  if (!read_host(words[4], job.rows.data(), static_cast<std::uint32_t>(job.rows.size() * 4)))
    return QueueError::BadAddress;
  for (const std::uint32_t row : job.rows)
    if (row >= org.rows || job.depth > org.rows - row) return QueueError::BadAddress;
  if (roofline_)
    return run_kernel(roofline_copy(
        *roofline_, std::uint64_t{words[3]} * job.depth * org.banks() * org.row_bytes()));
  return swap_->run(job) ? QueueError::None : QueueError::MemoryError;
}

QueueError NpuCore::run_peer_copy(const std::array<std::uint32_t, kDescriptorWords>& words) {
  if (!collective_) return QueueError::BadAddress;  // one device: no peer exists
  const std::int64_t peer =
      std::int64_t{device_number_} + static_cast<std::int32_t>(words[1]);  // PEER_OFFSET is signed
  if (peer < 0 || peer >= std::int64_t{collective_->devices()} || peer == device_number_)
    return QueueError::BadAddress;
  const std::uint32_t bytes = words[2];
  if (bytes == 0 || bytes > kMaxCopyBytes) return QueueError::BadSize;
  const std::uint64_t src = address_at(words, 3), dst = address_at(words, 5);
  if (!in_memory(src, bytes) || !in_memory(dst, bytes)) return QueueError::BadAddress;
  const bool signal = words[7] != 0xFFFFFFFFU;
  if (signal && words[7] >= kSemaphores) return QueueError::BadSemaphore;
  return collective_->peer_copy(static_cast<std::uint32_t>(peer), src, dst, bytes, signal, words[7],
                                words[8])
             ? QueueError::None
             : QueueError::MemoryError;
}

QueueError NpuCore::run_collective(const std::array<std::uint32_t, kDescriptorWords>& words) {
  if (words[1] > 1) return QueueError::BadFlags;
  CollectiveJob job;
  job.gather_only = words[1] == 1;
  job.group = words[2];
  job.elements = words[3];
  job.address = address_at(words, 4);
  const std::uint32_t devices = collective_ ? collective_->devices() : 1;
  if (job.group == 0 || devices % job.group != 0 || job.elements == 0 ||
      job.elements > (kMaxCopyBytes / 2))
    return QueueError::BadSize;
  if (!in_memory(job.address, job.elements * 2)) return QueueError::BadAddress;
  if (job.group == 1) return QueueError::None;
  return collective_->run(job) ? QueueError::None : QueueError::MemoryError;
}

bool NpuCore::send_message(net::PeerMessage& message, std::uint64_t address, std::uint8_t* data,
                           std::uint64_t bytes) {
  tlm::tlm_generic_payload payload;
  payload.set_command(tlm::TLM_WRITE_COMMAND);
  payload.set_address(address);
  payload.set_data_ptr(data);
  payload.set_data_length(static_cast<unsigned int>(bytes));
  payload.set_streaming_width(static_cast<unsigned int>(bytes));
  payload.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  payload.set_extension(&message);
  sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
  (*net_)->b_transport(payload, delay);
  payload.clear_extension(&message);
  if (delay > sc_core::SC_ZERO_TIME) sc_core::wait(delay);
  return payload.is_response_ok();
}

void NpuCore::peer_transport(tlm::tlm_generic_payload& payload, sc_core::sc_time& /*delay*/) {
  auto* message = payload.get_extension<net::PeerMessage>();
  if (message == nullptr || message->dst != device_number_) {
    payload.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
    return;
  }
  const std::uint64_t bytes = payload.get_data_length();
  const std::uint8_t* data = payload.get_data_ptr();
  if (message->kind == net::PeerMessage::Kind::Collective) {
    collective_->receive(message->src, message->tag, data, bytes);
  } else {
    if (!in_memory(payload.get_address(), bytes) ||
        (message->signal && message->semaphore >= kSemaphores)) {
      payload.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
      return;
    }
    ArrivedWrite w;
    w.address = payload.get_address();
    w.bytes = bytes;
    if (data != nullptr) w.data.assign(data, data + bytes);
    w.signal = message->signal;
    w.semaphore = message->semaphore;
    w.value = message->value;
    arrived_writes_.push_back(std::move(w));
    write_arrived_.notify(sc_core::SC_ZERO_TIME);
  }
  payload.set_response_status(tlm::TLM_OK_RESPONSE);
}

void NpuCore::receive_thread() {
  for (;;) {
    while (arrived_writes_.empty()) sc_core::wait(write_arrived_);
    ArrivedWrite w = std::move(arrived_writes_.front());
    arrived_writes_.pop_front();
    auto writes = dma_->write(w.address, w.bytes, w.data.empty() ? nullptr : w.data.data());
    writes->wait();
    if (w.signal) {
      semaphores_[w.semaphore] += w.value;
      semaphore_changed_.notify(sc_core::SC_ZERO_TIME);
    }
  }
}

QueueError NpuCore::run_kernel(const RooflineCost& cost) {
  device_.lock();
  sc_core::wait(sc_core::sc_time(cost.ns, sc_core::SC_NS));
  device_.unlock();
  ++roofline_stats_.kernels;
  roofline_stats_.busy_ns += cost.ns;
  roofline_stats_.flops += cost.flops;
  roofline_stats_.bytes += cost.bytes;
  return QueueError::None;
}

void NpuCore::fail(unsigned q, QueueError error) {
  Queue& queue = queues_[q];
  if (context_.events.enabled()) {
    TraceEvent e;
    e.kind = TraceEvent::Kind::Instant;
    e.time_ps = to_ps(sc_core::sc_time_stamp());
    e.track = fmt::format("{}.q{}", basename(), q);
    e.name = std::string("error: ") + to_string(error);
    e.args = {{"index", queue.tail}, {"code", static_cast<std::uint64_t>(error)}};
    context_.events.emit(e);
  }
  queue.status = error;
  queue.error_index = queue.tail;
  ++queue.errors;
  irq_status_ |= 2U;
  update_irq();
}

bool NpuCore::fetch(unsigned q, std::array<std::uint32_t, kDescriptorWords>& words) {
  Queue& queue = queues_[q];
  tlm::tlm_generic_payload payload;
  payload.set_command(tlm::TLM_READ_COMMAND);
  payload.set_address(std::uint64_t{queue.base} + std::uint64_t{queue.tail} * kDescriptorBytes);
  payload.set_data_ptr(reinterpret_cast<unsigned char*>(words.data()));
  payload.set_data_length(kDescriptorBytes);
  payload.set_streaming_width(kDescriptorBytes);
  payload.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
  bus->b_transport(payload, delay);
  sc_core::wait(delay + period_ * static_cast<double>(descriptor_cycles_));
  return payload.is_response_ok();
}

void NpuCore::run_queue(unsigned q) {
  Queue& queue = queues_[q];
  std::array<std::uint32_t, kDescriptorWords> words{};
  while (true) {
    while (queue.status != QueueError::None || queue.tail == queue.head)
      sc_core::wait(queue.doorbell);
    if (!fetch(q, words)) {
      fail(q, QueueError::BusError);
      continue;
    }
    const auto opcode = static_cast<Opcode>(words[0] & 0xFFU);
    const std::uint32_t index = queue.tail;
    trace(q, TraceEvent::Kind::Begin, words, index);
    switch (opcode) {
      case Opcode::Nop: break;
      case Opcode::Signal:
      case Opcode::Wait: {
        const std::uint32_t sem = words[1];
        if (sem >= kSemaphores) {
          fail(q, QueueError::BadSemaphore);
          continue;
        }
        if (opcode == Opcode::Signal) {
          semaphores_[sem] += words[2];
          semaphore_changed_.notify(sc_core::SC_ZERO_TIME);
          last_signal_flow_[sem] = next_flow_++;
          trace_flow(q, TraceEvent::Kind::FlowStart, last_signal_flow_[sem]);
        } else {
          queue.waiting_on = sem;
          while (semaphores_[sem] < words[2]) sc_core::wait(semaphore_changed_);
          queue.waiting_on = -1;
          trace_flow(q, TraceEvent::Kind::FlowEnd,
                     last_signal_flow_[sem]);  // the SIGNAL that released it
        }
        break;
      }
      case Opcode::Gemm:
      case Opcode::Vector:
      case Opcode::Attention:
      case Opcode::Copy:
      case Opcode::Swap:
      case Opcode::PeerCopy:
      case Opcode::Collective: {
        const QueueError error = opcode == Opcode::Gemm        ? run_gemm(words)
                                 : opcode == Opcode::Vector    ? run_vector(words)
                                 : opcode == Opcode::Attention ? run_attention(words)
                                 : opcode == Opcode::Copy      ? run_copy(words)
                                 : opcode == Opcode::Swap      ? run_swap(words)
                                 : opcode == Opcode::PeerCopy  ? run_peer_copy(words)
                                                               : run_collective(words);
        if (error != QueueError::None) {
          fail(q, error);
          continue;
        }
        break;
      }
      default: fail(q, QueueError::UnknownOpcode); continue;
    }
    trace(q, TraceEvent::Kind::End, words, index);
    queue.tail = (queue.tail + 1) % queue.size;
    ++queue.completed;
    trace_depth(q);
    if (words[0] & kFlagIrq) {
      irq_status_ |= 1U;
      update_irq();
    }
  }
}

}  // namespace vp::npu
