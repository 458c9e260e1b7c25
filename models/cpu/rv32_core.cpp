#include "models/cpu/rv32_core.h"

#include <algorithm>
#include <cmath>
#include <iostream>
#include <vector>

#include <fmt/format.h>

#include "platform/error.h"

namespace vp {

using rv32::CostClass;

void Rv32Core::register_type(ModuleRegistry& registry) {
  add_module_type<Rv32Core>(registry, "cpu.rv32",
                            "RV32IM + Zicsr host CPU (LT, quantum keeper, DMI).");
}

namespace {

rv32::CycleCosts read_costs(ConfigNode config) {
  rv32::CycleCosts costs;
  const std::pair<const char*, CostClass> classes[] = {
      {"alu", CostClass::Alu},   {"mul", CostClass::Mul},     {"div", CostClass::Div},
      {"load", CostClass::Load}, {"store", CostClass::Store}, {"branch", CostClass::Branch},
      {"jump", CostClass::Jump}, {"csr", CostClass::Csr},     {"system", CostClass::System}};
  const std::uint32_t defaults[] = {1, 3, 34, 2, 1, 1, 2, 1, 3};
  for (std::size_t i = 0; i < std::size(classes); ++i)
    costs.by_class[static_cast<unsigned>(classes[i].second)] =
        static_cast<std::uint32_t>(config.get_u64(classes[i].first, defaults[i], 1, 1000));
  costs.branch_taken_extra =
      static_cast<std::uint32_t>(config.get_u64("branch_taken_extra", 1, 0, 1000));
  config.finish();
  return costs;
}

}  // namespace

Rv32Core::Rv32Core(const sc_core::sc_module_name& name, ConfigNode& config, SimContext& context)
    : sc_core::sc_module(name),
      socket("socket"),
      context_(context),
      hart_(*this, read_costs(config.child("cycles")),
            static_cast<std::uint32_t>(config.get_u64("hart_id", 0, 0, 0xFFFFFFFF))) {
  const auto clock_mhz = config.get_double("clock_mhz", 1000.0, 1.0, 100000.0);
  period_ = sc_core::sc_time(1000.0 / clock_mhz, sc_core::SC_NS);
  if (period_ == sc_core::SC_ZERO_TIME)
    throw ConfigError(fmt::format("{}: {} MHz is finer than the time resolution",
                                  config.key_path("clock_mhz"), clock_mhz));
  quantum_ = sc_core::sc_time(static_cast<double>(config.get_u64("quantum_ns", 1000, 1, 100000000)),
                              sc_core::SC_NS);
  bus_target_where_ = config.key_path("bus");
  bus_target_ = config.require_string("bus");
  max_instructions_ = config.get_u64("max_instructions", 0, 0, ~0ULL);
  trap_loop_limit_ = static_cast<std::uint32_t>(config.get_u64("trap_loop_limit", 16, 1, 1000000));
  hart_.set_trap_loop_limit(trap_loop_limit_);
  nested_trap_limit_ =
      static_cast<std::uint32_t>(config.get_u64("nested_trap_limit", 64, 1, 1000000));
  hart_.set_nested_trap_limit(nested_trap_limit_);
  log_traps_ = config.get_bool("log_traps", false);
  dmi_enabled_ = config.get_bool("dmi", true);
  hart_.set_trap_observer([this](const rv32::Hart::TrapInfo& trap) { on_trap(trap); });

  socket.register_invalidate_direct_mem_ptr(this, &Rv32Core::invalidate_direct_mem_ptr);
  ports_.irq_inputs["msip"] = &msip;
  ports_.irq_inputs["mtip"] = &mtip;
  ports_.irq_inputs["meip"] = &meip;

  const std::string prefix = basename();
  auto& stats = context.stats;
  stats.add(prefix + ".instructions_retired", "insn", "instructions retired",
            [this] { return StatsTree::Value{hart_.instret()}; });
  stats.add(prefix + ".cycles", "cycles", "clock cycles from reset to the end of the run",
            [this] { return StatsTree::Value{hart_.cycle()}; });
  stats.add(prefix + ".traps", "events", "exceptions taken",
            [this] { return StatsTree::Value{hart_.traps()}; });
  stats.add(prefix + ".interrupts", "events", "interrupts taken",
            [this] { return StatsTree::Value{hart_.interrupts()}; });
  stats.add_counter(prefix + ".bus_accesses", "transactions", "accesses outside DMI (b_transport)",
                    bus_accesses_);
  stats.add_counter(prefix + ".sleep_cycles", "cycles", "cycles spent asleep in WFI",
                    sleep_cycles_);

  SC_HAS_PROCESS(Rv32Core);
  SC_THREAD(thread);
}

void Rv32Core::connect(ModuleLookup& lookup) {
  socket.bind(lookup.target(bus_target_, bus_target_where_));
}

void Rv32Core::set_entry_point(std::uint64_t address) {
  if (address > 0xFFFFFFFFULL || (address & 3U) != 0)
    throw InputError(fmt::format("{}: entry point {:#x} is not a 4-byte aligned 32-bit address",
                                 name(), address));
  entry_ = static_cast<std::uint32_t>(address);
}

void Rv32Core::end_of_elaboration() {
  tlm_utils::tlm_quantumkeeper::set_global_quantum(quantum_);
  watch_irq_inputs({&msip, &mtip, &meip}, "irq_watch", [this] { update_interrupt_lines(); });
}

void Rv32Core::update_interrupt_lines() {
  std::uint32_t bits = 0;
  if (msip.read()) bits |= 1U << rv32::irq::kSoftware;
  if (mtip.read()) bits |= 1U << rv32::irq::kTimer;
  if (meip.read()) bits |= 1U << rv32::irq::kExternal;
  hart_.set_interrupt_lines(bits);
  irq_changed_.notify();
}

std::uint64_t Rv32Core::cycles_in(const sc_core::sc_time& t) const {
  return (t.value() + period_.value() - 1) / period_.value();
}

void Rv32Core::thread() {
  hart_.reset(entry_);
  update_interrupt_lines();
  if (dmi_enabled_) try_acquire_dmi(entry_);
  quantum_keeper_.reset();
  if (gdb_) {
    gdb_->wait_for_debugger();
    if (!debug_resume(gdb_->halted({}))) return;
  }
  while (true) {
    std::uint64_t until = cycles_in(quantum_keeper_.next_sync_point());
    if (gdb_ && debug_single_steps()) until = std::min(until, hart_.cycle() + 1);
    if (max_instructions_ != 0) {
      // Never run past the limit: at least one cycle per instruction.
      const std::uint64_t left = std::max<std::uint64_t>(
          max_instructions_ - std::min(max_instructions_, hart_.instret()), 1);
      const std::uint64_t now = hart_.cycle();
      if (left < ~0ULL - now) until = std::min(until, now + left);  // else: no nearer bound
    }
    const auto stop = hart_.run(until);
    quantum_keeper_.set(time_of(hart_.cycle()) - sc_core::sc_time_stamp());
    if (stop == rv32::Hart::Stop::Requested) {
      // Before sync: the run has stopped, so this thread does not resume after a wait.
      if (gdb_ && context_.control.state() == RunControl::State::Exited)
        gdb_->exited(context_.control.exit_code());
      else if (gdb_)
        gdb_->failed();
      quantum_keeper_.sync();
      return;
    }
    // A breakpoint may sit right after a WFI: checked before the hart sleeps.
    if (gdb_ && (stop == rv32::Hart::Stop::Budget || stop == rv32::Hart::Stop::Wfi) &&
        !debug_after_run())
      return;
    if (stop == rv32::Hart::Stop::NestedTraps) {
      quantum_keeper_.sync();
      const auto& trap = hart_.last_trap();
      fail_run(fmt::format(
          "{}: {} exceptions taken without an MRET between them (a trap handler that traps "
          "again, e.g. through a device no longer on the bus map); last: {} at pc={:#010x} "
          "(mtval={:#010x}); limit: {}.nested_trap_limit",
          name(), nested_trap_limit_ + 1, rv32::cause_name(trap.cause), trap.epc, trap.tval,
          name()));
      return;
    }
    if (stop == rv32::Hart::Stop::TrapLoop) {
      quantum_keeper_.sync();
      const auto& trap = hart_.last_trap();
      std::uint32_t mtvec = 0;
      hart_.read_csr(rv32::csr::kMtvec, mtvec);
      fail_run(fmt::format(
          "{}: {} traps in a row without retiring an instruction; last: {} at pc={:#010x} "
          "(mtval={:#010x}, mtvec={:#010x})",
          name(), trap_loop_limit_ + 1, rv32::cause_name(trap.cause), trap.epc, trap.tval, mtvec));
      return;
    }
    if (max_instructions_ != 0 && hart_.instret() >= max_instructions_) {
      quantum_keeper_.sync();
      fail_run(fmt::format(
          "{}: instruction limit of {} reached at pc={:#010x} (raise {}.max_instructions or set "
          "it to 0)",
          name(), max_instructions_, hart_.pc(), name()));
      return;
    }
    quantum_keeper_.sync();
    if (stop == rv32::Hart::Stop::Wfi) {
      sleeping_ = true;
      while (!hart_.wake_pending()) sc_core::wait(irq_changed_);
      sleeping_ = false;
      const auto woke = cycles_in(sc_core::sc_time_stamp());
      if (woke > hart_.cycle()) sleep_cycles_ += woke - hart_.cycle();
      hart_.advance_to_cycle(woke);
      quantum_keeper_.reset();
    }
  }
}

std::string Rv32Core::idle_report() const {
  if (!sleeping_) return {};
  std::uint32_t mie = 0, mstatus = 0;
  hart_.read_csr(rv32::csr::kMie, mie);
  hart_.read_csr(rv32::csr::kMstatus, mstatus);
  return fmt::format(
      "{} is waiting in WFI at pc={:#010x} for an interrupt that can no longer come "
      "(mie={:#x}, mstatus.MIE={})",
      name(), hart_.pc() - 4, mie, (mstatus >> 3) & 1U);
}

void Rv32Core::on_trap(const rv32::Hart::TrapInfo& trap) {
  if (!log_traps_) return;
  std::cerr << fmt::format("{}: trap: {} (mcause={:#x}) at pc={:#010x}, mtval={:#010x}\n", name(),
                           rv32::cause_name(trap.cause), trap.cause, trap.epc, trap.tval);
}

bool Rv32Core::access(tlm::tlm_command command, std::uint32_t address, unsigned size,
                      std::uint32_t& value, std::uint64_t& stall_cycles) {
  ++bus_accesses_;
  const bool watching = gdb_ && !gdb_->watchpoints().empty();  // every access must be seen
  if (watching) check_watchpoints(command, address, size);
  payload_.set_command(command);
  payload_.set_address(address);
  payload_.set_data_ptr(reinterpret_cast<unsigned char*>(&value));
  payload_.set_data_length(size);
  payload_.set_streaming_width(size);
  payload_.set_byte_enable_ptr(nullptr);
  payload_.set_dmi_allowed(false);
  payload_.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  const sc_core::sc_time before = time_of(hart_.cycle()) - sc_core::sc_time_stamp();
  sc_core::sc_time delay = before;
  socket->b_transport(payload_, delay);
  stall_cycles = delay > before ? cycles_in(delay - before) : 0;
  if (context_.control.state() != RunControl::State::Running) hart_.request_stop();
  // Synchronise after every device access: its side effects (interrupt lines, other models
  // progressing while firmware polls) must be visible before the next instruction.
  hart_.end_run_after_instruction();
  if (!payload_.is_response_ok()) return false;
  if (payload_.is_dmi_allowed() && dmi_enabled_ && !watching && hart_.fast_region().size == 0)
    try_acquire_dmi(address);
  return true;
}

bool Rv32Core::read(std::uint32_t address, unsigned size, std::uint32_t& value,
                    std::uint64_t& stall_cycles) {
  value = 0;
  return access(tlm::TLM_READ_COMMAND, address, size, value, stall_cycles);
}

bool Rv32Core::write(std::uint32_t address, unsigned size, std::uint32_t value,
                     std::uint64_t& stall_cycles) {
  return access(tlm::TLM_WRITE_COMMAND, address, size, value, stall_cycles);
}

void Rv32Core::try_acquire_dmi(std::uint32_t address) {
  tlm::tlm_generic_payload request;
  tlm::tlm_dmi dmi;
  request.set_command(tlm::TLM_READ_COMMAND);
  request.set_address(address);
  if (!socket->get_direct_mem_ptr(request, dmi) || !dmi.is_read_allowed()) return;
  const std::uint64_t start = dmi.get_start_address();
  const std::uint64_t end = std::min<std::uint64_t>(dmi.get_end_address(), 0xFFFFFFFFULL);
  if (start > end || address < start || address > end) return;
  rv32::FastRegion region;
  region.data = dmi.get_dmi_ptr();
  region.base = static_cast<std::uint32_t>(start);
  region.size = static_cast<std::uint32_t>(std::min<std::uint64_t>(end - start + 1, 0xFFFFFFFCULL));
  region.writable = dmi.is_write_allowed();
  region.read_stall_cycles = static_cast<std::uint32_t>(cycles_in(dmi.get_read_latency()));
  region.write_stall_cycles = static_cast<std::uint32_t>(cycles_in(dmi.get_write_latency()));
  hart_.set_fast_region(region);
}

void Rv32Core::invalidate_direct_mem_ptr(sc_dt::uint64 start, sc_dt::uint64 end) {
  const auto& fast = hart_.fast_region();
  if (fast.size == 0) return;
  const std::uint64_t base = fast.base;
  if (start <= base + fast.size - 1 && end >= base) hart_.clear_fast_region();
}

void Rv32Core::fail_run(const std::string& why) {
  if (gdb_) gdb_->failed();  // the debugger hears of it first: the run stops with fail()
  context_.control.fail(why);
}

bool Rv32Core::attach_gdb(std::uint16_t port, const std::string& where) {
  rv32::DebugTarget& target = *this;
  gdb_ = std::make_unique<rv32::GdbServer>(target);
  gdb_->listen(port, where);
  return true;
}

std::uint32_t Rv32Core::debug_register(unsigned number) const {
  return number < 32 ? hart_.reg(number) : hart_.pc();
}

void Rv32Core::set_debug_register(unsigned number, std::uint32_t value) {
  if (number < 32)
    hart_.set_reg(number, value);
  else
    hart_.set_pc(value);
}

bool Rv32Core::debug_transport(tlm::tlm_command command, std::uint32_t address, std::uint8_t* data,
                               std::uint32_t length) {
  tlm::tlm_generic_payload payload;
  payload.set_command(command);
  payload.set_address(address);
  payload.set_data_ptr(data);
  payload.set_data_length(length);
  payload.set_streaming_width(length);
  return socket->transport_dbg(payload) == length;
}

bool Rv32Core::debug_read(std::uint32_t address, std::uint8_t* data, std::uint32_t length) {
  return debug_transport(tlm::TLM_READ_COMMAND, address, data, length);
}

bool Rv32Core::debug_write(std::uint32_t address, const std::uint8_t* data, std::uint32_t length) {
  std::vector<std::uint8_t> copy(data, data + length);
  const bool ok = debug_transport(tlm::TLM_WRITE_COMMAND, address, copy.data(), length);
  // The memory may hold code the hart has decoded: decode it afresh (DMI is taken again on the
  // next access).
  hart_.clear_fast_region();
  return ok;
}

bool Rv32Core::debug_single_steps() const {
  return gdb_->connected() &&
         (stepping_ || gdb_->has_breakpoints() || !gdb_->watchpoints().empty());
}

void Rv32Core::check_watchpoints(tlm::tlm_command command, std::uint32_t address, unsigned size) {
  const bool write = command == tlm::TLM_WRITE_COMMAND;
  if (!write && size == 4 && address == hart_.pc()) return;  // an instruction fetch
  for (const auto& w : gdb_->watchpoints()) {
    const bool kind_matches = w.kind == rv32::GdbServer::Watch::Access ||
                              (w.kind == rv32::GdbServer::Watch::Write) == write;
    if (!kind_matches || address >= w.address + std::uint64_t{w.length} ||
        w.address >= address + std::uint64_t{size})
      continue;
    watch_hit_ = true;
    watch_stop_.kind = rv32::GdbServer::StopReason::Kind::Watchpoint;
    watch_stop_.watch = w.kind;
    watch_stop_.address = std::max(address, w.address);
    return;
  }
}

bool Rv32Core::debug_after_run() {
  using Kind = rv32::GdbServer::StopReason::Kind;
  if (!gdb_->connected()) return true;
  rv32::GdbServer::StopReason why;
  if (watch_hit_) {
    why = watch_stop_;
    watch_hit_ = false;
  } else if (stepping_) {
    why.kind = Kind::Step;
  } else if (gdb_->breakpoint_at(hart_.pc())) {
    why.kind = Kind::Breakpoint;
  } else if (gdb_->interrupt_requested()) {
    why.kind = Kind::Interrupt;
  } else {
    return true;
  }
  return debug_resume(gdb_->halted(why));
}

bool Rv32Core::debug_resume(rv32::GdbServer::Action action) {
  using Action = rv32::GdbServer::Action;
  stepping_ = action == Action::Step;
  if (action == Action::Kill) {
    context_.control.fail(
        fmt::format("{}: the debugger killed the run at pc={:#010x}", name(), hart_.pc()));
    return false;
  }
  if (!gdb_->watchpoints().empty()) hart_.clear_fast_region();  // see every access from now on
  return true;
}

}  // namespace vp
