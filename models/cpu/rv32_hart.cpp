#include "models/cpu/rv32_hart.h"

#include <cstring>

#include "models/cpu/rv32_decoder.h"

namespace vp::rv32 {
namespace {

constexpr std::uint32_t kMisa = (1U << 30) | (1U << 8) | (1U << 12);  // MXL=32, I, M
// An empty decoded-instruction cache slot is all zero bytes, i.e. op == Illegal: a word that
// decodes to Illegal is decoded again at every fetch, which costs nothing, since it traps.
constexpr auto kEmpty = Op::Illegal;
static_assert(static_cast<unsigned>(kEmpty) == 0, "zero bytes must read as an empty slot");

std::int32_t as_signed(std::uint32_t v) { return static_cast<std::int32_t>(v); }

}  // namespace

Hart::Hart(HartBus& bus, const CycleCosts& costs, std::uint32_t hart_id)
    : bus_(bus), branch_taken_extra_(costs.branch_taken_extra), hart_id_(hart_id) {
  for (unsigned op = 0; op < static_cast<unsigned>(Op::Count); ++op)
    op_cost_[op] = costs.by_class[static_cast<unsigned>(cost_class(static_cast<Op>(op)))];
  reset(0);
}

void Hart::reset(std::uint32_t pc) {
  std::memset(x_, 0, sizeof(x_));
  pc_ = pc;
  cycle_ = 0;
  instret_ = 0;
  mcycle_offset_ = 0;
  minstret_offset_ = 0;
  mstatus_ = mstatus::kMppMask;
  mie_ = mip_ = mtvec_ = mscratch_ = mepc_ = mcause_ = mtval_ = 0;
  interrupt_ready_ = false;
  stop_requested_ = false;
  in_wfi_ = false;
  traps_in_a_row_ = 0;
  exceptions_in_handler_ = 0;
  traps_ = interrupts_ = 0;
}

void Hart::set_fast_region(const FastRegion& region) {
  fast_ = region;
  fast_.size &= ~3U;
  if (fast_.base & 3U) fast_.size = 0;  // only word-aligned regions hold instructions
  // All empty, pages untouched. The previous cache stays readable: this may run inside an
  // instruction fetched from it (a bus access that re-acquires DMI).
  decoded_.reset(fast_.size / 4);
}

void Hart::clear_fast_region() {
  // The cache storage stays allocated: an instruction executing from it may be what caused this.
  fast_.size = 0;
}

void Hart::set_interrupt_lines(std::uint32_t mip_bits) {
  mip_ = mip_bits & irq::kMask;
  update_interrupt_ready();
}

void Hart::update_interrupt_ready() {
  interrupt_ready_ = (mip_ & mie_) != 0 && (mstatus_ & mstatus::kMie) != 0;
}

Hart::Stop Hart::run(std::uint64_t until_cycle) {
  if (stop_requested_) return Stop::Requested;
  until_ = until_cycle;
  while (cycle_ < until_) {
    if (interrupt_ready_) take_interrupt();
    const DecodedInsn* d = nullptr;
    if (!fetch(pc_, d)) {
      if (traps_in_a_row_ > trap_loop_limit_) return Stop::TrapLoop;
      if (exceptions_in_handler_ > nested_trap_limit_) return Stop::NestedTraps;
      continue;
    }
    trapped_ = false;
    next_pc_ = pc_ + 4;
    // Read the cost first: a store may invalidate the cache slot `d` points to.
    const std::uint32_t cost = op_cost_[static_cast<unsigned>(d->op)];
    execute(*d);
    cycle_ += cost;
    if (trapped_) {
      if (traps_in_a_row_ > trap_loop_limit_) return Stop::TrapLoop;
      if (exceptions_in_handler_ > nested_trap_limit_) return Stop::NestedTraps;
      continue;
    }
    pc_ = next_pc_;
    ++instret_;
    traps_in_a_row_ = 0;
    if (in_wfi_) {
      in_wfi_ = false;
      if (!wake_pending()) return Stop::Wfi;
    }
  }
  return stop_requested_ ? Stop::Requested : Stop::Budget;
}

Hart::Stop Hart::step() {
  // A budget of one cycle past now executes exactly one instruction (every cost is >= 1).
  return run(cycle_ + 1);
}

bool Hart::fetch(std::uint32_t pc, const DecodedInsn*& out) {
  const std::uint32_t offset = pc - fast_.base;
  if (offset < fast_.size) {
    DecodedInsn& slot = decoded_[offset >> 2];
    if (slot.op == kEmpty) {
      std::uint32_t word;
      std::memcpy(&word, fast_.data + offset, 4);
      slot = decode(word);
    }
    out = &slot;
    return true;
  }
  std::uint32_t word = 0;
  std::uint64_t stall = 0;
  if (!bus_.read(pc, 4, word, stall)) {
    cycle_ += stall + op_cost_[static_cast<unsigned>(Op::Illegal)];
    raise(Cause::InstructionAccessFault, pc);
    return false;
  }
  cycle_ += stall;
  slow_insn_ = decode(word);
  out = &slow_insn_;
  return true;
}

template <unsigned Size>
bool Hart::load(std::uint32_t address, std::uint32_t& value) {
  if (address & (Size - 1)) {
    raise(Cause::LoadMisaligned, address);
    return false;
  }
  const std::uint32_t offset = address - fast_.base;
  if (offset < fast_.size) {  // aligned, so the whole access is inside (size is a multiple of 4)
    value = 0;
    std::memcpy(&value, fast_.data + offset, Size);
    cycle_ += fast_.read_stall_cycles;
    return true;
  }
  std::uint64_t stall = 0;
  if (!bus_.read(address, Size, value, stall)) {
    raise(Cause::LoadAccessFault, address);
    return false;
  }
  cycle_ += stall;
  return true;
}

template <unsigned Size>
bool Hart::store(std::uint32_t address, std::uint32_t value) {
  if (address & (Size - 1)) {
    raise(Cause::StoreMisaligned, address);
    return false;
  }
  const std::uint32_t offset = address - fast_.base;
  if (offset < fast_.size && fast_.writable) {
    std::memcpy(fast_.data + offset, &value, Size);
    decoded_[offset >> 2].op = kEmpty;  // self-modifying code stays coherent
    cycle_ += fast_.write_stall_cycles;
    return true;
  }
  std::uint64_t stall = 0;
  if (!bus_.write(address, Size, value, stall)) {
    raise(Cause::StoreAccessFault, address);
    return false;
  }
  cycle_ += stall;
  return true;
}

void Hart::jump(std::uint32_t target, unsigned link_register, std::uint32_t link_value) {
  if (target & 3U) {
    raise(Cause::InstructionMisaligned, target);
    return;
  }
  x_[link_register] = link_value;
  next_pc_ = target;
}

void Hart::enter_trap(std::uint32_t mcause, std::uint32_t tval, std::uint32_t handler) {
  mepc_ = pc_;
  mcause_ = mcause;
  mtval_ = tval;
  const bool mie = (mstatus_ & mstatus::kMie) != 0;
  mstatus_ = (mstatus_ & ~(mstatus::kMie | mstatus::kMpie)) | (mie ? mstatus::kMpie : 0);
  pc_ = handler;
  update_interrupt_ready();
  last_trap_ = {mcause_, mepc_, mtval_};
  if (trap_observer_) trap_observer_(last_trap_);
}

void Hart::raise(Cause cause, std::uint32_t tval) {
  trapped_ = true;
  ++traps_;
  ++traps_in_a_row_;
  ++exceptions_in_handler_;
  // Exceptions always use the base, also in vectored mode.
  enter_trap(static_cast<std::uint32_t>(cause), tval, mtvec_ & ~3U);
}

void Hart::take_interrupt() {
  const std::uint32_t pending = mip_ & mie_;
  unsigned code = irq::kTimer;
  if (pending & (1U << irq::kExternal))
    code = irq::kExternal;
  else if (pending & (1U << irq::kSoftware))
    code = irq::kSoftware;
  ++interrupts_;
  cycle_ += op_cost_[static_cast<unsigned>(Op::Illegal)];
  enter_trap(kInterruptBit | code, 0, (mtvec_ & ~3U) + ((mtvec_ & 1U) ? 4 * code : 0));
}

bool Hart::read_csr(std::uint16_t number, std::uint32_t& value) const {
  const std::uint64_t mcycle = cycle_ + static_cast<std::uint64_t>(mcycle_offset_);
  const std::uint64_t minstret = instret_ + static_cast<std::uint64_t>(minstret_offset_);
  switch (number) {
    case csr::kMstatus: value = mstatus_; return true;
    case csr::kMstatush: value = 0; return true;
    case csr::kMisa: value = kMisa; return true;
    case csr::kMie: value = mie_; return true;
    case csr::kMip: value = mip_; return true;
    case csr::kMtvec: value = mtvec_; return true;
    case csr::kMscratch: value = mscratch_; return true;
    case csr::kMepc: value = mepc_; return true;
    case csr::kMcause: value = mcause_; return true;
    case csr::kMtval: value = mtval_; return true;
    case csr::kMcycle:
    case csr::kCycle: value = static_cast<std::uint32_t>(mcycle); return true;
    case csr::kMcycleh:
    case csr::kCycleh: value = static_cast<std::uint32_t>(mcycle >> 32); return true;
    case csr::kMinstret:
    case csr::kInstret: value = static_cast<std::uint32_t>(minstret); return true;
    case csr::kMinstreth:
    case csr::kInstreth: value = static_cast<std::uint32_t>(minstret >> 32); return true;
    case csr::kMvendorid:
    case csr::kMarchid:
    case csr::kMimpid: value = 0; return true;
    case csr::kMhartid: value = hart_id_; return true;
    default: return false;
  }
}

bool Hart::write_csr(std::uint16_t number, std::uint32_t value) {
  if ((number >> 10) == 3) return false;  // read-only CSR space
  const std::uint64_t mcycle = cycle_ + static_cast<std::uint64_t>(mcycle_offset_);
  const std::uint64_t minstret = instret_ + static_cast<std::uint64_t>(minstret_offset_);
  switch (number) {
    case csr::kMstatus:
      mstatus_ = (value & (mstatus::kMie | mstatus::kMpie)) | mstatus::kMppMask;
      break;
    case csr::kMstatush:
    case csr::kMisa: break;  // WARL, nothing writable
    case csr::kMie: mie_ = value & irq::kMask; break;
    case csr::kMip: break;  // MSIP/MTIP/MEIP follow the interrupt lines
    case csr::kMtvec: mtvec_ = (value & ~3U) | ((value & 3U) == 1 ? 1U : 0U); break;
    case csr::kMscratch: mscratch_ = value; break;
    case csr::kMepc: mepc_ = value & ~3U; break;
    case csr::kMcause: mcause_ = value; break;
    case csr::kMtval: mtval_ = value; break;
    case csr::kMcycle:
      mcycle_offset_ = static_cast<std::int64_t>(((mcycle & ~0xFFFFFFFFULL) | value) - cycle_);
      break;
    case csr::kMcycleh:
      mcycle_offset_ = static_cast<std::int64_t>(
          ((mcycle & 0xFFFFFFFFULL) | (std::uint64_t{value} << 32)) - cycle_);
      break;
    // The written value takes precedence over this instruction's own increment. Software moves
    // only its view (an offset): instret() keeps counting what really retired.
    case csr::kMinstret:
      minstret_offset_ =
          static_cast<std::int64_t>(((minstret & ~0xFFFFFFFFULL) | value) - 1 - instret_);
      break;
    case csr::kMinstreth:
      minstret_offset_ = static_cast<std::int64_t>(
          ((minstret & 0xFFFFFFFFULL) | (std::uint64_t{value} << 32)) - 1 - instret_);
      break;
    default: return false;
  }
  update_interrupt_ready();
  return true;
}

void Hart::csr_op(const DecodedInsn& d) {
  const auto number = static_cast<std::uint16_t>(d.imm);
  const bool immediate = d.op == Op::Csrrwi || d.op == Op::Csrrsi || d.op == Op::Csrrci;
  const std::uint32_t operand = immediate ? d.rs1 : x_[d.rs1];
  const bool is_write = d.op == Op::Csrrw || d.op == Op::Csrrwi;
  // csrrw with rd=x0 does not read; csrrs/csrrc with rs1=x0 (or uimm 0) do not write.
  const bool does_read = !(is_write && d.rd == kSinkRegister);
  const bool does_write = is_write || d.rs1 != 0;
  std::uint32_t old = 0;
  if (!read_csr(number, old) || (does_write && (number >> 10) == 3)) {
    raise(Cause::IllegalInstruction, d.raw);
    return;
  }
  if (does_write) {
    std::uint32_t value = operand;
    if (d.op == Op::Csrrs || d.op == Op::Csrrsi) value = old | operand;
    if (d.op == Op::Csrrc || d.op == Op::Csrrci) value = old & ~operand;
    if (!write_csr(number, value)) {
      raise(Cause::IllegalInstruction, d.raw);
      return;
    }
  }
  if (does_read) x_[d.rd] = old;
}

inline void Hart::execute(const DecodedInsn& d) {
  const std::uint32_t a = x_[d.rs1];
  const std::uint32_t b = x_[d.rs2];
  const auto imm = static_cast<std::uint32_t>(d.imm);
  std::uint32_t value = 0;
  auto branch = [&](bool taken) {
    if (!taken) return;
    cycle_ += branch_taken_extra_;
    jump(pc_ + imm, kSinkRegister, 0);
  };
  switch (d.op) {
    case Op::Lui: x_[d.rd] = imm; break;
    case Op::Auipc: x_[d.rd] = pc_ + imm; break;
    case Op::Jal: jump(pc_ + imm, d.rd, pc_ + 4); break;
    case Op::Jalr: jump((a + imm) & ~1U, d.rd, pc_ + 4); break;
    case Op::Beq: branch(a == b); break;
    case Op::Bne: branch(a != b); break;
    case Op::Blt: branch(as_signed(a) < as_signed(b)); break;
    case Op::Bge: branch(as_signed(a) >= as_signed(b)); break;
    case Op::Bltu: branch(a < b); break;
    case Op::Bgeu: branch(a >= b); break;
    case Op::Lb:
      if (load<1>(a + imm, value))
        x_[d.rd] = static_cast<std::uint32_t>(
            static_cast<std::int32_t>(static_cast<std::int8_t>(value & 0xFF)));
      break;
    case Op::Lh:
      if (load<2>(a + imm, value))
        x_[d.rd] = static_cast<std::uint32_t>(static_cast<std::int16_t>(value));
      break;
    case Op::Lw:
      if (load<4>(a + imm, value)) x_[d.rd] = value;
      break;
    case Op::Lbu:
      if (load<1>(a + imm, value)) x_[d.rd] = value;
      break;
    case Op::Lhu:
      if (load<2>(a + imm, value)) x_[d.rd] = value;
      break;
    case Op::Sb: store<1>(a + imm, b); break;
    case Op::Sh: store<2>(a + imm, b); break;
    case Op::Sw: store<4>(a + imm, b); break;
    case Op::Addi: x_[d.rd] = a + imm; break;
    case Op::Slti: x_[d.rd] = as_signed(a) < d.imm ? 1 : 0; break;
    case Op::Sltiu: x_[d.rd] = a < imm ? 1 : 0; break;
    case Op::Xori: x_[d.rd] = a ^ imm; break;
    case Op::Ori: x_[d.rd] = a | imm; break;
    case Op::Andi: x_[d.rd] = a & imm; break;
    case Op::Slli: x_[d.rd] = a << (imm & 31); break;
    case Op::Srli: x_[d.rd] = a >> (imm & 31); break;
    case Op::Srai: x_[d.rd] = static_cast<std::uint32_t>(as_signed(a) >> (imm & 31)); break;
    case Op::Add: x_[d.rd] = a + b; break;
    case Op::Sub: x_[d.rd] = a - b; break;
    case Op::Sll: x_[d.rd] = a << (b & 31); break;
    case Op::Slt: x_[d.rd] = as_signed(a) < as_signed(b) ? 1 : 0; break;
    case Op::Sltu: x_[d.rd] = a < b ? 1 : 0; break;
    case Op::Xor: x_[d.rd] = a ^ b; break;
    case Op::Srl: x_[d.rd] = a >> (b & 31); break;
    case Op::Sra: x_[d.rd] = static_cast<std::uint32_t>(as_signed(a) >> (b & 31)); break;
    case Op::Or: x_[d.rd] = a | b; break;
    case Op::And: x_[d.rd] = a & b; break;
    case Op::Mul: x_[d.rd] = a * b; break;
    case Op::Mulh:
      x_[d.rd] = static_cast<std::uint32_t>(
          (static_cast<std::int64_t>(as_signed(a)) * static_cast<std::int64_t>(as_signed(b))) >>
          32);
      break;
    case Op::Mulhsu:
      x_[d.rd] = static_cast<std::uint32_t>(
          static_cast<std::uint64_t>(static_cast<std::int64_t>(as_signed(a)) *
                                     static_cast<std::int64_t>(std::uint64_t{b})) >>
          32);
      break;
    case Op::Mulhu:
      x_[d.rd] = static_cast<std::uint32_t>((std::uint64_t{a} * std::uint64_t{b}) >> 32);
      break;
    case Op::Div:
      if (b == 0)
        x_[d.rd] = 0xFFFFFFFFU;
      else if (a == 0x80000000U && b == 0xFFFFFFFFU)
        x_[d.rd] = a;
      else
        x_[d.rd] = static_cast<std::uint32_t>(as_signed(a) / as_signed(b));
      break;
    case Op::Divu: x_[d.rd] = b == 0 ? 0xFFFFFFFFU : a / b; break;
    case Op::Rem:
      if (b == 0)
        x_[d.rd] = a;
      else if (a == 0x80000000U && b == 0xFFFFFFFFU)
        x_[d.rd] = 0;
      else
        x_[d.rd] = static_cast<std::uint32_t>(as_signed(a) % as_signed(b));
      break;
    case Op::Remu: x_[d.rd] = b == 0 ? a : a % b; break;
    case Op::Fence: break;
    case Op::FenceI:
      decoded_.clear();  // the slot being executed stays readable until the next clear
      break;
    case Op::Ecall: raise(Cause::EcallFromM, 0); break;
    case Op::Ebreak: raise(Cause::Breakpoint, pc_); break;
    case Op::Mret: {
      next_pc_ = mepc_;
      exceptions_in_handler_ = 0;
      const bool mpie = (mstatus_ & mstatus::kMpie) != 0;
      mstatus_ = (mstatus_ & ~mstatus::kMie) | (mpie ? mstatus::kMie : 0) | mstatus::kMpie;
      update_interrupt_ready();
      break;
    }
    case Op::Wfi: in_wfi_ = true; break;
    case Op::Csrrw:
    case Op::Csrrs:
    case Op::Csrrc:
    case Op::Csrrwi:
    case Op::Csrrsi:
    case Op::Csrrci: csr_op(d); break;
    case Op::Illegal:
    case Op::Count: raise(Cause::IllegalInstruction, d.raw); break;
  }
}

}  // namespace vp::rv32
