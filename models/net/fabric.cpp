#include "models/net/fabric.h"

#include <algorithm>
#include <deque>

#include <fmt/format.h>

namespace vp::net {
namespace {

/// The directed links of a topology, in routing-preference order.
std::vector<std::pair<std::uint32_t, std::uint32_t>> topology_links(const FabricSpec& spec) {
  const std::uint32_t d = spec.devices;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> out;
  switch (spec.topology) {
    case Topology::Ring:
      for (std::uint32_t i = 0; i < d && d > 1; ++i) out.emplace_back(i, (i + 1) % d);
      for (std::uint32_t i = 0; i < d && d > 2; ++i) out.emplace_back((i + 1) % d, i);
      break;
    case Topology::Full:
      for (std::uint32_t i = 0; i < d; ++i)
        for (std::uint32_t j = 0; j < d; ++j)
          if (i != j) out.emplace_back(i, j);
      break;
    case Topology::Switch:
      for (std::uint32_t i = 0; i < d; ++i) out.emplace_back(i, d);
      for (std::uint32_t i = 0; i < d; ++i) out.emplace_back(d, i);
      break;
    case Topology::Links:
      for (const auto& [a, b] : spec.links) {
        out.emplace_back(a, b);
        out.emplace_back(b, a);
      }
      break;
  }
  return out;
}

/// Shortest paths (link ids) from every device to every other; empty where none exists.
std::vector<std::vector<std::vector<std::uint32_t>>> shortest_paths(
    std::uint32_t devices, std::uint32_t nodes,
    const std::vector<std::pair<std::uint32_t, std::uint32_t>>& links) {
  std::vector<std::vector<std::uint32_t>> out_links(nodes);
  for (std::uint32_t l = 0; l < links.size(); ++l) out_links[links[l].first].push_back(l);
  std::vector<std::vector<std::vector<std::uint32_t>>> routes(
      devices, std::vector<std::vector<std::uint32_t>>(devices));
  for (std::uint32_t src = 0; src < devices; ++src) {
    std::vector<std::int64_t> via(nodes, -1);  // the link that reached each node
    std::vector<bool> seen(nodes, false);
    std::deque<std::uint32_t> frontier{src};
    seen[src] = true;
    while (!frontier.empty()) {
      const std::uint32_t node = frontier.front();
      frontier.pop_front();
      for (const std::uint32_t l : out_links[node]) {
        const std::uint32_t next = links[l].second;
        if (seen[next]) continue;
        seen[next] = true;
        via[next] = l;
        frontier.push_back(next);
      }
    }
    for (std::uint32_t dst = 0; dst < devices; ++dst) {
      if (dst == src || !seen[dst]) continue;
      std::vector<std::uint32_t> path;
      for (std::uint32_t node = dst; node != src; node = links[via[node]].first)
        path.push_back(static_cast<std::uint32_t>(via[node]));
      std::reverse(path.begin(), path.end());
      routes[src][dst] = std::move(path);
    }
  }
  return routes;
}

}  // namespace

const char* to_string(Topology topology) {
  switch (topology) {
    case Topology::Ring: return "ring";
    case Topology::Full: return "full";
    case Topology::Switch: return "switch";
    case Topology::Links: return "links";
  }
  return "?";
}

std::string Fabric::check(const FabricSpec& spec) {
  if (spec.devices == 0) return "no devices to connect";
  if (!(spec.link.gbps > 0))
    return fmt::format("gbps {} moves no data; give a bandwidth above 0", spec.link.gbps);
  if (spec.link.latency_ns < 0 || spec.link.overhead_ns < 0 || spec.switch_latency_ns < 0)
    return "latencies and overheads must not be negative";
  for (const auto& [a, b] : spec.links)
    if (a >= spec.devices || b >= spec.devices || a == b)
      return fmt::format("link [{}, {}] must join two different devices of 0 .. {}", a, b,
                         spec.devices - 1);
  const std::uint32_t nodes = spec.devices + (spec.topology == Topology::Switch ? 1 : 0);
  const auto routes = shortest_paths(spec.devices, nodes, topology_links(spec));
  for (std::uint32_t dst = 1; dst < spec.devices; ++dst)
    if (routes[0][dst].empty())
      return fmt::format(
          "device {} cannot reach device {} (topology {}): the topology must connect every "
          "device",
          0, dst, to_string(spec.topology));
  return "";
}

Fabric::Fabric(const FabricSpec& spec) : spec_(spec) {
  const std::uint32_t nodes = spec.devices + (spec.topology == Topology::Switch ? 1 : 0);
  const auto links = topology_links(spec);
  for (const auto& [from, to] : links) {
    LinkStats link;
    link.from = from;
    link.to = to;
    links_.push_back(link);
  }
  routes_ = shortest_paths(spec.devices, nodes, links);
}

Fabric::Transfer Fabric::send(std::uint32_t src, std::uint32_t dst, std::uint64_t bytes,
                              double now_ns) {
  Transfer t;
  const auto& route = routes_[src][dst];
  t.start_ns = now_ns;
  for (const std::uint32_t l : route) t.start_ns = std::max(t.start_ns, links_[l].free_ns);
  const double hold = spec_.link.overhead_ns + static_cast<double>(bytes) / spec_.link.gbps;
  double flight = 0;
  for (const std::uint32_t l : route) {
    LinkStats& link = links_[l];
    link.free_ns = t.start_ns + hold;
    link.busy_ns += hold;
    link.bytes += bytes;
    ++link.messages;
    flight += spec_.link.latency_ns;
    if (link.to == spec_.devices && spec_.topology == Topology::Switch)
      flight += spec_.switch_latency_ns;
  }
  t.hops = static_cast<std::uint32_t>(route.size());
  t.arrival_ns = t.start_ns + hold + flight;
  return t;
}

}  // namespace vp::net
