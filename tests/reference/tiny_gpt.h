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
  ScaleByD,          ///< attention logits scaled by 1 / d instead of 1 / sqrt(d)
  NoRounding,        ///< no fp16 rounding at the storage points (all double)
  ErfGelu,           ///< the exact (erf) GELU instead of the tanh approximation
  LayerNormEpsilon,  ///< layer norms with epsilon 1e-6 instead of 1e-5
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

/// The prompt token of request r.
[[nodiscard]] std::uint32_t prompt_token(const TinyGptSpec& spec, std::uint32_t request);
/// Token `position` of request r's prompt (firmware tokens_prompt_at(): position 0 is
/// prompt_token()).
[[nodiscard]] std::uint32_t prompt_token_at(const TinyGptSpec& spec, std::uint32_t request,
                                            std::uint32_t position);
/// Greedy decoding of request r's prompt of prompt_lengths[r] tokens (prompt_token_at), then
/// outputs[r] tokens: the first chosen after the whole prompt, each next one fed back.
[[nodiscard]] std::vector<std::vector<std::uint32_t>> decode_long_prompts(
    const TinyGptSpec& spec, const std::vector<std::uint32_t>& prompt_lengths,
    const std::vector<std::uint32_t>& outputs, std::vector<std::vector<double>>* margins = nullptr);

/// Teacher-forced decoding: request r is fed its prompt and then generated[r][0 .. n-2] (tokens
/// chosen elsewhere, such as on the platform); logits[r][i] are the logits (vocab values) the
/// reference computes for choosing generated[r][i].
[[nodiscard]] std::vector<std::vector<std::vector<double>>> forced_logits(
    const TinyGptSpec& spec, const std::vector<std::vector<std::uint32_t>>& generated);

}  // namespace reference
