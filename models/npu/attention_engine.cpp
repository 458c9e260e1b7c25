#include "models/npu/attention_engine.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>

#include <fmt/format.h>

#include "models/npu/fp16_math.h"
#include "models/npu/unit_trace.h"

namespace vp::npu {
namespace {

std::uint8_t* bytes_of(std::vector<Half>& v) { return reinterpret_cast<std::uint8_t*>(v.data()); }

/// p = softmax(scale x logits) per head, in fp32, rounded to fp16 as stored for the GWRITE.
void softmax_rows(const std::vector<Half>& logits, std::uint32_t heads, std::uint32_t tokens,
                  float scale, std::vector<float>& p) {
  p.assign(std::size_t{heads} * tokens, 0.0F);
  for (std::uint32_t h = 0; h < heads; ++h) {
    float max = -INFINITY, sum = 0.0F;
    for (std::uint32_t t = 0; t < tokens; ++t)
      max = std::max(max, scale * float(logits[h * tokens + t]));
    for (std::uint32_t t = 0; t < tokens; ++t)
      sum += (p[h * tokens + t] = std::exp(scale * float(logits[h * tokens + t]) - max));
    for (std::uint32_t t = 0; t < tokens; ++t)
      p[h * tokens + t] = float(Half(p[h * tokens + t] / sum));
  }
}

hbm::PimExtension pim_command(hbm::PimOp op, std::uint32_t channel) {
  hbm::PimExtension e;
  e.op = op;
  e.channel = channel;
  return e;
}

}  // namespace

AttentionEngine::AttentionEngine(std::string name, const SystolicConfig& systolic,
                                 const VectorConfig& vector, VectorUnitPool& units,
                                 sc_core::sc_mutex& arrays, const sc_core::sc_time& period,
                                 DmaEngine& dma, const TraceEvents& events, bool functional)
    : name_(std::move(name)),
      systolic_(systolic),
      vector_(vector),
      units_(units),
      arrays_(arrays),
      period_(period),
      dma_(dma),
      events_(events),
      functional_(functional) {
  stats_.channel_busy_cycles.assign(dma.memory().organization().channels, 0);
}

sc_core::sc_time AttentionEngine::softmax_row_time(std::uint32_t tokens) const {
  return period_ * static_cast<double>(vector_row_cycles(VectorOp::Scale, tokens, vector_) +
                                       vector_row_cycles(VectorOp::Softmax, tokens, vector_));
}

bool AttentionEngine::run(const AttentionJob& job) {
  const sc_core::sc_time t0 = now();
  const bool ok = job.mode == AttentionMode::Pim ? run_pim(job) : run_npu(job);
  ++stats_.descriptors;
  stats_.requests += job.requests.size();
  for (const auto& r : job.requests) stats_.tokens += r.tokens;
  if (job.mode == AttentionMode::Npu)  // logits and attend: tokens x E MACs each per query
    for (const auto& r : job.requests)
      for (std::uint32_t j = 0; j < job.queries; ++j)
        stats_.npu_macs += 2.0 * (r.tokens - job.queries + j + 1) * job.layout.embedding();
  stats_.cycles += static_cast<std::uint64_t>((sc_core::sc_time_stamp() - t0) / period_);
  return ok;
}

AttentionEngine::Append AttentionEngine::start_append(const AttentionJob& job,
                                                      std::uint32_t index) {
  const std::uint32_t E = job.layout.embedding(), Ekv = job.layout.kv_embedding(), n = job.queries;
  Append a;
  a.kv.assign(std::size_t{2} * Ekv * n, Half(0.0F));
  a.key_rows.assign(std::size_t{job.layout.chunks_k()} * job.layout.row_elems * n, Half(0.0F));
  a.read = std::make_shared<DmaEngine::Job>();
  for (std::uint32_t j = 0; j < n; ++j) {
    const std::uint64_t q = job.q + (std::uint64_t{index} * n + j) * job.q_stride;
    dma_.read(q + std::uint64_t{E} * 2, std::uint64_t{Ekv} * 4,
              functional_ ? bytes_of(a.kv) + std::size_t{j} * Ekv * 4 : nullptr, a.read);
  }
  a.writes = std::make_shared<DmaEngine::Job>();
  return a;
}

bool AttentionEngine::finish_append(const AttentionJob& job, std::uint32_t index, Append& a) {
  const KvLayout& lay = job.layout;
  const AttentionRequest& req = job.requests[index];
  const std::uint32_t E = lay.kv_embedding(), P = lay.row_elems, n = job.queries,
                      first = req.tokens - n;
  a.read->wait();
  for (std::uint32_t j = 0; j < n; ++j) {
    const std::size_t keys = std::size_t{j} * lay.chunks_k() * P;
    std::copy(a.kv.begin() + std::size_t{j} * 2 * E, a.kv.begin() + std::size_t{j} * 2 * E + E,
              a.key_rows.begin() + keys);
    for (std::uint32_t c = 0; c < lay.chunks_k(); ++c) {  // the chunk's part of the bank row
      const auto slot = lay.k_slot(first + j, c * P);
      dma_.write(dma_.bank_row_address(req.channel, slot.bank, req.k_rows[slot.list_index]) +
                     std::uint64_t{slot.element} * 2,
                 std::uint64_t{lay.chunk_transfer(c)} * 2,
                 functional_ ? bytes_of(a.key_rows) + (keys + std::size_t{c} * P) * 2 : nullptr,
                 a.writes);
    }
  }
  // A value dimension is a bank row of tokens: the new tokens of one segment are consecutive
  // elements of it, written at once (one 2-byte write per element when decoding).
  a.value_runs.assign(std::size_t{E} * n, Half(0.0F));
  std::size_t at = 0;
  for (std::uint32_t h = 0; h < lay.kv_count(); ++h)
    for (std::uint32_t d = 0; d < lay.head_dim; ++d)
      for (std::uint32_t j = 0; j < n;) {
        const auto slot = lay.v_slot(first + j, h, d);
        std::uint32_t run = 1;
        while (j + run < n) {
          const auto next = lay.v_slot(first + j + run, h, d);
          if (next.list_index != slot.list_index || next.bank != slot.bank ||
              next.element != slot.element + run)
            break;
          ++run;
        }
        for (std::uint32_t r = 0; r < run; ++r)
          a.value_runs[at + r] =
              a.kv[std::size_t{j + r} * 2 * E + E + std::size_t{h} * lay.head_dim + d];
        dma_.write(dma_.bank_row_address(req.channel, slot.bank, req.v_rows[slot.list_index]) +
                       std::uint64_t{slot.element} * 2,
                   std::uint64_t{run} * 2, functional_ ? bytes_of(a.value_runs) + at * 2 : nullptr,
                   a.writes);
        at += run;
        j += run;
      }
  return a.read->ok;
}

bool AttentionEngine::run_pim(const AttentionJob& job) {
  std::map<std::uint32_t, std::vector<std::uint32_t>> by_channel;
  for (std::uint32_t i = 0; i < job.requests.size(); ++i)
    by_channel[job.requests[i].channel].push_back(i);
  std::size_t remaining = by_channel.size();
  sc_core::sc_event all_done;
  bool ok = true;
  for (const auto& [channel, requests] : by_channel) {
    sc_core::sc_spawn([&, channel = channel, requests = &requests] {
      ok &= pim_channel(job, channel, *requests);
      if (--remaining == 0) all_done.notify(sc_core::SC_ZERO_TIME);
    });
  }
  while (remaining != 0) sc_core::wait(all_done);
  return ok;
}

bool AttentionEngine::pim_channel(const AttentionJob& job, std::uint32_t channel,
                                  const std::vector<std::uint32_t>& requests) {
  const KvLayout& lay = job.layout;
  const std::uint32_t E = lay.embedding(), P = lay.row_elems, B = lay.banks, dk = lay.head_dim;
  const std::uint32_t row_bytes = P * 2, result_bytes = B * 2;
  const std::string track = fmt::format("{}.ch{:02}", name_, channel);
  bool ok = true;
  struct Live {
    std::uint32_t index = 0;
    std::vector<Half> gbuf, results, logits, p_chunks, partials;
    std::vector<float> p;  ///< softmax of the logits [heads x tokens] (functional mode)
    sc_core::sc_time softmax_done;
  };
  auto busy = [&](const sc_core::sc_time& start, const char* what, std::uint32_t index) {
    stats_.channel_busy_cycles[channel] +=
        static_cast<std::uint64_t>((sc_core::sc_time_stamp() - start) / period_);
    emit_span(events_, track, what, start, sc_core::sc_time_stamp(), {{"request", index}});
  };
  auto tile = [&](const DmaEngine::JobPtr& cmds, std::uint32_t row, std::uint32_t comps,
                  std::uint32_t readres) {
    auto header = pim_command(hbm::PimOp::Header, channel);
    header.comps = comps;
    header.readres = readres;
    dma_.pim(header, nullptr, 0, cmds);
    auto act = pim_command(hbm::PimOp::GAct, channel);
    act.all_banks = true;
    act.row = row;
    dma_.pim(act, nullptr, 0, cmds);
  };
  auto close_tile = [&](const DmaEngine::JobPtr& cmds) {
    if (!close_each_tile_) return;  // the tile's last COMPS_READRES ended it
    auto pre = pim_command(hbm::PimOp::PimPre, channel);
    pre.all_banks = true;
    pre.last_in_tile = true;
    dma_.pim(pre, nullptr, 0, cmds);
  };

  auto logit_phase = [&](Live& r) {
    const AttentionRequest& req = job.requests[r.index];
    const sc_core::sc_time start = now();
    const std::uint32_t chunks = lay.chunks_k(), groups = lay.token_groups(req.tokens),
                        hpc = lay.heads_per_chunk(), G = lay.group(), pack = lay.k_pack(),
                        Ekv = lay.kv_embedding();
    if (job.append) {  // PIM commands are not ordered against writes: the tiles wait for them
      Append a = start_append(job, r.index);
      ok &= finish_append(job, r.index, a);
      a.writes->wait();
      ok &= a.writes->ok;
    }
    // The global buffer of (chunk c, group member m): at each K/V head j's place in the chunk
    // (in every token group's slot of a packed row), the q of its m-th query head (j G + m);
    // with G = 1 and no packing simply q's chunk c.
    const bool direct = G == 1 && pack == 1;
    r.gbuf.assign(std::size_t{chunks} * G * P, Half(0.0F));
    std::vector<Half> q(direct ? 0 : E, Half(0.0F));
    auto q_job = dma_.read(job.q + std::uint64_t{r.index} * job.q_stride, std::uint64_t{E} * 2,
                           functional_ ? (direct ? bytes_of(r.gbuf) : bytes_of(q)) : nullptr);
    q_job->wait();
    ok &= q_job->ok;
    if (functional_ && !direct)
      for (std::uint32_t j = 0; j < lay.kv_count(); ++j)
        for (std::uint32_t m = 0; m < G; ++m)
          for (std::uint32_t slot = 0; slot < pack; ++slot)
            std::copy_n(q.begin() + std::size_t{j * G + m} * dk, dk,
                        r.gbuf.begin() + (std::size_t{j / hpc} * G + m) * P +
                            std::size_t{slot} * Ekv + std::size_t{j % hpc} * dk);
    // Per chunk and group member: a GWRITE, then a tile per K row (each holding `pack` token
    // groups); a K row is opened once per member (docs/npu.md, grouped-query attention on PIM).
    r.results.assign(std::size_t{chunks} * G * groups * hpc * B, Half(0.0F));
    auto cmds = std::make_shared<DmaEngine::Job>();
    for (std::uint32_t c = 0; c < chunks; ++c) {
      const std::uint32_t heads_here = std::min(hpc, lay.kv_count() - c * hpc);
      for (std::uint32_t m = 0; m < G; ++m) {
        dma_.pim(pim_command(hbm::PimOp::Gwrite, channel),
                 bytes_of(r.gbuf) + (std::size_t{c} * G + m) * row_bytes, row_bytes, cmds);
        for (std::uint32_t row = 0; row * pack < groups; ++row) {  // pack token groups a row
          const std::uint32_t slots = std::min(pack, groups - row * pack);
          tile(cmds, req.k_rows[row * chunks + c], slots * heads_here * (dk / 16),
               slots * heads_here);
          for (std::uint32_t slot = 0; slot < slots; ++slot)
            for (std::uint32_t hl = 0; hl < heads_here; ++hl) {
              const std::uint32_t g = row * pack + slot;
              auto cr = pim_command(hbm::PimOp::CompsReadRes, channel);
              cr.column = (slot * Ekv + hl * dk) / 16;
              cr.comps = dk / 16;
              cr.last_in_tile = !close_each_tile_ && slot + 1 == slots && hl + 1 == heads_here;
              dma_.pim(cr,
                       bytes_of(r.results) +
                           (((std::size_t{c} * G + m) * groups + g) * hpc + hl) * result_bytes,
                       result_bytes, cmds);
            }
          close_tile(cmds);
        }
      }
    }
    cmds->wait();
    ok &= cmds->ok;
    busy(start, "logit", r.index);
    r.logits.assign(std::size_t{lay.heads} * req.tokens, Half(0.0F));
    for (std::uint32_t h = 0; h < lay.heads; ++h)
      for (std::uint32_t t = 0; t < req.tokens; ++t) {
        const std::uint32_t j = h / G, m = h % G, c = j / hpc, hl = j % hpc, g = t / B;
        r.logits[std::size_t{h} * req.tokens + t] =
            r.results[(((std::size_t{c} * G + m) * groups + g) * hpc + hl) * B + t % B];
      }
    r.softmax_done = units_.book(lay.heads, softmax_row_time(req.tokens), sc_core::sc_time_stamp());
    emit_span(events_, name_ + ".softmax", "SOFTMAX", sc_core::sc_time_stamp(), r.softmax_done,
              {{"request", r.index}, {"tokens", req.tokens}});
    if (functional_) softmax_rows(r.logits, lay.heads, req.tokens, job.scale, r.p);
  };

  // Attend: per head and token chunk one GWRITE of p's chunk, placed at the offset of each of
  // the chunk's V segments (one offset with a whole-row chunk); then per KV row holding some of
  // those segments a tile: HEADER, G_ACT, one COMPS_READRES per segment (its columns), PIM_PRE.
  auto attend_phase = [&](Live& r) {
    const AttentionRequest& req = job.requests[r.index];
    if (sc_core::sc_time_stamp() < r.softmax_done)
      sc_core::wait(r.softmax_done - sc_core::sc_time_stamp());
    const sc_core::sc_time start = now();
    const std::uint32_t C = lay.v_tokens(), chunks_v = lay.chunks_v(req.tokens),
                        tiles = lay.tiles_v(), G = lay.group();
    r.p_chunks.assign(std::size_t{lay.heads} * chunks_v * P, Half(0.0F));
    r.partials.assign(std::size_t{lay.heads} * chunks_v * tiles * B, Half(0.0F));
    auto cmds = std::make_shared<DmaEngine::Job>();
    for (std::uint32_t h = 0; h < lay.heads; ++h)
      for (std::uint32_t ci = 0; ci < chunks_v; ++ci) {
        const std::uint32_t in_chunk = std::min(C, req.tokens - ci * C),
                            comps = (in_chunk + 15) / 16;
        Half* gbuf = r.p_chunks.data() + (std::size_t{h} * chunks_v + ci) * P;
        if (functional_)
          for (std::uint32_t ti = 0; ti < tiles; ++ti) {
            const std::uint32_t offset = lay.v_segment_offset(lay.v_segment(ci, h / G, ti));
            const float* p = r.p.data() + std::size_t{h} * req.tokens + std::size_t{ci} * C;
            for (std::uint32_t t = 0; t < in_chunk; ++t) gbuf[offset + t] = Half(p[t]);
          }
        dma_.pim(pim_command(hbm::PimOp::Gwrite, channel), reinterpret_cast<unsigned char*>(gbuf),
                 row_bytes, cmds);
        for (std::uint32_t ti = 0; ti < tiles;) {  // the tiles' segments, grouped by KV row
          const std::uint32_t row = lay.v_segment_row(lay.v_segment(ci, h / G, ti));
          std::uint32_t end = ti + 1;
          while (end < tiles && lay.v_segment_row(lay.v_segment(ci, h / G, end)) == row) ++end;
          tile(cmds, req.v_rows[row], comps * (end - ti), end - ti);
          for (; ti < end; ++ti) {
            auto cr = pim_command(hbm::PimOp::CompsReadRes, channel);
            cr.column = lay.v_segment_offset(lay.v_segment(ci, h / G, ti)) / 16;
            cr.comps = comps;
            cr.last_in_tile = !close_each_tile_ && ti + 1 == end;
            dma_.pim(cr,
                     bytes_of(r.partials) +
                         ((std::size_t{h} * chunks_v + ci) * tiles + ti) * result_bytes,
                     result_bytes, cmds);
          }
          close_tile(cmds);
        }
      }
    cmds->wait();
    ok &= cmds->ok;
    busy(start, "attend", r.index);
    if (chunks_v > 1) {  // partial sums of the token chunks, on the vector units
      const auto add_row =
          period_ *
          static_cast<double>((chunks_v - 1) * vector_row_cycles(VectorOp::Add, dk, vector_));
      sc_core::wait(units_.book(lay.heads, add_row, sc_core::sc_time_stamp()) -
                    sc_core::sc_time_stamp());
    }
    std::vector<Half> out(E, Half(0.0F));
    if (functional_)
      for (std::uint32_t h = 0; h < lay.heads; ++h)
        for (std::uint32_t d = 0; d < dk; ++d) {
          float sum = 0.0F;
          for (std::uint32_t ci = 0; ci < chunks_v; ++ci)
            sum +=
                float(r.partials[((std::size_t{h} * chunks_v + ci) * tiles + d / B) * B + d % B]);
          out[std::size_t{h} * dk + d] = Half(sum);
        }
    auto w = dma_.write(job.out + std::uint64_t{r.index} * E * 2, std::uint64_t{E} * 2,
                        functional_ ? bytes_of(out) : nullptr);
    w->wait();
    ok &= w->ok;
  };

  std::optional<Live> previous;
  for (const std::uint32_t index : requests) {
    Live current;
    current.index = index;
    logit_phase(current);
    if (previous) attend_phase(*previous);
    previous = std::move(current);
  }
  if (previous) attend_phase(*previous);
  return ok;
}

bool AttentionEngine::run_npu(const AttentionJob& job) {
  const KvLayout& lay = job.layout;
  const std::uint32_t E = lay.embedding(), P = lay.row_elems, B = lay.banks, dk = lay.head_dim,
                      G = lay.group(), KV = lay.kv_count(), nq = job.queries;
  const std::uint64_t row_bytes = std::uint64_t{P} * 2;
  bool ok = true;
  struct Loaded {
    DmaEngine::JobPtr job;
    std::vector<Half> q, k, v;
  };
  auto load = [&](std::uint32_t index) {
    const AttentionRequest& req = job.requests[index];
    Loaded l;
    l.job = std::make_shared<DmaEngine::Job>();
    if (functional_) {
      l.q.assign(std::size_t{E} * nq, Half(0.0F));
      l.k.assign(req.k_rows.size() * B * P, Half(0.0F));
      l.v.assign(req.v_rows.size() * B * P, Half(0.0F));
    }
    for (std::uint32_t j = 0; j < nq; ++j)
      dma_.read(job.q + (std::uint64_t{index} * nq + j) * job.q_stride, std::uint64_t{E} * 2,
                functional_ ? bytes_of(l.q) + std::size_t{j} * E * 2 : nullptr, l.job);
    // Only what holds the request's tokens: a K bank row is one token's key chunk (read the
    // banks of tokens < tokens, the chunk's elements); a V bank row holds segments of C tokens
    // of one dimension (read up to the end of the last token of its last used segment).
    const std::uint32_t pack = lay.k_pack();
    for (std::size_t i = 0; i < req.k_rows.size(); ++i) {
      const std::uint32_t row = static_cast<std::uint32_t>(i) / lay.chunks_k();
      const std::uint32_t chunk = static_cast<std::uint32_t>(i) % lay.chunks_k();
      for (std::uint32_t b = 0; b < B; ++b) {
        std::uint32_t slots = 0;  // the row's token groups that hold a token in bank b
        while (slots < pack && (row * pack + slots) * B + b < req.tokens) ++slots;
        if (slots == 0) break;
        dma_.read(dma_.bank_row_address(req.channel, b, req.k_rows[i]),
                  std::uint64_t{slots} * lay.chunk_transfer(chunk) * 2,
                  functional_ ? bytes_of(l.k) + (i * B + b) * row_bytes : nullptr, l.job);
      }
    }
    const std::uint32_t C = lay.v_tokens(),
                        segments = KV * lay.tiles_v() * lay.chunks_v(req.tokens);
    for (std::size_t i = 0; i < req.v_rows.size(); ++i) {
      const std::uint32_t last =
          std::min<std::uint32_t>(segments,
                                  static_cast<std::uint32_t>(i + 1) * lay.segments_per_row()) -
          1;
      const std::uint32_t chunk = last / (KV * lay.tiles_v());
      const std::uint64_t bytes =
          (std::uint64_t{lay.v_segment_offset(last)} + std::min(C, req.tokens - chunk * C)) * 2;
      for (std::uint32_t b = 0; b < B; ++b)
        dma_.read(dma_.bank_row_address(req.channel, b, req.v_rows[i]), bytes,
                  functional_ ? bytes_of(l.v) + (i * B + b) * row_bytes : nullptr, l.job);
    }
    return l;
  };
  // The arrays run the GEMVs back to back across requests: an item is one K or V tile of a K/V
  // head as the stationary operand with the q (or p) rows of its G query heads streaming
  // (G <= R rows: the weight load, R cycles, bounds it); items go to the array that frees first,
  // none before its request's data is in (logits) or its softmax is done (attend); a phase's
  // results are out R + 1 + R + C - 2 cycles after its last item started (load, one row, drain).
  arrays_.lock();
  std::vector<sc_core::sc_time> free_at(systolic_.arrays, now());
  const sc_core::sc_time item = period_ * static_cast<double>(systolic_.rows);
  const sc_core::sc_time tail =
      period_ * static_cast<double>(2 * systolic_.rows + systolic_.cols - 1);
  sc_core::sc_time last_start;
  auto start_items = [&](std::uint64_t items, const sc_core::sc_time& ready,
                         const sc_core::sc_time& length) {
    for (std::uint64_t n = 0; n < items; ++n) {
      auto array = std::min_element(free_at.begin(), free_at.end());
      const sc_core::sc_time start = std::max(*array, ready);
      *array = start + length;
      last_start = std::max(last_start, start);
    }
  };
  auto run_items = [&](std::uint64_t items, const sc_core::sc_time& ready) {
    last_start = ready;
    start_items(items, ready, item);
    return last_start + tail;
  };
  auto tiles = [](std::uint64_t a, std::uint64_t b) { return (a + b - 1) / b; };
  // Prefill: per token tile [first, first + span), the items of each K/V head stream the rows of
  // the queries at or after `first` (G rows each), max(R, rows) cycles; `per_tile` items share it.
  auto run_causal_items = [&](std::uint32_t tokens, std::uint32_t span, std::uint64_t per_tile,
                              const sc_core::sc_time& ready) {
    last_start = ready;
    const std::uint32_t first_query = tokens - nq;
    for (std::uint32_t first = 0; first < tokens; first += span) {
      const std::uint32_t queries = nq - (first > first_query ? first - first_query : 0U);
      const std::uint64_t rows =
          std::max<std::uint64_t>(systolic_.rows, std::uint64_t{G} * queries);
      start_items(per_tile * KV, ready, period_ * static_cast<double>(rows));
    }
    return last_start + tail;
  };
  struct PendingWrite {
    sc_core::sc_time due;
    std::uint32_t request;
  };
  std::vector<PendingWrite> pending;  // due times in request order are not monotonic: scan
  auto writes = std::make_shared<DmaEngine::Job>();
  std::vector<std::vector<Half>> outputs(job.requests.size());
  auto issue_due = [&] {
    for (auto it = pending.begin(); it != pending.end();) {
      if (it->due > now()) {
        ++it;
        continue;
      }
      const std::uint32_t i = it->request;
      dma_.write(job.out + std::uint64_t{i} * nq * E * 2, std::uint64_t{E} * nq * 2,
                 functional_ ? bytes_of(outputs[i]) : nullptr, writes);
      it = pending.erase(it);
    }
  };
  auto next_due = [&] {
    sc_core::sc_time t = sc_core::SC_ZERO_TIME;
    for (const auto& w : pending)
      if (t == sc_core::SC_ZERO_TIME || w.due < t) t = w.due;
    return t;
  };
  // Every request's reads are queued at once: each request's KV sits in one channel, so only
  // many requests in flight keep all channels streaming (the DMA's per-channel limits bound
  // what is outstanding); compute consumes them in request order.
  // Appends: every k/v read at once; each request's writes go out when its read is in, ahead of
  // its KV loads in the same channel queues, which the memory keeps in order per address.
  std::vector<Append> appends;
  if (job.append)
    for (std::uint32_t i = 0; i < job.requests.size(); ++i) appends.push_back(start_append(job, i));
  std::vector<Loaded> loads;
  loads.reserve(job.requests.size());
  for (std::uint32_t i = 0; i < job.requests.size(); ++i) {
    if (job.append) ok &= finish_append(job, i, appends[i]);
    loads.push_back(load(i));
  }
  sc_core::sc_time all_done = now();
  for (std::uint32_t i = 0; i < job.requests.size(); ++i) {
    Loaded current = std::move(loads[i]);
    while (!current.job->complete()) {  // meanwhile, outputs go out when they are ready
      issue_due();
      const sc_core::sc_time due = next_due();
      if (due != sc_core::SC_ZERO_TIME) {
        sc_core::wait(due - now(), current.job->done);
      } else {
        sc_core::wait(current.job->done);
      }
    }
    issue_due();
    ok &= current.job->ok;
    const AttentionRequest& req = job.requests[i];
    const sc_core::sc_time start = now();
    sc_core::sc_time attend_done;
    if (nq > 1) {  // a prefill chunk: causal, K and V tiles shared by its queries
      const sc_core::sc_time logits_done =
          run_causal_items(req.tokens, systolic_.cols, tiles(dk, systolic_.rows), start);
      sc_core::sc_time softmax_done = logits_done;
      for (std::uint32_t j = 0; j < nq; ++j)
        softmax_done = std::max(
            softmax_done,
            units_.book(lay.heads, softmax_row_time(req.tokens - nq + j + 1), logits_done));
      emit_span(events_, name_ + ".softmax", "SOFTMAX", logits_done, softmax_done,
                {{"request", i}, {"tokens", req.tokens}, {"queries", nq}});
      attend_done =
          run_causal_items(req.tokens, systolic_.rows, tiles(dk, systolic_.cols), softmax_done);
    } else if (systolic_.model == SystolicModel::SimulatorNpuOnly) {
      // The public simulator's NPU-only attention: per head on its one in-order pipeline, a GEMV
      // PRELOAD of size L/8 (logits), the softmax, then ceil((L + 127) / 128) GEMV PRELOADs of
      // size s (attend); each PRELOAD waits for the previous instruction (its latency).
      const std::uint64_t logit = systolic_.simulator_latency(req.tokens / 8);
      const std::uint64_t attend = (std::uint64_t{req.tokens} + 127 + 127) / 128 *
                                   systolic_.simulator_latency(systolic_.simulator_block());
      sc_core::sc_time t = std::max(start, free_at.front());
      for (std::uint32_t h = 0; h < lay.heads; ++h) {
        t += period_ * static_cast<double>(logit);
        t = units_.book(1, softmax_row_time(req.tokens), t);
        t += period_ * static_cast<double>(attend);
      }
      std::fill(free_at.begin(), free_at.end(), t);
      attend_done = t;
    } else {
      const sc_core::sc_time logits_done = run_items(
          std::uint64_t{KV} * tiles(dk, systolic_.rows) * tiles(req.tokens, systolic_.cols), start);
      const sc_core::sc_time softmax_done =
          units_.book(lay.heads, softmax_row_time(req.tokens), logits_done);
      emit_span(events_, name_ + ".softmax", "SOFTMAX", logits_done, softmax_done,
                {{"request", i}, {"tokens", req.tokens}});
      attend_done = run_items(
          std::uint64_t{KV} * tiles(req.tokens, systolic_.rows) * tiles(dk, systolic_.cols),
          softmax_done);
    }
    emit_span(events_, name_ + ".npu", "attention", start, attend_done, {{"request", i}});
    all_done = std::max(all_done, attend_done);
    outputs[i].assign(std::size_t{E} * nq, Half(0.0F));
    // Query j sees the tokens up to its own: the first tokens - nq + j + 1.
    for (std::uint32_t j = 0; functional_ && j < nq; ++j) {
      const std::uint32_t seen = req.tokens - nq + j + 1;
      const Half* q = current.q.data() + std::size_t{j} * E;
      Half* out = outputs[i].data() + std::size_t{j} * E;
      std::vector<Half> logits(std::size_t{lay.heads} * seen, Half(0.0F));
      for (std::uint32_t h = 0; h < lay.heads; ++h)
        for (std::uint32_t t = 0; t < seen; ++t) {
          float sum = 0.0F;
          for (std::uint32_t d = 0; d < dk; ++d) {
            const auto slot = lay.k_slot(t, (h / G) * dk + d);
            sum +=
                float(q[h * dk + d]) *
                float(current.k[(std::size_t{slot.list_index} * B + slot.bank) * P + slot.element]);
          }
          logits[std::size_t{h} * seen + t] = Half(sum);
        }
      std::vector<float> p;
      softmax_rows(logits, lay.heads, seen, job.scale, p);
      for (std::uint32_t h = 0; h < lay.heads; ++h)
        for (std::uint32_t d = 0; d < dk; ++d) {
          float sum = 0.0F;
          for (std::uint32_t t = 0; t < seen; ++t) {
            const auto slot = lay.v_slot(t, h / G, d);
            sum +=
                p[std::size_t{h} * seen + t] *
                float(current.v[(std::size_t{slot.list_index} * B + slot.bank) * P + slot.element]);
          }
          out[std::size_t{h} * dk + d] = Half(sum);
        }
    }
    pending.push_back({attend_done, i});
  }
  while (!pending.empty()) {
    issue_due();
    if (!pending.empty()) sc_core::wait(next_due() - now());
  }
  if (now() < all_done) sc_core::wait(all_done - now());
  arrays_.unlock();
  for (const auto& a : appends) {
    a.writes->wait();
    ok &= a.writes->ok;
  }
  writes->wait();
  return ok && writes->ok;
}

}  // namespace vp::npu
