/* The running batch: requests with their KV rows, channel assignment (round-robin or greedy
 * min-load), the sub-batch split (balanced by attention load in every channel) and the
 * ATTENTION request tables (layout of VP_NPU_OP_ATTENTION's TABLE).
 *
 * Attention load of a request with L tokens (the NeuPIMs simulator's estimate, PIM cycles):
 * chunks_k g (G + ceil(L/32) T) + ceil(L/C) heads (G + ceil(tiles_v / (512/C)) T), G = 100
 * (GWRITE), T = 184 (one GEMV tile), C = the job's V chunk (512: the simulator's formula), g =
 * heads / kv_heads (the K rows are scanned once per query of a group; 1 for multi-head). */
#pragma once

#include <stdint.h>

#include "job.h"
#include "kv_alloc.h"

typedef struct {
  uint32_t tokens;    /* KV tokens, including this iteration's new one once grown */
  uint32_t remaining; /* tokens still to generate */
  uint32_t channel;
  uint32_t k_count, v_count; /* row groups in the lists */
  uint32_t *k_rows, *v_rows;
  uint32_t sub_batch;
  uint32_t id;    /* the job's request index */
  uint32_t token; /* with real tokens: the token this iteration feeds in */
  /* This iteration: tokens added to the KV (1 decoding, a prefill chunk, 0 paused) and the first
   * activation row of the request's rows (batch_split). */
  uint32_t step, row;
  /* serving: tokens that must be in the KV before the next token (prompt + generated), tokens
   * generated, admission order (preemption takes the newest first) */
  uint32_t known, generated, order, grown;
} request_state;

typedef struct {
  const job_info* job;
  kv_allocator kv;
  uint32_t chunks_k, tiles_v, row_elems, v_chunk, segments_per_row, k_capacity, v_capacity;
  uint32_t k_pack; /* token groups per K row: row_elems / kv_embed for a short key, else 1 */
  request_state* requests; /* active, in activation-row order after batch_split() */
  uint32_t count;
  uint32_t* lists; /* k and v row lists of each request slot */
  uint32_t round_robin;
  uint32_t channel_load[KV_MAX_CHANNELS];   /* attention load of the requests in each channel */
  uint32_t growth_reserve[KV_MAX_CHANNELS]; /* row groups the channel's requests add with their next
                                               token */
  uint32_t sub_batches, start[3];           /* sub-batch s = requests [start[s], start[s+1]) */
  /* its decoding requests (step 1) first: [start[s], decode_end[s]), then prefill chunks; its
   * activation rows [row_start[s], row_start[s+1]); paused requests (step 0) after start[2] */
  uint32_t decode_end[2], row_start[3];
  uint32_t* tables; /* max_batch entries of 4 words */
  /* batch_narrow(): the first activation row, and what batch_widen() restores */
  uint32_t row_base, narrowed_first, full_count;
} batch_state;

int batch_init(batch_state* b, const job_info* job, uint32_t first_kv_row);
/* Releases what batch_init() allocated. */
void batch_free(batch_state* b);
uint32_t batch_load(const batch_state* b, uint32_t tokens);
/* Adds a request with `context` tokens (channel: the job's, or assigned). 0 if no room. */
int batch_admit(batch_state* b, const job_request* r);
/* Adds each request's step (1 unless set otherwise) to its KV, allocating rows. 0 if no room. */
int batch_grow(batch_state* b);
/* Grows request i by its step; 0 if its channel has no room (nothing changes then). */
int batch_grow_one(batch_state* b, uint32_t i);
/* Row groups a request of `tokens` tokens holds; rows a new request of `tokens` tokens needs in a
 * channel to be admitted (its rows, the channel's growth reserve and `keep` groups left free), or
 * 0xFFFFFFFF if no channel has them (then the channel it would take). */
uint32_t batch_rows(const batch_state* b, uint32_t tokens);
/* The K and V row groups of a request of `tokens` tokens (the first entries of its lists). */
uint32_t batch_k_rows(const batch_state* b, uint32_t tokens);
uint32_t batch_v_rows(const batch_state* b, uint32_t tokens);
uint32_t batch_pick_channel(batch_state* b, uint32_t tokens, uint32_t keep);
/* Removes request i (frees its rows). */
void batch_release(batch_state* b, uint32_t i);
/* Pipeline micro-batches: narrows the batch to its requests [first, first + count), whose
 * activation rows start at `row_base`, until batch_widen(); batch_split() and the programs then
 * see only them (their tables and rows), and the other requests' stay as they are. */
void batch_narrow(batch_state* b, uint32_t first, uint32_t count, uint32_t row_base);
void batch_widen(batch_state* b);
/* Orders the requests into `sub_batches` (1 or 2) sub-batches and fills the tables. */
void batch_split(batch_state* b, uint32_t sub_batches);
