#include "models/host/model_spec.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "platform/error.h"

namespace vp::host {
namespace {

std::string require_enum(ConfigNode& node, const std::string& key,
                         const std::vector<std::string>& allowed) {
  if (!node.has(key))
    throw ConfigError(fmt::format("{}: required string is missing (allowed: {})",
                                  node.key_path(key), fmt::join(allowed, ", ")));
  return node.get_enum(key, "", allowed);
}

}  // namespace

const char* to_string(FfnKind kind) { return kind == FfnKind::Gelu ? "gelu" : "swiglu"; }
const char* to_string(NormKind kind) {
  return kind == NormKind::LayerNorm ? "layernorm" : "rmsnorm";
}
const char* to_string(Positions kind) { return kind == Positions::Learned ? "learned" : "rope"; }

ModelSpec ModelSpec::from_config(ConfigNode& node) {
  ModelSpec m;
  m.name = node.get_string("name", "model");
  (void)node.get_string("description", "");
  (void)node.get_string("source", "");
  m.d_model = static_cast<std::uint32_t>(node.require_u64("d_model", 16, 1U << 20));
  m.heads = static_cast<std::uint32_t>(node.require_u64("heads", 1, 4096));
  m.kv_heads = static_cast<std::uint32_t>(node.require_u64("kv_heads", 1, 4096));
  m.layers = static_cast<std::uint32_t>(node.require_u64("layers", 1, 4096));
  m.tp = static_cast<std::uint32_t>(node.get_u64("tp", 1, 1, 1024));
  m.pp = static_cast<std::uint32_t>(node.get_u64("pp", 1, 1, 1024));
  m.vocab = static_cast<std::uint32_t>(node.require_u64("vocab", 1, 1U << 24));
  m.max_seq = static_cast<std::uint32_t>(node.require_u64("max_seq", 2, 1U << 20));
  m.ffn = require_enum(node, "ffn", {"gelu", "swiglu"}) == "gelu" ? FfnKind::Gelu : FfnKind::SwiGlu;
  m.norm = require_enum(node, "norm", {"layernorm", "rmsnorm"}) == "layernorm" ? NormKind::LayerNorm
                                                                               : NormKind::RmsNorm;
  m.positions = require_enum(node, "positions", {"learned", "rope"}) == "learned"
                    ? Positions::Learned
                    : Positions::Rope;
  if (m.positions == Positions::Rope)
    m.rope_theta = node.get_double("rope_theta", 10000.0, 1.0, 1e9);
  if (node.has("moe")) {
    ConfigNode moe = node.child("moe");
    m.experts = static_cast<std::uint32_t>(moe.require_u64("experts", 1, 1024));
    m.top_k = static_cast<std::uint32_t>(moe.require_u64("top_k", 1, 1024));
    m.expert_ffn_dim = static_cast<std::uint32_t>(moe.require_u64("ffn_dim", 1, 1U << 24));
    moe.finish();
    if (node.has("ffn_dim"))
      throw ConfigError(
          fmt::format("{}: a mixture-of-experts model has no dense FFN; its width is moe.ffn_dim",
                      node.key_path("ffn_dim")));
  } else {
    m.ffn_dim = static_cast<std::uint32_t>(node.require_u64("ffn_dim", 1, 1U << 24));
  }
  m.check(node.path());
  return m;
}

void ModelSpec::check(const std::string& where) const {
  auto require = [&](bool ok, const std::string& what) {
    if (!ok) throw ConfigError(fmt::format("{}: {}", where, what));
  };
  require(d_model % heads == 0,
          fmt::format("d_model {} is not a multiple of heads {}", d_model, heads));
  require(kv_heads <= heads && heads % kv_heads == 0,
          fmt::format("heads {} are not a multiple of kv_heads {} (each K/V head serves a group "
                      "of heads / kv_heads query heads)",
                      heads, kv_heads));
  require(top_k <= experts,
          fmt::format("moe.top_k {} is more than the {} experts", top_k, experts));
  require(experts == 0 || ffn == FfnKind::SwiGlu,
          "mixture-of-experts layers run SwiGLU experts (ffn: swiglu)");
  require(heads % tp == 0, fmt::format("heads {} do not split over tp {}", heads, tp));
  require(kv_heads >= tp ? kv_heads % tp == 0 : tp % kv_heads == 0,
          fmt::format("kv_heads {} neither split over tp {} nor divide it (a device holds "
                      "kv_heads / tp K/V heads, or one replicated on tp / kv_heads devices)",
                      kv_heads, tp));
  const std::uint32_t width = moe() ? expert_ffn_dim : ffn_dim;
  require(width % tp == 0, fmt::format("{} {} does not split over tp {}",
                                       moe() ? "moe.ffn_dim" : "ffn_dim", width, tp));
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

ModelSpec ModelSpec::with_kv_heads(std::uint32_t new_kv_heads, const std::string& where) const {
  ModelSpec m = *this;
  if (new_kv_heads != 0) m.kv_heads = new_kv_heads;
  m.check(fmt::format("{} ({} with kv_heads {})", where, name, m.kv_heads));
  return m;
}

}  // namespace vp::host
