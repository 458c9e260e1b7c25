/* Real tokens (job FLAGS bit 5): seeded weights and embeddings, embedding lookups and greedy
 * next-token choice, so that a (tiny) model decodes text-like token streams that a host
 * reference can reproduce.
 *
 * Model values, integer-only (no float work on the host CPU): h = hash(seed, stream, index); the
 * fp16 value has sign bit (h >> 12) & 1, mantissa h & 0x3FF and exponent top - ((h >> 10) & 3)
 * with top = -1 - floor(log2(fan_in)) / 2 (so magnitudes shrink like 1/sqrt(fan-in); fan-in 1
 * for the embeddings). Streams: layer l
 * matrix m (0 QKV, 1 projection, 2 FFN1 or SwiGLU gate, 3 FFN2 or down, 4 SwiGLU up, 5 MoE
 * router) = 8 l + m, index k N + n of W[k][n]; expert x's gate, up, down = 0x100000 + (1024 l +
 * x) 4 + 0, 1, 2; the LM head = 8 layers + 4; the embedding table = 8 layers + 5, index token
 * E + i. The prompt token of
 * request r is hash(seed, 0xFFFF, r) mod vocab. No biases, no position embeddings; layer norms
 * without gain/bias (docs/runtime.md). */
#pragma once

#include <stdint.h>

#include "fp16.h"
#include "job.h"
#include "program.h"

uint32_t tokens_hash(uint32_t seed, uint32_t stream, uint32_t index);
fp16 tokens_value(uint32_t seed, uint32_t stream, uint32_t index, uint32_t fan_in);
/* Writes the weights of the simulated layers and the LM head into HBM (pre-tiled, by COPY) and
 * builds the embedding table in host RAM. Several devices: each built device gets its pipeline
 * stage's layers (the model's layers stage x layers ..) and its tensor-parallel part (columns of
 * QKV, FFN1/up/gate and the LM head, rows of the projection and FFN2). Returns 0 without memory
 * for the table. */
int tokens_init(const job_info* job, const hbm_plan* plan);
/* The model's vocabulary (the LM head's columns over the tensor-parallel devices). */
uint32_t tokens_vocab(const job_info* job);
uint32_t tokens_prompt(const job_info* job, uint32_t request);
/* Token `position` of request `request`'s prompt (position 0: tokens_prompt()). */
uint32_t tokens_prompt_at(const job_info* job, uint32_t request, uint32_t position);
/* Submits (queue 0) the COPY of token `token`'s embedding into activation row `slot` of X. */
void tokens_embed(const job_info* job, const hbm_plan* plan, uint32_t slot, uint32_t token);
/* Copies the logits of rows 0 .. count-1 to host memory (waits) and returns row `slot`'s argmax
 * through tokens_argmax(), which also reports the row to the job device with job FLAGS bit 7
 * (before the caller reports the token). */
void tokens_fetch_logits(const job_info* job, const hbm_plan* plan, uint32_t count);
/* Submits (queue 0 of the last pipeline stage's devices, each its part of the vocabulary) the
 * COPY of logits rows [first, first + count) to host memory; leaves every built device selected
 * when done. */
void tokens_logits_to_host(const job_info* job, const hbm_plan* plan, uint32_t first,
                           uint32_t count);
uint32_t tokens_argmax(const job_info* job, uint32_t slot);
