// One RV32IM + Zicsr hart in machine mode: architectural state and the execution loop.
//
// Contract: the hart is plain C++ (no SystemC), so it can be driven by the SystemC core
// (rv32_core.h), by unit tests and by the differential test against Unicorn. It counts time in
// its own clock cycles: each instruction adds the cost of its class, memory accesses add the
// stall the bus reports. run(until) executes until the cycle count reaches `until`, the hart
// executes WFI with no interrupt pending, too many traps happen in a row without an instruction
// retiring, or request_stop() is called (e.g. from a bus access that ended the run).
// Memory: one "fast region" (host pointer, from DMI) is accessed directly, with a
// decoded-instruction cache over it that stores invalidate; everything else goes to HartBus.
// Traps are precise: on an exception no architectural state but the trap CSRs and pc changes.
#pragma once

#include <array>
#include <cstdint>
#include <functional>

#include "models/cpu/rv32_isa.h"
#include "platform/zeroed_buffer.h"

namespace vp::rv32 {

/// The slow path to memory: everything outside the fast region.
class HartBus {
 public:
  virtual ~HartBus() = default;
  /// size is 1, 2 or 4; returns false on a bus error. `stall_cycles` receives the access time.
  virtual bool read(std::uint32_t address, unsigned size, std::uint32_t& value,
                    std::uint64_t& stall_cycles) = 0;
  virtual bool write(std::uint32_t address, unsigned size, std::uint32_t value,
                     std::uint64_t& stall_cycles) = 0;
};

struct FastRegion {
  std::uint8_t* data = nullptr;
  std::uint32_t base = 0;
  std::uint32_t size = 0;  ///< 0: no fast region.
  bool writable = false;
  std::uint32_t read_stall_cycles = 0;
  std::uint32_t write_stall_cycles = 0;
};

struct CycleCosts {
  std::array<std::uint32_t, static_cast<std::size_t>(CostClass::Count)> by_class{};
  std::uint32_t branch_taken_extra = 0;
  CycleCosts() { by_class.fill(1); }
};

class Hart {
 public:
  /// TrapLoop: trap_loop_limit traps in a row without an instruction retiring. NestedTraps: more
  /// than nested_trap_limit exceptions taken with no MRET between them (a trap handler that
  /// faults again and again, e.g. printing through a device that is no longer mapped).
  enum class Stop { Budget, Wfi, Requested, TrapLoop, NestedTraps };

  struct TrapInfo {
    std::uint32_t cause;
    std::uint32_t epc;
    std::uint32_t tval;
  };

  Hart(HartBus& bus, const CycleCosts& costs, std::uint32_t hart_id = 0);

  void reset(std::uint32_t pc);
  void set_fast_region(const FastRegion& region);
  void clear_fast_region();
  [[nodiscard]] const FastRegion& fast_region() const { return fast_; }

  Stop run(std::uint64_t until_cycle);
  /// Executes exactly one instruction (or takes one pending interrupt); for tests.
  Stop step();
  void request_stop() {
    stop_requested_ = true;
    until_ = 0;
  }
  /// Ends the current run() after this instruction (e.g. so that the effects of a device
  /// access, like an interrupt line change, are seen before the next instruction).
  void end_run_after_instruction() { until_ = 0; }

  /// Levels of the interrupt lines as mip bits (irq::kSoftware/kTimer/kExternal).
  void set_interrupt_lines(std::uint32_t mip_bits);
  /// Any enabled interrupt pending, ignoring mstatus.MIE (what wakes WFI).
  [[nodiscard]] bool wake_pending() const { return (mip_ & mie_) != 0; }

  /// Consecutive traps allowed without a retired instruction before run() gives up.
  void set_trap_loop_limit(std::uint32_t limit) { trap_loop_limit_ = limit; }
  void set_nested_trap_limit(std::uint32_t limit) { nested_trap_limit_ = limit; }
  void set_trap_observer(std::function<void(const TrapInfo&)> observer) {
    trap_observer_ = std::move(observer);
  }

