#include "tests/reference/tiny_gpt.h"

#include <algorithm>
#include <cmath>

#include <Imath/half.h>

#include "tests/reference/greedy.h"
#include "tests/reference/seeded_values.h"

namespace reference {
namespace {

using Imath::half;

std::uint32_t hash(std::uint32_t seed, std::uint32_t stream, std::uint32_t index) {
  return seeded_hash(seed, stream, index);
}

double value(std::uint32_t seed, std::uint32_t stream, std::uint32_t index, std::uint32_t fan_in) {
  return seeded_value(seed, stream, index, fan_in);
}

// The perturbation of the model being computed (set per call; the reference is single-threaded).
Perturbation perturbation = Perturbation::None;

double round16(double v) {
  return perturbation == Perturbation::NoRounding
             ? v
             : static_cast<double>(half(static_cast<float>(v)));
}

using Vector = std::vector<double>;

struct Matrix {
  std::uint32_t k = 0, n = 0;
  Vector w;                              // row-major k x n
  Vector times(const Vector& x) const {  // fp16(x . W)
    Vector y(n, 0.0);
    for (std::uint32_t j = 0; j < n; ++j) {
      double sum = 0.0;
      for (std::uint32_t i = 0; i < k; ++i) sum += x[i] * w[std::size_t{i} * n + j];
      y[j] = round16(sum);
    }
    return y;
  }
};

Matrix make(std::uint32_t seed, std::uint32_t stream, std::uint32_t k, std::uint32_t n) {
  Matrix m{k, n, Vector(std::size_t{k} * n)};
  for (std::uint32_t i = 0; i < k; ++i)
    for (std::uint32_t j = 0; j < n; ++j)
      m.w[std::size_t{i} * n + j] = value(seed, stream, i * n + j, k);
  return m;
}

Vector layer_norm(const Vector& x) {
  const double epsilon = perturbation == Perturbation::LayerNormEpsilon ? 1e-6 : 1e-5;
  double mean = 0.0, var = 0.0;
  for (double v : x) mean += v;
  mean /= static_cast<double>(x.size());
  for (double v : x) var += (v - mean) * (v - mean);
  var /= static_cast<double>(x.size());
  Vector y(x.size());
  for (std::size_t i = 0; i < x.size(); ++i)
    y[i] = round16((x[i] - mean) / std::sqrt(var + epsilon));
  return y;
}

double gelu(double x) {
  if (perturbation == Perturbation::ErfGelu) return 0.5 * x * (1.0 + std::erf(x / std::sqrt(2.0)));
  return 0.5 * x * (1.0 + std::tanh(0.7978845608028654 * (x + 0.044715 * x * x * x)));
}

/// The tiny GPT's weights and one request's KV cache: step() feeds a token and returns the
/// logits of the next one.
class Decoder {
 public:
  explicit Decoder(const TinyGptSpec& s)
      : s_(s),
        keys_(s.layers),
        values_(s.layers),
        lm_head_(make(s.seed, 8 * s.layers + 4, s.d_model, s.vocab)) {
    const std::uint32_t E = s.d_model;
    for (std::uint32_t l = 0; l < s.layers; ++l)
      layers_.push_back({make(s.seed, 8 * l, E, 3 * E), make(s.seed, 8 * l + 1, E, E),
                         make(s.seed, 8 * l + 2, E, s.ffn), make(s.seed, 8 * l + 3, s.ffn, E)});
  }

  /// Forgets the KV cache (a new request).
  void reset() {
    for (auto& k : keys_) k.clear();
    for (auto& v : values_) v.clear();
  }

