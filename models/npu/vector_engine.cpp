#include "models/npu/vector_engine.h"

#include <algorithm>
#include <functional>
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
  if (job.op == VectorOp::Add || job.op == VectorOp::SiluMul) return job.rows * job.length * 2;
  if (job.op == VectorOp::LayerNorm && job.src2 != 0) return job.length * 4;
  if (job.op == VectorOp::RmsNorm && job.src2 != 0) return job.length * 2;
  if (job.op == VectorOp::Rope) return job.rows * 4;
  if (job.op == VectorOp::Gather || job.op == VectorOp::ScatterAdd) return job.rows * 8;
  return 0;
}

bool VectorEngine::run(const VectorJob& job) {
  if (job.row_op()) return run_rows(job);
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
  if ((job.op == VectorOp::LayerNorm || job.op == VectorOp::RmsNorm) && job.src2 != 0)
    loads.front() = dma_.read(job.src2, src2_bytes(job), nullptr);
  for (std::uint64_t c = 0; c < chunks; ++c) {
    const std::uint64_t row0 = c * chunk_rows, n = std::min(chunk_rows, job.rows - row0);
    loads[c] = dma_.read(job.src + row0 * row_bytes, n * row_bytes, nullptr, loads[c]);
    if (job.op == VectorOp::Add || job.op == VectorOp::SiluMul)
      dma_.read(job.src2 + row0 * row_bytes, n * row_bytes, nullptr, loads[c]);
  }
  return compute_and_write(
      job, t0, loads, ok, [&](std::uint64_t row0, std::uint64_t n, const DmaEngine::JobPtr& w) {
        auto* data = functional_
                         ? reinterpret_cast<std::uint8_t*>(result.data() + row0 * job.length)
                         : nullptr;
        dma_.write(job.dst + row0 * row_bytes, n * row_bytes, data, w);
      });
}

bool VectorEngine::compute_and_write(
    const VectorJob& job, const sc_core::sc_time& t0, const std::vector<DmaEngine::JobPtr>& loads,
    bool ok,
    const std::function<void(std::uint64_t, std::uint64_t, const DmaEngine::JobPtr&)>& write_rows) {
  const std::uint64_t chunk_rows = config_.units;
  const sc_core::sc_time row_time =
      period_ * static_cast<double>(vector_row_cycles(job.op, job.length, config_, job.param));
  auto writes = std::make_shared<DmaEngine::Job>();
  sc_core::sc_time busy_start = t0;
  for (std::uint64_t c = 0; c < loads.size(); ++c) {
    loads[c]->wait();
    ok &= loads[c]->ok;
    const std::uint64_t row0 = c * chunk_rows, n = std::min(chunk_rows, job.rows - row0);
    if (c == 0) busy_start = sc_core::sc_time_stamp();
    sc_core::wait(units_.book(n, row_time, sc_core::sc_time_stamp()) - sc_core::sc_time_stamp());
    write_rows(row0, n, writes);
  }
  emit_span(events_, track_, to_string(job.op), busy_start, sc_core::sc_time_stamp(),
            {{"rows", job.rows}, {"length", job.length}});
  writes->wait();
  ok &= writes->ok;
  ++stats_.ops;
  stats_.cycles += static_cast<std::uint64_t>((sc_core::sc_time_stamp() - t0) / period_);
  return ok;
}

bool VectorEngine::run_rows(const VectorJob& job) {
  const sc_core::sc_time t0 = now();
  const std::uint64_t row_bytes = job.length * 2;
  const std::uint64_t out_length =
      job.op == VectorOp::TopK ? 2 * std::uint64_t{job.param} : job.length;
  const std::uint64_t out_bytes = out_length * 2;
  // Where row r is read from and written to.
  auto src_of = [&](std::uint64_t r) {
    if (job.op == VectorOp::Rope) return job.src + r * job.stride;
    if (job.op == VectorOp::Gather) return job.src + job.index[r] * job.stride;
    return job.src + r * row_bytes;
  };
  auto dst_of = [&](std::uint64_t r) {
    if (job.op == VectorOp::Rope) return job.dst + r * job.stride;
    if (job.op == VectorOp::ScatterAdd) return job.dst + job.index[r] * job.stride;
    return job.dst + r * out_bytes;
  };
  bool ok = true;
  std::vector<Half> in(job.rows * job.length), out(job.rows * out_length);
  if (functional_) {
    for (std::uint64_t r = 0; r < job.rows; ++r) {
      ok &= dma_.debug_read(src_of(r), row_bytes,
                            reinterpret_cast<std::uint8_t*>(in.data() + r * job.length));
      if (job.op == VectorOp::ScatterAdd)  // read-modify-write of the destination row
        ok &= dma_.debug_read(dst_of(r), row_bytes,
                              reinterpret_cast<std::uint8_t*>(out.data() + r * job.length));
    }
    switch (job.op) {
      case VectorOp::Rope:
        rope_fp16(job.rows, job.length, job.param, job.index.data(), job.scalar, in.data(),
                  out.data());
        break;
      case VectorOp::TopK: topk_fp16(job.rows, job.length, job.param, in.data(), out.data()); break;
      case VectorOp::Gather: out = in; break;
      default:  // ScatterAdd: rows routed to the same destination add up in row order
        for (std::uint64_t r = 0; r < job.rows; ++r)
          for (std::uint64_t i = 0; i < job.length; ++i) {
            float sum = static_cast<float>(out[r * job.length + i]);
            for (std::uint64_t q = 0; q < r; ++q)  // an earlier row already updated it
              if (job.index[q] == job.index[r]) sum = static_cast<float>(out[q * job.length + i]);
            out[r * job.length + i] =
                Half(sum + job.weight[r] * static_cast<float>(in[r * job.length + i]));
          }
        break;
    }
  }
  const std::uint64_t chunk_rows = config_.units;
  const std::uint64_t chunks = (job.rows + chunk_rows - 1) / chunk_rows;
  std::vector<DmaEngine::JobPtr> loads(chunks);
  if (src2_bytes(job) != 0) loads.front() = dma_.read(job.src2, src2_bytes(job), nullptr);
  for (std::uint64_t c = 0; c < chunks; ++c)
    for (std::uint64_t r = c * chunk_rows; r < std::min(job.rows, (c + 1) * chunk_rows); ++r) {
      loads[c] = dma_.read(src_of(r), row_bytes, nullptr, loads[c]);
      if (job.op == VectorOp::ScatterAdd) dma_.read(dst_of(r), row_bytes, nullptr, loads[c]);
    }
  return compute_and_write(
      job, t0, loads, ok, [&](std::uint64_t row0, std::uint64_t n, const DmaEngine::JobPtr& w) {
        for (std::uint64_t r = row0; r < row0 + n; ++r)
          dma_.write(
              dst_of(r), out_bytes,
              functional_ ? reinterpret_cast<std::uint8_t*>(out.data() + r * out_length) : nullptr,
              w);
      });
}

}  // namespace vp::npu
