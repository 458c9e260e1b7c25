#include "models/host/model_spec.h"

#include <fmt/format.h>

#include "platform/error.h"

namespace vp::host {

ModelSpec ModelSpec::from_config(ConfigNode& node) {
  ModelSpec m;
  m.name = node.get_string("name", "model");
  (void)node.get_string("description", "");
  m.d_model = static_cast<std::uint32_t>(node.get_u64("d_model", 0, 16, 1U << 20));
  m.heads = static_cast<std::uint32_t>(node.get_u64("heads", 0, 1, 4096));
  m.layers = static_cast<std::uint32_t>(node.get_u64("layers", 0, 1, 4096));
  m.tp = static_cast<std::uint32_t>(node.get_u64("tp", 1, 1, 1024));
  m.pp = static_cast<std::uint32_t>(node.get_u64("pp", 1, 1, 1024));
  m.vocab = static_cast<std::uint32_t>(node.get_u64("vocab", 50257, 1, 1U << 24));
  m.max_seq = static_cast<std::uint32_t>(node.get_u64("max_seq", 2048, 2, 1U << 20));
  auto require = [&](bool ok, const std::string& what) {
    if (!ok) throw ConfigError(fmt::format("{}: {}", node.path(), what));
  };
  require(m.d_model % m.heads == 0, fmt::format("d_model {} is not a multiple of heads {}", m.d_model, m.heads));
  require(m.heads % m.tp == 0, fmt::format("heads {} do not split over tp {}", m.heads, m.tp));
  require(m.layers % m.pp == 0, fmt::format("layers {} do not split over pp {}", m.layers, m.pp));
  return m;
}

}  // namespace vp::host
