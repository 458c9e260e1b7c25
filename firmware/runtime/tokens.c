#include "tokens.h"

#include <stdlib.h>
#include <string.h>

#include "npu.h"

static fp16* embedding; /* vocab x E */
static fp16* logits;    /* max_batch x vocab */
static fp16 tile[128 * 128];

uint32_t tokens_hash(uint32_t seed, uint32_t stream, uint32_t index) {
  uint32_t h = seed * 0x9E3779B1u ^ (stream + 0x7F4A7C15u) * 0x85EBCA77u ^ index * 0xC2B2AE3Du;
  h ^= h >> 15;
  h *= 0x2C1B3C6Du;
  h ^= h >> 12;
  h *= 0x297A2D39u;
  h ^= h >> 15;
  return h;
}

fp16 tokens_value(uint32_t seed, uint32_t stream, uint32_t index, uint32_t fan_in) {
  uint32_t log2 = 0;
  while ((2u << log2) <= fan_in) ++log2;
  const int32_t top = -1 - (int32_t)(log2 / 2u);
  const uint32_t h = tokens_hash(seed, stream, index);
  const int32_t exponent = top - (int32_t)((h >> 10) & 3u);
  return (fp16)(((h >> 12) & 1u) << 15 | (uint32_t)(exponent + 15) << 10 | (h & 0x3FFu));
}

/* How a device's k x n matrix sits in the model's: whole, its columns [rank n, (rank + 1) n) of
 * n x parts, its rows likewise, or the QKV columns (q, k and v each split over the parts). */
typedef enum { SPLIT_COLUMNS, SPLIT_ROWS, SPLIT_QKV } split_kind;
typedef struct {
  split_kind kind;
  uint32_t rank, parts;
  uint32_t embed, kv_embed; /* SPLIT_QKV: the device's q and k (= v) widths */
} split;

/* The index of the device's W[row][col] in the model's matrix (row-major). */
static uint32_t model_index(const split* sp, uint32_t k, uint32_t n, uint32_t row, uint32_t col) {
  switch (sp->kind) {
    case SPLIT_ROWS: return (sp->rank * k + row) * n + col;
    case SPLIT_QKV: {
      const uint32_t e = sp->embed, kv = sp->kv_embed, full_e = e * sp->parts;
      const uint32_t full_kv = kv * sp->parts, full_n = full_e + 2u * full_kv;
      const uint32_t c = col < e        ? sp->rank * e + col
                         : col < e + kv ? full_e + sp->rank * kv + (col - e)
                                        : full_e + full_kv + sp->rank * kv + (col - e - kv);
      return row * full_n + c;
    }
    default: return row * n * sp->parts + sp->rank * n + col;
  }
}

/* W [k x n] of `stream` (the device's part `sp` of it), pre-tiled (tile (kt, nt) at base + (kt
 * ceil(n/128) + nt) 32 KiB), on the selected devices. */
static void write_matrix(const job_info* job, uint64_t base, uint32_t stream, uint32_t k,
                         uint32_t n, const split* sp) {
  const uint32_t n_tiles = (n + 127u) / 128u, k_tiles = (k + 127u) / 128u;
  const uint32_t fan_in = sp->kind == SPLIT_ROWS ? k * sp->parts : k;
  for (uint32_t kt = 0; kt < k_tiles; ++kt)
    for (uint32_t nt = 0; nt < n_tiles; ++nt) {
      for (uint32_t r = 0; r < 128u; ++r)
        for (uint32_t c = 0; c < 128u; ++c) {
          const uint32_t row = kt * 128u + r, col = nt * 128u + c;
          tile[r * 128u + c] =
              (row < k && col < n)
                  ? tokens_value(job->seed, stream, model_index(sp, k, n, row, col), fan_in)
                  : 0;
        }
      const npu_descriptor d =
          npu_copy(0, sizeof tile, tile, base + (uint64_t)(kt * n_tiles + nt) * sizeof tile);
      npu_submit(0, &d);
      npu_wait(0); /* the tile buffer is reused */
    }
}

uint32_t tokens_vocab(const job_info* job) { return job->vocab * job->tp_group; }

