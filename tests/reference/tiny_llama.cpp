#include "tests/reference/tiny_llama.h"

#include <algorithm>
#include <cmath>

#include <Imath/half.h>

#include "tests/reference/greedy.h"
#include "tests/reference/seeded_values.h"

namespace reference {
namespace {

using Vector = std::vector<double>;

double fp16(double v) { return static_cast<double>(Imath::half(static_cast<float>(v))); }

/// W (k x n) of a seeded stream; times() rounds each output to fp16 as the arrays store it.
struct Weights {
  std::uint32_t k = 0, n = 0;
  Vector w;
  Weights(std::uint32_t seed, std::uint32_t stream, std::uint32_t rows, std::uint32_t cols)
      : k(rows), n(cols), w(std::size_t{rows} * cols) {
    for (std::uint32_t i = 0; i < k; ++i)
      for (std::uint32_t j = 0; j < n; ++j)
        w[std::size_t{i} * n + j] = seeded_value(seed, stream, i * n + j, k);
  }
  [[nodiscard]] Vector times(const Vector& x) const {
    Vector y(n, 0.0);
    for (std::uint32_t j = 0; j < n; ++j) {
      double sum = 0.0;
      for (std::uint32_t i = 0; i < k; ++i) sum += x[i] * w[std::size_t{i} * n + j];
      y[j] = fp16(sum);
    }
    return y;
  }
};

Vector rms_norm(const Vector& x) {
  double squares = 0.0;
  for (const double v : x) squares += v * v;
  const double scale = 1.0 / std::sqrt(squares / static_cast<double>(x.size()) + 1e-5);
  Vector y(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) y[i] = fp16(x[i] * scale);
  return y;
}

/// Rotates every head of `v` (heads of dk, pairs i and i + dk/2) to position `position`.
void rotate(Vector& v, std::size_t first, std::uint32_t heads, std::uint32_t dk,
            std::uint32_t position, double theta) {
  for (std::uint32_t h = 0; h < heads; ++h)
    for (std::uint32_t i = 0; i < dk / 2; ++i) {
      const double angle = position * std::pow(theta, -2.0 * i / dk);
      double& a = v[first + std::size_t{h} * dk + i];
      double& b = v[first + std::size_t{h} * dk + i + dk / 2];
      const double x = a, y = b;
      a = fp16(x * std::cos(angle) - y * std::sin(angle));
      b = fp16(x * std::sin(angle) + y * std::cos(angle));
    }
}

/// SwiGLU: down(fp16(silu(gate x) x up x)).
struct Ffn {
  Weights gate, up, down;
  [[nodiscard]] Vector operator()(const Vector& h) const {
    const Vector g = gate.times(h), u = up.times(h);
    Vector a(g.size());
    for (std::size_t i = 0; i < g.size(); ++i) a[i] = fp16(g[i] / (1.0 + std::exp(-g[i])) * u[i]);
    return down.times(a);
  }
};

class Model {
 public:
  explicit Model(const TinyLlamaSpec& s)
      : s_(s),
        keys_(s.layers),
        values_(s.layers),
        lm_head_(s.seed, 8 * s.layers + 4, s.d_model, s.vocab) {
    const std::uint32_t E = s.d_model, dk = E / s.heads, qkv = E + 2 * s.kv_heads * dk;
    for (std::uint32_t l = 0; l < s.layers; ++l) {
      Layer layer{Weights(s.seed, 8 * l, E, qkv), Weights(s.seed, 8 * l + 1, E, E), {}, {}, {}};
      if (s.experts == 0) {
        layer.dense.push_back({Weights(s.seed, 8 * l + 2, E, s.ffn),
                               Weights(s.seed, 8 * l + 4, E, s.ffn),
                               Weights(s.seed, 8 * l + 3, s.ffn, E)});
      } else {
        layer.router.emplace_back(s.seed, 8 * l + 5, E, s.experts);
        for (std::uint32_t x = 0; x < s.experts; ++x) {
          const std::uint32_t stream = 0x100000U + (l * 1024U + x) * 4U;
          layer.experts.push_back({Weights(s.seed, stream, E, s.ffn),
                                   Weights(s.seed, stream + 1, E, s.ffn),
                                   Weights(s.seed, stream + 2, s.ffn, E)});
        }
      }
      layers_.push_back(std::move(layer));
    }
  }

