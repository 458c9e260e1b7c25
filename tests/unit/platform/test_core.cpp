// Stats tree, module registry, ELF reading, the platform builder's own checks and the zeroed
// buffer behind RAM and the decoded-instruction cache.
#include <catch2/catch.hpp>

#include <fstream>

#include "platform/elf_image.h"
#include "platform/error.h"
#include "platform/run.h"
#include "platform/zeroed_buffer.h"
#include "tests/support/platform_bench.h"

using nlohmann::json;

TEST_CASE("stats tree nests dotted names and reads values at dump time", "[stats]") {
  vp::StatsTree stats;
  std::uint64_t counter = 1;
  stats.add_counter("cpu.instructions", "insn", "retired", counter);
  stats.add("cpu.ipc", "ratio", "per cycle", [] { return vp::StatsTree::Value{0.5}; });
  counter = 42;
  const auto j = stats.to_json();
  CHECK(j["cpu"]["instructions"]["value"] == 42);
  CHECK(j["cpu"]["instructions"]["unit"] == "insn");
  CHECK(j["cpu"]["ipc"]["value"] == 0.5);
  CHECK(stats.as_double("cpu.instructions") == 42);
  CHECK_THROWS_AS(stats.add_counter("cpu.instructions", "x", "y", counter), std::logic_error);
  CHECK_THROWS_AS(stats.add_counter("bad.", "x", "y", counter), std::logic_error);
}

TEST_CASE("registry creates by type name and lists the known types on a miss", "[registry]") {
  vp::ModuleRegistry registry;
  vp::register_builtin_modules(registry);
  const auto types = registry.types();
  CHECK(types.size() == 11);
  vp::SimContext context;
  json empty = json::object();
  vp::ConfigNode node(empty, "modules.x", nullptr);
  CHECK_THROWS_WITH(
      registry.create("cpu.rv64", "modules.x.type", "x", node, context),
      Catch::StartsWith("modules.x.type: unknown module type 'cpu.rv64' (known types: "
                        "bus.router, cpu.rv32, mem.hbm_pim, mem.ram"));
  CHECK_THROWS_AS(registry.add("mem.ram", "again", nullptr), std::logic_error);
}

TEST_CASE("builder checks module names, ports and interrupt wiring", "[builder]") {
  auto base = json::parse(R"({"modules": {
      "bus": {"type": "bus.router", "map": [{"target": "clint", "base": 0}]},
      "clint": {"type": "periph.clint"}, "intc": {"type": "periph.intc"}}})");
  SECTION("bad instance name") {
    auto c = base;
    c["modules"]["my-ram"] = json::parse(R"({"type": "mem.ram"})");
    CHECK_THROWS_WITH(test::PlatformBench(c, "bus"),
                      Catch::Contains("module name 'my-ram' must be a C identifier"));
  }
  SECTION("missing type") {
    auto c = base;
    c["modules"]["ram"] = json::object();
    CHECK_THROWS_WITH(test::PlatformBench(c, "bus"),
                      Catch::Contains("modules.ram.type: required string is missing"));
  }
  SECTION("one driver per interrupt input") {
    auto c = base;
    c["interrupts"] = json::parse(R"([{"from": "clint.mtip", "to": "intc.src0"},
                                      {"from": "clint.msip", "to": "intc.src0"}])");
    CHECK_THROWS_WITH(
        test::PlatformBench(c, "bus"),
        Catch::Contains("interrupts[1].to: input 'intc.src0' is already driven by 'clint.mtip'"));
  }
  SECTION("unknown interrupt output") {
    auto c = base;
    c["interrupts"] = json::parse(R"([{"from": "clint.nmi", "to": "intc.src0"}])");
    CHECK_THROWS_WITH(
        test::PlatformBench(c, "bus"),
        Catch::Contains(
            "interrupts[0].from: 'clint' has no interrupt output 'nmi' (outputs: msip, mtip)"));
  }
  SECTION("one output may drive several inputs") {
    auto c = base;
    c["interrupts"] = json::parse(R"([{"from": "clint.mtip", "to": "intc.src0"},
                                      {"from": "clint.mtip", "to": "intc.src1"}])");
    CHECK_NOTHROW(test::PlatformBench(c, "bus"));
  }
}

TEST_CASE("ELF reader loads RV32 executables and rejects everything else", "[elf]") {
  const std::string hello = std::string(NPVP_BINARY_DIR) + "/firmware/apps/hello.elf";
  const auto image = vp::read_elf(hello);
  CHECK(image.entry == 0x80000000U);  // crt0's .text.init is linked first, at the RAM base
  REQUIRE(!image.segments.empty());
  CHECK(image.segments.front().address == 0x80000000U);
  CHECK(image.segments.front().bytes.size() <= image.segments.front().memory_size);

  CHECK_THROWS_WITH(vp::read_elf("/nonexistent.elf"), Catch::Contains("cannot open the file"));
  CHECK_THROWS_WITH(vp::read_elf(std::string(NPVP_SOURCE_DIR) + "/CMakeLists.txt"),
                    Catch::Contains("not an ELF file"));
  CHECK_THROWS_WITH(vp::read_elf("/bin/sh"), Catch::Contains("a 64-bit ELF"));

  // A 32-bit little-endian ELF for another machine (EM_386): hello.elf with e_machine patched.
  std::ifstream in(hello, std::ios::binary);
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  bytes[18] = 3;  // e_machine = EM_386
  bytes[19] = 0;
  const char* foreign = "/tmp/npvp-test-foreign.elf";
  std::ofstream(foreign, std::ios::binary)
      .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  CHECK_THROWS_WITH(vp::read_elf(foreign), Catch::Contains("ELF machine 3 is not RISC-V (243)"));
  bytes.resize(60);  // truncated inside the program headers
  bytes[18] = static_cast<char>(243);
  std::ofstream(foreign, std::ios::binary | std::ios::trunc).write(bytes.data(), 60);
  CHECK_THROWS(vp::read_elf(foreign));
  std::remove(foreign);
}

TEST_CASE("firmware names resolve in the build's firmware folder", "[run]") {
  CHECK(vp::resolve_firmware("hello.elf") == vp::default_firmware_dir() + "/hello.elf");
  CHECK_THROWS_WITH(vp::resolve_firmware("nope.elf"),
                    Catch::Contains("firmware 'nope.elf' not found"));
}

TEST_CASE("a zeroed buffer reads zero until written and again after clear()", "[buffer]") {
  struct Pair {
    std::uint32_t a;
    std::uint16_t b;
  };
  vp::ZeroedBuffer<Pair> buffer(1U << 20);  // 8 MiB: nothing is touched until used
  REQUIRE(buffer.size() == (1U << 20));
  CHECK(buffer[0].a == 0);
  CHECK(buffer[(1U << 20) - 1].b == 0);
  buffer[7] = {42, 9};
  buffer[1000] = {1, 1};
  CHECK(buffer[7].a == 42);
  const Pair* before = &buffer[7];
  buffer.clear();
  CHECK(before->a == 42);  // the storage before clear() stays readable until the next clear()
  CHECK(buffer[7].a == 0);
  CHECK(buffer[1000].b == 0);
  CHECK(buffer.size() == (1U << 20));
  buffer[3] = {5, 5};
  const Pair* before_reset = &buffer[3];
  buffer.reset(16);
  CHECK(buffer.size() == 16);
  CHECK(buffer[3].a == 0);
  CHECK(before_reset->a == 5);
  vp::ZeroedBuffer<unsigned char> empty;
  CHECK(empty.size() == 0);
  CHECK(empty.data() == nullptr);
}
