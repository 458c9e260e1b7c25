// The interconnect's links and their occupancy: the timing of messages between devices.
//
// Contract:
// - A fabric joins `devices` devices by directed links (each with `gbps`, `latency_ns`,
//   `overhead_ns`) in a topology: "ring" (i <-> i+1 mod D), "full" (a link from every device
//   to every other), "switch" (device i -> switch -> device j: an up link and a down link per
//   device, plus `switch_latency_ns` per traversal) or "links" (the given device pairs, both
//   directions). Messages take a shortest path (breadth first, links in the order above, so the
//   choice between equal paths is fixed).
// - send(): a message of `bytes` from src to dst offered at `now_ns` starts when every link of
//   its path is free (cut-through: it holds all of them at once), holds them for
//   overhead_ns + bytes / gbps, and arrives hops x latency_ns (+ switch latencies) after that.
//   So one hop costs overhead + latency + bytes / B, and a ring all-reduce of S bytes over D
//   devices (2 (D - 1) steps of S / D each, all links in use once per step) costs
//   2 (D - 1) (overhead + latency) + 2 (D - 1) / D x S / B plus what the devices add between
//   steps.
// - check() names what is wrong with a spec (no devices, zero bandwidth, a link to a device
//   that does not exist, devices that cannot reach each other), or returns "".
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace vp::net {

enum class Topology { Ring, Full, Switch, Links };

struct LinkParams {
  double gbps = 0;         ///< per direction (GB/s = bytes per ns)
  double latency_ns = 0;   ///< flight time of one link
  double overhead_ns = 0;  ///< per message (descriptor, headers), holding the links
};

struct FabricSpec {
  Topology topology = Topology::Switch;
  std::uint32_t devices = 1;
  LinkParams link;
  double switch_latency_ns = 0;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> links;  ///< topology Links
};

class Fabric {
 public:
  struct Transfer {
    double start_ns = 0, arrival_ns = 0;
    std::uint32_t hops = 0;
  };
  struct LinkStats {
    std::uint32_t from = 0, to = 0;  ///< nodes (devices; the switch is node `devices`)
    double free_ns = 0, busy_ns = 0;
    std::uint64_t bytes = 0, messages = 0;
  };

  /// "" if the spec makes a fabric, else what is wrong.
  [[nodiscard]] static std::string check(const FabricSpec& spec);
  /// The spec must pass check().
  explicit Fabric(const FabricSpec& spec);

  Transfer send(std::uint32_t src, std::uint32_t dst, std::uint64_t bytes, double now_ns);
  /// The links of the path from src to dst, in order.
  [[nodiscard]] const std::vector<std::uint32_t>& path(std::uint32_t src, std::uint32_t dst) const {
    return routes_[src][dst];
  }
  [[nodiscard]] const std::vector<LinkStats>& links() const { return links_; }
  [[nodiscard]] const FabricSpec& spec() const { return spec_; }

 private:
  FabricSpec spec_;
  std::vector<LinkStats> links_;
  std::vector<std::vector<std::vector<std::uint32_t>>> routes_;  ///< [src][dst] -> link ids
};

[[nodiscard]] const char* to_string(Topology topology);

}  // namespace vp::net
