// Roofline timing of the NPU's descriptors as a GPU runs them (the gpu-a100 baseline): each
// descriptor is one kernel that takes its launch overhead plus the longer of its arithmetic at
// the achieved fraction of peak throughput and its memory traffic at the achieved fraction of
// peak bandwidth. A baseline at the level of a roofline model, not a cycle model.
//
// Contract: pure functions of the descriptor's shape and the parameters; times in ns. Bytes
// count fp16 operands read and results written once (weights once per GEMM, K and V once per
// attention request, as fused decode-attention kernels do); flops count a multiply-add as 2.
#pragma once

#include <cstdint>
#include <vector>

namespace vp::npu {

struct RooflineParams {
  double peak_tflops = 312;         ///< dense fp16 tensor throughput (A100 datasheet)
  double memory_gbps = 2039;        ///< HBM2e bandwidth (A100 80 GB datasheet)
  double compute_efficiency = 0.8;  ///< achieved fraction of peak_tflops
  double memory_efficiency = 0.88;  ///< achieved fraction of memory_gbps
  double launch_us = 5;             ///< per kernel
  double host_link_gbps = 32;       ///< COPY between host and device memory (PCIe 4.0 x16)
};

struct RooflineCost {
  double flops = 0, bytes = 0, ns = 0;
};

/// C[m x n] = X[m x k] W[k x n].
[[nodiscard]] RooflineCost roofline_gemm(const RooflineParams& p, std::uint64_t m, std::uint64_t k,
                                         std::uint64_t n);
/// An element-wise or row operation over rows x length values: `operands` inputs read and one
/// result written per element, `flops_per_element` each.
[[nodiscard]] RooflineCost roofline_vector(const RooflineParams& p, std::uint64_t rows,
                                           std::uint64_t length, unsigned operands,
                                           double flops_per_element);
/// Decode attention of requests with `tokens[i]` tokens of KV, `embedding` = heads x head_dim,
/// `kv_embedding` = kv_heads x head_dim (0: embedding): per request q.K^T and p.V (4 x tokens x
/// embedding flops), K and V read once (tokens x kv_embedding each), q read and the output
/// written; with `append` the new k and v are read and written as well. With `queries` > 1
/// (a prefill chunk: the last `queries` tokens, causal) each query's flops cover the tokens up
/// to its own, K and V are still read once, and every query's q, output and k, v move.
[[nodiscard]] RooflineCost roofline_attention(const RooflineParams& p,
                                              const std::vector<std::uint32_t>& tokens,
                                              std::uint64_t embedding, bool append,
                                              std::uint64_t kv_embedding = 0,
                                              std::uint32_t queries = 1);
/// A copy of `bytes` between host and device memory over the host link.
[[nodiscard]] RooflineCost roofline_copy(const RooflineParams& p, std::uint64_t bytes);

}  // namespace vp::npu
