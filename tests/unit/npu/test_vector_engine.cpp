// VECTOR descriptors in functional mode: each operation matches an independent host reference
// (double precision) within fp16 tolerance on random rows.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>

#include "tests/unit/npu/npu_bench.h"

using test::hi;
using test::lo;

namespace {

std::vector<double> reference(std::uint32_t op, const std::vector<Imath::half>& src,
                              const std::vector<Imath::half>& src2, float scalar, std::size_t rows,
                              std::size_t length) {
  std::vector<double> out(rows * length);
  for (std::size_t r = 0; r < rows; ++r) {
    const auto x = [&](std::size_t i) { return double(src[r * length + i]); };
    double mean = 0, var = 0, max = -1e30, sum = 0;
    for (std::size_t i = 0; i < length; ++i)
      mean += x(i) / double(length), max = std::max(max, x(i));
    for (std::size_t i = 0; i < length; ++i)
      var += (x(i) - mean) * (x(i) - mean) / double(length), sum += std::exp(x(i) - max);
    for (std::size_t i = 0; i < length; ++i) {
      double& y = out[r * length + i];
      switch (op) {
        case 0: y = x(i) + double(src2[r * length + i]); break;
        case 1: y = double(scalar) * x(i); break;
        case 2: y = 0.5 * x(i) * (1 + std::erf(x(i) / std::sqrt(2.0))); break;  // exact GELU
        case 3: y = std::exp(x(i) - max) / sum; break;
        case 4:
          y = (x(i) - mean) / std::sqrt(var + 1e-5) * double(src2[i]) + double(src2[length + i]);
          break;
        default: break;
      }
    }
  }
  return out;
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
    std::size_t wrong = 0;
    double worst = 0;
    for (std::size_t i = 0; i < got.size(); ++i) {
      const double err = std::abs(double(got[i]) - want[i]);
      worst = std::max(worst, err);
      // fp16 rounding of the result (2^-11 relative) plus the tanh form of GELU (< 1e-3).
      if (err > 2e-3 * std::abs(want[i]) + 2e-3) ++wrong;
    }
    INFO("op " << op << ": worst error " << worst);
    CHECK(wrong == 0);
  }
}
