// Decoder: every RV32IM/Zicsr/Zifencei instruction maps to its operation with the right fields,
// and reserved encodings are illegal. Encodings come from tests/support/rv32_asm.h.
#include <catch2/catch.hpp>

#include "models/cpu/rv32_decoder.h"
#include "tests/support/rv32_asm.h"

using namespace vp::rv32;
using namespace rvasm;

TEST_CASE("decoder maps every instruction to its operation", "[cpu][decoder]") {
  // Kept as a table.
  // clang-format off
  const std::pair<std::uint32_t, Op> cases[] = {
      {lui(1, 0x12345), Op::Lui},       {auipc(1, 1), Op::Auipc},      {jal(1, 8), Op::Jal},
      {jalr(1, 2, 4), Op::Jalr},        {beq(1, 2, 8), Op::Beq},       {bne(1, 2, 8), Op::Bne},
      {blt(1, 2, 8), Op::Blt},          {bge(1, 2, 8), Op::Bge},       {bltu(1, 2, 8), Op::Bltu},
      {bgeu(1, 2, 8), Op::Bgeu},        {lb(1, 2, 0), Op::Lb},         {lh(1, 2, 0), Op::Lh},
      {lw(1, 2, 0), Op::Lw},            {lbu(1, 2, 0), Op::Lbu},       {lhu(1, 2, 0), Op::Lhu},
      {sb(1, 2, 0), Op::Sb},            {sh(1, 2, 0), Op::Sh},         {sw(1, 2, 0), Op::Sw},
      {addi(1, 2, 3), Op::Addi},        {slti(1, 2, 3), Op::Slti},     {sltiu(1, 2, 3), Op::Sltiu},
      {xori(1, 2, 3), Op::Xori},        {ori(1, 2, 3), Op::Ori},       {andi(1, 2, 3), Op::Andi},
      {slli(1, 2, 3), Op::Slli},        {srli(1, 2, 3), Op::Srli},     {srai(1, 2, 3), Op::Srai},
      {add(1, 2, 3), Op::Add},          {sub(1, 2, 3), Op::Sub},       {sll(1, 2, 3), Op::Sll},
      {slt(1, 2, 3), Op::Slt},          {sltu(1, 2, 3), Op::Sltu},     {xor_(1, 2, 3), Op::Xor},
      {srl(1, 2, 3), Op::Srl},          {sra(1, 2, 3), Op::Sra},       {or_(1, 2, 3), Op::Or},
      {and_(1, 2, 3), Op::And},         {fence(), Op::Fence},          {fence_i(), Op::FenceI},
      {ecall(), Op::Ecall},             {ebreak(), Op::Ebreak},        {mret(), Op::Mret},
      {wfi(), Op::Wfi},                 {csrrw(1, 0x340, 2), Op::Csrrw}, {csrrs(1, 0x340, 2), Op::Csrrs},
      {csrrc(1, 0x340, 2), Op::Csrrc},  {csrrwi(1, 0x340, 2), Op::Csrrwi},
      {csrrsi(1, 0x340, 2), Op::Csrrsi}, {csrrci(1, 0x340, 2), Op::Csrrci},
      {mul(1, 2, 3), Op::Mul},          {mulh(1, 2, 3), Op::Mulh},     {mulhsu(1, 2, 3), Op::Mulhsu},
      {mulhu(1, 2, 3), Op::Mulhu},      {div(1, 2, 3), Op::Div},       {divu(1, 2, 3), Op::Divu},
      {rem(1, 2, 3), Op::Rem},          {remu(1, 2, 3), Op::Remu},
  };
  // clang-format on
  for (const auto& [word, op] : cases) {
    INFO("word 0x" << std::hex << word << " expected " << mnemonic(op));
    CHECK(decode(word).op == op);
  }
}

TEST_CASE("decoder extracts sign-extended immediates of every format", "[cpu][decoder]") {
  CHECK(decode(addi(5, 6, -2048)).imm == -2048);
  CHECK(decode(addi(5, 6, 2047)).imm == 2047);
  CHECK(decode(sw(7, 8, -4)).imm == -4);
  CHECK(decode(sw(7, 8, 2044)).imm == 2044);
  CHECK(decode(beq(1, 2, -4096)).imm == -4096);
  CHECK(decode(beq(1, 2, 4094)).imm == 4094);
  CHECK(decode(jal(1, -1048576)).imm == -1048576);
  CHECK(decode(jal(1, 1048574)).imm == 1048574);
  CHECK(static_cast<std::uint32_t>(decode(lui(1, 0xFFFFF)).imm) == 0xFFFFF000U);
  CHECK(decode(slli(1, 2, 31)).imm == 31);
  CHECK(decode(csrrw(1, 0xF14, 2)).imm == 0xF14);
  const auto d = decode(add(11, 12, 13));
  CHECK(d.rd == 11);
  CHECK(d.rs1 == 12);
  CHECK(d.rs2 == 13);
}

TEST_CASE("decoder redirects writes to x0 to the sink register", "[cpu][decoder]") {
  CHECK(decode(addi(0, 1, 1)).rd == kSinkRegister);
  CHECK(decode(addi(1, 1, 1)).rd == 1);
}

TEST_CASE("decoder rejects reserved and foreign encodings", "[cpu][decoder]") {
  const std::uint32_t illegal[] = {
      0x00000000U,                     // all zeros (defined illegal)
      0xFFFFFFFFU,                     // all ones
      r_type(0x20, 1, 2, 1, 3, 0x33),  // SLL with funct7 0x20
      r_type(0x01, 1, 2, 1, 3, 0x13),  // SLLI with funct7 bit set (RV64 shamt)
      r_type(0x40, 1, 2, 5, 3, 0x13),  // SRAI with a bad funct7
      i_type(0, 1, 3, 2, 0x03),        // LD (RV64)
      s_type(0, 1, 2, 3, 0x23),        // SD (RV64)
      b_type(8, 1, 2, 2),              // branch funct3 2
      i_type(0, 1, 1, 2, 0x67),        // JALR funct3 1
      i_type(0, 0, 4, 1, 0x73),        // SYSTEM funct3 4
      0x00000007U,                     // FLW (F extension)
      0x00000053U,                     // OP-FP
      0x0000002FU,                     // AMO (A extension)
      0x10200073U,                     // SRET (no S-mode)
      0x00100173U,                     // EBREAK with rd != 0
  };
  for (std::uint32_t word : illegal) {
    INFO("word 0x" << std::hex << word);
    CHECK(decode(word).op == Op::Illegal);
  }
}
