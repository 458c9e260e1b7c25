// npu.core: the NPU's command processor (this part: queues, descriptors, semaphores, interrupts).
//
// Contract: two hardware queues, each a ring of 64-byte descriptors in host RAM (BASE: 64-byte
// aligned bus address, SIZE: entries, HEAD: doorbell written by firmware = index of the next
// free slot, TAIL: index of the next descriptor to run; empty when HEAD == TAIL). Each queue runs
// its descriptors in order, reading them through its "bus" initiator (LT). SIGNAL/WAIT on 16
// semaphores are the only cross-queue dependencies. A descriptor with the IRQ flag sets
// IRQ_STATUS bit 0 when done; an error stops that queue with STATUS = the error code and
// ERROR_INDEX = the descriptor's index, sets IRQ_STATUS bit 1, and waits for CONTROL bit 0 (clear
// and resume at TAIL). Output "irq" = IRQ_STATUS & IRQ_ENABLE != 0. Registers: docs/registers.md;
// descriptors: docs/npu.md. Operands live in the memory named by "memory" (an HBM-PIM memory
// publishing hbm::PimMemoryInfo), reached through the DMA engine (dma_engine.h); GEMM runs on
// the GEMM engine (gemm_engine.h), VECTOR on the vector engine (vector_engine.h). The NPU
// computes real fp16 results exactly when the memory keeps data (its "functional" key).
// ATTENTION runs on the attention engine (attention_engine.h): PIM dispatcher or NPU path.
// With a `roofline` object in the config the same descriptors are instead timed as GPU kernels
// (roofline_timing.h), one at a time: no operand moves through the memory and no data is
// computed (the memory must be timing-only); the gpu-a100 baseline.
// On a platform of several devices (the config's "devices") the NPU also joins the interconnect:
// its "net" initiator sends and its "peer" port receives, for PEER_COPY and COLLECTIVE
// (collective_engine.h, docs/multi-device.md); with one device neither exists.
#pragma once

#include <array>
#include <deque>
#include <memory>
#include <optional>

#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include "models/npu/attention_engine.h"
#include "models/npu/collective_engine.h"
#include "models/npu/descriptors.h"
#include "models/npu/dma_engine.h"
#include "models/npu/gemm_engine.h"
#include "models/npu/roofline_timing.h"
#include "models/npu/swap_engine.h"
#include "models/npu/vector_engine.h"
#include "models/periph/register_device.h"
#include "platform/registry.h"

namespace vp::npu {

class NpuCore : public RegisterDevice {
 public:
  static constexpr unsigned kQueues = 2;
  static constexpr unsigned kSemaphores = 16;

  tlm_utils::simple_initiator_socket<NpuCore> bus{"bus"};
  IrqOut irq{"irq"};

  static const RegisterTable& registers();
  static void register_type(ModuleRegistry& registry);
  NpuCore(const sc_core::sc_module_name& name, ConfigNode& config, SimContext& context);

  void connect(ModuleLookup& lookup) override;
  /// Queues stopped on an error and queues waiting on a semaphore, when a run deadlocks.
  [[nodiscard]] std::string idle_report() const override;
  /// The DMA engine (its debug access reaches the NPU's memory without timing).
  [[nodiscard]] DmaEngine& dma() { return *dma_; }

 private:
  struct Queue {
    std::uint32_t base = 0, size = 0, head = 0, tail = 0;
    QueueError status = QueueError::None;
    std::uint32_t error_index = 0;
    std::uint64_t completed = 0, errors = 0;
    std::int64_t waiting_on = -1;  ///< the semaphore a WAIT blocks on, -1 when none
    sc_core::sc_event doorbell;
  };

  void run_queue(unsigned q);
  /// A descriptor's begin (with its fields as arguments) or end on the queue's track.
  void trace(unsigned q, TraceEvent::Kind kind,
             const std::array<std::uint32_t, kDescriptorWords>& words, std::uint32_t index);
  void fail(unsigned q, QueueError error);
  void update_irq();
  bool fetch(unsigned q, std::array<std::uint32_t, kDescriptorWords>& words);

