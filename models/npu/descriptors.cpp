#include "models/npu/descriptors.h"

namespace vp::npu {

const std::vector<DescriptorFormat>& descriptor_table() {
  static const std::vector<DescriptorFormat> kTable = {
      {Opcode::Nop, "NOP", "Completes after the descriptor overhead.", {}},
      {Opcode::Signal,
       "SIGNAL",
       "Adds VALUE to semaphore SEM (wakes WAITs on any queue).",
       {{"SEM", 1, "semaphore index"}, {"VALUE", 2, "amount added"}}},
      {Opcode::Wait,
       "WAIT",
       "Blocks its queue until semaphore SEM >= VALUE.",
       {{"SEM", 1, "semaphore index"}, {"VALUE", 2, "threshold"}}},
      {Opcode::Gemm,
       "GEMM",
       "C[M x N] = X[M x K] . W[K x N] on the systolic arrays; X, W and C are row-major fp16 in "
       "HBM (addresses of the NPU's memory), W streamed tile by tile (docs/npu.md).",
       {{"M", 1, "rows of X and C (1 .. 2^20)"},
        {"K", 2, "columns of X, rows of W (1 .. 2^20)"},
        {"N", 3, "columns of W and C (1 .. 2^20)"},
        {"X_LO", 4, "address of X, bits 31:0"},
        {"X_HI", 5, "address of X, bits 63:32"},
        {"W_LO", 6, "address of W, bits 31:0"},
        {"W_HI", 7, "address of W, bits 63:32"},
        {"C_LO", 8, "address of C, bits 31:0"},
        {"C_HI", 9, "address of C, bits 63:32"},
        {"LAYOUT", 10,
         "bit 0: W stored as contiguous 128 x 128 tiles (tile (kt, nt) at W + (kt x ceil(N/128) + nt) x 32 KiB); 0: W row-major"}}},
      {Opcode::Vector,
       "VECTOR",
       "DST = OP(SRC[, SRC2]) over ROWS rows of LENGTH fp16 elements in HBM on the vector units "
       "(docs/npu.md). GATHER: DST row r = SRC row index[r]; SCATTER_ADD: DST row index[r] += "
       "weight[r] x SRC row r.",
       {{"OP", 1,
         "0 ADD, 1 SCALE, 2 GELU, 3 SOFTMAX, 4 LAYERNORM, 5 RMSNORM, 6 SILU_MUL, 7 ROPE, 8 TOPK, "
         "9 GATHER, 10 SCATTER_ADD"},
        {"ROWS", 2, "rows (1 .. 2^20)"},
        {"LENGTH", 3, "elements per row (1 .. 2^20)"},
        {"SRC_LO", 4, "source address, bits 31:0"},
        {"SRC_HI", 5, "source address, bits 63:32"},
        {"DST_LO", 6, "destination address, bits 31:0"},
        {"DST_HI", 7, "destination address, bits 63:32"},
        {"SRC2_LO", 8,
         "ADD, SILU_MUL: second operand (ROWS x LENGTH; SILU_MUL: up); LAYERNORM: gamma[LENGTH] "
         "then beta[LENGTH], or 0; RMSNORM: gamma[LENGTH] or 0; ROPE: u32 position of each row; "
         "GATHER, SCATTER_ADD: per row {u32 row index, fp32 weight}"},
        {"SRC2_HI", 9, "bits 63:32 of SRC2"},
        {"SCALAR", 10, "SCALE: the factor; ROPE: the base theta (fp32 bits)"},
        {"PARAM", 11, "ROPE: head dimension (even, divides LENGTH); TOPK: k (1 .. LENGTH <= 2048)"},
        {"STRIDE", 12,
         "bytes between rows of the strided operand (0 = LENGTH x 2): ROPE's SRC and DST (in "
         "place on the QKV output), GATHER's SRC (row index i at SRC + i x STRIDE), SCATTER_ADD's "
         "DST; TOPK writes ROWS x 2k fp16 (index, weight) pairs packed"}}},
      {Opcode::Attention,
       "ATTENTION",
       "For each request of the table: out = softmax(SCALE x q . K^T) . V per head, with K and V in "
       "the request's KV rows (docs/npu.md, KV layout). MODE 1 runs the dot products on the PIM units "
       "of the request's channel (PIM dispatcher), MODE 0 on the NPU (KV read by DMA). A request's "
       "input is q [HEADS x HEAD_DIM] fp16, or with APPEND the QKV layout: q, then k, then v (k and v "
       "KV_HEADS x HEAD_DIM each) fp16, back to back (what the QKV projection writes).",
       {{"MODE", 1, "0 NPU, 1 PIM (BAD_FLAGS when the memory has no PIM units)"},
        {"REQUESTS", 2, "entries in the request table (1 .. 4096)"},
        {"HEADS", 3, "heads (of this device's shard)"},
        {"HEAD_DIM", 4, "elements per head; a multiple of 16 dividing the row's 512 elements"},
        {"TABLE", 5,
         "host address of the request table: per request 16 bytes {TOKENS, CHANNEL, K_ROWS, V_ROWS}, "
         "K_ROWS/V_ROWS = host addresses of the u32 KV-row lists"},
        {"Q_LO", 6, "HBM address of q [REQUESTS x HEADS x HEAD_DIM] fp16, bits 31:0"},
        {"Q_HI", 7, "bits 63:32 of Q"},
        {"OUT_LO", 8, "HBM address of the output, same layout as q, bits 31:0"},
        {"OUT_HI", 9, "bits 63:32 of OUT"},
        {"SCALE", 10, "fp32 bits of the logit scale; 0 = 1 / sqrt(HEAD_DIM)"},
        {"Q_STRIDE", 11,
         "bytes from one request's input to the next; 0 = packed (HEADS x HEAD_DIM x 2, x 3 with "
         "APPEND); less than one input is BAD_SIZE"},
        {"APPEND", 12,
         "bit 0: first write the new tokens' k and v (right after q: the QKV layout) into "
         "the KV rows as the request's last tokens; bits 31:16: queries per request (0 = 1; "
         "more, NPU mode only: a prefill chunk, request i's queries are input rows i x QUERIES "
         ".. + QUERIES - 1, the last QUERIES of its TOKENS tokens, each attending causally); "
         "other bits BAD_FLAGS"},
        {"ROW_OFFSET", 13,
         "added to every KV row of the lists (one list for all layers: layer l uses rows + l)"},
        {"V_CHUNK", 14,
         "tokens per V segment: 0 = a whole bank row (512), else a multiple of 16 dividing it "
         "(several segments share a KV row; docs/npu.md, KV layout)"},
        {"KV_HEADS", 15,
         "K/V heads: 0 = HEADS (multi-head attention), else a divisor of HEADS (grouped-query "
         "attention: query head h reads K/V head h / (HEADS / KV_HEADS); k and v of the QKV "
         "layout are KV_HEADS x HEAD_DIM each)"}}},
      {Opcode::Copy,
       "COPY",
       "Copies BYTES between host memory (through the system bus, 4 KiB at a time) and HBM (through "
       "the DMA).",
       {{"DIRECTION", 1, "0 host -> HBM, 1 HBM -> host"},
        {"BYTES", 2, "bytes to copy (1 .. 16 MiB)"},
        {"HOST", 3, "host (system bus) address"},
        {"HBM_LO", 4, "HBM address, bits 31:0"},
        {"HBM_HI", 5, "HBM address, bits 63:32"}}},
      {Opcode::Swap,
       "SWAP",
       "Copies KV rows between HBM and host memory over the host link (the NPU's host_link: "
       "bandwidth and latency): each list entry is DEPTH consecutive DRAM rows of CHANNEL, every "
       "bank of each; out reads them and keeps them under SLOT, in writes SLOT's rows back into "
       "the (new) rows of the list (docs/npu.md, SWAP).",
       {{"DIRECTION", 1, "0 out (HBM -> host), 1 in (host -> HBM); other values BAD_FLAGS"},
        {"CHANNEL", 2, "the rows' channel"},
        {"ROWS", 3, "list entries (1 .. 65536)"},
        {"LIST", 4, "host address of the u32 row list"},
        {"DEPTH", 5, "consecutive rows per entry (the row group's layers; 1 .. 4096)"},
        {"SLOT", 6,
         "the swap's name in host memory: a swap in must name a slot swapped out with the same "
         "size (else MEMORY_ERROR)"}}},
      {Opcode::PeerCopy,
       "PEER_COPY",
       "Multi-device: copies BYTES from SRC in this device's HBM to DST in the HBM of device "
       "(this device + PEER_OFFSET) over the interconnect, then adds VALUE to that device's "
       "semaphore SEM (the pipeline hand-off; docs/multi-device.md). Done when the bytes have "
       "arrived.",
       {{"PEER_OFFSET", 1,
         "the peer's device number minus this device's (two's complement); the peer must exist "
         "and differ (else BAD_ADDRESS)"},
        {"BYTES", 2, "bytes (1 .. 16 MiB)"},
        {"SRC_LO", 3, "HBM address here, bits 31:0"},
        {"SRC_HI", 4, "bits 63:32"},
        {"DST_LO", 5, "HBM address at the peer, bits 31:0"},
        {"DST_HI", 6, "bits 63:32"},
        {"SEM", 7, "the peer's semaphore (0 .. 15), or 0xFFFFFFFF for none"},
        {"VALUE", 8, "added to it once the bytes are written"}}},
      {Opcode::Collective,
       "COLLECTIVE",
       "Multi-device: a ring collective over GROUP consecutive devices (this device's group: "
       "numbers from a multiple of GROUP), in place on ELEMENTS fp16 values at ADDRESS; every "
       "device of the group must run the same collectives in the same order "
       "(docs/multi-device.md).",
       {{"MODE", 1,
         "0 all-reduce (sum), 1 all-gather (rank r brings elements [r E/G, (r+1) E/G)); "
         "other values BAD_FLAGS"},
        {"GROUP", 2,
         "devices in the group, dividing the system's devices (else BAD_SIZE); 1 = nothing to do"},
        {"ELEMENTS", 3, "fp16 elements (1 .. 8 M)"},
        {"ADDRESS_LO", 4, "HBM address, bits 31:0"},
        {"ADDRESS_HI", 5, "bits 63:32"}}},
  };
  return kTable;
}

const char* to_string(QueueError error) {
  switch (error) {
    case QueueError::None: return "none";
    case QueueError::UnknownOpcode: return "unknown opcode";
    case QueueError::BadSemaphore: return "semaphore index out of range";
    case QueueError::BusError: return "descriptor read failed (bus error)";
    case QueueError::BadDoorbell: return "bad doorbell (HEAD >= SIZE, or SIZE/BASE invalid)";
    case QueueError::BadSize: return "a dimension, count or size is 0 or above its limit";
    case QueueError::BadVectorOp: return "unknown VECTOR operation";
    case QueueError::BadAddress: return "operand range outside the NPU's memory";
    case QueueError::MemoryError: return "the memory refused a transfer or PIM command";
    case QueueError::BadFlags: return "undefined bits or values in a LAYOUT or MODE field";
  }
  return "?";
}

const char* c_name(QueueError error) {
  switch (error) {
    case QueueError::None: return "NONE";
    case QueueError::UnknownOpcode: return "UNKNOWN_OPCODE";
    case QueueError::BadSemaphore: return "BAD_SEMAPHORE";
    case QueueError::BusError: return "BUS_ERROR";
    case QueueError::BadDoorbell: return "BAD_DOORBELL";
    case QueueError::BadSize: return "BAD_SIZE";
    case QueueError::BadVectorOp: return "BAD_VECTOR_OP";
    case QueueError::BadAddress: return "BAD_ADDRESS";
    case QueueError::MemoryError: return "MEMORY_ERROR";
    case QueueError::BadFlags: return "BAD_FLAGS";
  }
  return "?";
}

}  // namespace vp::npu
