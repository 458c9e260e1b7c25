// The NPU's arithmetic on fp16 data (functional mode): fp16 storage, fp32 compute.
//
// Contract: every function reads and writes little-endian IEEE fp16 arrays (Imath::half) and
// computes in fp32 (accumulations in fp32, one rounding to fp16 per stored result), which is
// what the hardware's fp16 multipliers with fp32 accumulators do. GEMM uses Eigen.
// Definitions: GELU is the tanh approximation; LAYERNORM normalizes each row with eps = 1e-5,
// then applies gamma and beta when given; SOFTMAX subtracts the row maximum first; RMSNORM
// divides by sqrt(mean of squares + 1e-5), then applies gamma when given; SILU_MUL is
// x / (1 + exp(-x)) x up; ROPE rotates each head's pairs (i, i + head_dim / 2) by position x
// theta^(-2i / head_dim) (the LLaMA "rotate half" convention); TOPK keeps each row's k largest
// values (ties: the lower index) and writes k pairs (index, softmax weight over the k) as fp16.
#pragma once

#include <cstdint>
#include <vector>

#include <Imath/half.h>

#include "models/npu/vector_timing.h"

namespace vp::npu {

using Half = Imath::half;

/// C[m x n] = X[m x k] . W[k x n], all row-major.
void gemm_fp16(const Half* x, const Half* w, Half* c, std::uint64_t m, std::uint64_t k,
               std::uint64_t n);

/// One VECTOR op over `rows` rows of `length` elements: dst = op(src[, src2]).
/// ADD: src + src2; SCALE: scalar x src; GELU, SOFTMAX: of src; LAYERNORM: src2 = gamma[length]
/// followed by beta[length], or nullptr for none; RMSNORM: src2 = gamma[length] or nullptr;
/// SILU_MUL: silu(src) x src2. (ROPE and TOPK: the functions below; GATHER and SCATTER_ADD move
/// rows, vector_engine.h.)
void vector_fp16(VectorOp op, std::uint64_t rows, std::uint64_t length, const Half* src,
                 const Half* src2, float scalar, Half* dst);
/// ROPE over `rows` rows of `length` elements (whole heads of `head_dim`), row r at position
/// positions[r]; src and dst may be the same.
void rope_fp16(std::uint64_t rows, std::uint64_t length, std::uint32_t head_dim,
               const std::uint32_t* positions, float theta, const Half* src, Half* dst);
/// TOPK: dst row r = k pairs (index, weight) of src row r (`length` values).
void topk_fp16(std::uint64_t rows, std::uint64_t length, std::uint32_t k, const Half* src,
               Half* dst);

}  // namespace vp::npu