  SimContext& context_;
  std::string bus_target_, bus_where_;
  sc_core::sc_time period_;
  std::uint64_t descriptor_cycles_ = 10;
  std::array<Queue, kQueues> queues_;
  std::array<std::uint32_t, kSemaphores> semaphores_{};
  /// Per semaphore: the flow id of its last SIGNAL (0: none), for the timeline's arrows.
  std::array<std::uint64_t, kSemaphores> last_signal_flow_{};
  std::uint64_t next_flow_ = 1;
  /// Timeline: a flow start/end on queue q's track; the queue's depth as a counter.
  void trace_flow(unsigned q, TraceEvent::Kind kind, std::uint64_t flow_id);
  void trace_depth(unsigned q);
  sc_core::sc_event semaphore_changed_;
  std::uint32_t irq_status_ = 0;
  /// Runs one GEMM or VECTOR descriptor; returns the error that stops the queue, or None.
  QueueError run_gemm(const std::array<std::uint32_t, kDescriptorWords>& words);
  QueueError run_vector(const std::array<std::uint32_t, kDescriptorWords>& words);
  /// A row op's (ROPE, TOPK, GATHER, SCATTER_ADD) PARAM, STRIDE and table, checked.
  QueueError prepare_row_op(const std::array<std::uint32_t, kDescriptorWords>& words,
                            VectorJob& job);
  QueueError run_attention(const std::array<std::uint32_t, kDescriptorWords>& words);
  QueueError run_copy(const std::array<std::uint32_t, kDescriptorWords>& words);
  QueueError run_swap(const std::array<std::uint32_t, kDescriptorWords>& words);
  QueueError run_peer_copy(const std::array<std::uint32_t, kDescriptorWords>& words);
  QueueError run_collective(const std::array<std::uint32_t, kDescriptorWords>& words);
  /// Multi-device: one message over the interconnect (blocks until it arrived).
  bool send_message(net::PeerMessage& message, std::uint64_t address, std::uint8_t* data,
                    std::uint64_t bytes);
  /// Multi-device: a message for this device (the "peer" port).
  void peer_transport(tlm::tlm_generic_payload& payload, sc_core::sc_time& delay);
  /// Writes the PEER_COPY data that arrived into HBM, then signals their semaphores, in order.
  void receive_thread();
  /// Reads host memory through the bus (request tables); false if the bus refused.
  bool read_host(std::uint64_t address, void* data, std::uint32_t bytes);
  bool access_host(tlm::tlm_command command, std::uint64_t address, void* data,
                   std::uint32_t bytes);
  /// Whether [address, address + bytes) lies in the NPU's memory.
  [[nodiscard]] bool in_memory(std::uint64_t address, std::uint64_t bytes) const;
  void register_unit_stats(StatsTree& stats);

  std::string memory_target_, memory_where_;
  /// Energy per event (config `energy`, docs/npu.md): dynamic energy from MACs, vector-lane
  /// cycles and SRAM bytes, plus a static power over the simulated time.
  struct EnergyModel {
    double mac_pj = 0, vector_lane_pj = 0, sram_pj_per_byte = 0, static_w = 0;
  };
  EnergyModel energy_;
  /// The parts of the NPU's energy so far, in pJ: arrays, vector units, SRAM, static.
  struct EnergyParts {
    double mac = 0, vector = 0, sram = 0, leakage = 0;
    [[nodiscard]] double total() const { return mac + vector + sram + leakage; }
  };
  [[nodiscard]] EnergyParts energy_parts() const;
  SystolicConfig systolic_;
  std::uint32_t prefetch_waves_ = 2;
  VectorConfig vector_;
  std::unique_ptr<DmaEngine> dma_;
  std::unique_ptr<GemmEngine> gemm_;
  std::unique_ptr<VectorUnitPool> vector_units_;
  std::unique_ptr<VectorEngine> vector_unit_;
  sc_core::sc_mutex arrays_;
  std::unique_ptr<AttentionEngine> attention_;
  HostLink host_link_;  ///< config host_link: the SWAP descriptor's link to host memory
  std::unique_ptr<SwapEngine> swap_;
  /// Multi-device only: the interconnect's sockets, the collective engine, arrived writes.
  std::unique_ptr<tlm_utils::simple_initiator_socket<NpuCore>> net_;
  std::unique_ptr<tlm_utils::simple_target_socket<NpuCore>> peer_;
  std::unique_ptr<CollectiveEngine> collective_;
  struct ArrivedWrite {
    std::uint64_t address = 0, bytes = 0;
    std::vector<std::uint8_t> data;
    bool signal = false;
    std::uint32_t semaphore = 0, value = 0;
  };
  std::deque<ArrivedWrite> arrived_writes_;
  sc_core::sc_event write_arrived_;
  std::uint32_t device_number_ = 0;  ///< system device number
  bool close_each_tile_ = true;  ///< config pim_tile_close (AttentionEngine::set_close_each_tile)
  /// Roofline timing (config `roofline`): kernels run one at a time on the device.
  std::optional<RooflineParams> roofline_;
  sc_core::sc_mutex device_;
  struct RooflineStats {
    std::uint64_t kernels = 0;
    double busy_ns = 0, flops = 0, bytes = 0;
  } roofline_stats_;
  /// Runs a descriptor of `cost` as a kernel: waits for the device, then for its time.
  QueueError run_kernel(const RooflineCost& cost);
};

}  // namespace vp::npu
