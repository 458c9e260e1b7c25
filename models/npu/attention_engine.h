// The ATTENTION descriptor: per request, logits = q . K^T, p = softmax(scale x logits),
// out = p . V, for every head, either through the PIM dispatcher or on the NPU itself.
//
// Contract:
// - Each request's K and V are in KV rows of one channel (kv_layout.h); q and out are fp16
//   [requests x heads x head_dim] in HBM (request r at base + r x E x 2). The V layout's segment
//   size (KvLayout::v_chunk) comes from the descriptor.
// - PIM mode (the dispatcher): channels work in parallel, each through its own requests in order.
//   Per request, logit phase: for each K chunk c and member m of a query group (G = heads /
//   kv_heads; 1 for multi-head attention), a GWRITE of the queries (head j G + m at K/V head j's
//   place, in every token-group slot of a packed row), then per K row a PIM tile: PIM_HEADER
//   (COMPs and READRES of the tile), G_ACT of the KV row in all banks, one COMPS_READRES per
//   K/V head of the chunk and token group of the row (head_dim / 16 COMPs; 32 logits, one token
//   per bank), PIM_PRE. The logits go to the vector units (SCALE + SOFTMAX per head, booked on the
//   shared units); meanwhile the channel runs the next request's logit phase, then this request's
//   attend phase: per (query) head and token chunk, one GWRITE of p's chunk placed at each of
//   its K/V head's V segments of the chunk, then per KV row holding those segments a tile: HEADER,
//   G_ACT, one COMPS_READRES (ceil(tokens in chunk / 16) COMPs) per segment, PIM_PRE (with
//   whole-row chunks: one tile per dimension tile); partial sums of several token chunks are added
//   on the vector units; out is written by the DMA.
// - NPU mode: the DMA reads every request's q and KV rows, all queued at once (a request's KV
//   sits in one channel; only many requests in flight use all channels). The arrays run the
//   GEMVs back to back across requests: one item per K (or V) tile of a K/V head, with the rows
//   of its G query heads streaming (a small GEMM), R cycles each (the weight load bounds it for
//   G <= R rows), on the array that frees first, a request's logit items once its
//   data is in, its attend items once its softmax (vector units) is done; out is written by the
//   DMA when ready. The arrays are held (mutex shared with GEMM) for the whole descriptor.
//   Under SystolicModel::SimulatorNpuOnly the GEMVs follow the public simulator's NPU-only
//   branch instead: per request and head, in order on one pipeline, a logit GEMV, the softmax,
//   then ceil((L + 127) / 128) attend GEMVs, each waiting for its predecessor's latency.
// - Functional mode: real data in both paths (PIM: the memory's PIM units compute the dot
//   products; the NPU rounds logits, p and partial sums to fp16 where the hardware stores them).
// - Append: each new token's k and v (right after its q, the QKV output layout) are first
//   written into the KV rows (decode: token tokens - 1): per K chunk one bank-row write (a
//   token's key chunk; KvLayout::chunk_transfer), per value element one 2-byte write (a value
//   dimension is a bank row of tokens; a prefill chunk writes each dimension's run of
//   consecutive tokens in a segment at once). These are normal writes in the request's channel,
//   so they compete with PIM there; the channel's PIM tiles start after they are answered.
// - Prefill (queries > 1, NPU mode): one K (V) tile load serves every query that reaches it, so
//   an item streams the rows of the queries at or after the tile's first token (G per query),
//   max(R, rows) cycles; each query's softmax row covers the tokens up to its own (causal).
// run() returns false if the memory refused a transfer or PIM command.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <systemc>

#include "models/npu/dma_engine.h"
#include "models/npu/fp16_math.h"
#include "models/npu/kv_layout.h"
#include "models/npu/systolic_timing.h"
#include "models/npu/vector_engine.h"
#include "platform/trace_events.h"

namespace vp::npu {

enum class AttentionMode : std::uint32_t { Npu = 0, Pim = 1, Count };

struct AttentionRequest {
  std::uint32_t tokens = 0;   ///< context length (keys and values present)
  std::uint32_t channel = 0;  ///< channel holding its KV rows
  std::vector<std::uint32_t> k_rows, v_rows;
};

struct AttentionJob {
  AttentionMode mode = AttentionMode::Pim;
  KvLayout layout;
  std::uint64_t q = 0, out = 0;
  std::uint64_t q_stride = 0;  ///< bytes between requests' q (k and v follow q when appending)
  bool append = false;         ///< write the new tokens' k and v first (tokens - queries ..)
  /// Queries per request: 1 (decode) or a prefill chunk's tokens (NPU mode only): request i's
  /// queries are input rows i x queries + j, the last `queries` tokens of its context, each
  /// attending causally to the tokens up to its own.
  std::uint32_t queries = 1;
  float scale = 1.0F;  ///< logits are multiplied by it before the softmax (1/sqrt(head_dim))
  std::vector<AttentionRequest> requests;
};

class AttentionEngine {
 public:
  struct Stats {
    std::uint64_t descriptors = 0, requests = 0, tokens = 0;
    std::uint64_t cycles = 0;  ///< wall cycles of ATTENTION descriptors
    double npu_macs = 0;       ///< NPU mode: q.K^T and p.V multiply-accumulates on the arrays
    std::vector<std::uint64_t> channel_busy_cycles;  ///< PIM mode: time each channel worked
  };

  AttentionEngine(std::string name, const SystolicConfig& systolic, const VectorConfig& vector,
                  VectorUnitPool& units, sc_core::sc_mutex& arrays, const sc_core::sc_time& period,
                  DmaEngine& dma, const TraceEvents& events, bool functional);

  /// PIM tiles: close each tile's rows with an all-bank PIM_PRE at its end (true, the default),
  /// or leave them open for the next tile's G_ACT to close, bank by bank, only where it needs
  /// another row (false: a tile ends with its last COMPS_READRES).
  void set_close_each_tile(bool close) { close_each_tile_ = close; }
  /// From a thread: runs one ATTENTION (already validated); false if the memory refused something.
  bool run(const AttentionJob& job);
  [[nodiscard]] const Stats& stats() const { return stats_; }

 private:
  struct Phase;
  bool close_each_tile_ = true;
  bool run_pim(const AttentionJob& job);
  bool run_npu(const AttentionJob& job);
  /// One channel of the PIM dispatcher: its requests (indices into job.requests) in order.
  bool pim_channel(const AttentionJob& job, std::uint32_t channel,
                   const std::vector<std::uint32_t>& requests);
  /// Appending request `index`'s new k and v (see append): start_append() reads them from the
  /// QKV output; finish_append() waits for that read and queues the writes on `writes`.
  struct Append {
    std::vector<Half> kv, key_rows, value_runs;  ///< must live until the writes are answered
    DmaEngine::JobPtr read, writes;
  };
  Append start_append(const AttentionJob& job, std::uint32_t index);
  bool finish_append(const AttentionJob& job, std::uint32_t index, Append& append);
  /// Time of one softmax row of `tokens` logits including the scaling.
  [[nodiscard]] sc_core::sc_time softmax_row_time(std::uint32_t tokens) const;

  std::string name_;
  SystolicConfig systolic_;
  VectorConfig vector_;
  VectorUnitPool& units_;
  sc_core::sc_mutex& arrays_;
  sc_core::sc_time period_;
  DmaEngine& dma_;
  const TraceEvents& events_;
  bool functional_;
  Stats stats_;
};

}  // namespace vp::npu
