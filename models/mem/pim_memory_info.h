// What an HBM-PIM memory publishes to the units that drive it (its datasheet).
//
// Contract: an initiator that lays data out in banks (the NPU's DMA and PIM dispatcher) finds
// the memory it is connected to through the platform's module lookup and reads, once at
// connect time, how addresses map to (channel, bank, row, column), the organisation and the
// PIM mode. Nothing here gives access to the memory's state; all traffic still goes through
// the TLM socket. Any memory model implementing this interface can replace mem.hbm_pim.
#pragma once

#include <string>

#include "models/mem/address_mapping.h"
#include "models/mem/hbm_timing.h"
#include "models/mem/hbm_types.h"

namespace vp::hbm {

class PimMemoryInfo {
 public:
  PimMemoryInfo() = default;
  PimMemoryInfo(const PimMemoryInfo&) = delete;
  PimMemoryInfo& operator=(const PimMemoryInfo&) = delete;
  virtual ~PimMemoryInfo() = default;

  [[nodiscard]] virtual const AddressMapping& mapping() const = 0;
  [[nodiscard]] virtual const Organization& organization() const = 0;
  [[nodiscard]] virtual PimMode mode() const = 0;
  /// MEM bursts and PIM commands a channel queues before it withholds END_REQ.
  [[nodiscard]] virtual std::uint32_t queue_bursts() const = 0;
  [[nodiscard]] virtual std::uint32_t pim_queue() const = 0;
  /// Whether the memory keeps data (false: timing only, reads return zeros).
  [[nodiscard]] virtual bool functional() const = 0;
  /// The MEM/PIM arbitration policy's name ("" in dram mode; arbitration_policy.h).
  [[nodiscard]] virtual std::string arbitration() const = 0;
};

}  // namespace vp::hbm
