// A tiny RV32IM assembler for tests: one function per instruction format, written from the
// instruction-set manual's encoding tables (independently of the simulator's decoder).
#pragma once

#include <cstdint>

namespace rvasm {

constexpr std::uint32_t r_type(std::uint32_t f7, std::uint32_t rs2, std::uint32_t rs1,
                               std::uint32_t f3, std::uint32_t rd, std::uint32_t opcode) {
  return (f7 << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | opcode;
}
constexpr std::uint32_t i_type(std::int32_t imm, std::uint32_t rs1, std::uint32_t f3,
                               std::uint32_t rd, std::uint32_t opcode) {
  return ((static_cast<std::uint32_t>(imm) & 0xFFF) << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) |
         opcode;
}
constexpr std::uint32_t s_type(std::int32_t imm, std::uint32_t rs2, std::uint32_t rs1,
                               std::uint32_t f3, std::uint32_t opcode) {
  const auto u = static_cast<std::uint32_t>(imm);
  return (((u >> 5) & 0x7F) << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | ((u & 0x1F) << 7) |
         opcode;
}
constexpr std::uint32_t b_type(std::int32_t imm, std::uint32_t rs2, std::uint32_t rs1,
                               std::uint32_t f3) {
  const auto u = static_cast<std::uint32_t>(imm);
  return (((u >> 12) & 1) << 31) | (((u >> 5) & 0x3F) << 25) | (rs2 << 20) | (rs1 << 15) |
         (f3 << 12) | (((u >> 1) & 0xF) << 8) | (((u >> 11) & 1) << 7) | 0x63;
}
constexpr std::uint32_t u_type(std::uint32_t imm20, std::uint32_t rd, std::uint32_t opcode) {
  return (imm20 << 12) | (rd << 7) | opcode;
}
constexpr std::uint32_t j_type(std::int32_t imm, std::uint32_t rd) {
  const auto u = static_cast<std::uint32_t>(imm);
  return (((u >> 20) & 1) << 31) | (((u >> 1) & 0x3FF) << 21) | (((u >> 11) & 1) << 20) |
         (((u >> 12) & 0xFF) << 12) | (rd << 7) | 0x6F;
}

// Kept one instruction per line, like the manual's tables.
// clang-format off
// RV32I
constexpr std::uint32_t lui(unsigned rd, std::uint32_t imm20) { return u_type(imm20, rd, 0x37); }
constexpr std::uint32_t auipc(unsigned rd, std::uint32_t imm20) { return u_type(imm20, rd, 0x17); }
constexpr std::uint32_t jal(unsigned rd, std::int32_t off) { return j_type(off, rd); }
constexpr std::uint32_t jalr(unsigned rd, unsigned rs1, std::int32_t off) { return i_type(off, rs1, 0, rd, 0x67); }
constexpr std::uint32_t beq(unsigned a, unsigned b, std::int32_t off) { return b_type(off, b, a, 0); }
constexpr std::uint32_t bne(unsigned a, unsigned b, std::int32_t off) { return b_type(off, b, a, 1); }
constexpr std::uint32_t blt(unsigned a, unsigned b, std::int32_t off) { return b_type(off, b, a, 4); }
constexpr std::uint32_t bge(unsigned a, unsigned b, std::int32_t off) { return b_type(off, b, a, 5); }
constexpr std::uint32_t bltu(unsigned a, unsigned b, std::int32_t off) { return b_type(off, b, a, 6); }
constexpr std::uint32_t bgeu(unsigned a, unsigned b, std::int32_t off) { return b_type(off, b, a, 7); }
constexpr std::uint32_t lb(unsigned rd, unsigned rs1, std::int32_t off) { return i_type(off, rs1, 0, rd, 0x03); }
constexpr std::uint32_t lh(unsigned rd, unsigned rs1, std::int32_t off) { return i_type(off, rs1, 1, rd, 0x03); }
constexpr std::uint32_t lw(unsigned rd, unsigned rs1, std::int32_t off) { return i_type(off, rs1, 2, rd, 0x03); }
constexpr std::uint32_t lbu(unsigned rd, unsigned rs1, std::int32_t off) { return i_type(off, rs1, 4, rd, 0x03); }
constexpr std::uint32_t lhu(unsigned rd, unsigned rs1, std::int32_t off) { return i_type(off, rs1, 5, rd, 0x03); }
constexpr std::uint32_t sb(unsigned rs2, unsigned rs1, std::int32_t off) { return s_type(off, rs2, rs1, 0, 0x23); }
constexpr std::uint32_t sh(unsigned rs2, unsigned rs1, std::int32_t off) { return s_type(off, rs2, rs1, 1, 0x23); }
constexpr std::uint32_t sw(unsigned rs2, unsigned rs1, std::int32_t off) { return s_type(off, rs2, rs1, 2, 0x23); }
constexpr std::uint32_t addi(unsigned rd, unsigned rs1, std::int32_t imm) { return i_type(imm, rs1, 0, rd, 0x13); }
constexpr std::uint32_t slti(unsigned rd, unsigned rs1, std::int32_t imm) { return i_type(imm, rs1, 2, rd, 0x13); }
constexpr std::uint32_t sltiu(unsigned rd, unsigned rs1, std::int32_t imm) { return i_type(imm, rs1, 3, rd, 0x13); }
constexpr std::uint32_t xori(unsigned rd, unsigned rs1, std::int32_t imm) { return i_type(imm, rs1, 4, rd, 0x13); }
constexpr std::uint32_t ori(unsigned rd, unsigned rs1, std::int32_t imm) { return i_type(imm, rs1, 6, rd, 0x13); }
constexpr std::uint32_t andi(unsigned rd, unsigned rs1, std::int32_t imm) { return i_type(imm, rs1, 7, rd, 0x13); }
constexpr std::uint32_t slli(unsigned rd, unsigned rs1, unsigned sh) { return r_type(0x00, sh, rs1, 1, rd, 0x13); }
constexpr std::uint32_t srli(unsigned rd, unsigned rs1, unsigned sh) { return r_type(0x00, sh, rs1, 5, rd, 0x13); }
constexpr std::uint32_t srai(unsigned rd, unsigned rs1, unsigned sh) { return r_type(0x20, sh, rs1, 5, rd, 0x13); }
constexpr std::uint32_t add(unsigned rd, unsigned a, unsigned b) { return r_type(0x00, b, a, 0, rd, 0x33); }
constexpr std::uint32_t sub(unsigned rd, unsigned a, unsigned b) { return r_type(0x20, b, a, 0, rd, 0x33); }
constexpr std::uint32_t sll(unsigned rd, unsigned a, unsigned b) { return r_type(0x00, b, a, 1, rd, 0x33); }
constexpr std::uint32_t slt(unsigned rd, unsigned a, unsigned b) { return r_type(0x00, b, a, 2, rd, 0x33); }
constexpr std::uint32_t sltu(unsigned rd, unsigned a, unsigned b) { return r_type(0x00, b, a, 3, rd, 0x33); }
constexpr std::uint32_t xor_(unsigned rd, unsigned a, unsigned b) { return r_type(0x00, b, a, 4, rd, 0x33); }
constexpr std::uint32_t srl(unsigned rd, unsigned a, unsigned b) { return r_type(0x00, b, a, 5, rd, 0x33); }
constexpr std::uint32_t sra(unsigned rd, unsigned a, unsigned b) { return r_type(0x20, b, a, 5, rd, 0x33); }
constexpr std::uint32_t or_(unsigned rd, unsigned a, unsigned b) { return r_type(0x00, b, a, 6, rd, 0x33); }
constexpr std::uint32_t and_(unsigned rd, unsigned a, unsigned b) { return r_type(0x00, b, a, 7, rd, 0x33); }
constexpr std::uint32_t fence() { return 0x0FF0000F; }
constexpr std::uint32_t fence_i() { return 0x0000100F; }
constexpr std::uint32_t ecall() { return 0x00000073; }
constexpr std::uint32_t ebreak() { return 0x00100073; }
constexpr std::uint32_t mret() { return 0x30200073; }
constexpr std::uint32_t wfi() { return 0x10500073; }
// Zicsr
constexpr std::uint32_t csrrw(unsigned rd, std::uint32_t csr, unsigned rs1) { return i_type(static_cast<std::int32_t>(csr), rs1, 1, rd, 0x73); }
constexpr std::uint32_t csrrs(unsigned rd, std::uint32_t csr, unsigned rs1) { return i_type(static_cast<std::int32_t>(csr), rs1, 2, rd, 0x73); }
constexpr std::uint32_t csrrc(unsigned rd, std::uint32_t csr, unsigned rs1) { return i_type(static_cast<std::int32_t>(csr), rs1, 3, rd, 0x73); }
constexpr std::uint32_t csrrwi(unsigned rd, std::uint32_t csr, unsigned uimm) { return i_type(static_cast<std::int32_t>(csr), uimm, 5, rd, 0x73); }
constexpr std::uint32_t csrrsi(unsigned rd, std::uint32_t csr, unsigned uimm) { return i_type(static_cast<std::int32_t>(csr), uimm, 6, rd, 0x73); }
constexpr std::uint32_t csrrci(unsigned rd, std::uint32_t csr, unsigned uimm) { return i_type(static_cast<std::int32_t>(csr), uimm, 7, rd, 0x73); }
// M
constexpr std::uint32_t mul(unsigned rd, unsigned a, unsigned b) { return r_type(0x01, b, a, 0, rd, 0x33); }
constexpr std::uint32_t mulh(unsigned rd, unsigned a, unsigned b) { return r_type(0x01, b, a, 1, rd, 0x33); }
constexpr std::uint32_t mulhsu(unsigned rd, unsigned a, unsigned b) { return r_type(0x01, b, a, 2, rd, 0x33); }
constexpr std::uint32_t mulhu(unsigned rd, unsigned a, unsigned b) { return r_type(0x01, b, a, 3, rd, 0x33); }
constexpr std::uint32_t div(unsigned rd, unsigned a, unsigned b) { return r_type(0x01, b, a, 4, rd, 0x33); }
constexpr std::uint32_t divu(unsigned rd, unsigned a, unsigned b) { return r_type(0x01, b, a, 5, rd, 0x33); }
constexpr std::uint32_t rem(unsigned rd, unsigned a, unsigned b) { return r_type(0x01, b, a, 6, rd, 0x33); }
constexpr std::uint32_t remu(unsigned rd, unsigned a, unsigned b) { return r_type(0x01, b, a, 7, rd, 0x33); }
// clang-format on

}  // namespace rvasm
