// Differential test against Unicorn (an independent RISC-V emulator built on QEMU): seeded random
// RV32IM sequences (ALU, immediates, M extension, upper immediates, loads/stores, forward
// branches and jumps) run on both; all registers and the pc are compared after every instruction.
#include <catch2/catch.hpp>

#include <random>
#include <vector>

#include <unicorn/unicorn.h>

#include "tests/support/hart_fixture.h"
#include "tests/support/rv32_asm.h"

using namespace rvasm;
using test::kRamBase;

namespace {

constexpr std::uint32_t kDataBase = kRamBase + 0xC000;  // 4 KiB of data, x31 points at it
constexpr unsigned kDataReg = 31;

std::vector<std::uint32_t> random_program(std::mt19937& rng, unsigned length) {
  auto pick = [&rng](unsigned n) { return static_cast<unsigned>(rng() % n); };
  auto reg = [&] { return pick(31); };  // x0..x30 (x31 is the data pointer)
  auto simm12 = [&] { return static_cast<std::int32_t>(pick(4096)) - 2048; };
  std::vector<std::uint32_t> program;
  for (unsigned i = 0; i < length; ++i) {
    const unsigned rd = reg(), a = reg(), b = reg();
    const unsigned remaining = length - i;
    std::uint32_t insn = 0;
    switch (pick(12)) {
      case 0: {
        const std::uint32_t ops[] = {add(rd, a, b),  sub(rd, a, b),  sll(rd, a, b), slt(rd, a, b),
                                     sltu(rd, a, b), xor_(rd, a, b), srl(rd, a, b), sra(rd, a, b),
                                     or_(rd, a, b),  and_(rd, a, b)};
        insn = ops[pick(10)];
        break;
      }
      case 1:
      case 2: {
        const std::uint32_t ops[] = {
            addi(rd, a, simm12()), slti(rd, a, simm12()), sltiu(rd, a, simm12()),
            xori(rd, a, simm12()), ori(rd, a, simm12()),  andi(rd, a, simm12()),
            slli(rd, a, pick(32)), srli(rd, a, pick(32)), srai(rd, a, pick(32))};
        insn = ops[pick(9)];
        break;
      }
      case 3:
      case 4: {
        const std::uint32_t ops[] = {mul(rd, a, b),   mulh(rd, a, b), mulhsu(rd, a, b),
                                     mulhu(rd, a, b), div(rd, a, b),  divu(rd, a, b),
                                     rem(rd, a, b),   remu(rd, a, b)};
        insn = ops[pick(8)];
        break;
      }
      case 5: insn = pick(2) ? lui(rd, rng() & 0xFFFFF) : auipc(rd, rng() & 0xFFFFF); break;
      case 6:
      case 7: {  // aligned accesses inside the data block
        const std::int32_t word = static_cast<std::int32_t>(pick(1024)) * 4;
        const std::uint32_t ops[] = {lw(rd, kDataReg, word),      lh(rd, kDataReg, word + 2),
                                     lhu(rd, kDataReg, word),     lb(rd, kDataReg, word + 3),
                                     lbu(rd, kDataReg, word + 1), sw(b, kDataReg, word),
                                     sh(b, kDataReg, word + 2),   sb(b, kDataReg, word + 1)};
        insn = ops[pick(8)];
        break;
      }
      case 8:
      case 9: {  // forward branch within the program
        const auto off = static_cast<std::int32_t>(4 * (1 + pick(std::min(8U, remaining))));
        const std::uint32_t ops[] = {beq(a, b, off), bne(a, b, off),  blt(a, b, off),
                                     bge(a, b, off), bltu(a, b, off), bgeu(a, b, off)};
        insn = ops[pick(6)];
        break;
      }
      case 10: {
        const auto off = static_cast<std::int32_t>(4 * (1 + pick(std::min(4U, remaining))));
        insn = jal(rd, off);
        break;
      }
      default: insn = addi(rd, a, simm12()); break;
    }
    program.push_back(insn);
  }
  program.push_back(addi(0, 0, 0));  // landing pad for the last jumps
  return program;
}

struct Unicorn {
  uc_engine* uc = nullptr;
  explicit Unicorn(const std::vector<std::uint8_t>& ram) {
    REQUIRE(uc_open(UC_ARCH_RISCV, UC_MODE_RISCV32, &uc) == UC_ERR_OK);
    REQUIRE(uc_mem_map(uc, kRamBase, ram.size(), UC_PROT_ALL) == UC_ERR_OK);
    REQUIRE(uc_mem_write(uc, kRamBase, ram.data(), ram.size()) == UC_ERR_OK);
  }
  ~Unicorn() { uc_close(uc); }
  std::uint32_t reg(int id) const {
    std::uint32_t v = 0;
    uc_reg_read(uc, id, &v);
    return v;
  }
  void set_reg(int id, std::uint32_t v) { uc_reg_write(uc, id, &v); }
};

void run_seed(std::uint32_t seed, unsigned length) {
  std::mt19937 rng(seed);
  test::HartBench bench;
  const auto program = random_program(rng, length);
  bench.load(program);
  for (std::uint32_t i = 0; i < 1024; ++i) bench.poke32(kDataBase + 4 * i, rng());
  std::uint32_t initial[32] = {};
  for (unsigned r = 1; r < 31; ++r) initial[r] = rng();
  initial[kDataReg] = kDataBase;

  Unicorn uc(bench.ram);
  for (unsigned r = 1; r < 32; ++r) {
    bench.hart.set_reg(r, initial[r]);
    uc.set_reg(UC_RISCV_REG_X0 + static_cast<int>(r), initial[r]);
  }
  uc.set_reg(UC_RISCV_REG_PC, kRamBase);

  const std::uint32_t end = kRamBase + 4 * static_cast<std::uint32_t>(program.size());
  unsigned executed = 0;
  while (bench.hart.pc() < end - 4) {
    const std::uint32_t pc = bench.hart.pc();
    const std::uint32_t word = program[(pc - kRamBase) / 4];
    bench.hart.step();
    REQUIRE(uc_emu_start(uc.uc, pc, end, 0, 1) == UC_ERR_OK);
    ++executed;
    REQUIRE(bench.hart.traps() == 0);
    for (unsigned r = 1; r < 32; ++r) {
      const auto theirs = uc.reg(UC_RISCV_REG_X0 + static_cast<int>(r));
      if (bench.hart.reg(r) != theirs) {
        FAIL("seed " << seed << ", instruction " << executed << " at pc 0x" << std::hex << pc
                     << " (0x" << word << "): x" << std::dec << r << " = 0x" << std::hex
                     << bench.hart.reg(r) << ", Unicorn has 0x" << theirs);
      }
    }
    REQUIRE(bench.hart.pc() == uc.reg(UC_RISCV_REG_PC));
  }
  std::vector<std::uint8_t> theirs(4096);
  REQUIRE(uc_mem_read(uc.uc, kDataBase, theirs.data(), theirs.size()) == UC_ERR_OK);
  CHECK(std::equal(theirs.begin(), theirs.end(), bench.ram.begin() + (kDataBase - kRamBase)));
  CHECK(executed > length / 2);  // branches skip some, but most of the program ran
}

}  // namespace

TEST_CASE("random RV32IM programs match Unicorn register for register", "[cpu][unicorn]") {
  for (std::uint32_t seed : {1U, 2U, 3U, 42U, 1234U, 0xC0FFEEU}) {
    INFO("seed " << seed);
    run_seed(seed, 4000);
  }
}
