// A decoder-only transformer (GPT-3 family) and the shard one NeuPIMs device runs.
//
// Contract: from_config() reads {"name", "d_model", "heads", "layers", "tp", "pp", "vocab",
// "max_seq"} (configs/models/*.json) and checks that heads and d_model split evenly over tp and
// layers over pp. The device holds 1/tp of the heads and of every FC's columns (QKV, FFN1, LM
// head) or rows (projection, FFN2), and 1/pp of the layers. with_parallelism() re-shards the same
// model (another tp / pp, as in a tensor- vs pipeline-parallel comparison) with the same checks.
#pragma once

#include <cstdint>
#include <string>

#include "platform/config.h"

namespace vp::host {

struct ModelSpec {
  std::string name;
  std::uint32_t d_model = 0, heads = 0, layers = 0, tp = 1, pp = 1, vocab = 0, max_seq = 2048;

  static ModelSpec from_config(ConfigNode& node);
  /// The same model split over `tp` x `pp` devices (0 keeps the current value); `where` names
  /// the setting in errors.
  [[nodiscard]] ModelSpec with_parallelism(std::uint32_t tp, std::uint32_t pp,
                                           const std::string& where) const;
  /// Throws ConfigError (prefixed with `where`) unless heads, d_model and layers split evenly.
  void check(const std::string& where) const;

  [[nodiscard]] std::uint32_t head_dim() const { return d_model / heads; }
  [[nodiscard]] std::uint32_t device_heads() const { return heads / tp; }
  [[nodiscard]] std::uint32_t device_embedding() const { return d_model / tp; }  ///< E / tp
  [[nodiscard]] std::uint32_t device_ffn() const { return 4 * d_model / tp; }
  [[nodiscard]] std::uint32_t device_layers() const { return layers / pp; }
  [[nodiscard]] std::uint32_t device_vocab() const { return (vocab + tp - 1) / tp; }
};

}  // namespace vp::host
