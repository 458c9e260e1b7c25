#include "models/npu/roofline_timing.h"

#include <algorithm>

namespace vp::npu {
namespace {

/// ns = launch + max(flops / achieved flops per ns, bytes / achieved bytes per ns).
RooflineCost finish(const RooflineParams& p, double flops, double bytes) {
  const double flops_per_ns = p.peak_tflops * 1e3 * p.compute_efficiency;  // 1 TFLOPS = 1e3/ns
  const double bytes_per_ns = p.memory_gbps * p.memory_efficiency;         // 1 GB/s = 1 B/ns
  return {flops, bytes, p.launch_us * 1e3 + std::max(flops / flops_per_ns, bytes / bytes_per_ns)};
}

}  // namespace

RooflineCost roofline_gemm(const RooflineParams& p, std::uint64_t m, std::uint64_t k,
                           std::uint64_t n) {
  const double M = static_cast<double>(m), K = static_cast<double>(k), N = static_cast<double>(n);
  return finish(p, 2 * M * K * N, 2 * (K * N + M * K + M * N));
}

RooflineCost roofline_vector(const RooflineParams& p, std::uint64_t rows, std::uint64_t length,
                             unsigned operands, double flops_per_element) {
  const double elements = static_cast<double>(rows) * static_cast<double>(length);
  return finish(p, elements * flops_per_element, 2 * elements * (operands + 1));
}

RooflineCost roofline_attention(const RooflineParams& p, const std::vector<std::uint32_t>& tokens,
                                std::uint64_t embedding, bool append, std::uint64_t kv_embedding,
                                std::uint32_t queries) {
  const double E = static_cast<double>(embedding), n = static_cast<double>(queries);
  const double Ekv = static_cast<double>(kv_embedding != 0 ? kv_embedding : embedding);
  double flops = 0, bytes = 0;
  for (const std::uint32_t t : tokens) {
    // query j of n sees t - n + j + 1 tokens: n (t - n) + n (n + 1) / 2 in all
    flops += 4 * (n * (static_cast<double>(t) - n) + n * (n + 1) / 2) * E;
    bytes += 2 * (2 * static_cast<double>(t) * Ekv) + n * 2 * (2 * E);  // K and V; q in, out
    if (append) bytes += n * 2 * (4 * Ekv);  // the new k and v: read from the QKV output, written
  }
  return finish(p, flops, bytes);
}

RooflineCost roofline_copy(const RooflineParams& p, std::uint64_t bytes) {
  const double b = static_cast<double>(bytes);
  return {0, b, p.launch_us * 1e3 + b / p.host_link_gbps};
}

}  // namespace vp::npu
