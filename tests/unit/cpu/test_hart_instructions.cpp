// Every RV32IM instruction executed by the hart, with expected values taken from the
// instruction-set manual's definitions (written out as literals, not computed by the model).
#include <catch2/catch.hpp>

#include "tests/support/hart_fixture.h"
#include "tests/support/rv32_asm.h"

using namespace rvasm;
using test::HartBench;
using test::kRamBase;

namespace {

struct AluCase {
  const char* name;
  std::uint32_t insn;  // computes x3 from x1 and x2
  std::uint32_t a, b, expected;
};

}  // namespace

TEST_CASE("register-register and immediate ALU instructions", "[cpu][isa]") {
  const AluCase cases[] = {
      {"add", add(3, 1, 2), 5, 7, 12},
      {"add wraps", add(3, 1, 2), 0xFFFFFFFF, 2, 1},
      {"sub", sub(3, 1, 2), 5, 7, 0xFFFFFFFE},
      {"sll uses low 5 bits", sll(3, 1, 2), 1, 33, 2},
      {"slt signed", slt(3, 1, 2), 0xFFFFFFFF, 1, 1},
      {"sltu unsigned", sltu(3, 1, 2), 0xFFFFFFFF, 1, 0},
      {"xor", xor_(3, 1, 2), 0xF0F0F0F0, 0xFF00FF00, 0x0FF00FF0},
      {"srl logical", srl(3, 1, 2), 0x80000000, 31, 1},
      {"sra arithmetic", sra(3, 1, 2), 0x80000000, 31, 0xFFFFFFFF},
      {"or", or_(3, 1, 2), 0xF0, 0x0F, 0xFF},
      {"and", and_(3, 1, 2), 0xF0, 0x3C, 0x30},
      {"addi negative", addi(3, 1, -1), 0, 0, 0xFFFFFFFF},
      {"slti", slti(3, 1, -1), 0xFFFFFFFE, 0, 1},
      {"sltiu sign-extends then compares unsigned", sltiu(3, 1, -1), 5, 0, 1},
      {"xori -1 is not", xori(3, 1, -1), 0x12345678, 0, 0xEDCBA987},
      {"ori", ori(3, 1, 0x0F0), 0x00F, 0, 0x0FF},
      {"andi", andi(3, 1, 0x7FF), 0xFFFFFFFF, 0, 0x7FF},
      {"slli", slli(3, 1, 4), 0x0000000F, 0, 0x000000F0},
      {"srli", srli(3, 1, 4), 0xF0000000, 0, 0x0F000000},
      {"srai", srai(3, 1, 4), 0xF0000000, 0, 0xFF000000},
      {"mul low half", mul(3, 1, 2), 0x80000001, 3, 0x80000003},
      {"mulh signed x signed", mulh(3, 1, 2), 0xFFFFFFFF, 0xFFFFFFFF, 0},
      {"mulh large", mulh(3, 1, 2), 0x80000000, 0x80000000, 0x40000000},
      {"mulhsu signed x unsigned", mulhsu(3, 1, 2), 0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF},
      {"mulhu", mulhu(3, 1, 2), 0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFE},
      {"div truncates toward zero", div(3, 1, 2), static_cast<std::uint32_t>(-7), 2,
       static_cast<std::uint32_t>(-3)},
      {"div by zero is -1", div(3, 1, 2), 5, 0, 0xFFFFFFFF},
      {"div overflow", div(3, 1, 2), 0x80000000, 0xFFFFFFFF, 0x80000000},
      {"divu", divu(3, 1, 2), 0xFFFFFFFF, 2, 0x7FFFFFFF},
      {"divu by zero", divu(3, 1, 2), 5, 0, 0xFFFFFFFF},
      {"rem takes the dividend's sign", rem(3, 1, 2), static_cast<std::uint32_t>(-7), 2,
       static_cast<std::uint32_t>(-1)},
      {"rem by zero is the dividend", rem(3, 1, 2), 5, 0, 5},
      {"rem overflow is zero", rem(3, 1, 2), 0x80000000, 0xFFFFFFFF, 0},
      {"remu", remu(3, 1, 2), 7, 3, 1},
      {"remu by zero", remu(3, 1, 2), 7, 0, 7},
  };
  for (const auto& c : cases) {
    HartBench bench;
    bench.load({c.insn});
    bench.hart.set_reg(1, c.a);
    bench.hart.set_reg(2, c.b);
    bench.steps(1);
    INFO(c.name);
    CHECK(bench.hart.reg(3) == c.expected);
    CHECK(bench.hart.pc() == kRamBase + 4);
    CHECK(bench.hart.instret() == 1);
  }
}

