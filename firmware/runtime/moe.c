#include "moe.h"

#include <stdlib.h>

#include "fp16.h"
#include "npu.h"
#include "tokens.h"

static uint16_t* pairs;      /* max_batch x top_k (index, weight) fp16 pairs from TOPK */
static uint32_t* table;      /* max_batch x top_k entries {row, weight bits}, by expert */
static uint32_t* chosen;     /* max_batch x top_k: expert, then weight bits, per draw */
static uint32_t* count;      /* per expert: rows routed to it */
static uint32_t* fill;       /* per expert: entries written */
static uint32_t* popularity; /* per expert, 65536ths */

int moe_init(const job_info* job) {
  const uint32_t slots = job->max_batch * job->top_k;
  pairs = malloc(sizeof(uint16_t) * 2u * slots);
  table = malloc(sizeof(uint32_t) * 2u * slots);
  chosen = malloc(sizeof(uint32_t) * 2u * slots);
  count = malloc(sizeof(uint32_t) * job->experts);
  fill = malloc(sizeof(uint32_t) * job->experts);
  popularity = malloc(sizeof(uint32_t) * job->experts);
  if (!pairs || !table || !chosen || !count || !fill || !popularity) return 0;
  for (uint32_t e = 0; e < job->experts; ++e) popularity[e] = job_router_weight(e);
  return 1;
}

static uint32_t float_bits(float f) {
  union {
    float f;
    uint32_t u;
  } v;
  v.f = f;
  return v.u;
}

static void submit(npu_descriptor d) { npu_submit(0, &d); }

/* A token's k experts from the seeded router: k distinct draws weighted by popularity, keyed by
 * (layer, request, position), so the routing does not depend on the batch or its split. */
static void route_seeded(const job_info* job, uint32_t layer, const request_state* request,
                         uint32_t* out) {
  const uint32_t k = job->top_k, weight = float_bits(1.0f / (float)k);
  const uint32_t key = tokens_hash(job->seed, 0x4D4F0000u + layer, request->id);
  const uint32_t position = request->tokens - 1u;
  uint32_t left = 65536u;
  for (uint32_t j = 0; j < k; ++j) {
    uint32_t pick = 0xFFFFFFFFu;
    if (left > 0) {
      uint32_t r = tokens_hash(key, 0x4D4F0001u, position * k + j) % left;
      for (uint32_t e = 0; e < job->experts && pick == 0xFFFFFFFFu; ++e) {
        uint32_t taken = 0;
        for (uint32_t q = 0; q < j; ++q) taken |= out[2u * q] == e;
        if (taken) continue;
        if (r < popularity[e])
          pick = e;
        else
          r -= popularity[e];
      }
    }
    if (pick == 0xFFFFFFFFu) /* the rest have no weight: the lowest expert not drawn */
      for (uint32_t e = 0; e < job->experts && pick == 0xFFFFFFFFu; ++e) {
        uint32_t taken = 0;
        for (uint32_t q = 0; q < j; ++q) taken |= out[2u * q] == e;
        if (!taken) pick = e;
      }
    left -= popularity[pick] < left ? popularity[pick] : left;
    out[2u * j] = pick;
    out[2u * j + 1u] = weight;
  }
}

void moe_ffn(const batch_state* b, const hbm_plan* m, uint32_t s, uint32_t layer) {
  const job_info* job = b->job;
  const uint32_t first = b->start[s], n = b->start[s + 1u] - first, k = job->top_k;
  const uint64_t e = job->d_model, w = m->weights + layer * m->layer_bytes;
  const uint64_t router = m->router + (uint64_t)first * job->experts * 2u;
  const uint64_t topk = m->topk + (uint64_t)first * k * 4u;
  submit(
      npu_gemm(n, job->d_model, job->experts, m->h + first * e * 2u, w + m->router_w, router, 1u));
  submit(npu_vector_rows(VP_NPU_VECTOR_TOPK, n, job->experts, router, 0, topk, k, 0, 0));
  submit(npu_copy(1, n * k * 4u, pairs, topk));
  if (npu_wait(0) != VP_NPU_ERR_NONE) return; /* the caller's queue check reports it */

  for (uint32_t x = 0; x < job->experts; ++x) count[x] = fill[x] = 0;
  for (uint32_t i = 0; i < n; ++i) {
    uint32_t* out = &chosen[2u * k * i];
    if (!(job->flags & JOB_FLAG_SEEDED_ROUTING)) {
      for (uint32_t j = 0; j < k; ++j) {
        out[2u * j] = (uint32_t)fp16_to_float(pairs[2u * (k * i + j)]);
        out[2u * j + 1u] = float_bits(fp16_to_float(pairs[2u * (k * i + j) + 1u]));
      }
    } else {
      route_seeded(job, layer, &b->requests[first + i], out);
    }
    for (uint32_t j = 0; j < k; ++j) ++count[out[2u * j]];
  }
  uint32_t at = 0; /* fill becomes each expert's first entry, then its write position */
  for (uint32_t x = 0; x < job->experts; ++x) fill[x] = at, at += count[x];
  for (uint32_t i = 0; i < n; ++i)
    for (uint32_t j = 0; j < k; ++j) {
      const uint32_t x = chosen[2u * (k * i + j)], slot = fill[x]++;
      table[2u * slot] = first + i;
      table[2u * slot + 1u] = chosen[2u * (k * i + j) + 1u];
    }
  const uint64_t tables = m->tables + (uint64_t)first * k * 8u;
  submit(npu_copy(0, n * k * 8u, table, tables));

  const uint64_t x_in = m->moe_x + first * e * 2u, x_out = m->moe_out + first * e * 2u;
  const uint64_t f1 = m->f1 + (uint64_t)first * job->ffn * 2u;
  const uint64_t f3 = m->f3 + (uint64_t)first * job->ffn * 2u;
  uint32_t entry = 0;
  for (uint32_t x = 0; x < job->experts; ++x) {
    const uint32_t rows = count[x];
    if (rows == 0) continue;
    const uint64_t weights = w + m->experts_w + x * m->expert_bytes;
    const uint64_t gate = weights, up = weights + tiled_bytes(job->d_model, job->ffn),
                   down = up + tiled_bytes(job->d_model, job->ffn);
    const uint64_t rows_table = tables + (uint64_t)entry * 8u;
    submit(npu_vector_rows(VP_NPU_VECTOR_GATHER, rows, job->d_model, m->h, rows_table, x_in, 0,
                           job->d_model * 2u, 0));
    submit(npu_gemm(rows, job->d_model, job->ffn, x_in, gate, f1, 1u));
    submit(npu_gemm(rows, job->d_model, job->ffn, x_in, up, f3, 1u));
    submit(npu_vector2(VP_NPU_VECTOR_SILU_MUL, rows, job->ffn, f1, f3, f1));
    submit(npu_gemm(rows, job->ffn, job->d_model, f1, down, x_out, 1u));
    submit(npu_vector_rows(VP_NPU_VECTOR_SCATTER_ADD, rows, job->d_model, x_out, rows_table, m->x,
                           0, job->d_model * 2u, 0));
    job_expert_routed(x, rows);
    entry += rows;
  }
}
