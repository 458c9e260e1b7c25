#include "models/npu/systolic_timing.h"

#include <algorithm>

namespace vp::npu {
namespace {

std::uint64_t ceil_div(std::uint64_t a, std::uint64_t b) { return (a + b - 1) / b; }

}  // namespace

GemmTiming gemm_timing(const GemmShape& shape, const SystolicConfig& c) {
  GemmTiming t;
  t.array_cycles.assign(c.arrays, 0);
  if (shape.m == 0 || shape.k == 0 || shape.n == 0) return t;
  const std::uint64_t max_rows = std::max<std::uint64_t>(1, c.max_rows());
  t.k_tiles = ceil_div(shape.k, c.rows);
  t.n_tiles = ceil_div(shape.n, c.cols);
  t.row_chunks = ceil_div(shape.m, max_rows);
  t.blocks = t.n_tiles * t.row_chunks;
  const std::uint64_t fill_drain = std::uint64_t{c.rows} + c.cols - 2;
  // Items of each array in order: its blocks round-robin, each block's K tiles back to back.
  std::vector<std::uint64_t> slots(c.arrays, 0);    // sum of max(m, rows) over all but the last item
  std::vector<std::uint64_t> last_m(c.arrays, 0);   // rows of the last item (0: idle array)
  for (std::uint64_t block = 0; block < t.blocks; ++block) {
    const std::uint64_t chunk = block % t.row_chunks;
    const std::uint64_t m = std::min(max_rows, shape.m - chunk * max_rows);
    const std::uint32_t a = static_cast<std::uint32_t>(block % c.arrays);
    for (std::uint64_t k = 0; k < t.k_tiles; ++k) {
      if (last_m[a] != 0) slots[a] += std::max<std::uint64_t>(last_m[a], c.rows);
      last_m[a] = m;
    }
  }
  for (std::uint32_t a = 0; a < c.arrays; ++a) {
    if (last_m[a] == 0) continue;
    t.array_cycles[a] = c.rows + slots[a] + last_m[a] + fill_drain;
    t.cycles = std::max(t.cycles, t.array_cycles[a]);
  }
  t.utilization = static_cast<double>(shape.m) * shape.n * shape.k /
                  (static_cast<double>(c.arrays) * c.rows * c.cols * t.cycles);
  t.weight_bytes = t.row_chunks * shape.k * shape.n * 2;
  return t;
}

}  // namespace vp::npu
