// The GPU baseline's roofline (roofline_timing.h): each formula against numbers worked out by
// hand from the A100's datasheet figures and the documented efficiencies.
#include <catch2/catch.hpp>

#include "models/npu/roofline_timing.h"

using vp::npu::RooflineParams;

namespace {

// Achieved rates of the defaults: 312 TFLOPS x 0.8 = 249.6 flops/ps = 249600 flops/ns;
// 2039 GB/s x 0.88 = 1794.32 bytes/ns; 5 us of launch.
constexpr double kFlopsPerNs = 249600, kBytesPerNs = 1794.32, kLaunchNs = 5000;

}  // namespace

TEST_CASE("a GEMM is bound by its weights below the ridge, by arithmetic above it",
          "[npu][roofline]") {
  const RooflineParams p;
  // The ridge: 249600 / 1794.32 = 139 flops per byte; a GEMM of m rows does about m.
  // 64 x 4096 x 3072 (GPT3-7B's QKV at TP 4, batch 64): 1.6 Gflop, 25.7 MB: weight-bound.
  const auto decode = vp::npu::roofline_gemm(p, 64, 4096, 3072);
  CHECK(decode.flops == Approx(2.0 * 64 * 4096 * 3072));
  CHECK(decode.bytes == Approx(2.0 * (4096.0 * 3072 + 64.0 * 4096 + 64.0 * 3072)));
  CHECK(decode.flops / kFlopsPerNs < decode.bytes / kBytesPerNs);
  CHECK(decode.ns == Approx(kLaunchNs + decode.bytes / kBytesPerNs));  // 14.3 us of streaming
  // The same at batch 256: 256 flops per byte, above the ridge.
  const auto batch256 = vp::npu::roofline_gemm(p, 256, 4096, 3072);
  CHECK(batch256.ns == Approx(kLaunchNs + 2.0 * 256 * 4096 * 3072 / kFlopsPerNs));
}

TEST_CASE("decode attention reads K and V once per request", "[npu][roofline]") {
  const RooflineParams p;
  const auto a = vp::npu::roofline_attention(p, {100, 300}, 1024, false);
  // K and V: 2 x 400 tokens x 1024 x 2 bytes; q and out: 2 requests x 2 x 1024 x 2 bytes.
  CHECK(a.bytes == Approx(2.0 * 400 * 1024 * 2 + 2 * 2 * 1024 * 2));
  CHECK(a.flops == Approx(4.0 * 400 * 1024));
  CHECK(a.ns == Approx(kLaunchNs + a.bytes / kBytesPerNs));
  const auto appended = vp::npu::roofline_attention(p, {100, 300}, 1024, true);
  CHECK(appended.bytes - a.bytes == Approx(2 * 4.0 * 1024 * 2));  // k and v read and written
}

TEST_CASE("vector kernels and copies", "[npu][roofline]") {
  RooflineParams p;
  const auto add = vp::npu::roofline_vector(p, 256, 4096, 2, 1.0);
  CHECK(add.bytes == Approx(256.0 * 4096 * 2 * 3));  // two inputs, one output
  CHECK(add.ns == Approx(kLaunchNs + add.bytes / kBytesPerNs));
  const auto copy = vp::npu::roofline_copy(p, 32000);
  CHECK(copy.ns == Approx(kLaunchNs + 32000.0 / 32));  // PCIe 4.0 x16 at 32 GB/s
  p.launch_us = 0;
  CHECK(vp::npu::roofline_copy(p, 32000).ns == Approx(1000));
}
