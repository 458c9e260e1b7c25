#include "models/cpu/rv32_isa.h"

namespace vp::rv32 {

CostClass cost_class(Op op) {
  // Kept one cost class per line.
  // clang-format off
  switch (op) {
    case Op::Mul: case Op::Mulh: case Op::Mulhsu: case Op::Mulhu: return CostClass::Mul;
    case Op::Div: case Op::Divu: case Op::Rem: case Op::Remu: return CostClass::Div;
    case Op::Lb: case Op::Lh: case Op::Lw: case Op::Lbu: case Op::Lhu: return CostClass::Load;
    case Op::Sb: case Op::Sh: case Op::Sw: return CostClass::Store;
    case Op::Beq: case Op::Bne: case Op::Blt: case Op::Bge: case Op::Bltu: case Op::Bgeu:
      return CostClass::Branch;
    case Op::Jal: case Op::Jalr: return CostClass::Jump;
    case Op::Csrrw: case Op::Csrrs: case Op::Csrrc: case Op::Csrrwi: case Op::Csrrsi:
    case Op::Csrrci: return CostClass::Csr;
    case Op::Fence: case Op::FenceI: case Op::Ecall: case Op::Ebreak: case Op::Mret:
    case Op::Wfi: case Op::Illegal: return CostClass::System;
    default: return CostClass::Alu;
  }
  // clang-format on
}

const char* mnemonic(Op op) {
  static constexpr const char* kNames[] = {
      "illegal", "lui",   "auipc",  "jal",     "jalr",   "beq",    "bne",  "blt",    "bge",
      "bltu",    "bgeu",  "lb",     "lh",      "lw",     "lbu",    "lhu",  "sb",     "sh",
      "sw",      "addi",  "slti",   "sltiu",   "xori",   "ori",    "andi", "slli",   "srli",
      "srai",    "add",   "sub",    "sll",     "slt",    "sltu",   "xor",  "srl",    "sra",
      "or",      "and",   "fence",  "fence.i", "ecall",  "ebreak", "mret", "wfi",    "csrrw",
      "csrrs",   "csrrc", "csrrwi", "csrrsi",  "csrrci", "mul",    "mulh", "mulhsu", "mulhu",
      "div",     "divu",  "rem",    "remu"};
  static_assert(sizeof(kNames) / sizeof(kNames[0]) == static_cast<unsigned>(Op::Count));
  return kNames[static_cast<unsigned>(op)];
}

const char* cause_name(std::uint32_t mcause) {
  if (mcause & kInterruptBit) {
    switch (mcause & ~kInterruptBit) {
      case irq::kSoftware: return "machine software interrupt";
      case irq::kTimer: return "machine timer interrupt";
      case irq::kExternal: return "machine external interrupt";
      default: return "unknown interrupt";
    }
  }
  switch (static_cast<Cause>(mcause)) {
    case Cause::InstructionMisaligned: return "instruction address misaligned";
    case Cause::InstructionAccessFault: return "instruction access fault";
    case Cause::IllegalInstruction: return "illegal instruction";
    case Cause::Breakpoint: return "breakpoint";
    case Cause::LoadMisaligned: return "load address misaligned";
    case Cause::LoadAccessFault: return "load access fault";
    case Cause::StoreMisaligned: return "store address misaligned";
    case Cause::StoreAccessFault: return "store access fault";
    case Cause::EcallFromM: return "environment call from M-mode";
  }
  return "unknown exception";
}

}  // namespace vp::rv32
