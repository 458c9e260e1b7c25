// An independent host implementation of the model the decode firmware runs with real tokens
// (firmware/runtime/tokens.h): same seeded values, same fp16 storage points, double-precision
// arithmetic in between. Used to check the platform's generated tokens.
#pragma once

#include <cstdint>
#include <vector>

namespace reference {

/// A deliberately wrong model, for checking that a test tells it from the right one.
enum class Perturbation {
  None,
  ScaleByD,  ///< attention logits scaled by 1 / d instead of 1 / sqrt(d)
};

struct TinyGptSpec {
  std::uint32_t d_model = 256, heads = 4, layers = 2, ffn = 1024, vocab = 512;
  std::uint32_t seed = 1;
  Perturbation perturbation = Perturbation::None;
};

/// Greedy decoding of `requests` one-token prompts for `steps` tokens each: tokens[r][i]. With
/// `margins`, margins[r][i] is how far the chosen token's logit is above the runner-up's.
[[nodiscard]] std::vector<std::vector<std::uint32_t>> decode_prompts(
    const TinyGptSpec& spec, std::uint32_t requests, std::uint32_t steps,
    std::vector<std::vector<double>>* margins = nullptr);

}  // namespace reference
