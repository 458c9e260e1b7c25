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

namespace {

/// u32 words into HBM (position and row tables).
void put_words(test::NpuBench& bench, std::uint64_t address, const std::vector<std::uint32_t>& w) {
  REQUIRE(bench.npu().dma().debug_write(address, w.size() * 4,
                                        reinterpret_cast<const std::uint8_t*>(w.data())));
}

std::uint32_t bits_of(float f) {
  std::uint32_t b = 0;
  std::memcpy(&b, &f, 4);
  return b;
}

/// Within fp32 evaluation and one fp16 rounding of `want` (plus a little for exp, sin and cos).
bool close(double got, double want) {
  return std::abs(got - want) <= 2 * kU * std::abs(want) + 1e-5;
}

}  // namespace

TEST_CASE(
    "the VECTOR ops of today's models compute their definitions and book their documented row "
    "cycles",
    "[npu][vector][functional]") {
  test::NpuBench bench;
  const vp::npu::VectorConfig config;  // the bench's NPU: 8 units x 128 lanes, unit costs
  const std::uint64_t src = 0x10000, src2 = 0x200000, dst = 0x400000;
  double busy = 0;
  // Runs one VECTOR and checks that its rows were booked at the formula's cost.
  auto run = [&](std::uint32_t op, std::uint32_t rows, std::uint32_t length, std::uint32_t param,
                 std::uint32_t stride, std::uint32_t scalar) {
    bench.run(0, {{4, op, rows, length, lo(src), hi(src), lo(dst), hi(dst), lo(src2), hi(src2),
                   scalar, param, stride}});
    REQUIRE(bench.status(0) == 0);
    const double now = bench.stat("npu.vu.busy_cycles");
    CHECK(now - busy ==
          double(rows) * double(vp::npu::vector_row_cycles(static_cast<vp::npu::VectorOp>(op),
                                                           length, config, param)));
    busy = now;
  };
  std::size_t wrong = 0;
  {  // RMSNORM without gamma over 19 rows of 300
    const auto a = test::random_halves(std::size_t{19} * 300, 41, -3.0F, 3.0F);
    bench.put(src, a);
    bench.run(0, {{4, 5, 19, 300, lo(src), hi(src), lo(dst), hi(dst)}});
    REQUIRE(bench.status(0) == 0);
    busy = bench.stat("npu.vu.busy_cycles");
    CHECK(busy == 19.0 * double(vector_row_cycles(vp::npu::VectorOp::RmsNorm, 300, config)));
    const auto got = bench.get(dst, a.size());
    for (std::size_t r = 0; r < 19; ++r) {
      double squares = 0;
      for (std::size_t i = 0; i < 300; ++i)
        squares += double(a[r * 300 + i]) * double(a[r * 300 + i]);
      const double inv = 1 / std::sqrt(squares / 300 + 1e-5);
      for (std::size_t i = 0; i < 300; ++i)
        wrong += !close(double(got[r * 300 + i]), double(a[r * 300 + i]) * inv);
    }
  }
  INFO("RMSNORM wrong " << wrong);
  {  // SILU_MUL: silu(gate) x up
    const auto g = test::random_halves(std::size_t{9} * 200, 42, -4.0F, 4.0F);
    const auto u = test::random_halves(std::size_t{9} * 200, 43, -2.0F, 2.0F);
    bench.put(src, g);
    bench.put(src2, u);
    run(6, 9, 200, 0, 0, 0);
    const auto got = bench.get(dst, g.size());
    for (std::size_t i = 0; i < g.size(); ++i) {
      const double x = double(g[i]);
      wrong += !close(double(got[i]), x / (1 + std::exp(-x)) * double(u[i]));
    }
  }
  INFO("SILU_MUL wrong " << wrong);
  {  // ROPE on 5 strided rows of 2 heads of 64 (row stride 300 bytes), positions up to 2047
    const std::vector<std::uint32_t> positions = {0, 1, 7, 100, 2047};
    const std::uint32_t length = 128, stride = 300;
    const auto a = test::random_halves(5 * stride / 2, 44, -2.0F, 2.0F);
    bench.put(src, a);
    put_words(bench, src2, positions);
    run(7, 5, length, 64, stride, bits_of(10000.0F));
    const auto got = bench.get(dst, a.size());
    for (std::size_t r = 0; r < 5; ++r)
      for (std::uint32_t h = 0; h < 2; ++h)
        for (std::uint32_t i = 0; i < 32; ++i) {
          const std::size_t at = r * stride / 2 + std::size_t{h} * 64 + i;
          const double angle = positions[r] * std::pow(10000.0, -2.0 * i / 64);
          const double x = double(a[at]), y = double(a[at + 32]);
          // fp32 angles of up to 2047 rad are good to ~2^-13 of a turn
          const auto near = [](double g, double w) { return std::abs(g - w) <= 4e-3; };
          wrong += !near(double(got[at]), x * std::cos(angle) - y * std::sin(angle));
          wrong += !near(double(got[at + 32]), x * std::sin(angle) + y * std::cos(angle));
        }
  }
  INFO("ROPE wrong " << wrong);
  {  // TOPK: k = 2 of 8 router logits per row, as (index, weight) pairs
    const auto a = test::random_halves(std::size_t{19} * 8, 45, -3.0F, 3.0F);
    bench.put(src, a);
    run(8, 19, 8, 2, 0, 0);
    const auto got = bench.get(dst, std::size_t{19} * 4);
    for (std::size_t r = 0; r < 19; ++r) {
      std::vector<std::pair<double, int>> order;
      order.reserve(8);
      for (int e = 0; e < 8; ++e) order.emplace_back(-double(a[r * 8 + e]), e);  // ties: lower e
      std::sort(order.begin(), order.end());
      const double w0 = 1 / (1 + std::exp(order[0].first - order[1].first));  // x1 - x0
      wrong += double(got[r * 4]) != order[0].second || double(got[r * 4 + 2]) != order[1].second;
      wrong += !close(double(got[r * 4 + 1]), w0) || !close(double(got[r * 4 + 3]), 1 - w0);
    }
  }
  INFO("TOPK wrong " << wrong);
  {  // GATHER rows 3, 0, 17 of 20; SCATTER_ADD them back with weights 0.5, 2, -1
    const auto a = test::random_halves(std::size_t{20} * 64, 46);
    const auto d = test::random_halves(std::size_t{20} * 64, 47);
    bench.put(src, a);
    put_words(bench, src2, {3, 0, 0, 0, 17, 0});
    run(9, 3, 64, 0, 0, 0);
    const auto gathered = bench.get(dst, std::size_t{3} * 64);
    const std::size_t rows[] = {3, 0, 17};
    for (std::size_t r = 0; r < 3; ++r)
      for (std::size_t i = 0; i < 64; ++i)
        wrong += gathered[r * 64 + i].bits() != a[rows[r] * 64 + i].bits();
    bench.put(src, gathered);
    bench.put(dst, d);
    put_words(bench, src2, {3, bits_of(0.5F), 0, bits_of(2.0F), 17, bits_of(-1.0F)});
    run(10, 3, 64, 0, 0, 0);
    const auto sum = bench.get(dst, std::size_t{20} * 64);
    const double weight[] = {0.5, 2.0, -1.0};
    for (std::size_t r = 0; r < 3; ++r)
      for (std::size_t i = 0; i < 64; ++i)
        wrong += !close(double(sum[rows[r] * 64 + i]),
                        double(d[rows[r] * 64 + i]) + weight[r] * double(gathered[r * 64 + i]));
    CHECK(sum[64].bits() == d[64].bits());  // row 1 was not routed: untouched
  }
  CHECK(wrong == 0);
}

