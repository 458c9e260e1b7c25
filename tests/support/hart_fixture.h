// A hart on a test bench without SystemC: 64 KiB of RAM at 0x80000000 as the fast region and a
// fake bus behind it on which 0x10000000..0x10000fff is a device that records accesses and
// everything else is a bus error.
#pragma once

#include <cstring>
#include <map>
#include <vector>

#include "models/cpu/rv32_hart.h"

namespace test {

constexpr std::uint32_t kRamBase = 0x80000000U;
constexpr std::uint32_t kRamSize = 64 * 1024;
constexpr std::uint32_t kDeviceBase = 0x10000000U;

class FakeBus : public vp::rv32::HartBus {
 public:
  std::map<std::uint32_t, std::uint32_t> device;  // word offset -> value
  std::vector<std::uint8_t>* ram = nullptr;       // reached only when no fast region is set
  unsigned reads = 0, writes = 0;
  std::uint64_t stall = 0;

  bool read(std::uint32_t address, unsigned size, std::uint32_t& value,
            std::uint64_t& stall_cycles) override {
    ++reads;
    stall_cycles = stall;
    if (ram != nullptr && address - kRamBase < kRamSize) {
      value = 0;
      std::memcpy(&value, ram->data() + (address - kRamBase), size);
      return true;
    }
    if (address - kDeviceBase >= 0x1000) return false;
    value = device[address - kDeviceBase];
    return true;
  }
  bool write(std::uint32_t address, unsigned size, std::uint32_t value,
             std::uint64_t& stall_cycles) override {
    ++writes;
    stall_cycles = stall;
    if (ram != nullptr && address - kRamBase < kRamSize) {
      std::memcpy(ram->data() + (address - kRamBase), &value, size);
      return true;
    }
    if (address - kDeviceBase >= 0x1000) return false;
    device[address - kDeviceBase] = value;
    return true;
  }
};

struct HartBench {
  FakeBus bus;
  std::vector<std::uint8_t> ram = std::vector<std::uint8_t>(kRamSize, 0);
  vp::rv32::Hart hart;

  explicit HartBench(const vp::rv32::CycleCosts& costs = vp::rv32::CycleCosts())
      : hart(bus, costs) {
    vp::rv32::FastRegion region;
    region.data = ram.data();
    region.base = kRamBase;
    region.size = kRamSize;
    region.writable = true;
    hart.set_fast_region(region);
    hart.reset(kRamBase);
    hart.set_trap_loop_limit(1000);
  }

  /// Places instructions at `address` (default: the reset address).
  void load(const std::vector<std::uint32_t>& program, std::uint32_t address = kRamBase) {
    std::memcpy(ram.data() + (address - kRamBase), program.data(), program.size() * 4);
  }
  void poke32(std::uint32_t address, std::uint32_t value) {
    std::memcpy(ram.data() + (address - kRamBase), &value, 4);
  }
  [[nodiscard]] std::uint32_t peek32(std::uint32_t address) const {
    std::uint32_t value;
    std::memcpy(&value, ram.data() + (address - kRamBase), 4);
    return value;
  }
  void steps(unsigned n) {
    for (unsigned i = 0; i < n; ++i) hart.step();
  }
  [[nodiscard]] std::uint32_t csr(std::uint16_t number) const {
    std::uint32_t value = 0;
    hart.read_csr(number, value);
    return value;
  }
};

}  // namespace test
