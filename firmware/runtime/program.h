/* Where the model lives in HBM and the command streams of one decode iteration.
 *
 * The layer follows the model's kind (job ARCH): norm = LAYERNORM or RMSNORM; QKV = norm + QKV
 * GEMM (+ ROPE on q and k, in place); FFN = GELU (FFN1, GELU, FFN2), SwiGLU (gate, up,
 * SILU_MUL, down) or a mixture of experts (moe.h). The GPT3 layer is described below.
 *
 * HBM plan (from address 0): activation buffers for MAX_BATCH rows (X: residual stream, H:
 * layer-norm output, QKV, ATT: attention output, P: projection/FFN output, F1: FFN hidden,
 * LOGITS), then per layer of the device (all of them, also when fewer are simulated, so the KV
 * capacity is the full model's) the four weight matrices pre-tiled (QKV [E x 3E/tp], PROJ
 * [E/tp x E], FFN1 [E x 4E/tp], FFN2 [4E/tp x E]), then the LM head [E x vocab/tp]. KV rows
 * start at the first DRAM row above all of it.
 *
 * One iteration (program_iteration): with sub-batches a (and b), queue 0 runs, per layer l,
 * PF(a, l-1) QKV(a, l) PF(b, l-1) QKV(b, l) and queue 1 runs ATT(a, l) ATT(b, l), where QKV =
 * layer norm + QKV GEMM, ATT = ATTENTION (appending the new token's k and v), PF = projection,
 * residual add, layer norm, FFN1, GELU, FFN2, residual add. Semaphores: QKV(s, l) signals
 * qkv[s], ATT(s, l) waits for it and signals att[s], PF(s, l) waits for that. So the arrays run
 * one sub-batch's GEMMs while PIM runs the other's attention (the paper's stages A-F). */
#pragma once

#include <stdint.h>

#include "batch.h"

typedef struct {
  uint64_t x, h, qkv, att, p, f1, logits;
  /* SwiGLU's up projection output; ROPE's positions (u32 per row); MoE: router logits, TOPK's
   * (index, weight) pairs, gather/scatter tables ({u32 row, fp32 weight}, top_k per row), an
   * expert's gathered input and its output. Empty (0 bytes) when the model has no use for them. */
  uint64_t f3, positions, router, topk, tables, moe_x, moe_out;
  uint64_t head_table,
      head_x;         /* serving: the LM head's gather table ({u32 row, fp32 1}) and rows */
  uint32_t qkv_width; /* elements of a QKV output row: q, k, v = embed + 2 kv_embed */
  uint64_t weights, layer_bytes, qkv_w, proj_w, ffn1_w, ffn2_w, lm_head;
  uint64_t ffn3_w;                            /* SwiGLU: up (ffn1_w is the gate) */
  uint64_t router_w, experts_w, expert_bytes; /* MoE: router, expert x at experts_w + x bytes */
  uint64_t end;
} hbm_plan;

void plan_memory(hbm_plan* plan, const job_info* job);
/* Bytes of a K x N weight stored as 128 x 128 tiles. */
uint64_t tiled_bytes(uint32_t k, uint32_t n);
/* The first DRAM row above the plan. */
uint32_t plan_first_row(const hbm_plan* plan, const job_info* job);
/* Submits the decoder layers of one iteration for the batch's sub-batches; returns once every
 * descriptor is submitted (not done). */
void program_layers(const batch_state* b, const hbm_plan* plan);
/* The sub-batch semaphores' signal counts that the next program_layers() builds on (they count
 * up on every device); a pipeline gives each stage the same program, so it restores them
 * between stages. */
typedef struct {
  uint32_t qkv[2], att[2];
} semaphore_counts;
semaphore_counts program_counts(void);
void program_set_counts(semaphore_counts counts);
/* The adaptive sub-batch policy: estimated time of one layer (ns) with one sub-batch and with
 * two. GEMMs: each of the four takes the longer of streaming its weights (bytes / the weight
 * stream's measured rate, 27 GB/s per channel) and its systolic-array time (tiles / 8 arrays
 * x max(rows, 128) cycles at 1 GHz); split, they run twice at half the rows. (SwiGLU: three FFN
 * GEMMs; MoE: the router and min(experts, rows x top_k) experts of rows x top_k / used rows.)
 * Attention: the slowest channel's load (batch_load, in PIM cycles of 1 ns). One sub-batch: GEMMs +
 * attention. Two: the attention, stretched by job_attention_stretch() because the GEMMs run beside
 * it, plus what of the GEMMs is left after they kept job_mem_share() of their bandwidth during it.
 * (Stretch 0 and share 1000 give the larger of GEMMs and attention.) */
void estimate_layer(const batch_state* b, const hbm_plan* plan, uint32_t* one_ns, uint32_t* two_ns);
/* Submits the LM head over the batch's requests (one row each, from its row_base). */
void program_lm_head(const batch_state* b, const hbm_plan* plan);
/* Serving: the LM head over `count` rows of x, gathered by `table` ({u32 row, fp32 bits of 1.0}
 * per row, host memory), into logits rows 0 .. count - 1. */
void program_lm_head_rows(const batch_state* b, const hbm_plan* plan, const uint32_t* table,
                          uint32_t count);
