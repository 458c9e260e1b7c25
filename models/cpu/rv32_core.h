// cpu.rv32: the host CPU, an RV32IM + Zicsr hart as a loosely-timed SystemC initiator.
//
// Contract: starts at the entry point the loader gives (set_entry_point) at time 0 and runs
// ahead of SystemC time by at most the global quantum ("quantum_ns"), synchronising through a
// tlm_quantumkeeper. RAM is reached through DMI (acquired on the first access that allows it);
// every other access is a b_transport with the local time offset as delay, an error response
// becomes the matching access-fault trap, and the core synchronises after it (so interrupt lines
// a device access changed are seen by the next instruction, and polled models make progress). WFI
// with nothing pending puts the thread to sleep until an interrupt line changes, so a sleeping hart
// costs no simulation events. Interrupt inputs: "msip", "mtip", "meip". If "trap_loop_limit" traps
// happen in a row without an instruction retiring (e.g. a jump to unmapped memory with no valid
// trap vector) the run fails with the trap's cause and address; so it does when more than
// "nested_trap_limit" exceptions are taken with no MRET between them (a handler that faults again
// and again); "max_instructions" (0 = none) bounds a run. With a debugger attached (attach_gdb,
// `neupims-vp run --gdb PORT`) the hart waits for GDB before its first instruction, stops after
// every instruction while GDB steps or has breakpoints or watchpoints set, and runs without DMI
// while watchpoints are set (so every load and store is seen); simulated time stands still while
// it is halted. Without a debugger none of this costs anything.
#pragma once

#include <memory>
#include <string>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/tlm_quantumkeeper.h>

#include "models/cpu/gdb_server.h"
#include "models/cpu/rv32_hart.h"
#include "platform/registry.h"

namespace vp {

class Rv32Core : public sc_core::sc_module,
                 public Module,
                 private rv32::HartBus,
                 private rv32::DebugTarget {
 public:
  tlm_utils::simple_initiator_socket<Rv32Core> socket;
  IrqIn msip{"msip"};
  IrqIn mtip{"mtip"};
  IrqIn meip{"meip"};

  static void register_type(ModuleRegistry& registry);
  Rv32Core(const sc_core::sc_module_name& name, ConfigNode& config, SimContext& context);

  void connect(ModuleLookup& lookup) override;
  void set_entry_point(std::uint64_t address) override;
  [[nodiscard]] bool takes_entry_point() const override { return true; }
  [[nodiscard]] std::string idle_report() const override;
  /// Serves GDB on 127.0.0.1:port; the hart waits for the debugger before its first instruction.
  bool attach_gdb(std::uint16_t port, const std::string& where) override;

  [[nodiscard]] const rv32::Hart& hart() const { return hart_; }

 private:
  /// Exposes the sync point so the hart can run a whole quantum without per-instruction checks.
  class QuantumKeeper : public tlm_utils::tlm_quantumkeeper {
   public:
    [[nodiscard]] sc_core::sc_time next_sync_point() const { return m_next_sync_point; }
  };

  void thread();
  void end_of_elaboration() override;
  void update_interrupt_lines();
  bool access(tlm::tlm_command command, std::uint32_t address, unsigned size, std::uint32_t& value,
              std::uint64_t& stall_cycles);
  bool read(std::uint32_t address, unsigned size, std::uint32_t& value,
            std::uint64_t& stall_cycles) override;
  bool write(std::uint32_t address, unsigned size, std::uint32_t value,
             std::uint64_t& stall_cycles) override;
  void try_acquire_dmi(std::uint32_t address);
  void invalidate_direct_mem_ptr(sc_dt::uint64 start, sc_dt::uint64 end);
  [[nodiscard]] sc_core::sc_time time_of(std::uint64_t cycle) const {
    return sc_core::sc_time::from_value(period_.value() * cycle);
  }
  [[nodiscard]] std::uint64_t cycles_in(const sc_core::sc_time& t) const;
  void on_trap(const rv32::Hart::TrapInfo& trap);
  /// Ends the run as failed (RunControl::fail), telling an attached debugger first.
  void fail_run(const std::string& why);

  // Debugging (only with a debugger attached).
  [[nodiscard]] std::uint32_t debug_register(unsigned number) const override;
  void set_debug_register(unsigned number, std::uint32_t value) override;
  bool debug_read(std::uint32_t address, std::uint8_t* data, std::uint32_t length) override;
  bool debug_write(std::uint32_t address, const std::uint8_t* data, std::uint32_t length) override;
  bool debug_transport(tlm::tlm_command command, std::uint32_t address, std::uint8_t* data,
                       std::uint32_t length);
  /// Whether the hart must stop after every instruction (stepping, breakpoints, watchpoints).
  [[nodiscard]] bool debug_single_steps() const;
  /// After a run: halts for the debugger if a stop condition holds; false if the run must end.
  bool debug_after_run();
  /// Applies the debugger's answer; false if it killed the run.
  bool debug_resume(rv32::GdbServer::Action action);
  void check_watchpoints(tlm::tlm_command command, std::uint32_t address, unsigned size);

  SimContext& context_;
  rv32::Hart hart_;
  QuantumKeeper quantum_keeper_;
  sc_core::sc_time period_;
  sc_core::sc_time quantum_;
  std::string bus_target_;
  std::string bus_target_where_;
  std::uint32_t entry_ = 0;
  std::uint64_t max_instructions_ = 0;
  std::uint32_t trap_loop_limit_ = 16;
  std::uint32_t nested_trap_limit_ = 64;
  bool log_traps_ = false;
  bool dmi_enabled_ = true;
  bool sleeping_ = false;
  sc_core::sc_event irq_changed_;
  tlm::tlm_generic_payload payload_;
  std::uint64_t bus_accesses_ = 0;
  std::uint64_t sleep_cycles_ = 0;
  std::unique_ptr<rv32::GdbServer> gdb_;
  bool stepping_ = false;
  bool watch_hit_ = false;
  rv32::GdbServer::StopReason watch_stop_;
};

}  // namespace vp
