#include "models/cpu/rv32_decoder.h"

namespace vp::rv32 {
namespace {

constexpr std::uint32_t bits(std::uint32_t v, unsigned hi, unsigned lo) {
  return (v >> lo) & ((1U << (hi - lo + 1)) - 1);
}
constexpr std::int32_t sext(std::uint32_t v, unsigned width) {
  const std::uint32_t m = 1U << (width - 1);
  return static_cast<std::int32_t>((v ^ m) - m);
}

std::int32_t imm_i(std::uint32_t r) { return sext(bits(r, 31, 20), 12); }
std::int32_t imm_s(std::uint32_t r) { return sext((bits(r, 31, 25) << 5) | bits(r, 11, 7), 12); }
std::int32_t imm_b(std::uint32_t r) {
  return sext((bits(r, 31, 31) << 12) | (bits(r, 7, 7) << 11) | (bits(r, 30, 25) << 5) |
                  (bits(r, 11, 8) << 1),
              13);
}
std::int32_t imm_u(std::uint32_t r) { return static_cast<std::int32_t>(r & 0xFFFFF000U); }
std::int32_t imm_j(std::uint32_t r) {
  return sext((bits(r, 31, 31) << 20) | (bits(r, 19, 12) << 12) | (bits(r, 20, 20) << 11) |
                  (bits(r, 30, 21) << 1),
              21);
}

}  // namespace

DecodedInsn decode(std::uint32_t raw) {
  DecodedInsn d;
  d.raw = raw;
  const std::uint32_t opcode = bits(raw, 6, 0);
  const std::uint32_t rd = bits(raw, 11, 7);
  const std::uint32_t f3 = bits(raw, 14, 12);
  const std::uint32_t f7 = bits(raw, 31, 25);
  d.rd = static_cast<std::uint8_t>(rd == 0 ? kSinkRegister : rd);
  d.rs1 = static_cast<std::uint8_t>(bits(raw, 19, 15));
  d.rs2 = static_cast<std::uint8_t>(bits(raw, 24, 20));
  Op op = Op::Illegal;

  // Kept one encoding per line.
  // clang-format off
  switch (opcode) {
    case 0x37: op = Op::Lui; d.imm = imm_u(raw); break;
    case 0x17: op = Op::Auipc; d.imm = imm_u(raw); break;
    case 0x6F: op = Op::Jal; d.imm = imm_j(raw); break;
    case 0x67:
      if (f3 == 0) { op = Op::Jalr; d.imm = imm_i(raw); }
      break;
    case 0x63: {
      static constexpr Op kBranch[8] = {Op::Beq, Op::Bne, Op::Illegal, Op::Illegal,
                                        Op::Blt, Op::Bge, Op::Bltu,    Op::Bgeu};
      op = kBranch[f3];
      d.imm = imm_b(raw);
      break;
    }
    case 0x03: {
      static constexpr Op kLoad[8] = {Op::Lb,  Op::Lh,  Op::Lw,      Op::Illegal,
                                      Op::Lbu, Op::Lhu, Op::Illegal, Op::Illegal};
      op = kLoad[f3];
      d.imm = imm_i(raw);
      break;
    }
    case 0x23: {
      static constexpr Op kStore[8] = {Op::Sb,      Op::Sh,      Op::Sw,      Op::Illegal,
                                       Op::Illegal, Op::Illegal, Op::Illegal, Op::Illegal};
      op = kStore[f3];
      d.imm = imm_s(raw);
      break;
    }
    case 0x13: {
      d.imm = imm_i(raw);
      switch (f3) {
        case 0: op = Op::Addi; break;
        case 2: op = Op::Slti; break;
        case 3: op = Op::Sltiu; break;
        case 4: op = Op::Xori; break;
        case 6: op = Op::Ori; break;
        case 7: op = Op::Andi; break;
        case 1:
          if (f7 == 0x00) { op = Op::Slli; d.imm = static_cast<std::int32_t>(d.rs2); }
          break;
        case 5:
          if (f7 == 0x00) { op = Op::Srli; d.imm = static_cast<std::int32_t>(d.rs2); }
          if (f7 == 0x20) { op = Op::Srai; d.imm = static_cast<std::int32_t>(d.rs2); }
          break;
      }
      break;
    }
    case 0x33: {
      if (f7 == 0x00) {
        static constexpr Op kAlu[8] = {Op::Add, Op::Sll, Op::Slt, Op::Sltu,
                                       Op::Xor, Op::Srl, Op::Or,  Op::And};
        op = kAlu[f3];
      } else if (f7 == 0x20) {
        if (f3 == 0) op = Op::Sub;
        if (f3 == 5) op = Op::Sra;
      } else if (f7 == 0x01) {
        static constexpr Op kMul[8] = {Op::Mul, Op::Mulh, Op::Mulhsu, Op::Mulhu,
                                       Op::Div, Op::Divu, Op::Rem,    Op::Remu};
        op = kMul[f3];
      }
      break;
    }
    case 0x0F:
      if (f3 == 0) op = Op::Fence;   // fm/pred/succ ignored: memory is sequentially consistent.
      if (f3 == 1) op = Op::FenceI;
      break;
    case 0x73: {
      const std::uint32_t csr = bits(raw, 31, 20);
      if (f3 == 0) {
        if (rd != 0 || d.rs1 != 0) break;
        if (raw == 0x00000073U) op = Op::Ecall;
        if (raw == 0x00100073U) op = Op::Ebreak;
        if (raw == 0x30200073U) op = Op::Mret;
        if (raw == 0x10500073U) op = Op::Wfi;
        break;
      }
      static constexpr Op kCsr[8] = {Op::Illegal, Op::Csrrw,  Op::Csrrs,  Op::Csrrc,
                                     Op::Illegal, Op::Csrrwi, Op::Csrrsi, Op::Csrrci};
      op = kCsr[f3];
      d.imm = static_cast<std::int32_t>(csr);
      break;
    }
    default: break;
  }
  // clang-format on
  d.op = op;
  return d;
}

}  // namespace vp::rv32
