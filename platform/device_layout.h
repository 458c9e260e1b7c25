// Several devices from one description: the top-level "devices" section of a platform config.
//
// Contract: expand_devices() reads the section (absent: one device, the document is unchanged)
// and, for a count D > 1, adds to the document before any module is built:
// - every module of the device set (`modules`, default npu and hbm) D' - 1 more times as
//   <name><i>, i = 1 .. D'-1 (device 0 keeps the names; D' = the devices simulated), with every
//   string value inside the copy that names a module of the set ("hbm", "hbm.port") renamed the
//   same way (but not its "type");
// - for every map entry (any module's "map" list) that targets a module of the set, the same
//   entry for each copy at base + i x `bus_stride`;
// - for every interrupt line from a module of the set, the same line from each copy, into the
//   sink's input whose trailing number is i higher ("intc.src0" -> "intc.src<i>");
// - the interconnect module `interconnect.name` (default "net", type `interconnect.type`,
//   default net.interconnect), configured by the rest of the `interconnect` object.
// `simulate`: "exact" builds all D devices; "mirrored" builds one device for each group of
// `mirror_group` consecutive devices (the tensor-parallel peers of one pipeline stage): device
// i of the platform is the system's device i x mirror_group, and its peers are mirrors that the
// interconnect times but never delivers to (docs/multi-device.md). Every malformed value is a
// ConfigError naming its key.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "platform/config.h"

namespace vp {

struct DeviceLayout {
  std::uint32_t count = 1;      ///< devices of the system (D)
  std::uint32_t simulated = 1;  ///< devices built
  std::uint32_t group = 1;      ///< devices each built one stands for (mirrored), else 1
  bool mirrored = false;
  std::uint64_t bus_stride = 0x100000;
  std::vector<std::string> modules{"npu", "hbm"};
  std::string interconnect;  ///< the interconnect module's name; empty with one device

  /// The name of per-device module `base` on built device i.
  [[nodiscard]] std::string module_name(const std::string& base, std::uint32_t i) const;
  /// The built device a module belongs to (0 for a module outside the device set).
  [[nodiscard]] std::uint32_t index_of(const std::string& module) const;
  /// The system's device number of built device i.
  [[nodiscard]] std::uint32_t global_id(std::uint32_t i) const { return i * group; }
  /// Whether system device `device` is built (not a mirror), and which built device it is.
  [[nodiscard]] bool is_built(std::uint32_t device) const { return device % group == 0; }
  [[nodiscard]] std::uint32_t built_index(std::uint32_t device) const { return device / group; }
};

/// Reads `section` (the config's "devices") and expands `document` as described above.
DeviceLayout expand_devices(ConfigNode section, json& document);

}  // namespace vp
