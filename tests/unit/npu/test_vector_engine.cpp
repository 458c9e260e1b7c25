// VECTOR descriptors in functional mode: each operation matches an independent host reference
// (double precision) within fp16 tolerance on random rows.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>

#include "tests/unit/npu/npu_bench.h"

using test::hi;
using test::lo;

namespace {

constexpr double kU = 1.0 / 2048;                // fp16's unit roundoff, 2^-11
constexpr double kF32 = 1.0 / 16777216;          // fp32's, 2^-24
constexpr double kSubnormal = 1.0 / 33554432.0;  // half of fp16's smallest subnormal, 2^-25

/// Each op in double from the fp16 inputs, with the error bound the NPU's fp32 evaluation and
/// final fp16 rounding allow per element. `perturbed` computes a plausible wrong model instead,
/// which the bound must tell from the right one: ADD of the wrong operand row, SCALE by the
/// wrong factor, GELU in the sigmoid form x sigma(1.702 x), SOFTMAX normalised over all but the
/// last element, LAYERNORM with the sample variance (n - 1).
struct Reference {
  std::vector<double> out, bound;
};

Reference reference(std::uint32_t op, const std::vector<Imath::half>& src,
                    const std::vector<Imath::half>& src2, float scalar, std::size_t rows,
                    std::size_t length, bool perturbed = false) {
  Reference ref{std::vector<double>(rows * length), std::vector<double>(rows * length)};
  const double n = double(length);
  for (std::size_t r = 0; r < rows; ++r) {
    const auto x = [&](std::size_t i) { return double(src[r * length + i]); };
    double mean = 0, var = 0, max = -1e30, sum = 0, abs_sum = 0;
    for (std::size_t i = 0; i < length; ++i)
      mean += x(i) / n, max = std::max(max, x(i)), abs_sum += std::abs(x(i));
    const std::size_t terms = perturbed && op == 3 ? length - 1 : length;
    for (std::size_t i = 0; i < length; ++i) {
      var += (x(i) - mean) * (x(i) - mean) / (perturbed && op == 4 ? n - 1 : n);
      if (i < terms) sum += std::exp(x(i) - max);
    }
    const double inv = 1 / std::sqrt(var + 1e-5);
    for (std::size_t i = 0; i < length; ++i) {
      double& y = ref.out[r * length + i];
      double& e = ref.bound[r * length + i];
      e = 0;  // fp32 evaluation error before the final rounding
      switch (op) {
        case 0:  // the sum of two fp16 values is exact in fp32
          y = x(i) + double(src2[(perturbed ? (r + 1) % rows : r) * length + i]);
          break;
        case 1:  // a power-of-two factor: exact
          y = double(perturbed ? 2 * scalar : scalar) * x(i);
          break;
        case 2: {
          // The NPU evaluates GELU in its tanh form (docs/npu.md); the difference to the exact
          // (erf) GELU is part of the model and bounded by computing it, plus fp32's error of
          // that expression (about ten operations on magnitudes up to |x|^3).
          const double v = x(i);
          const double tanh_form =
              0.5 * v * (1 + std::tanh(0.7978845608 * (v + 0.044715 * v * v * v)));
          y = perturbed ? v / (1 + std::exp(-1.702 * v))
                        : 0.5 * v * (1 + std::erf(v / std::sqrt(2.0)));
          e = std::abs(tanh_form - 0.5 * v * (1 + std::erf(v / std::sqrt(2.0)))) +
              10 * kF32 * (std::abs(v) + std::abs(v * v * v));
          break;
        }
        case 3:  // exp, an n-term sum and a division in fp32 (x - max is exact)
          y = i < terms ? std::exp(x(i) - max) / sum : 0.0;
          e = (n + 4) * kF32 * std::abs(y);
          break;
        case 4: {
          // mean and variance as n-term fp32 sums, then a square root, a division and the
          // affine step: the normalised value moves by at most the mean's error times 1 / sigma
          // plus (n + 6) 2^-24 of itself.
          const double g = double(src2[i]), bias = double(src2[length + i]);
          const double z = (x(i) - mean) * inv;
          y = z * g + bias;
          const double dz = n * kF32 * abs_sum / n * inv + (n + 6) * kF32 * std::abs(z);
          e = std::abs(g) * dz + 2 * kF32 * (std::abs(z * g) + std::abs(y));
          break;
        }
        default: break;
      }
      e += kU * (std::abs(y) + e) + kSubnormal;  // the result's rounding to fp16
    }
  }
  return ref;
}

}  // namespace

TEST_CASE("functional VECTOR ops match a host reference within fp16 tolerance",
          "[npu][vector][functional]") {
  test::NpuBench bench;
  const std::size_t rows = 19, length = 300;
  const std::uint64_t src = 0x10000, src2 = 0x200000, dst = 0x400000;
  const float scalar = 0.125F;
  std::uint32_t scalar_bits = 0;
  std::memcpy(&scalar_bits, &scalar, 4);
  for (std::uint32_t op = 0; op < 5; ++op) {
    const auto a = test::random_halves(rows * length, 10 + op, -3.0F, 3.0F);
    const auto b = test::random_halves(op == 4 ? 2 * length : rows * length, 20 + op, -2.0F, 2.0F);
    bench.put(src, a);
    bench.put(src2, b);
    bench.run(0, {{4, op, rows, length, lo(src), hi(src), lo(dst), hi(dst), lo(src2), hi(src2),
                   scalar_bits}});
    REQUIRE(bench.status(0) == 0);
    const auto got = bench.get(dst, rows * length);
    const auto want = reference(op, a, b, scalar, rows, length);
    const auto wrong_model = reference(op, a, b, scalar, rows, length, true);
    std::size_t wrong = 0, caught = 0;
    double worst = 0;
    for (std::size_t i = 0; i < got.size(); ++i) {
      const double err = std::abs(double(got[i]) - want.out[i]);
      worst = std::max(worst, err / want.bound[i]);
      if (err > want.bound[i]) ++wrong;
      if (std::abs(double(got[i]) - wrong_model.out[i]) > wrong_model.bound[i]) ++caught;
    }
    INFO("op " << op << ": worst error " << worst << " of the derived bound; the perturbed model "
               << "falls outside it in " << caught << " of " << got.size() << " elements");
    CHECK(wrong == 0);
    CHECK(caught >= got.size() / 10);  // the bound tells the perturbed model from the right one
  }
}