  Vector step(std::uint32_t token) {
    const std::uint32_t E = s_.d_model, dk = s_.d_model / s_.heads;
    const double logit_scale = s_.perturbation == Perturbation::ScaleByD
                                   ? 1.0 / static_cast<double>(dk)
                                   : 1.0 / std::sqrt(static_cast<double>(dk));
    Vector x(E);
    for (std::uint32_t i = 0; i < E; ++i)
      x[i] = value(s_.seed, 8 * s_.layers + 5, token * E + i, 1);
    for (std::uint32_t l = 0; l < s_.layers; ++l) {
      const Vector qkv = layers_[l].qkv.times(layer_norm(x));
      keys_[l].emplace_back(qkv.begin() + E, qkv.begin() + 2 * std::ptrdiff_t{E});
      values_[l].emplace_back(qkv.begin() + 2 * std::ptrdiff_t{E}, qkv.end());
      const std::size_t tokens = keys_[l].size();
      Vector attention(E);
      for (std::uint32_t h = 0; h < s_.heads; ++h) {
        Vector logits(tokens), p(tokens);
        double max = -1e300, sum = 0.0;
        for (std::size_t t = 0; t < tokens; ++t) {
          double dot = 0.0;
          for (std::uint32_t d = 0; d < dk; ++d) dot += qkv[h * dk + d] * keys_[l][t][h * dk + d];
          logits[t] = round16(dot) * logit_scale;
          max = std::max(max, logits[t]);
        }
        for (std::size_t t = 0; t < tokens; ++t) sum += (p[t] = std::exp(logits[t] - max));
        for (std::size_t t = 0; t < tokens; ++t) p[t] = round16(p[t] / sum);
        for (std::uint32_t d = 0; d < dk; ++d) {
          double acc = 0.0;
          for (std::size_t t = 0; t < tokens; ++t) acc += p[t] * values_[l][t][h * dk + d];
          attention[h * dk + d] = round16(acc);
        }
      }
      const Vector projected = layers_[l].proj.times(attention);
      for (std::uint32_t i = 0; i < E; ++i) x[i] = round16(x[i] + projected[i]);
      Vector hidden = layers_[l].ffn1.times(layer_norm(x));
      for (double& v : hidden) v = round16(gelu(v));
      const Vector down = layers_[l].ffn2.times(hidden);
      for (std::uint32_t i = 0; i < E; ++i) x[i] = round16(x[i] + down[i]);
    }
    return lm_head_.times(layer_norm(x));
  }

 private:
  struct Layer {
    Matrix qkv, proj, ffn1, ffn2;
  };
  TinyGptSpec s_;
  std::vector<Layer> layers_;
  std::vector<std::vector<Vector>> keys_, values_;  // [layer][token] -> E
  Matrix lm_head_;
};

}  // namespace

std::uint32_t prompt_token(const TinyGptSpec& s, std::uint32_t request) {
  return hash(s.seed, 0xFFFFU, request) % s.vocab;
}

std::uint32_t prompt_token_at(const TinyGptSpec& s, std::uint32_t request, std::uint32_t position) {
  if (position == 0) return prompt_token(s, request);
  return hash(hash(s.seed, 0xFFFEU, request), 0xFFFDU, position) % s.vocab;
}

std::vector<std::vector<std::uint32_t>> decode_long_prompts(
    const TinyGptSpec& s, const std::vector<std::uint32_t>& prompt_lengths,
    const std::vector<std::uint32_t>& outputs, std::vector<std::vector<double>>* margins) {
  perturbation = s.perturbation;
  if (margins != nullptr) margins->assign(prompt_lengths.size(), {});
  Decoder decoder(s);
  std::vector<std::vector<std::uint32_t>> out(prompt_lengths.size());
  for (std::uint32_t r = 0; r < prompt_lengths.size(); ++r) {
    decoder.reset();
    for (std::uint32_t p = 0; p + 1 < prompt_lengths[r]; ++p)
      (void)decoder.step(prompt_token_at(s, r, p));  // the prompt's own logits are not used
    std::uint32_t token = prompt_token_at(s, r, prompt_lengths[r] - 1);
    for (std::uint32_t i = 0; i < outputs[r]; ++i) {
      token = greedy_token(decoder.step(token), margins != nullptr ? &(*margins)[r] : nullptr);
      out[r].push_back(token);
    }
  }
  perturbation = Perturbation::None;
  return out;
}

std::vector<std::vector<std::uint32_t>> decode_prompts(const TinyGptSpec& s, std::uint32_t requests,
                                                       std::uint32_t steps,
                                                       std::vector<std::vector<double>>* margins) {
  perturbation = s.perturbation;
  if (margins != nullptr) margins->assign(requests, {});
  Decoder decoder(s);
  std::vector<std::vector<std::uint32_t>> out(requests);
  for (std::uint32_t r = 0; r < requests; ++r) {
    decoder.reset();
    std::uint32_t token = prompt_token(s, r);
    for (std::uint32_t step = 0; step < steps; ++step) {
      token = greedy_token(decoder.step(token), margins != nullptr ? &(*margins)[r] : nullptr);
      out[r].push_back(token);
    }
  }
  perturbation = Perturbation::None;
  return out;
}

std::vector<std::vector<std::vector<double>>> forced_logits(
    const TinyGptSpec& s, const std::vector<std::vector<std::uint32_t>>& generated) {
  perturbation = s.perturbation;
  Decoder decoder(s);
  std::vector<std::vector<std::vector<double>>> out(generated.size());
  for (std::uint32_t r = 0; r < generated.size(); ++r) {
    decoder.reset();
    std::uint32_t token = prompt_token(s, r);
    for (const std::uint32_t next : generated[r]) {
      out[r].push_back(decoder.step(token));
      token = next;
    }
  }
  perturbation = Perturbation::None;
  return out;
}

}  // namespace reference