  void reset() {
    for (auto& k : keys_) k.clear();
    for (auto& v : values_) v.clear();
  }

  Vector step(std::uint32_t request, std::uint32_t token,
              std::vector<std::uint64_t>* expert_tokens) {
    const std::uint32_t E = s_.d_model, dk = E / s_.heads, Ekv = s_.kv_heads * dk;
    const std::uint32_t group = s_.heads / s_.kv_heads;
    const auto position = static_cast<std::uint32_t>(keys_[0].size());
    Vector x(E);
    for (std::uint32_t i = 0; i < E; ++i)
      x[i] = seeded_value(s_.seed, 8 * s_.layers + 5, token * E + i, 1);
    for (std::uint32_t l = 0; l < s_.layers; ++l) {
      const Layer& layer = layers_[l];
      Vector qkv = layer.qkv.times(rms_norm(x));
      if (s_.rope) {
        rotate(qkv, 0, s_.heads, dk, position, s_.rope_theta);
        rotate(qkv, E, s_.kv_heads, dk, position, s_.rope_theta);
      }
      keys_[l].emplace_back(qkv.begin() + E, qkv.begin() + E + Ekv);
      values_[l].emplace_back(qkv.begin() + E + Ekv, qkv.end());
      const std::size_t tokens = keys_[l].size();
      Vector attention(E);
      for (std::uint32_t h = 0; h < s_.heads; ++h) {
        const std::uint32_t kv = (h / group) * dk;  // the K/V head of query head h
        Vector logits(tokens), p(tokens);
        double max = -1e300, sum = 0.0;
        for (std::size_t t = 0; t < tokens; ++t) {
          double dot = 0.0;
          for (std::uint32_t d = 0; d < dk; ++d) dot += qkv[h * dk + d] * keys_[l][t][kv + d];
          logits[t] = fp16(dot) / std::sqrt(static_cast<double>(dk));
          max = std::max(max, logits[t]);
        }
        for (std::size_t t = 0; t < tokens; ++t) sum += (p[t] = std::exp(logits[t] - max));
        for (std::size_t t = 0; t < tokens; ++t) p[t] = fp16(p[t] / sum);
        for (std::uint32_t d = 0; d < dk; ++d) {
          double acc = 0.0;
          for (std::size_t t = 0; t < tokens; ++t) acc += p[t] * values_[l][t][kv + d];
          attention[h * dk + d] = fp16(acc);
        }
      }
      const Vector projected = layer.proj.times(attention);
      for (std::uint32_t i = 0; i < E; ++i) x[i] = fp16(x[i] + projected[i]);
      const Vector h = rms_norm(x);
      if (s_.experts == 0) {
        const Vector down = layer.dense[0](h);
        for (std::uint32_t i = 0; i < E; ++i) x[i] = fp16(x[i] + down[i]);
        continue;
      }
      // Top-k of the router's fp16 logits (ties: the lower expert), softmax over the k kept
      // (stored as fp16), or the seeded router's draws; the experts add their weighted outputs
      // in expert order.
      const Vector scores = layer.router[0].times(h);
      std::vector<std::pair<std::uint32_t, double>> order;
      if (s_.skew >= 0) {
        for (const std::uint32_t e : seeded_route(l, request, position))
          order.emplace_back(e, 1.0 / s_.top_k);
      } else {
        std::vector<std::uint32_t> kept;
        for (std::uint32_t j = 0; j < s_.top_k; ++j) {
          std::uint32_t best = s_.experts;
          for (std::uint32_t e = 0; e < s_.experts; ++e)
            if (std::find(kept.begin(), kept.end(), e) == kept.end() &&
                (best == s_.experts || scores[e] > scores[best]))
              best = e;
          kept.push_back(best);
        }
        double total = 0.0;
        Vector weight(s_.top_k);
        for (std::uint32_t j = 0; j < s_.top_k; ++j)
          total += (weight[j] = std::exp(scores[kept[j]] - scores[kept[0]]));
        for (std::uint32_t j = 0; j < s_.top_k; ++j)
          order.emplace_back(kept[j], fp16(weight[j] / total));
      }
      std::sort(order.begin(), order.end());
      for (const auto& [expert, w] : order) {
        if (expert_tokens != nullptr) ++(*expert_tokens)[expert];
        const Vector down = layer.experts[expert](h);
        for (std::uint32_t i = 0; i < E; ++i) x[i] = fp16(x[i] + w * down[i]);
      }
    }
    return lm_head_.times(rms_norm(x));
  }