TEST_CASE("bad row-op VECTOR descriptors stop the queue with the documented error",
          "[npu][vector]") {
  test::NpuBench bench;
  const std::uint64_t src = 0x10000, src2 = 0x200000, dst = 0x400000;
  put_words(bench, src2, {1U << 30, 0});  // a row index far beyond the HBM
  struct Case {
    std::vector<std::uint32_t> words;
    std::uint32_t status;
  };
  const std::vector<Case> cases = {
      {{4, 11, 1, 64, lo(src), 0, lo(dst), 0}, 6},                     // OP 11: BAD_VECTOR_OP
      {{4, 7, 2, 96, lo(src), 0, lo(dst), 0, lo(src2), 0, 0, 64}, 5},  // ROPE: 96 not whole heads
      {{4, 7, 2, 64, lo(src), 0, lo(dst), 0, lo(src2), 0, 0, 63}, 5},  // ROPE: odd head_dim
      {{4, 7, 2, 64, lo(src), 0, lo(dst), 0, lo(src2), 0, 0, 64, 100}, 5},  // stride < a row
      {{4, 8, 2, 8, lo(src), 0, lo(dst), 0, 0, 0, 0, 9}, 5},                // TOPK: k > length
      {{4, 8, 2, 8, lo(src), 0, lo(dst), 0, 0, 0, 0, 0}, 5},                // TOPK: k = 0
      {{4, 9, 1, 64, lo(src), 0, lo(dst), 0, lo(src2), 0}, 7},  // GATHER: row beyond the HBM
  };
  for (std::size_t i = 0; i < cases.size(); ++i) {
    bench.run(0, {cases[i].words});
    INFO("case " << i);
    CHECK(bench.status(0) == cases[i].status);
    bench.replace(0, bench.error_index(0), {0});
    bench.resume(0);
    CHECK(bench.status(0) == 0);
  }
}
