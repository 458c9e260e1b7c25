// Cycle model of the NPU's vector units (element-wise, normalization, rotary, routing ops).
//
// Contract: vector_timing() returns the cycles of an element-wise or row-reduction op over
// `rows` rows of `length` elements on `units` vector units of `lanes` lanes. A row runs on one
// unit; rows go to units round-robin, so the op takes ceil(rows / units) row times. Per row, with
// v = ceil(length / lanes) lane-wide steps and a reduction tree t(s) = ceil(s / lanes) +
// t(ceil(s / lanes)), t(s <= lanes) = 1 (the NeuPIMs simulator's formulas, costs per config):
//   ADD:       v x add          SCALE: v x mul          GELU: v x gelu
//   SOFTMAX:   2 t x add_tree + v x (add + exp + mul)
//   LAYERNORM: 2 t x add_tree + 2 x scalar_mul + scalar_sqrt + v x (2 add + 3 mul)
// and for today's models (this project's formulas, in the same costs; docs/npu.md):
//   RMSNORM:   t x add_tree + scalar_mul + scalar_sqrt + v x (add + 3 mul)
//              (square, accumulate; one reduction; scale by 1/rms, gamma)
//   SILU_MUL:  v x (gelu + mul)            (SiLU on the activation unit at GELU's cost, x up)
//   ROPE:      2 ceil(head_dim / 2 / lanes) x exp + v x (2 mul + add)
//              (the row's cos and sin of head_dim / 2 angles, shared by its heads; each pair
//              (x, y) -> (x cos - y sin, x sin + y cos))
//   TOPK:      k t x add_tree + ceil(k / lanes) x (add + exp + mul)
//              (k maximum searches on the reduction tree, a softmax over the k kept)
//   GATHER:    v x add                     (a row through the lanes)
//   SCATTER_ADD: v x (mul + add)           (weight x row, added to the destination row)
// `param` is ROPE's head_dim and TOPK's k (unused by the others).
#pragma once

#include <cstdint>

namespace vp::npu {

enum class VectorOp : std::uint32_t {
  Add = 0,
  Scale = 1,
  Gelu = 2,
  Softmax = 3,
  LayerNorm = 4,
  RmsNorm = 5,
  SiluMul = 6,
  Rope = 7,
  TopK = 8,
  Gather = 9,
  ScatterAdd = 10,
  Count
};

[[nodiscard]] const char* to_string(VectorOp op);

struct VectorConfig {
  std::uint32_t units = 8;
  std::uint32_t lanes = 128;
  std::uint32_t add = 1, mul = 1, exp = 1, gelu = 1, add_tree = 1, scalar_mul = 1, scalar_sqrt = 1;
};

/// Cycles of one row of `length` elements.
[[nodiscard]] std::uint64_t vector_row_cycles(VectorOp op, std::uint64_t length,
                                              const VectorConfig& c, std::uint64_t param = 0);
/// Cycles of `rows` rows spread over the units.
[[nodiscard]] std::uint64_t vector_timing(VectorOp op, std::uint64_t rows, std::uint64_t length,
                                          const VectorConfig& c, std::uint64_t param = 0);

}  // namespace vp::npu
