#include "models/npu/systolic_timing.h"

#include <algorithm>

namespace vp::npu {
namespace {

std::uint64_t ceil_div(std::uint64_t a, std::uint64_t b) { return (a + b - 1) / b; }

}  // namespace

GemmPlan gemm_plan(const GemmShape& shape, const SystolicConfig& c) {
  GemmPlan plan;
  plan.items.assign(c.arrays, {});
  if (shape.m == 0 || shape.k == 0 || shape.n == 0) return plan;
  const std::uint64_t max_rows = std::max<std::uint64_t>(1, c.max_rows());
  plan.k_tiles = ceil_div(shape.k, c.rows);
  plan.n_tiles = ceil_div(shape.n, c.cols);
  plan.row_chunks = ceil_div(shape.m, max_rows);
  plan.blocks = plan.n_tiles * plan.row_chunks;
  struct Block {
    std::uint64_t row0, rows, n0, n_len;
  };
  std::vector<std::vector<Block>> owned(c.arrays);
  for (std::uint64_t b = 0; b < plan.blocks; ++b) {
    const std::uint64_t chunk = b % plan.row_chunks, nt = b / plan.row_chunks;
    const std::uint64_t row0 = chunk * max_rows, n0 = nt * c.cols;
    owned[b % c.arrays].push_back({row0, std::min(max_rows, shape.m - row0), n0,
                                   std::min<std::uint64_t>(c.cols, shape.n - n0)});
  }
  const std::uint64_t block_acc_bytes = std::uint64_t{c.cols} * 4;  // per activation row
  for (std::uint32_t a = 0; a < c.arrays; ++a) {
    const auto& blocks = owned[a];
    for (std::size_t first = 0; first < blocks.size();) {
      // A group: the blocks whose partial sums fit in the accumulator together.
      std::size_t last = first;
      std::uint64_t used = blocks[first].rows * block_acc_bytes;
      while (last + 1 < blocks.size() &&
             used + blocks[last + 1].rows * block_acc_bytes <= c.accumulator_bytes)
        used += blocks[++last].rows * block_acc_bytes;
      for (std::uint64_t kt = 0; kt < plan.k_tiles; ++kt)
        for (std::size_t b = first; b <= last; ++b) {
          const std::uint64_t k0 = kt * c.rows;
          plan.items[a].push_back({blocks[b].row0, blocks[b].rows, k0,
                                   std::min<std::uint64_t>(c.rows, shape.k - k0), blocks[b].n0,
                                   blocks[b].n_len, kt + 1 == plan.k_tiles});
        }
      first = last + 1;
    }
  }
  return plan;
}

GemmTiming gemm_timing(const GemmShape& shape, const SystolicConfig& c) {
  return gemm_timing(gemm_plan(shape, c), shape, c);
}

GemmTiming gemm_timing(const GemmPlan& plan, const GemmShape& shape, const SystolicConfig& c) {
  GemmTiming t;
  t.array_cycles.assign(c.arrays, 0);
  if (plan.blocks == 0) return t;
  t.k_tiles = plan.k_tiles;
  t.n_tiles = plan.n_tiles;
  t.row_chunks = plan.row_chunks;
  t.blocks = plan.blocks;
  const std::uint64_t fill_drain = std::uint64_t{c.rows} + c.cols - 2;
  for (std::uint32_t a = 0; a < c.arrays; ++a) {
    const auto& items = plan.items[a];
    if (items.empty()) continue;
    std::uint64_t slots = 0;  // sum of max(m, rows) over all but the last item
    for (std::size_t i = 0; i + 1 < items.size(); ++i)
      slots += std::max<std::uint64_t>(items[i].rows, c.rows);
    t.array_cycles[a] = c.rows + slots + items.back().rows + fill_drain;
    t.cycles = std::max(t.cycles, t.array_cycles[a]);
  }
  t.utilization = static_cast<double>(shape.m) * shape.n * shape.k /
                  (static_cast<double>(c.arrays) * c.rows * c.cols * t.cycles);
  t.weight_bytes = t.row_chunks * shape.k * shape.n * 2;
  return t;
}

std::uint64_t simulator_gemm_cycles(const GemmShape& shape, const SystolicConfig& c) {
  if (c.model == SystolicModel::Arrays || shape.m == 0 || shape.k == 0 || shape.n == 0) return 0;
  const std::uint64_t s = c.simulator_block(), latency = c.simulator_latency(s);
  const std::uint64_t blocks = ceil_div(shape.m, c.rows) * ceil_div(shape.k, c.rows);
  const std::uint64_t per_block_gemms = s * (ceil_div(shape.n, c.cols) - 1);
  const std::uint64_t preload = c.model == SystolicModel::Simulator ? c.rows : latency;
  return blocks * (preload + per_block_gemms) + latency;
}

}  // namespace vp::npu
