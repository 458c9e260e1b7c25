// The NPU's arithmetic on fp16 data (functional mode): fp16 storage, fp32 compute.
//
// Contract: every function reads and writes little-endian IEEE fp16 arrays (Imath::half) and
// computes in fp32 (accumulations in fp32, one rounding to fp16 per stored result), which is
// what the hardware's fp16 multipliers with fp32 accumulators do. GEMM uses Eigen.
// Definitions: GELU is the tanh approximation; LAYERNORM normalizes each row with eps = 1e-5,
// then applies gamma and beta when given; SOFTMAX subtracts the row maximum first.
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
/// followed by beta[length], or nullptr for none.
void vector_fp16(VectorOp op, std::uint64_t rows, std::uint64_t length, const Half* src,
                 const Half* src2, float scalar, Half* dst);

}  // namespace vp::npu
