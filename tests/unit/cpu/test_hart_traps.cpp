// Traps, interrupts and CSRs of the hart: every exception cause with its mepc/mtval, the
// mstatus stack, MRET, direct and vectored interrupts, WFI, and the CSR access rules.
#include <catch2/catch.hpp>

#include "models/cpu/rv32_isa.h"
#include "tests/support/hart_fixture.h"
#include "tests/support/rv32_asm.h"

using namespace rvasm;
using namespace vp::rv32;
using test::HartBench;
using test::kRamBase;

namespace {

constexpr std::uint32_t kHandler = kRamBase + 0x800;

struct Expect {
  std::uint32_t cause, epc, tval;
};

void check_trap(HartBench& bench, const Expect& e) {
  CHECK(bench.hart.pc() == kHandler);
  CHECK(bench.csr(csr::kMcause) == e.cause);
  CHECK(bench.csr(csr::kMepc) == e.epc);
  CHECK(bench.csr(csr::kMtval) == e.tval);
}

HartBench& with_handler(HartBench& bench) {
  bench.load(std::vector<std::uint32_t>(64, addi(0, 0, 0)), kHandler);  // nops
  bench.hart.set_reg(31, kHandler);
  bench.load({csrrw(0, csr::kMtvec, 31)}, kRamBase);
  bench.steps(1);
  return bench;
}

}  // namespace

TEST_CASE("each exception cause sets mcause, mepc and mtval", "[cpu][traps]") {
  const std::uint32_t pc = kRamBase + 4;
  SECTION("illegal instruction: mtval holds the instruction") {
    HartBench bench;
    with_handler(bench).load({0xFFFFFFFFU}, pc);
    bench.steps(1);
    check_trap(bench, {2, pc, 0xFFFFFFFFU});
  }
  SECTION("unknown CSR is illegal") {
    HartBench bench;
    with_handler(bench).load({csrrs(1, 0x7C0, 0)}, pc);
    bench.steps(1);
    check_trap(bench, {2, pc, csrrs(1, 0x7C0, 0)});
  }
  SECTION("breakpoint: mtval is the pc") {
    HartBench bench;
    with_handler(bench).load({ebreak()}, pc);
    bench.steps(1);
    check_trap(bench, {3, pc, pc});
  }
  SECTION("ecall from M-mode") {
    HartBench bench;
    with_handler(bench).load({ecall()}, pc);
    bench.steps(1);
    check_trap(bench, {11, pc, 0});
  }
  SECTION("misaligned load, store; access faults on the bus") {
    struct Case {
      std::uint32_t insn;
      std::uint32_t address;
      std::uint32_t cause;
    };
    const Case cases[] = {
        {lw(1, 2, 0), kRamBase + 0x102, 4}, {lh(1, 2, 0), kRamBase + 0x101, 4},
        {sw(1, 2, 0), kRamBase + 0x101, 6}, {sh(1, 2, 0), kRamBase + 0x103, 6},
        {lw(1, 2, 0), 0x00002000U, 5},      {lb(1, 2, 0), 0x00002001U, 5},
        {sw(1, 2, 0), 0x00002000U, 7},      {sb(1, 2, 0), 0x00002003U, 7},
    };
    for (const auto& c : cases) {
      HartBench bench;
      with_handler(bench).load({c.insn}, pc);
      bench.hart.set_reg(1, 0x5A5A5A5A);
      bench.hart.set_reg(2, c.address);
      bench.steps(1);
      INFO("insn 0x" << std::hex << c.insn << " at 0x" << c.address);
      check_trap(bench, {c.cause, pc, c.address});
      CHECK(bench.hart.reg(1) == 0x5A5A5A5A);  // precise: the destination is untouched
    }
  }
  SECTION("instruction address misaligned: the jump traps, rd is untouched") {
    HartBench bench;
    with_handler(bench).load({jal(1, 6)}, pc);
    bench.hart.set_reg(1, 77);
    bench.steps(1);
    check_trap(bench, {0, pc, pc + 6});
    CHECK(bench.hart.reg(1) == 77);
  }
  SECTION("taken branch to a misaligned target traps; not taken does not") {
    HartBench bench;
    with_handler(bench).load({bne(0, 0, 6), beq(0, 0, 6)}, pc);
    bench.steps(1);
    CHECK(bench.hart.pc() == pc + 4);
    bench.steps(1);
    check_trap(bench, {0, pc + 4, pc + 10});
  }
  SECTION("instruction access fault: mepc and mtval are the target") {
    HartBench bench;
    with_handler(bench).load({jalr(0, 5, 0)}, pc);
    bench.hart.set_reg(5, 0x00003000U);
    bench.steps(1);
    CHECK(bench.hart.pc() == 0x00003000U);
    bench.steps(1);
    check_trap(bench, {1, 0x00003000U, 0x00003000U});
  }
}

