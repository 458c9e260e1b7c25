// A decoder-only transformer (GPT-3, LLaMA and Mixtral families) and the shard one device runs.
//
// Contract: from_config() reads configs/models/*.json:
//   {"name", "d_model", "heads", "kv_heads", "layers", "tp", "pp", "vocab", "max_seq",
//    "ffn": "gelu" | "swiglu", "ffn_dim", "norm": "layernorm" | "rmsnorm",
//    "positions": "learned" | "rope", ["rope_theta"], ["moe": {"experts", "top_k", "ffn_dim"}]}
// and check() rejects what does not shard: heads must be a multiple of kv_heads (a query group
// of heads / kv_heads heads shares one K/V head; kv_heads == heads is multi-head attention),
// heads and the FFN widths must split over tp, layers over pp, and kv_heads either split over tp
// (each device holds kv_heads / tp of them) or divide tp (each device holds one, replicated on
// tp / kv_heads devices). The device holds 1/tp of the query heads and of every FC's columns
// (QKV, FFN gate/up, every expert's gate/up, LM head) or rows (projection, FFN down), the whole
// MoE router, and 1/pp of the layers. with_parallelism() re-shards the same model with the same
// checks.
#pragma once

#include <cstdint>
#include <string>

#include "platform/config.h"

namespace vp::host {

enum class FfnKind : std::uint32_t { Gelu = 0, SwiGlu = 1 };
enum class NormKind : std::uint32_t { LayerNorm = 0, RmsNorm = 1 };
enum class Positions : std::uint32_t { Learned = 0, Rope = 1 };

struct ModelSpec {
  std::string name;
  std::uint32_t d_model = 0, heads = 0, kv_heads = 0, layers = 0, tp = 1, pp = 1, vocab = 0,
                max_seq = 2048;
  FfnKind ffn = FfnKind::Gelu;
  std::uint32_t ffn_dim = 0;  ///< hidden width of the dense FFN (0 with MoE)
  NormKind norm = NormKind::LayerNorm;
  Positions positions = Positions::Learned;
  double rope_theta = 10000.0;
  std::uint32_t experts = 0, top_k = 0, expert_ffn_dim = 0;  ///< experts 0: a dense FFN

  static ModelSpec from_config(ConfigNode& node);
  /// The same model split over `tp` x `pp` devices (0 keeps the current value); `where` names
  /// the setting in errors.
  [[nodiscard]] ModelSpec with_parallelism(std::uint32_t tp, std::uint32_t pp,
                                           const std::string& where) const;
  /// The same model with `kv_heads` K/V heads (a grouped-query variant; 0 keeps the model's).
  [[nodiscard]] ModelSpec with_kv_heads(std::uint32_t kv_heads, const std::string& where) const;
  /// Throws ConfigError (prefixed with `where`) unless the model is consistent and shards.
  void check(const std::string& where) const;

  [[nodiscard]] bool moe() const { return experts > 0; }
  [[nodiscard]] std::uint32_t head_dim() const { return d_model / heads; }
  [[nodiscard]] std::uint32_t group() const { return heads / kv_heads; }
  [[nodiscard]] std::uint32_t device_heads() const { return heads / tp; }
  /// K/V heads on a device: kv_heads / tp, or 1 when kv_heads < tp (replicated).
  [[nodiscard]] std::uint32_t device_kv_heads() const { return kv_heads >= tp ? kv_heads / tp : 1; }
  [[nodiscard]] std::uint32_t device_embedding() const { return d_model / tp; }  ///< E / tp
  [[nodiscard]] std::uint32_t device_kv_embedding() const { return device_kv_heads() * head_dim(); }
  /// The dense FFN's (or each expert's) hidden width on the device.
  [[nodiscard]] std::uint32_t device_ffn() const { return (moe() ? expert_ffn_dim : ffn_dim) / tp; }
  [[nodiscard]] std::uint32_t device_layers() const { return layers / pp; }
  [[nodiscard]] std::uint32_t device_vocab() const { return (vocab + tp - 1) / tp; }
};

[[nodiscard]] const char* to_string(FfnKind kind);
[[nodiscard]] const char* to_string(NormKind kind);
[[nodiscard]] const char* to_string(Positions kind);

}  // namespace vp::host
