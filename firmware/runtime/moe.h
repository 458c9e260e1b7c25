/* Mixture-of-experts FFN (job EXPERTS > 0): routing each token to its top_k experts and running
 * only the experts that received tokens.
 *
 * Per sub-batch and layer, on queue 0 after the norm (h): the router GEMM (h x W_router, rows x
 * experts), TOPK (k pairs of expert index and softmax weight per row), a COPY of the pairs to host
 * memory; the host waits for it (so a MoE layer's attention is queued ahead, program.c). Routing:
 * the TOPK pairs (the model's router), or with FLAGS bit 8 the seeded router: each token draws k
 * distinct experts with the job's popularity weights (ROUTER_WEIGHT: uniform, or 1 / (e + 1)^s
 * with system.moe_skew s), draw j of the token at `position` of request `id` picking
 * hash(hash(seed, 0x4D4F0000 + layer, id), 0x4D4F0001, position k + j) mod the weight left among
 * the experts not yet drawn, each weighted 1 / k. The host groups the rows by expert into one table
 * of {u32 row, fp32 weight} entries (expert order), copies it to HBM, and per expert with tokens
 * submits: GATHER of its rows of h, the gate and up GEMMs (M = its tokens), SILU_MUL, the down
 * GEMM, and SCATTER_ADD of weight x output into the residual stream x. Experts without tokens read
 * no weights. Each launch is reported (EXPERT_ROUTED). */
#pragma once

#include <stdint.h>

#include "batch.h"
#include "program.h"

/* Reads the router's popularity and allocates the host buffers; 0 without memory. */
int moe_init(const job_info* job);
/* Submits the MoE FFN of sub-batch s of `layer` (waits for its routing). */
void moe_ffn(const batch_state* b, const hbm_plan* m, uint32_t s, uint32_t layer);