TEST_CASE("traps stack mstatus.MIE and MRET restores it", "[cpu][traps]") {
  HartBench bench;
  with_handler(bench);
  bench.load({csrrsi(0, csr::kMstatus, 8), ecall()}, kRamBase + 4);
  bench.load({mret()}, kHandler);
  bench.steps(1);
  CHECK((bench.csr(csr::kMstatus) & mstatus::kMie) != 0);
  bench.steps(1);  // ecall
  CHECK((bench.csr(csr::kMstatus) & mstatus::kMie) == 0);
  CHECK((bench.csr(csr::kMstatus) & mstatus::kMpie) != 0);
  CHECK((bench.csr(csr::kMstatus) & mstatus::kMppMask) == mstatus::kMppMask);
  bench.steps(1);  // mret back to the ecall itself (mepc was not advanced)
  CHECK(bench.hart.pc() == kRamBase + 8);
  CHECK((bench.csr(csr::kMstatus) & mstatus::kMie) != 0);
  CHECK((bench.csr(csr::kMstatus) & mstatus::kMpie) != 0);
}

TEST_CASE("interrupts: enable rules, priority, direct and vectored mtvec", "[cpu][traps][irq]") {
  HartBench bench;
  bench.load(std::vector<std::uint32_t>(64, addi(0, 0, 0)), kHandler);  // nops
  bench.load({addi(1, 1, 1), addi(1, 1, 1), addi(1, 1, 1), addi(1, 1, 1)}, kRamBase);
  bench.hart.set_interrupt_lines(1U << irq::kTimer);
  bench.steps(1);
  CHECK(bench.hart.pc() == kRamBase + 4);  // mie = 0: nothing taken
  CHECK(bench.hart.wake_pending() == false);

  bench.hart.set_reg(2, 1U << irq::kTimer);
  bench.load({csrrs(0, csr::kMie, 2)}, kRamBase + 4);
  bench.steps(1);
  CHECK(bench.hart.wake_pending());
  CHECK(bench.hart.pc() == kRamBase + 8);  // mstatus.MIE = 0: still not taken

  SECTION("direct mode: every interrupt enters at the base") {
    bench.hart.set_reg(3, kHandler);
    bench.load({csrrw(0, csr::kMtvec, 3), csrrsi(0, csr::kMstatus, 8)}, kRamBase + 8);
    bench.steps(2);
    bench.steps(1);  // the interrupt is taken before the next instruction, which then runs
    CHECK(bench.csr(csr::kMcause) == (kInterruptBit | irq::kTimer));
    CHECK(bench.csr(csr::kMepc) == kRamBase + 16);
    CHECK(bench.csr(csr::kMtval) == 0);
    CHECK(bench.hart.pc() == kHandler + 4);
    CHECK(bench.hart.interrupts() == 1);
  }
  SECTION("vectored mode: interrupt i enters at base + 4i; external beats software beats timer") {
    bench.hart.set_reg(3, kHandler | 1U);
    bench.hart.set_reg(4, irq::kMask);
    bench.load({csrrw(0, csr::kMtvec, 3), csrrs(0, csr::kMie, 4), csrrsi(0, csr::kMstatus, 8)},
               kRamBase + 8);
    bench.steps(3);
    bench.hart.set_interrupt_lines(irq::kMask);
    bench.steps(1);
    CHECK(bench.csr(csr::kMcause) == (kInterruptBit | irq::kExternal));
    CHECK(bench.hart.pc() == kHandler + 4 * irq::kExternal + 4);
  }
}

TEST_CASE("WFI stops the run until an enabled interrupt is pending", "[cpu][traps][irq]") {
  HartBench bench;
  bench.hart.set_reg(2, 1U << irq::kSoftware);
  bench.load({csrrs(0, csr::kMie, 2), wfi(), addi(1, 0, 9)});
  CHECK(bench.hart.run(100) == Hart::Stop::Wfi);
  CHECK(bench.hart.pc() == kRamBase + 8);
  bench.hart.set_interrupt_lines(1U << irq::kSoftware);  // wakes, but MIE=0: continue after wfi
  CHECK(bench.hart.run(bench.hart.cycle() + 1) == Hart::Stop::Budget);
  CHECK(bench.hart.reg(1) == 9);
}

