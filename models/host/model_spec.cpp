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
  m.check(node.path());
  return m;
}

void ModelSpec::check(const std::string& where) const {
  auto require = [&](bool ok, const std::string& what) {
    if (!ok) throw ConfigError(fmt::format("{}: {}", where, what));
  };
  require(d_model % heads == 0,
          fmt::format("d_model {} is not a multiple of heads {}", d_model, heads));
  require(heads % tp == 0, fmt::format("heads {} do not split over tp {}", heads, tp));
  require(layers % pp == 0, fmt::format("layers {} do not split over pp {}", layers, pp));
}

ModelSpec ModelSpec::with_parallelism(std::uint32_t new_tp, std::uint32_t new_pp,
                                      const std::string& where) const {
  ModelSpec m = *this;
  if (new_tp != 0) m.tp = new_tp;
  if (new_pp != 0) m.pp = new_pp;
  m.check(fmt::format("{} ({} with tp {}, pp {})", where, name, m.tp, m.pp));
  return m;
}

}  // namespace vp::host