  [[nodiscard]] std::uint32_t reg(unsigned index) const { return index == 0 ? 0 : x_[index]; }
  void set_reg(unsigned index, std::uint32_t value) {
    if (index != 0) x_[index] = value;
  }
  [[nodiscard]] std::uint32_t pc() const { return pc_; }
  void set_pc(std::uint32_t pc) { pc_ = pc; }
  [[nodiscard]] std::uint64_t cycle() const { return cycle_; }
  /// Moves the clock forward (time spent asleep); never backwards.
  void advance_to_cycle(std::uint64_t cycle) {
    if (cycle > cycle_) cycle_ = cycle;
  }
  /// Instructions retired since reset (what software writes to minstret does not change it).
  [[nodiscard]] std::uint64_t instret() const { return instret_; }
  [[nodiscard]] std::uint64_t traps() const { return traps_; }
  [[nodiscard]] std::uint64_t interrupts() const { return interrupts_; }
  [[nodiscard]] const TrapInfo& last_trap() const { return last_trap_; }
  /// Reads a CSR as the csrr instruction would; false if it does not exist.
  bool read_csr(std::uint16_t number, std::uint32_t& value) const;

 private:
  __attribute__((always_inline)) inline void execute(const DecodedInsn& d);
  void raise(Cause cause, std::uint32_t tval);
  /// Saves pc/cause/tval, stacks mstatus.MIE and jumps to `handler`.
  void enter_trap(std::uint32_t mcause, std::uint32_t tval, std::uint32_t handler);
  void take_interrupt();
  void update_interrupt_ready();
  bool write_csr(std::uint16_t number, std::uint32_t value);
  void csr_op(const DecodedInsn& d);
  bool fetch(std::uint32_t pc, const DecodedInsn*& out);
  template <unsigned Size>
  bool load(std::uint32_t address, std::uint32_t& value);
  template <unsigned Size>
  bool store(std::uint32_t address, std::uint32_t value);
  void jump(std::uint32_t target, unsigned link_register, std::uint32_t link_value);

  HartBus& bus_;
  std::array<std::uint32_t, static_cast<std::size_t>(Op::Count) + 1> op_cost_{};
  std::uint32_t branch_taken_extra_;

  std::uint32_t x_[33] = {};  // x_[32] is the sink for writes to x0.
  std::uint32_t pc_ = 0;
  std::uint32_t next_pc_ = 0;
  bool trapped_ = false;  // the current instruction raised an exception
  std::uint64_t cycle_ = 0;
  std::uint64_t until_ = 0;
  std::uint64_t instret_ = 0;
  std::int64_t mcycle_offset_ = 0;
  std::int64_t minstret_offset_ = 0;  ///< minstret as software sees it = instret_ + this

  // CSRs
  std::uint32_t hart_id_;
  std::uint32_t mstatus_ = mstatus::kMppMask;
  std::uint32_t mie_ = 0;
  std::uint32_t mip_ = 0;
  std::uint32_t mtvec_ = 0;
  std::uint32_t mscratch_ = 0;
  std::uint32_t mepc_ = 0;
  std::uint32_t mcause_ = 0;
  std::uint32_t mtval_ = 0;
  bool interrupt_ready_ = false;

  bool stop_requested_ = false;
  bool in_wfi_ = false;
  std::uint32_t trap_loop_limit_ = 16;
  std::uint32_t traps_in_a_row_ = 0;
  std::uint32_t nested_trap_limit_ = 64;
  std::uint32_t exceptions_in_handler_ = 0;  ///< exceptions since the last MRET
  std::uint64_t traps_ = 0;
  std::uint64_t interrupts_ = 0;
  TrapInfo last_trap_{0, 0, 0};
  std::function<void(const TrapInfo&)> trap_observer_;

  FastRegion fast_;
  ZeroedBuffer<DecodedInsn> decoded_;  // one per word of the fast region; op == Illegal: empty
  DecodedInsn slow_insn_;
};

}  // namespace vp::rv32
