#include "models/npu/gemm_engine.h"

#include <algorithm>
#include <queue>
#include <set>
#include <utility>

#include <fmt/format.h>

#include "models/npu/fp16_math.h"
#include "models/npu/unit_trace.h"

namespace vp::npu {
namespace {

/// Queues `count` segments of `segment` bytes, `stride` apart, on `job` (one transfer when they
/// are contiguous). `data` has the memory's layout (nullptr: no data).
void strided(DmaEngine& dma, bool write, const DmaEngine::JobPtr& job, std::uint64_t address,
             std::uint64_t segment, std::uint64_t stride, std::uint64_t count, std::uint8_t* data) {
  if (segment == stride) {
    write ? dma.write(address, segment * count, data, job)
          : dma.read(address, segment * count, data, job);
    return;
  }
  for (std::uint64_t r = 0; r < count; ++r) {
    std::uint8_t* at = data != nullptr ? data + r * stride : nullptr;
    write ? dma.write(address + r * stride, segment, at, job)
          : dma.read(address + r * stride, segment, at, job);
  }
}

struct PendingWrite {
  sc_core::sc_time ready;
  GemmItem item;
  bool operator>(const PendingWrite& o) const { return ready > o.ready; }
};

}  // namespace

GemmEngine::GemmEngine(std::string track_prefix, const SystolicConfig& config,
                       std::uint32_t prefetch_waves, const sc_core::sc_time& period, DmaEngine& dma,
                       sc_core::sc_mutex& arrays, const TraceEvents& events, bool functional)
    : track_prefix_(std::move(track_prefix)),
      config_(config),
      prefetch_waves_(std::max<std::uint32_t>(1, prefetch_waves)),
      period_(period),
      dma_(dma),
      arrays_(arrays),
      events_(events),
      functional_(functional) {
  stats_.array_busy_cycles.assign(config.arrays, 0);
}

std::uint64_t GemmEngine::weight_bytes(const GemmShape& shape, bool tiled) const {
  if (!tiled) return shape.k * shape.n * 2;
  const std::uint64_t k_tiles = (shape.k + config_.rows - 1) / config_.rows;
  const std::uint64_t n_tiles = (shape.n + config_.cols - 1) / config_.cols;
  return k_tiles * n_tiles * config_.rows * config_.cols * 2;
}

bool GemmEngine::run(const GemmShape& shape, const Operands& operands) {
  arrays_.lock();
  const bool ok = stream(shape, operands);
  arrays_.unlock();
  return ok;
}

bool GemmEngine::stream(const GemmShape& shape, const Operands& operands) {
  const sc_core::sc_time t0 = now();
  const GemmPlan plan = gemm_plan(shape, config_);
  const GemmTiming timing = gemm_timing(plan, shape, config_);
  const std::uint64_t row_bytes_x = shape.k * 2, row_bytes_w = shape.n * 2;
  bool ok = true;

  std::vector<Half> c_data;
  if (functional_) {
    std::vector<Half> x(shape.m * shape.k), w(shape.k * shape.n);
    ok &= dma_.debug_read(operands.x, x.size() * 2, reinterpret_cast<std::uint8_t*>(x.data()));
    if (operands.w_tiled) {
      std::vector<Half> tiles(weight_bytes(shape, true) / 2);
      ok &= dma_.debug_read(operands.w, tiles.size() * 2,
                            reinterpret_cast<std::uint8_t*>(tiles.data()));
      const std::uint64_t tile = std::uint64_t{config_.rows} * config_.cols;
      for (std::uint64_t r = 0; r < shape.k; ++r)
        for (std::uint64_t col = 0; col < shape.n; ++col) {
          const std::uint64_t t = (r / config_.rows) * plan.n_tiles + col / config_.cols;
          w[r * shape.n + col] =
              tiles[t * tile + (r % config_.rows) * config_.cols + col % config_.cols];
        }
    } else {
      ok &= dma_.debug_read(operands.w, w.size() * 2, reinterpret_cast<std::uint8_t*>(w.data()));
    }
    c_data.resize(shape.m * shape.n);
    gemm_fp16(x.data(), w.data(), c_data.data(), shape.m, shape.k, shape.n);
  }
  auto* c_bytes = functional_ ? reinterpret_cast<std::uint8_t*>(c_data.data()) : nullptr;

  std::size_t waves = 0;
  for (const auto& items : plan.items) waves = std::max(waves, items.size());
  using Slice = std::pair<std::uint64_t, std::uint64_t>;  // (row0, k0)
  std::vector<std::set<Slice>> slices(waves);
  for (std::size_t i = 0; i < waves; ++i)
    for (const auto& items : plan.items)
      if (i < items.size()) slices[i].insert({items[i].row0, items[i].k0});

  auto load_wave = [&](std::size_t i) {
    auto job = std::make_shared<DmaEngine::Job>();
    for (const auto& items : plan.items) {
      if (i >= items.size()) continue;
      const GemmItem& it = items[i];
      if (operands.w_tiled) {
        const std::uint64_t tile_bytes = std::uint64_t{config_.rows} * config_.cols * 2;
        const std::uint64_t t = (it.k0 / config_.rows) * plan.n_tiles + it.n0 / config_.cols;
        dma_.read(operands.w + t * tile_bytes, tile_bytes, nullptr, job);
        stats_.weight_bytes += tile_bytes;
      } else {
        strided(dma_, false, job, operands.w + (it.k0 * shape.n + it.n0) * 2, it.n_len * 2,
                row_bytes_w, it.k_len, nullptr);
        stats_.weight_bytes += it.n_len * 2 * it.k_len;
      }
    }
    for (const auto& [row0, k0] : slices[i]) {
      if (i > 0 && slices[i - 1].count({row0, k0}) != 0) continue;  // still on chip
      const GemmItem* owner = nullptr;
      for (const auto& items : plan.items)
        if (i < items.size() && items[i].row0 == row0 && items[i].k0 == k0) owner = &items[i];
      strided(dma_, false, job, operands.x + (row0 * shape.k + k0) * 2, owner->k_len * 2,
              row_bytes_x, owner->rows, nullptr);
    }
    return job;
  };

  std::vector<DmaEngine::JobPtr> jobs(waves);
  for (std::size_t i = 0; i < std::min<std::size_t>(prefetch_waves_, waves); ++i)
    jobs[i] = load_wave(i);

  auto writes = std::make_shared<DmaEngine::Job>();
  std::priority_queue<PendingWrite, std::vector<PendingWrite>, std::greater<>> pending;
  auto issue_due_writes = [&] {
    while (!pending.empty() && pending.top().ready <= sc_core::sc_time_stamp()) {
      const GemmItem& it = pending.top().item;
      const std::uint64_t offset = (it.row0 * shape.n + it.n0) * 2;
      strided(dma_, true, writes, operands.c + offset, it.n_len * 2, row_bytes_w, it.rows,
              c_bytes != nullptr ? c_bytes + offset : nullptr);
      pending.pop();
    }
  };
  auto advance_to = [&](const sc_core::sc_time& t) {
    issue_due_writes();
    while (sc_core::sc_time_stamp() < t) {
      sc_core::sc_time next = t;
      if (!pending.empty() && pending.top().ready < next) next = pending.top().ready;
      sc_core::wait(next - sc_core::sc_time_stamp());
      issue_due_writes();
    }
  };
  auto wait_job = [&](const DmaEngine::Job& job) {
    issue_due_writes();
    while (!job.complete()) {
      if (!pending.empty()) {
        sc_core::wait(pending.top().ready - sc_core::sc_time_stamp(), job.done);
      } else {
        sc_core::wait(job.done);
      }
      issue_due_writes();
    }
  };

  struct ArrayState {
    bool started = false;
    sc_core::sc_time stream_start, end, span_start, span_end;
    std::uint64_t m = 0;
  };
  std::vector<ArrayState> arrays(config_.arrays);
  const sc_core::sc_time weight_load = period_ * static_cast<double>(config_.rows);
  // A simulator model (systolic_timing.h): its compute time, spread evenly over the waves.
  const std::uint64_t sim_cycles = simulator_gemm_cycles(shape, config_);
  const bool simulated = sim_cycles > 0;
  const sc_core::sc_time sim_wave =
      period_ *
      (static_cast<double>(sim_cycles) / static_cast<double>(std::max<std::size_t>(waves, 1)));
  sc_core::sc_time pipeline_free = t0;
  const auto fill_drain = static_cast<double>(config_.rows + config_.cols - 2);
  auto close_span = [&](std::uint32_t a) {
    stats_.array_busy_cycles[a] +=
        static_cast<std::uint64_t>((arrays[a].span_end - arrays[a].span_start) / period_);
    emit_span(events_, fmt::format("{}{}", track_prefix_, a), "GEMM", arrays[a].span_start,
              arrays[a].span_end, {{"m", shape.m}, {"k", shape.k}, {"n", shape.n}});
  };
  for (std::size_t i = 0; i < waves; ++i) {
    wait_job(*jobs[i]);
    ok &= jobs[i]->ok;
    const sc_core::sc_time arrived = std::max(t0, jobs[i]->finished);
    sc_core::sc_time wave_taken = t0;
    if (simulated) {  // the simulator's pipeline: this wave's share of its compute, after the last
      const sc_core::sc_time start = std::max(arrived, pipeline_free);
      pipeline_free = start + sim_wave;
      for (std::uint32_t a = 0; a < config_.arrays; ++a) {
        if (i >= plan.items[a].size()) continue;
        ArrayState& s = arrays[a];
        if (s.started && start > s.span_end) close_span(a);
        if (!s.started || start > s.span_end) s.span_start = start;
        s.started = true;
        s.span_end = s.end = pipeline_free;
        if (plan.items[a][i].last_k) pending.push({pipeline_free, plan.items[a][i]});
      }
      wave_taken = pipeline_free;
    }
    for (std::uint32_t a = 0; a < config_.arrays && !simulated; ++a) {
      if (i >= plan.items[a].size()) continue;
      const GemmItem& it = plan.items[a][i];
      ArrayState& s = arrays[a];
      const sc_core::sc_time preload_start =
          s.started ? std::max(s.stream_start, arrived) : arrived;
      const sc_core::sc_time preload_end = preload_start + weight_load;
      const sc_core::sc_time stream_start =
          s.started ? std::max(s.stream_start + period_ * static_cast<double>(s.m), preload_end)
                    : preload_end;
      const sc_core::sc_time stream_end = stream_start + period_ * static_cast<double>(it.rows);
      if (!s.started || stream_start > s.span_end) {
        if (s.started) close_span(a);
        s.span_start = s.started ? std::max(s.span_end, preload_start) : preload_start;
      }
      s.started = true;
      s.stream_start = stream_start;
      s.m = it.rows;
      s.span_end = stream_end;
      s.end = stream_start + period_ * (static_cast<double>(it.rows) + fill_drain);
      wave_taken = std::max(wave_taken, preload_end);
      if (it.last_k) pending.push({s.end, it});
    }
    advance_to(wave_taken);
    if (i + prefetch_waves_ < waves) jobs[i + prefetch_waves_] = load_wave(i + prefetch_waves_);
  }
  sc_core::sc_time end = t0;
  for (std::uint32_t a = 0; a < config_.arrays; ++a) {
    if (!arrays[a].started) continue;
    end = std::max(end, arrays[a].end);
    arrays[a].span_end = arrays[a].end;
    close_span(a);
  }
  advance_to(end);
  writes->wait();
  ok &= writes->ok;

  ++stats_.gemms;
  stats_.cycles += static_cast<std::uint64_t>((sc_core::sc_time_stamp() - t0) / period_);
  stats_.compute_cycles += simulated ? sim_cycles : timing.cycles;
  stats_.macs +=
      static_cast<double>(shape.m) * static_cast<double>(shape.k) * static_cast<double>(shape.n);
  for (const auto& items : plan.items)
    for (const GemmItem& it : items)
      stats_.sram_bytes += 2.0 * static_cast<double>(it.k_len * it.n_len + it.rows * it.k_len) +
                           4.0 * static_cast<double>(it.rows * it.n_len);
  return ok;
}

}  // namespace vp::npu