 private:
  /// The seeded router (docs/runtime.md): popularity in 65536ths, the last expert taking the
  /// rest; draw j of the token at `position` of `request` picks hash(hash(seed, 0x4D4F0000 +
  /// layer, request), 0x4D4F0001, position k + j) mod the weight left among those not drawn.
  [[nodiscard]] std::vector<std::uint32_t> seeded_route(std::uint32_t layer, std::uint32_t request,
                                                        std::uint32_t position) const {
    std::vector<std::uint32_t> weight(s_.experts);
    double total = 0;
    for (std::uint32_t e = 0; e < s_.experts; ++e) total += std::pow(e + 1.0, -s_.skew);
    std::uint32_t given = 0;
    for (std::uint32_t e = 0; e < s_.experts; ++e) {
      weight[e] = e + 1 == s_.experts ? 65536U - given
                                      : static_cast<std::uint32_t>(std::floor(
                                            65536.0 * std::pow(e + 1.0, -s_.skew) / total));
      given += weight[e];
    }
    const std::uint32_t key = seeded_hash(s_.seed, 0x4D4F0000U + layer, request);
    std::vector<std::uint32_t> kept;
    std::uint32_t left = 65536;
    for (std::uint32_t j = 0; j < s_.top_k; ++j) {
      std::uint32_t r = seeded_hash(key, 0x4D4F0001U, position * s_.top_k + j) % left;
      std::uint32_t pick = 0;
      for (std::uint32_t e = 0; e < s_.experts; ++e) {
        if (std::find(kept.begin(), kept.end(), e) != kept.end()) continue;
        if (r < weight[e]) {
          pick = e;
          break;
        }
        r -= weight[e];
      }
      kept.push_back(pick);
      left -= weight[pick];
    }
    return kept;
  }

  struct Layer {
    Weights qkv, proj;
    std::vector<Ffn> dense;
    std::vector<Weights> router;
    std::vector<Ffn> experts;
  };
  TinyLlamaSpec s_;
  std::vector<Layer> layers_;
  std::vector<std::vector<Vector>> keys_, values_;  // [layer][token] -> kv_heads x dk
  Weights lm_head_;
};

}  // namespace

TinyLlamaSpec llama_tiny() { return {}; }

TinyLlamaSpec moe_tiny() {
  TinyLlamaSpec s;
  s.experts = 4;
  s.top_k = 2;
  s.ffn = 256;
  return s;
}

std::vector<std::vector<std::uint32_t>> decode_llama_prompts(
    const TinyLlamaSpec& s, std::uint32_t requests, std::uint32_t steps,
    std::vector<std::vector<double>>* margins, std::vector<std::uint64_t>* expert_tokens) {
  if (margins != nullptr) margins->assign(requests, {});
  if (expert_tokens != nullptr) expert_tokens->assign(s.experts, 0);
  Model model(s);
  std::vector<std::vector<std::uint32_t>> out(requests);
  for (std::uint32_t r = 0; r < requests; ++r) {
    model.reset();
    std::uint32_t token = seeded_hash(s.seed, 0xFFFFU, r) % s.vocab;
    for (std::uint32_t step = 0; step < steps; ++step) {
      token = greedy_token(model.step(r, token, expert_tokens),
                           margins != nullptr ? &(*margins)[r] : nullptr);
      out[r].push_back(token);
    }
  }
  return out;
}

}  // namespace reference
