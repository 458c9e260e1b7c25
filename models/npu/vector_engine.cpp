#include "models/npu/vector_engine.h"

#include <algorithm>
#include <vector>

#include "models/npu/fp16_math.h"
#include "models/npu/unit_trace.h"

namespace vp::npu {

VectorEngine::VectorEngine(std::string track, const VectorConfig& config,
                           const sc_core::sc_time& period, DmaEngine& dma, VectorUnitPool& units,
                           const TraceEvents& events, bool functional)
    : track_(std::move(track)),
      config_(config),
      period_(period),
      dma_(dma),
      units_(units),
      events_(events),
      functional_(functional) {}

std::uint64_t VectorEngine::src2_bytes(const VectorJob& job) {
  if (job.op == VectorOp::Add) return job.rows * job.length * 2;
  if (job.op == VectorOp::LayerNorm && job.src2 != 0) return job.length * 4;
  return 0;
}

bool VectorEngine::run(const VectorJob& job) {
  const sc_core::sc_time t0 = now();
  const std::uint64_t row_bytes = job.length * 2;
  bool ok = true;
  std::vector<Half> result;
  if (functional_) {
    std::vector<Half> src(job.rows * job.length), src2(src2_bytes(job) / 2);
    ok &= dma_.debug_read(job.src, src.size() * 2, reinterpret_cast<std::uint8_t*>(src.data()));
    if (!src2.empty())
      ok &=
          dma_.debug_read(job.src2, src2.size() * 2, reinterpret_cast<std::uint8_t*>(src2.data()));
    result.resize(src.size());
    vector_fp16(job.op, job.rows, job.length, src.data(), src2.empty() ? nullptr : src2.data(),
                job.scalar, result.data());
  }
  const std::uint64_t chunk_rows = config_.units;
  const std::uint64_t chunks = (job.rows + chunk_rows - 1) / chunk_rows;
  std::vector<DmaEngine::JobPtr> loads(chunks);
  if (job.op == VectorOp::LayerNorm && job.src2 != 0)
    loads.front() = dma_.read(job.src2, src2_bytes(job), nullptr);
  for (std::uint64_t c = 0; c < chunks; ++c) {
    const std::uint64_t row0 = c * chunk_rows, n = std::min(chunk_rows, job.rows - row0);
    loads[c] = dma_.read(job.src + row0 * row_bytes, n * row_bytes, nullptr, loads[c]);
    if (job.op == VectorOp::Add)
      dma_.read(job.src2 + row0 * row_bytes, n * row_bytes, nullptr, loads[c]);
  }
  const sc_core::sc_time row_time =
      period_ * static_cast<double>(vector_row_cycles(job.op, job.length, config_));
  auto writes = std::make_shared<DmaEngine::Job>();
  sc_core::sc_time busy_start = t0;
  for (std::uint64_t c = 0; c < chunks; ++c) {
    loads[c]->wait();
    ok &= loads[c]->ok;
    const std::uint64_t row0 = c * chunk_rows, n = std::min(chunk_rows, job.rows - row0);
    if (c == 0) busy_start = sc_core::sc_time_stamp();
    sc_core::wait(units_.book(n, row_time, sc_core::sc_time_stamp()) - sc_core::sc_time_stamp());
    auto* data =
        functional_ ? reinterpret_cast<std::uint8_t*>(result.data() + row0 * job.length) : nullptr;
    dma_.write(job.dst + row0 * row_bytes, n * row_bytes, data, writes);
  }
  emit_span(events_, track_, to_string(job.op), busy_start, sc_core::sc_time_stamp(),
            {{"rows", job.rows}, {"length", job.length}});
  writes->wait();
  ok &= writes->ok;
  ++stats_.ops;
  stats_.cycles += static_cast<std::uint64_t>((sc_core::sc_time_stamp() - t0) / period_);
  return ok;
}

}  // namespace vp::npu
