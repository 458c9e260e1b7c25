#include "models/npu/fp16_math.h"

#include <algorithm>
#include <cmath>

#include <Eigen/Core>

namespace vp::npu {
namespace {

using Matrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

Matrix to_float(const Half* data, std::uint64_t rows, std::uint64_t cols) {
  Matrix m(static_cast<Eigen::Index>(rows), static_cast<Eigen::Index>(cols));
  float* out = m.data();
  for (std::uint64_t i = 0; i < rows * cols; ++i) out[i] = static_cast<float>(data[i]);
  return m;
}

float gelu(float x) {
  constexpr float kSqrt2OverPi = 0.7978845608F;
  return 0.5F * x * (1.0F + std::tanh(kSqrt2OverPi * (x + 0.044715F * x * x * x)));
}

}  // namespace

void gemm_fp16(const Half* x, const Half* w, Half* c, std::uint64_t m, std::uint64_t k,
               std::uint64_t n) {
  const Matrix product = to_float(x, m, k) * to_float(w, k, n);
  const float* p = product.data();
  for (std::uint64_t i = 0; i < m * n; ++i) c[i] = Half(p[i]);
}

void vector_fp16(VectorOp op, std::uint64_t rows, std::uint64_t length, const Half* src,
                 const Half* src2, float scalar, Half* dst) {
  std::vector<float> row(length);
  for (std::uint64_t r = 0; r < rows; ++r) {
    const Half* in = src + r * length;
    for (std::uint64_t i = 0; i < length; ++i) row[i] = static_cast<float>(in[i]);
    switch (op) {
      case VectorOp::Add:
        for (std::uint64_t i = 0; i < length; ++i)
          row[i] += static_cast<float>(src2[r * length + i]);
        break;
      case VectorOp::Scale:
        for (auto& v : row) v *= scalar;
        break;
      case VectorOp::Gelu:
        for (auto& v : row) v = gelu(v);
        break;
      case VectorOp::Softmax: {
        const float max = *std::max_element(row.begin(), row.end());
        float sum = 0.0F;
        for (auto& v : row) sum += (v = std::exp(v - max));
        for (auto& v : row) v /= sum;
        break;
      }
      case VectorOp::LayerNorm: {
        float mean = 0.0F, var = 0.0F;
        for (float v : row) mean += v;
        mean /= static_cast<float>(length);
        for (float v : row) var += (v - mean) * (v - mean);
        var /= static_cast<float>(length);
        const float inv = 1.0F / std::sqrt(var + 1e-5F);
        for (std::uint64_t i = 0; i < length; ++i) {
          row[i] = (row[i] - mean) * inv;
          if (src2 != nullptr)
            row[i] = row[i] * static_cast<float>(src2[i]) + static_cast<float>(src2[length + i]);
        }
        break;
      }
      case VectorOp::RmsNorm: {
        float squares = 0.0F;
        for (float v : row) squares += v * v;
        const float inv = 1.0F / std::sqrt(squares / static_cast<float>(length) + 1e-5F);
        for (std::uint64_t i = 0; i < length; ++i) {
          row[i] *= inv;
          if (src2 != nullptr) row[i] *= static_cast<float>(src2[i]);
        }
        break;
      }
      case VectorOp::SiluMul:
        for (std::uint64_t i = 0; i < length; ++i)
          row[i] = row[i] / (1.0F + std::exp(-row[i])) * static_cast<float>(src2[r * length + i]);
        break;
      case VectorOp::Rope:
      case VectorOp::TopK:
      case VectorOp::Gather:
      case VectorOp::ScatterAdd:
      case VectorOp::Count: break;
    }
    for (std::uint64_t i = 0; i < length; ++i) dst[r * length + i] = Half(row[i]);
  }
}

}  // namespace vp::npu

namespace vp::npu {

void rope_fp16(std::uint64_t rows, std::uint64_t length, std::uint32_t head_dim,
               const std::uint32_t* positions, float theta, const Half* src, Half* dst) {
  const std::uint32_t half = head_dim / 2;
  std::vector<float> cos_row(half), sin_row(half);
  for (std::uint64_t r = 0; r < rows; ++r) {
    for (std::uint32_t i = 0; i < half; ++i) {
      const float inv_freq =
          std::pow(theta, -2.0F * static_cast<float>(i) / static_cast<float>(head_dim));
      const float angle = static_cast<float>(positions[r]) * inv_freq;
      cos_row[i] = std::cos(angle);
      sin_row[i] = std::sin(angle);
    }
    for (std::uint64_t h = 0; h + head_dim <= length; h += head_dim) {
      const Half* in = src + r * length + h;
      Half* out = dst + r * length + h;
      for (std::uint32_t i = 0; i < half; ++i) {
        const float x = static_cast<float>(in[i]), y = static_cast<float>(in[i + half]);
        out[i] = Half(x * cos_row[i] - y * sin_row[i]);
        out[i + half] = Half(x * sin_row[i] + y * cos_row[i]);
      }
    }
  }
}

void topk_fp16(std::uint64_t rows, std::uint64_t length, std::uint32_t k, const Half* src,
               Half* dst) {
  std::vector<std::uint32_t> kept(k);
  std::vector<float> weight(k);
  for (std::uint64_t r = 0; r < rows; ++r) {
    const Half* in = src + r * length;
    for (std::uint32_t j = 0; j < k; ++j) {  // the j-th largest (ties: the lower index)
      std::uint32_t best = 0;
      bool found = false;
      for (std::uint32_t e = 0; e < length; ++e) {
        if (std::find(kept.begin(), kept.begin() + j, e) != kept.begin() + j) continue;
        if (!found || static_cast<float>(in[e]) > static_cast<float>(in[best])) best = e;
        found = true;
      }
      kept[j] = best;
    }
    const float max = static_cast<float>(in[kept[0]]);
    float sum = 0.0F;
    for (std::uint32_t j = 0; j < k; ++j)
      sum += (weight[j] = std::exp(static_cast<float>(in[kept[j]]) - max));
    for (std::uint32_t j = 0; j < k; ++j) {
      dst[(r * k + j) * 2] = Half(static_cast<float>(kept[j]));
      dst[(r * k + j) * 2 + 1] = Half(weight[j] / sum);
    }
  }
}

}  // namespace vp::npu
