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