/* The weights of built device `device`: its pipeline stage's layers, its tensor-parallel part. */
static void write_device_weights(const job_info* job, const hbm_plan* plan, uint32_t device) {
  const uint32_t per_stage = job->built / job->stages;
  const uint32_t rank = device % per_stage, first_layer = device / per_stage * job->layers;
  const split cols = {SPLIT_COLUMNS, rank, job->tp_group, 0, 0};
  const split rows = {SPLIT_ROWS, rank, job->tp_group, 0, 0};
  const split qkv = {SPLIT_QKV, rank, job->tp_group, job->embed, job->kv_embed};
  for (uint32_t local = 0; local < job->layers; ++local) {
    const uint32_t l = first_layer + local; /* the model's layer */
    const uint64_t w = plan->weights + local * plan->layer_bytes;
    write_matrix(job, w + plan->qkv_w, 8u * l + 0u, job->d_model, plan->qkv_width, &qkv);
    write_matrix(job, w + plan->proj_w, 8u * l + 1u, job->embed, job->d_model, &rows);
    if (job->experts != 0) {
      write_matrix(job, w + plan->router_w, 8u * l + 5u, job->d_model, job->experts, &cols);
      for (uint32_t x = 0; x < job->experts; ++x) {
        const uint64_t e = w + plan->experts_w + x * plan->expert_bytes;
        const uint64_t up = e + tiled_bytes(job->d_model, job->ffn);
        const uint32_t stream = 0x100000u + (l * 1024u + x) * 4u;
        write_matrix(job, e, stream + 0u, job->d_model, job->ffn, &cols);
        write_matrix(job, up, stream + 1u, job->d_model, job->ffn, &cols);
        write_matrix(job, up + tiled_bytes(job->d_model, job->ffn), stream + 2u, job->ffn,
                     job->d_model, &rows);
      }
      continue;
    }
    write_matrix(job, w + plan->ffn1_w, 8u * l + 2u, job->d_model, job->ffn, &cols);
    if (job->arch & JOB_ARCH_SWIGLU)
      write_matrix(job, w + plan->ffn3_w, 8u * l + 4u, job->d_model, job->ffn, &cols);
    write_matrix(job, w + plan->ffn2_w, 8u * l + 3u, job->ffn, job->d_model, &rows);
  }
  const uint32_t layers = job->layers * job->stages; /* the model's */
  write_matrix(job, plan->lm_head, 8u * layers + 4u, job->d_model, job->vocab, &cols);
}

int tokens_init(const job_info* job, const hbm_plan* plan) {
  for (uint32_t d = 0; d < job->built; ++d) {
    npu_select(d, 1u);
    write_device_weights(job, plan, d);
  }
  npu_select(0, job->built);
  const uint32_t vocab = tokens_vocab(job), layers = job->layers * job->stages;
  embedding = malloc(sizeof(fp16) * vocab * job->d_model);
  logits = malloc(sizeof(fp16) * job->max_batch * vocab);
  if (embedding == 0 || logits == 0) return 0;
  for (uint32_t t = 0; t < vocab; ++t)
    for (uint32_t i = 0; i < job->d_model; ++i)
      embedding[t * job->d_model + i] =
          tokens_value(job->seed, 8u * layers + 5u, t * job->d_model + i, 1u);
  return 1;
}

uint32_t tokens_prompt(const job_info* job, uint32_t request) {
  return tokens_hash(job->seed, 0xFFFFu, request) % tokens_vocab(job);
}

uint32_t tokens_prompt_at(const job_info* job, uint32_t request, uint32_t position) {
  if (position == 0) return tokens_prompt(job, request);
  return tokens_hash(tokens_hash(job->seed, 0xFFFEu, request), 0xFFFDu, position) %
         tokens_vocab(job);
}

void tokens_embed(const job_info* job, const hbm_plan* plan, uint32_t slot, uint32_t token) {
  const npu_descriptor d = npu_copy(0, job->d_model * 2u, &embedding[token * job->d_model],
                                    plan->x + (uint64_t)slot * job->d_model * 2u);
  npu_submit(0, &d);
}

/* The logits in host memory: per tensor-parallel part t, max_batch rows of its vocab / tp. */
static fp16* logits_part(const job_info* job, uint32_t t, uint32_t row) {
  return &logits[((uint64_t)t * job->max_batch + row) * job->vocab];
}

void tokens_logits_to_host(const job_info* job, const hbm_plan* plan, uint32_t first,
                           uint32_t count) {
  const uint32_t per_stage = job->built / job->stages, last = job->built - per_stage;
  for (uint32_t t = 0; t < job->tp_group; ++t) {
    npu_select(last + t, 1u);
    const npu_descriptor d = npu_copy(1, count * job->vocab * 2u, logits_part(job, t, first),
                                      plan->logits + (uint64_t)first * job->vocab * 2u);
    npu_submit(0, &d);
  }
  npu_select(0, job->built);
}

void tokens_fetch_logits(const job_info* job, const hbm_plan* plan, uint32_t count) {
  tokens_logits_to_host(job, plan, 0, count);
  const uint32_t per_stage = job->built / job->stages;
  npu_select(job->built - per_stage, per_stage);
  npu_wait(0);
  npu_select(0, job->built);
}

/* fp16 bits -> an integer with the same order (sign-magnitude to two's complement). Branch-free,
 * like the argmax below, so the host's time does not depend on the data: a timing-only run takes
 * exactly as long as a functional one. */
static int32_t ordered(fp16 v) {
  const int32_t sign = -(int32_t)(v >> 15), magnitude = (int32_t)(v & 0x7FFFu);
  return (magnitude ^ sign) - sign;
}

uint32_t tokens_argmax(const job_info* job, uint32_t slot) {
  uint32_t best = 0;
  int32_t best_value = ordered(logits_part(job, 0, slot)[0]);
  for (uint32_t part = 0; part < job->tp_group; ++part) { /* the vocabulary in order */
    const fp16* row = logits_part(job, part, slot);
    if (job->flags & JOB_FLAG_LOGITS) job_logits(row, job->vocab);
    for (uint32_t t = part == 0 ? 1u : 0u; t < job->vocab; ++t) {
      const int32_t value = ordered(row[t]);
      const uint32_t take = 0u - (uint32_t)(value > best_value); /* first maximum wins */
      best = ((part * job->vocab + t) & take) | (best & ~take);
      best_value = (int32_t)(((uint32_t)value & take) | ((uint32_t)best_value & ~take));
    }
  }
  return best;
}
