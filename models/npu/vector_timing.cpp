#include "models/npu/vector_timing.h"

namespace vp::npu {
namespace {

std::uint64_t ceil_div(std::uint64_t a, std::uint64_t b) { return (a + b - 1) / b; }

std::uint64_t tree(std::uint64_t s, std::uint64_t lanes) {
  if (s <= lanes) return 1;
  const std::uint64_t next = ceil_div(s, lanes);
  return next + tree(next, lanes);
}

}  // namespace

const char* to_string(VectorOp op) {
  switch (op) {
    case VectorOp::Add: return "ADD";
    case VectorOp::Scale: return "SCALE";
    case VectorOp::Gelu: return "GELU";
    case VectorOp::Softmax: return "SOFTMAX";
    case VectorOp::LayerNorm: return "LAYERNORM";
    case VectorOp::RmsNorm: return "RMSNORM";
    case VectorOp::SiluMul: return "SILU_MUL";
    case VectorOp::Rope: return "ROPE";
    case VectorOp::TopK: return "TOPK";
    case VectorOp::Gather: return "GATHER";
    case VectorOp::ScatterAdd: return "SCATTER_ADD";
    case VectorOp::Count: break;
  }
  return "?";
}

std::uint64_t vector_row_cycles(VectorOp op, std::uint64_t length, const VectorConfig& c,
                                std::uint64_t param) {
  const std::uint64_t v = ceil_div(length, c.lanes);
  const std::uint64_t t = tree(length, c.lanes);
  switch (op) {
    case VectorOp::Add: return v * c.add;
    case VectorOp::Scale: return v * c.mul;
    case VectorOp::Gelu: return v * c.gelu;
    case VectorOp::Softmax: return 2 * t * c.add_tree + v * (c.add + c.exp + c.mul);
    case VectorOp::LayerNorm:
      return 2 * t * c.add_tree + 2 * std::uint64_t{c.scalar_mul} + c.scalar_sqrt +
             v * (2 * c.add + 3 * c.mul);
    case VectorOp::RmsNorm:
      return t * c.add_tree + c.scalar_mul + c.scalar_sqrt + v * (c.add + 3 * std::uint64_t{c.mul});
    case VectorOp::SiluMul: return v * (c.gelu + c.mul);
    case VectorOp::Rope:
      return 2 * ceil_div(param / 2, c.lanes) * c.exp + v * (2 * std::uint64_t{c.mul} + c.add);
    case VectorOp::TopK:
      return param * t * c.add_tree + ceil_div(param, c.lanes) * (c.add + c.exp + c.mul);
    case VectorOp::Gather: return v * c.add;
    case VectorOp::ScatterAdd: return v * (c.mul + c.add);
    case VectorOp::Count: break;
  }
  return 0;
}

std::uint64_t vector_timing(VectorOp op, std::uint64_t rows, std::uint64_t length,
                            const VectorConfig& c, std::uint64_t param) {
  return ceil_div(rows, c.units) * vector_row_cycles(op, length, c, param);
}

}  // namespace vp::npu
