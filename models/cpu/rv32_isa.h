// RV32IM + Zicsr: operations, decoded form, CSR numbers and trap causes.
//
// Contract: decode() (rv32_decoder.h) maps every 32-bit word to exactly one Op; words that are
// not RV32IM/Zicsr/Zifencei instructions, or that use reserved encodings, map to Op::Illegal.
// Register index 0 as a destination is redirected to a sink register, so the executor never
// needs to test for x0.
#pragma once

#include <cstdint>

namespace vp::rv32 {

enum class Op : std::uint8_t {
  // Kept grouped as in the manual.
  // clang-format off
  Illegal,
  // RV32I
  Lui, Auipc, Jal, Jalr,
  Beq, Bne, Blt, Bge, Bltu, Bgeu,
  Lb, Lh, Lw, Lbu, Lhu,
  Sb, Sh, Sw,
  Addi, Slti, Sltiu, Xori, Ori, Andi, Slli, Srli, Srai,
  Add, Sub, Sll, Slt, Sltu, Xor, Srl, Sra, Or, And,
  Fence, FenceI, Ecall, Ebreak, Mret, Wfi,
  // Zicsr
  Csrrw, Csrrs, Csrrc, Csrrwi, Csrrsi, Csrrci,
  // M
  Mul, Mulh, Mulhsu, Mulhu, Div, Divu, Rem, Remu,
  Count
  // clang-format on
};

/// Cycle-cost classes, each configurable (cpu config "cycles").
enum class CostClass : std::uint8_t {
  Alu,
  Mul,
  Div,
  Load,
  Store,
  Branch,
  Jump,
  Csr,
  System,
  Count
};

constexpr unsigned kSinkRegister = 32;  ///< Where writes to x0 go.

struct DecodedInsn {
  Op op = Op::Illegal;
  std::uint8_t rd = kSinkRegister;  ///< Already redirected: 0 -> kSinkRegister.
  std::uint8_t rs1 = 0;
  std::uint8_t rs2 = 0;
  std::int32_t imm = 0;  ///< Sign-extended immediate; CSR number for Zicsr ops.
  std::uint32_t raw = 0;
};

[[nodiscard]] CostClass cost_class(Op op);
[[nodiscard]] const char* mnemonic(Op op);

namespace csr {
constexpr std::uint16_t kMstatus = 0x300;
constexpr std::uint16_t kMisa = 0x301;
constexpr std::uint16_t kMie = 0x304;
constexpr std::uint16_t kMtvec = 0x305;
constexpr std::uint16_t kMstatush = 0x310;
constexpr std::uint16_t kMscratch = 0x340;
constexpr std::uint16_t kMepc = 0x341;
constexpr std::uint16_t kMcause = 0x342;
constexpr std::uint16_t kMtval = 0x343;
constexpr std::uint16_t kMip = 0x344;
constexpr std::uint16_t kMcycle = 0xB00;
constexpr std::uint16_t kMinstret = 0xB02;
constexpr std::uint16_t kMcycleh = 0xB80;
constexpr std::uint16_t kMinstreth = 0xB82;
constexpr std::uint16_t kCycle = 0xC00;
constexpr std::uint16_t kInstret = 0xC02;
constexpr std::uint16_t kCycleh = 0xC80;
constexpr std::uint16_t kInstreth = 0xC82;
constexpr std::uint16_t kMvendorid = 0xF11;
constexpr std::uint16_t kMarchid = 0xF12;
constexpr std::uint16_t kMimpid = 0xF13;
constexpr std::uint16_t kMhartid = 0xF14;
}  // namespace csr

namespace mstatus {
constexpr std::uint32_t kMie = 1U << 3;
constexpr std::uint32_t kMpie = 1U << 7;
constexpr std::uint32_t kMppMask = 3U << 11;  ///< Hard-wired to M (0b11): M-mode only.
}  // namespace mstatus

/// Interrupt bit numbers in mie/mip (and the cause code of the interrupt).
namespace irq {
constexpr unsigned kSoftware = 3;
constexpr unsigned kTimer = 7;
constexpr unsigned kExternal = 11;
constexpr std::uint32_t kMask = (1U << kSoftware) | (1U << kTimer) | (1U << kExternal);
}  // namespace irq

enum class Cause : std::uint32_t {
  InstructionMisaligned = 0,
  InstructionAccessFault = 1,
  IllegalInstruction = 2,
  Breakpoint = 3,
  LoadMisaligned = 4,
  LoadAccessFault = 5,
  StoreMisaligned = 6,
  StoreAccessFault = 7,
  EcallFromM = 11,
};
constexpr std::uint32_t kInterruptBit = 0x80000000U;

[[nodiscard]] const char* cause_name(std::uint32_t mcause);

}  // namespace vp::rv32
