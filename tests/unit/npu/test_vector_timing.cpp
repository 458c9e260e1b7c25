// Vector-unit cycle model against the NeuPIMs simulator's published examples and hand counts.
#include <catch2/catch.hpp>

#include "models/npu/vector_timing.h"

using namespace vp::npu;

TEST_CASE("vector op costs follow the documented formulas", "[npu][vector]") {
  const VectorConfig c;  // 8 units x 128 lanes, every op cost 1
  // The simulator's examples: LayerNorm over 4096 = 2 x 33 + 3 + 32 x 5 = 229; GELU = 32.
  CHECK(vector_row_cycles(VectorOp::LayerNorm, 4096, c) == 229);
  CHECK(vector_row_cycles(VectorOp::Gelu, 4096, c) == 32);
  // Softmax over 300 logits: v = 3, tree(300) = 3 + 1 = 4 -> 2 x 4 + 3 x 3 = 17.
  CHECK(vector_row_cycles(VectorOp::Softmax, 300, c) == 17);
  CHECK(vector_row_cycles(VectorOp::Add, 129, c) == 2);
  CHECK(vector_row_cycles(VectorOp::Scale, 128, c) == 1);
  // Rows spread over 8 units: 10 rows take two row times.
  CHECK(vector_timing(VectorOp::LayerNorm, 10, 4096, c) == std::uint64_t{2} * 229);
  CHECK(vector_timing(VectorOp::LayerNorm, 8, 4096, c) == 229);
  VectorConfig slow = c;
  slow.exp = 4;
  CHECK(vector_row_cycles(VectorOp::Softmax, 300, slow) == 2 * 4 + 3 * (1 + 4 + 1));
}

TEST_CASE("the ops of today's models cost their documented formulas", "[npu][vector]") {
  VectorConfig c;  // distinct costs, so every term shows
  c.add = 2, c.mul = 3, c.exp = 5, c.gelu = 7, c.add_tree = 11, c.scalar_mul = 13,
  c.scalar_sqrt = 17;
  // RMSNORM over 4096: t = 32 + 1 = 33 -> 33 x 11 + 13 + 17 + 32 x (2 + 3 x 3) = 745.
  CHECK(vector_row_cycles(VectorOp::RmsNorm, 4096, c) == 745);
  // SILU_MUL over 14336: 112 x (7 + 3).
  CHECK(vector_row_cycles(VectorOp::SiluMul, 14336, c) == 1120);
  // ROPE over 12 heads of 128 (1536): the row's angles 2 x ceil(64 / 128) x 5, 12 x (2 x 3 + 2).
  CHECK(vector_row_cycles(VectorOp::Rope, 1536, c, 128) == 10 + 96);
  // TOPK, k = 2 of 8: two tree searches 2 x 1 x 11, a softmax of 2 in one step (2 + 5 + 3).
  CHECK(vector_row_cycles(VectorOp::TopK, 8, c, 2) == 22 + 10);
  CHECK(vector_row_cycles(VectorOp::Gather, 4096, c) == std::uint64_t{32} * 2);
  CHECK(vector_row_cycles(VectorOp::ScatterAdd, 4096, c) == std::uint64_t{32} * (3 + 2));
  CHECK(vector_timing(VectorOp::SiluMul, 9, 14336, c) == std::uint64_t{2} * 1120);
}
