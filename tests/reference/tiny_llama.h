// An independent host implementation of the LLaMA-style and mixture-of-experts models the decode
// firmware runs with real tokens (firmware/runtime/tokens.h, moe.h): grouped-query attention,
// RoPE, RMSNorm, SwiGLU, top-k routing. Same seeded values and fp16 storage points as the
// platform, double-precision arithmetic in between. Shares no code with the firmware or the
// NPU model.
#pragma once

#include <cstdint>
#include <vector>

namespace reference {

struct TinyLlamaSpec {
  std::uint32_t d_model = 256, heads = 4, kv_heads = 2, layers = 2, ffn = 512, vocab = 512;
  double rope_theta = 10000.0;
  std::uint32_t experts = 0, top_k = 0;  ///< experts 0: a dense SwiGLU FFN of `ffn`
  /// Routing: by the router's output (skew < 0), or by the platform's seeded router with
  /// expert popularity 1 / (e + 1)^skew (0: uniform), each chosen expert weighted 1 / top_k.
  double skew = -1;
  std::uint32_t seed = 1;
  bool rope = true;  ///< false: a deliberately wrong model (no rotary positions)
};

/// configs/models/llama-tiny.json and moe-tiny.json.
[[nodiscard]] TinyLlamaSpec llama_tiny();
[[nodiscard]] TinyLlamaSpec moe_tiny();

/// Greedy decoding of `requests` one-token prompts for `steps` tokens each: tokens[r][i];
/// margins[r][i] (if given) is how far the chosen token's logit is above the runner-up's.
/// `expert_tokens` (if given) counts, per expert, the tokens routed to it over all layers.
[[nodiscard]] std::vector<std::vector<std::uint32_t>> decode_llama_prompts(
    const TinyLlamaSpec& spec, std::uint32_t requests, std::uint32_t steps,
    std::vector<std::vector<double>>* margins = nullptr,
    std::vector<std::uint64_t>* expert_tokens = nullptr);

}  // namespace reference