TEST_CASE("x0 stays zero when written", "[cpu][isa]") {
  HartBench bench;
  bench.load({addi(0, 0, 5), add(1, 0, 0)});
  bench.steps(2);
  CHECK(bench.hart.reg(0) == 0);
  CHECK(bench.hart.reg(1) == 0);
}

TEST_CASE("lui and auipc", "[cpu][isa]") {
  HartBench bench;
  bench.load({lui(1, 0xABCDE), auipc(2, 0x00001)});
  bench.steps(2);
  CHECK(bench.hart.reg(1) == 0xABCDE000U);
  CHECK(bench.hart.reg(2) == kRamBase + 4 + 0x1000);
}

TEST_CASE("jal and jalr link and jump", "[cpu][isa]") {
  HartBench bench;
  // 0: jal x1, +12   -> 12
  // 12: jalr x2, 0(x1) -> back to 4 (x1 = 4), with bit 0 of the target cleared
  bench.load({jal(1, 12), addi(5, 0, 7), 0, jalr(2, 3, 1)});
  bench.hart.set_reg(3, kRamBase + 4);
  bench.steps(1);
  CHECK(bench.hart.pc() == kRamBase + 12);
  CHECK(bench.hart.reg(1) == kRamBase + 4);
  bench.steps(1);
  CHECK(bench.hart.pc() == kRamBase + 4);
  CHECK(bench.hart.reg(2) == kRamBase + 16);
  bench.steps(1);
  CHECK(bench.hart.reg(5) == 7);
}

TEST_CASE("jalr with rd == rs1 uses the old rs1", "[cpu][isa]") {
  HartBench bench;
  bench.load({jalr(1, 1, 0)});
  bench.hart.set_reg(1, kRamBase + 0x100);
  bench.steps(1);
  CHECK(bench.hart.pc() == kRamBase + 0x100);
  CHECK(bench.hart.reg(1) == kRamBase + 4);
}

TEST_CASE("conditional branches", "[cpu][isa]") {
  struct BranchCase {
    const char* name;
    std::uint32_t insn;
    std::uint32_t a, b;
    bool taken;
  };
  const BranchCase cases[] = {
      {"beq taken", beq(1, 2, 16), 3, 3, true},
      {"beq not", beq(1, 2, 16), 3, 4, false},
      {"bne taken", bne(1, 2, 16), 3, 4, true},
      {"bne not", bne(1, 2, 16), 3, 3, false},
      {"blt signed", blt(1, 2, 16), 0xFFFFFFFF, 0, true},
      {"blt not", blt(1, 2, 16), 0, 0xFFFFFFFF, false},
      {"bge equal", bge(1, 2, 16), 5, 5, true},
      {"bge not", bge(1, 2, 16), 0xFFFFFFFF, 0, false},
      {"bltu unsigned", bltu(1, 2, 16), 0, 0xFFFFFFFF, true},
      {"bltu not", bltu(1, 2, 16), 0xFFFFFFFF, 0, false},
      {"bgeu", bgeu(1, 2, 16), 0xFFFFFFFF, 0, true},
      {"bgeu not", bgeu(1, 2, 16), 0, 1, false},
  };
  for (const auto& c : cases) {
    HartBench bench;
    bench.load({c.insn});
    bench.hart.set_reg(1, c.a);
    bench.hart.set_reg(2, c.b);
    bench.steps(1);
    INFO(c.name);
    CHECK(bench.hart.pc() == kRamBase + (c.taken ? 16 : 4));
  }
  HartBench back;
  back.load({0, 0, beq(0, 0, -8)}, kRamBase);
  back.hart.set_pc(kRamBase + 8);
  back.steps(1);
  CHECK(back.hart.pc() == kRamBase);
}