TEST_CASE("CSR access rules", "[cpu][traps][csr]") {
  SECTION("misa, mhartid and the id registers read their fixed values") {
    HartBench bench;
    CHECK(bench.csr(csr::kMisa) == ((1U << 30) | (1U << 8) | (1U << 12)));
    CHECK(bench.csr(csr::kMhartid) == 0);
    CHECK(bench.csr(csr::kMvendorid) == 0);
  }
  SECTION("csrrs with rs1 = x0 reads a read-only CSR without trapping") {
    HartBench bench;
    bench.load({csrrs(1, csr::kMhartid, 0), csrrs(2, csr::kMisa, 0)});
    bench.steps(2);
    CHECK(bench.hart.traps() == 0);
    CHECK(bench.hart.reg(2) == ((1U << 30) | (1U << 8) | (1U << 12)));
  }
  SECTION("writing a read-only CSR is illegal and changes nothing") {
    HartBench bench;
    with_handler(bench).load({csrrw(1, csr::kMhartid, 2)}, kRamBase + 4);
    bench.hart.set_reg(1, 5);
    bench.steps(1);
    CHECK(bench.csr(csr::kMcause) == 2);
    CHECK(bench.hart.reg(1) == 5);
  }
  SECTION("csrrw/csrrs/csrrc and their immediate forms") {
    HartBench bench;
    bench.hart.set_reg(1, 0xF0F0F0F0U);
    bench.hart.set_reg(2, 0x0000FFFFU);
    bench.load({csrrw(3, csr::kMscratch, 1), csrrs(4, csr::kMscratch, 2),
                csrrc(5, csr::kMscratch, 1), csrrwi(6, csr::kMscratch, 21),
                csrrsi(7, csr::kMscratch, 8), csrrci(8, csr::kMscratch, 1)});
    bench.steps(6);
    CHECK(bench.hart.reg(3) == 0);
    CHECK(bench.hart.reg(4) == 0xF0F0F0F0U);
    CHECK(bench.hart.reg(5) == 0xF0F0FFFFU);
    CHECK(bench.hart.reg(6) == 0x00000F0FU);
    CHECK(bench.hart.reg(7) == 21);
    CHECK(bench.hart.reg(8) == 29);
    CHECK(bench.csr(csr::kMscratch) == 28);
  }
  SECTION("mepc clears its low bits; mtvec keeps only direct or vectored mode") {
    HartBench bench;
    bench.hart.set_reg(1, 0x80000007U);
    bench.hart.set_reg(2, 0x80000102U);
    bench.load({csrrw(0, csr::kMepc, 1), csrrw(0, csr::kMtvec, 2)});
    bench.steps(2);
    CHECK(bench.csr(csr::kMepc) == 0x80000004U);
    CHECK(bench.csr(csr::kMtvec) == 0x80000100U);
  }
  SECTION("mcycle and minstret count and can be written") {
    HartBench bench;
    bench.load({addi(1, 0, 1), addi(1, 0, 1), csrrs(2, csr::kMinstret, 0),
                csrrs(3, csr::kMcycle, 0), csrrw(0, csr::kMinstret, 0), csrrs(4, csr::kMinstret, 0),
                csrrs(5, csr::kMinstreth, 0)});
    bench.steps(7);
    CHECK(bench.hart.reg(2) == 2);
    CHECK(bench.hart.reg(3) == 3);  // cost 1 each, read at the start of the fourth
    CHECK(bench.hart.reg(4) == 0);  // the written value takes precedence over the increment
    CHECK(bench.hart.reg(5) == 0);
    CHECK(bench.hart.instret() == 7);  // software moves its view only: the count stays true
  }
}

TEST_CASE("a trap handler that traps again and again stops the run", "[cpu][traps]") {
  // The handler retires instructions (so no trap loop), then faults on an unmapped store before
  // it could return: exceptions pile up without an MRET.
  HartBench bench;
  bench.hart.set_nested_trap_limit(10);
  bench.load({addi(1, 0, 1), lui(2, 0x1), sw(1, 2, 0)}, kHandler);  // store to 0x1000: unmapped
  bench.hart.set_reg(31, kHandler);
  bench.load({csrrw(0, csr::kMtvec, 31), ebreak()}, kRamBase);
  CHECK(bench.hart.run(100000) == Hart::Stop::NestedTraps);
  CHECK(bench.hart.traps() == 11);
  CHECK(bench.hart.last_trap().cause == 7);  // store access fault
}

TEST_CASE("MRET ends a handler: returning handlers never count as nested", "[cpu][traps]") {
  HartBench bench;
  bench.hart.set_nested_trap_limit(2);
  bench.load({csrrs(1, csr::kMepc, 0), addi(1, 1, 4), csrrw(0, csr::kMepc, 1), mret()}, kHandler);
  bench.hart.set_reg(31, kHandler);
  std::vector<std::uint32_t> program{csrrw(0, csr::kMtvec, 31)};
  for (int i = 0; i < 20; ++i) program.push_back(ebreak());
  program.push_back(jal(0, 0));  // spin
  bench.load(program, kRamBase);
  CHECK(bench.hart.run(2000) == Hart::Stop::Budget);
  CHECK(bench.hart.traps() == 20);
}

TEST_CASE("a loop of traps stops the run at the limit", "[cpu][traps]") {
  HartBench bench;
  bench.hart.set_trap_loop_limit(5);
  // mtvec = 0 (unmapped): every trap faults again on fetch.
  bench.load({0xFFFFFFFFU});
  CHECK(bench.hart.run(1000) == Hart::Stop::TrapLoop);
  CHECK(bench.hart.traps() == 6);
  CHECK(bench.hart.last_trap().cause == 1);
  CHECK(bench.hart.last_trap().tval == 0);
}