TEST_CASE("loads sign- or zero-extend, stores write only their bytes", "[cpu][isa]") {
  HartBench bench;
  const std::uint32_t data = kRamBase + 0x1000;
  bench.poke32(data, 0x8899AABBU);
  bench.load({lb(3, 1, 0), lbu(4, 1, 0), lh(5, 1, 2), lhu(6, 1, 2), lw(7, 1, 0), sb(2, 1, 5),
              sh(2, 1, 10), sw(2, 1, 12)});
  bench.hart.set_reg(1, data);
  bench.hart.set_reg(2, 0x11223344U);
  bench.poke32(data + 4, 0xFFFFFFFFU);
  bench.poke32(data + 8, 0xFFFFFFFFU);
  bench.steps(8);
  CHECK(bench.hart.reg(3) == 0xFFFFFFBBU);
  CHECK(bench.hart.reg(4) == 0x000000BBU);
  CHECK(bench.hart.reg(5) == 0xFFFF8899U);
  CHECK(bench.hart.reg(6) == 0x00008899U);
  CHECK(bench.hart.reg(7) == 0x8899AABBU);
  CHECK(bench.peek32(data + 4) == 0xFFFF44FFU);
  CHECK(bench.peek32(data + 8) == 0x3344FFFFU);
  CHECK(bench.peek32(data + 12) == 0x11223344U);
}

TEST_CASE("loads and stores outside the fast region go over the bus", "[cpu][isa]") {
  HartBench bench;
  bench.load({sw(2, 1, 4), lw(3, 1, 4)});
  bench.hart.set_reg(1, test::kDeviceBase);
  bench.hart.set_reg(2, 0xCAFEF00DU);
  bench.steps(2);
  CHECK(bench.bus.writes == 1);
  CHECK(bench.bus.reads == 1);
  CHECK(bench.bus.device[4] == 0xCAFEF00DU);
  CHECK(bench.hart.reg(3) == 0xCAFEF00DU);
}

TEST_CASE("instructions fetched outside the fast region go over the bus", "[cpu][isa]") {
  HartBench bench;
  bench.hart.clear_fast_region();
  bench.bus.ram = &bench.ram;
  bench.load({addi(1, 0, 42)});
  bench.steps(1);
  CHECK(bench.hart.reg(1) == 42);
  CHECK(bench.bus.reads == 1);
}

TEST_CASE("fence is a no-op and fence.i keeps fetched code coherent", "[cpu][isa]") {
  HartBench bench;
  // Execute addi at 12 once, then overwrite it with a store and run it again after fence.i.
  const std::uint32_t patched = addi(5, 5, 100);
  bench.load({fence(), jal(0, 8), 0, addi(5, 5, 1), sw(6, 7, 0), fence_i(), jal(0, -12)});
  bench.hart.set_reg(6, patched);
  bench.hart.set_reg(7, kRamBase + 12);
  bench.steps(3);  // fence, jal, addi
  CHECK(bench.hart.reg(5) == 1);
  bench.steps(4);  // sw, fence.i, jal back, patched addi
  CHECK(bench.hart.reg(5) == 101);
}

TEST_CASE("a store over decoded code is seen without fence.i", "[cpu][isa]") {
  HartBench bench;
  bench.load({addi(5, 5, 1), sw(6, 7, 0), jal(0, -8)});
  bench.hart.set_reg(6, addi(5, 5, 10));
  bench.hart.set_reg(7, kRamBase);
  bench.steps(4);
  CHECK(bench.hart.reg(5) == 11);
}

TEST_CASE("every instruction adds its class's cycle cost", "[cpu][isa][timing]") {
  vp::rv32::CycleCosts costs;
  using vp::rv32::CostClass;
  costs.by_class[static_cast<unsigned>(CostClass::Alu)] = 1;
  costs.by_class[static_cast<unsigned>(CostClass::Mul)] = 3;
  costs.by_class[static_cast<unsigned>(CostClass::Div)] = 20;
  costs.by_class[static_cast<unsigned>(CostClass::Load)] = 2;
  costs.by_class[static_cast<unsigned>(CostClass::Store)] = 4;
  costs.by_class[static_cast<unsigned>(CostClass::Branch)] = 5;
  costs.branch_taken_extra = 7;
  HartBench bench(costs);
  bench.load({addi(1, 0, 1), mul(2, 1, 1), div(2, 1, 1), lw(3, 0, 0), sw(3, 0, 0), beq(0, 1, 8),
              beq(0, 0, 4)});
  bench.hart.set_reg(0, 0);
  bench.steps(1);
  CHECK(bench.hart.cycle() == 1);
  bench.steps(1);
  CHECK(bench.hart.cycle() == 4);
  bench.steps(1);
  CHECK(bench.hart.cycle() == 24);
  // lw/sw at address 0 fault (unmapped) but still cost their class; skip them by moving pc.
  bench.hart.set_pc(kRamBase + 20);
  bench.steps(1);  // beq not taken
  CHECK(bench.hart.cycle() == 29);
  bench.steps(1);  // beq taken
  CHECK(bench.hart.cycle() == 41);
}
