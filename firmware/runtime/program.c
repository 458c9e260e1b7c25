#include "program.h"

#include "job.h"
#include "moe.h"
#include "npu.h"
#include "vp.h"

enum { SEM_QKV = 0, SEM_ATT = 2 }; /* + sub-batch */
/* Signals submitted so far on SEM_QKV + s and SEM_ATT + s: the semaphores count up across
 * iterations (and pipeline micro-batches, several of which may be queued on a device), and each
 * wait names the count it needs. */
static uint32_t qkv_signals[2], att_signals[2];

uint64_t tiled_bytes(uint32_t k, uint32_t n) {
  return (uint64_t)((k + 127u) / 128u * 128u) * ((n + 127u) / 128u * 128u) * 2u;
}

void plan_memory(hbm_plan* plan, const job_info* job) {
  const uint64_t rows = job->max_rows, e = job->d_model, et = job->embed;
  const int swiglu = (job->arch & JOB_ARCH_SWIGLU) != 0, moe = job->experts != 0;
  uint64_t at = 0;
  plan->qkv_width = job->embed + 2u * job->kv_embed;
  plan->x = at, at += rows * e * 2u;
  plan->h = at, at += rows * e * 2u;
  plan->qkv = at, at += rows * plan->qkv_width * 2u;
  plan->att = at, at += rows * et * 2u;
  plan->p = at, at += rows * e * 2u;
  plan->f1 = at, at += rows * job->ffn * 2u;
  plan->logits = at, at += rows * job->vocab * 2u;
  plan->f3 = at, at += swiglu ? rows * job->ffn * 2u : 0u;
  plan->positions = at, at += (job->arch & JOB_ARCH_ROPE) ? rows * 4u : 0u;
  plan->router = at, at += moe ? rows * job->experts * 2u : 0u;
  plan->topk = at, at += moe ? rows * job->top_k * 4u : 0u;
  plan->tables = at, at += moe ? rows * job->top_k * 8u : 0u;
  plan->moe_x = at, at += moe ? rows * e * 2u : 0u;
  plan->moe_out = at, at += moe ? rows * e * 2u : 0u;
  /* serving: the LM head's rows (each emitting request's last row), gathered by a table */
  const int serving = job->mode == JOB_MODE_SERVING;
  plan->head_table = at, at += serving ? job->max_batch * 8u : 0u;
  plan->head_x = at, at += serving ? job->max_batch * e * 2u : 0u;
  at = (at + 0xFFFFFu) & ~(uint64_t)0xFFFFFu;
  plan->weights = at;
  plan->qkv_w = 0;
  plan->proj_w = plan->qkv_w + tiled_bytes(job->d_model, plan->qkv_width);
  plan->ffn1_w = plan->proj_w + tiled_bytes(job->embed, job->d_model);
  if (moe) { /* the router, then per expert gate, up and down */
    plan->router_w = plan->ffn1_w;
    plan->experts_w = plan->router_w + tiled_bytes(job->d_model, job->experts);
    plan->expert_bytes =
        2u * tiled_bytes(job->d_model, job->ffn) + tiled_bytes(job->ffn, job->d_model);
    plan->layer_bytes = plan->experts_w + job->experts * plan->expert_bytes;
  } else {
    plan->ffn3_w = plan->ffn1_w + (swiglu ? tiled_bytes(job->d_model, job->ffn) : 0u);
    plan->ffn2_w = (swiglu ? plan->ffn3_w : plan->ffn1_w) + tiled_bytes(job->d_model, job->ffn);
    plan->layer_bytes = plan->ffn2_w + tiled_bytes(job->ffn, job->d_model);
  }
  at += plan->layer_bytes * job->device_layers; /* room for every layer the device holds */
  plan->lm_head = at, at += tiled_bytes(job->d_model, job->vocab);
  plan->end = at;
}

uint32_t plan_first_row(const hbm_plan* plan, const job_info* job) {
  const uint64_t row_span = (uint64_t)job->channels * job->banks * job->row_bytes;
  return (uint32_t)((plan->end + row_span - 1u) / row_span);
}

static void submit(unsigned q, npu_descriptor d) { npu_submit(q, &d); }

/* Tensor parallelism over several devices: the partial sums of a row-split GEMM (the projection,
 * FFN2: `rows` rows of d_model at `p`) become the whole layer's on every device of the group, by
 * a ring all-reduce before the residual add. */
static void all_reduce(const job_info* job, uint32_t rows, uint64_t p) {
  if (job->tp_group > 1) submit(0, npu_collective(0, job->tp, rows * job->d_model, p));
}

static uint32_t norm_op(const job_info* job) {
  return (job->arch & JOB_ARCH_RMSNORM) ? VP_NPU_VECTOR_RMSNORM : VP_NPU_VECTOR_LAYERNORM;
}

/* Timeline markers of the host's side (docs/runtime.md): a span per layer it enqueues and an
 * instant per stage, arg = stage << 8 | sub-batch. */
enum { MARK_LAYER = 4, MARK_STAGE = 5 };
enum { STAGE_QKV = 0, STAGE_ATTENTION = 1, STAGE_PROJECTION_FFN = 2 };
static void mark_stage(uint32_t stage, uint32_t s) {
  vp_marker_instant(MARK_STAGE, (stage << 8) | s);
}

static void qkv(const batch_state* b, const hbm_plan* m, uint32_t s, uint32_t layer) {
  const job_info* job = b->job;
  const uint32_t first = b->row_start[s], n = b->row_start[s + 1u] - first;
  const uint64_t e = job->d_model, w = m->weights + layer * m->layer_bytes;
  const uint64_t qkv = m->qkv + (uint64_t)first * m->qkv_width * 2u;
  mark_stage(STAGE_QKV, s);
  submit(0,
         npu_vector(norm_op(job), n, job->d_model, m->x + first * e * 2u, m->h + first * e * 2u));
  submit(0, npu_gemm(n, job->d_model, m->qkv_width, m->h + first * e * 2u, w + m->qkv_w, qkv, 1u));
  /* RoPE on q and k of each row, in place (the positions are written at the iteration's start) */
  if (job->arch & JOB_ARCH_ROPE)
    submit(0, npu_vector_rows(VP_NPU_VECTOR_ROPE, n, job->embed + job->kv_embed, qkv,
                              m->positions + first * 4u, qkv, job->head_dim, m->qkv_width * 2u,
                              job->rope_theta));
  /* Prefill chunks: causal attention on the arrays (docs/runtime.md, Serving), appending every
   * new token's k and v, one descriptor per request (its rows are its queries). */
  for (uint32_t i = b->decode_end[s]; i < b->start[s + 1u]; ++i) {
    const request_state* r = &b->requests[i];
    submit(0, npu_attention(VP_NPU_ATTENTION_MODE_NPU, 1u, job->heads, job->head_dim,
                            &b->tables[4u * i], m->qkv + (uint64_t)r->row * m->qkv_width * 2u,
                            m->qkv_width * 2u, m->att + (uint64_t)r->row * job->embed * 2u,
                            1u | r->step << 16, layer, job->v_chunk, job->kv_heads));
  }
  submit(0, npu_signal(SEM_QKV + s, 1u));
}

static void projection_ffn(const batch_state* b, const hbm_plan* m, uint32_t s, uint32_t layer) {
  const job_info* job = b->job;
  const uint32_t first = b->row_start[s], n = b->row_start[s + 1u] - first;
  const uint64_t e = job->d_model, w = m->weights + layer * m->layer_bytes;
  const uint64_t x = m->x + first * e * 2u, h = m->h + first * e * 2u, p = m->p + first * e * 2u;
  const uint64_t f1 = m->f1 + (uint64_t)first * job->ffn * 2u;
  mark_stage(STAGE_PROJECTION_FFN, s);
  submit(0, npu_gemm(n, job->embed, job->d_model, m->att + (uint64_t)first * job->embed * 2u,
                     w + m->proj_w, p, 1u));
  all_reduce(job, n, p);
  submit(0, npu_vector2(VP_NPU_VECTOR_ADD, n, job->d_model, x, p, x));
  submit(0, npu_vector(norm_op(job), n, job->d_model, x, h));
  if (job->experts != 0) { /* x += the weighted outputs of each token's experts */
    moe_ffn(b, m, s, layer);
    return;
  }
  submit(0, npu_gemm(n, job->d_model, job->ffn, h, w + m->ffn1_w, f1, 1u));
  if (job->arch & JOB_ARCH_SWIGLU) {
    const uint64_t f3 = m->f3 + (uint64_t)first * job->ffn * 2u;
    submit(0, npu_gemm(n, job->d_model, job->ffn, h, w + m->ffn3_w, f3, 1u));
    submit(0, npu_vector2(VP_NPU_VECTOR_SILU_MUL, n, job->ffn, f1, f3, f1));
  } else {
    submit(0, npu_vector(VP_NPU_VECTOR_GELU, n, job->ffn, f1, f1));
  }
  submit(0, npu_gemm(n, job->ffn, job->d_model, f1, w + m->ffn2_w, p, 1u));
  all_reduce(job, n, p);
  submit(0, npu_vector2(VP_NPU_VECTOR_ADD, n, job->d_model, x, p, x));
}

/* The sub-batch's decoding requests (one row each, the first rows of the sub-batch). */
static void attention(const batch_state* b, const hbm_plan* m, uint32_t s, uint32_t layer) {
  const job_info* job = b->job;
  const uint32_t first = b->start[s], n = b->decode_end[s] - first, row = b->row_start[s];
  const uint64_t q = m->qkv + (uint64_t)row * m->qkv_width * 2u;
  const uint64_t out = m->att + (uint64_t)row * job->embed * 2u;
  const uint32_t mode =
      (job->flags & JOB_FLAG_PIM_ATTENTION) ? VP_NPU_ATTENTION_MODE_PIM : VP_NPU_ATTENTION_MODE_NPU;
  mark_stage(STAGE_ATTENTION, s);
  submit(1, npu_wait_for(SEM_QKV + s, qkv_signals[s] + layer + 1u));
  if (n > 0)
    submit(1, npu_attention(mode, n, job->heads, job->head_dim, &b->tables[4u * first], q,
                            m->qkv_width * 2u, out, 1u, layer, job->v_chunk, job->kv_heads));
  submit(1, npu_signal(SEM_ATT + s, 1u));
}

semaphore_counts program_counts(void) {
  const semaphore_counts c = {{qkv_signals[0], qkv_signals[1]}, {att_signals[0], att_signals[1]}};
  return c;
}

void program_set_counts(semaphore_counts c) {
  for (unsigned s = 0; s < 2u; ++s) qkv_signals[s] = c.qkv[s], att_signals[s] = c.att[s];
}

void program_layers(const batch_state* b, const hbm_plan* m) {
  const uint32_t layers = b->job->layers;
  for (uint32_t l = 0; l < layers; ++l) {
    vp_marker_begin(MARK_LAYER, l);
    job_layer(l);
    for (uint32_t s = 0; s < b->sub_batches; ++s) {
      if (b->start[s + 1u] == b->start[s]) continue;
      if (l > 0) {
        submit(0, npu_wait_for(SEM_ATT + s, att_signals[s] + l));
        projection_ffn(b, m, s, l - 1u);
      }
      qkv(b, m, s, l);
      /* MoE: the host waits for each sub-batch's routing inside projection_ffn(), so its
       * attention is queued at once (queue 1 sees the same order). */
      if (b->job->experts != 0) attention(b, m, s, l);
    }
    if (b->job->experts == 0)
      for (uint32_t s = 0; s < b->sub_batches; ++s)
        if (b->start[s + 1u] != b->start[s]) attention(b, m, s, l);
    vp_marker_end(MARK_LAYER, l);
  }
  for (uint32_t s = 0; s < b->sub_batches; ++s) {
    if (b->start[s + 1u] == b->start[s]) continue;
    submit(0, npu_wait_for(SEM_ATT + s, att_signals[s] + layers));
    projection_ffn(b, m, s, layers - 1u);
    qkv_signals[s] += layers;
    att_signals[s] += layers;
  }
}

void program_lm_head(const batch_state* b, const hbm_plan* m) {
  const job_info* job = b->job;
  const uint64_t row = b->row_base, e = job->d_model;
  submit(0, npu_vector(norm_op(job), b->count, job->d_model, m->x + row * e * 2u,
                       m->h + row * e * 2u));
  submit(0, npu_gemm(b->count, job->d_model, job->vocab, m->h + row * e * 2u, m->lm_head,
                     m->logits + row * job->vocab * 2u, 1u));
}

void program_lm_head_rows(const batch_state* b, const hbm_plan* m, const uint32_t* table,
                          uint32_t count) {
  const job_info* job = b->job;
  submit(0, npu_copy(0, count * 8u, table, m->head_table));
  submit(0, npu_vector_rows(VP_NPU_VECTOR_GATHER, count, job->d_model, m->x, m->head_table,
                            m->head_x, 0, job->d_model * 2u, 0));
  submit(0, npu_vector(norm_op(job), count, job->d_model, m->head_x, m->h));
  submit(0, npu_gemm(count, job->d_model, job->vocab, m->h, m->lm_head, m->logits, 1u));
}

static uint32_t gemm_estimate_ns(const job_info* job, uint32_t rows, uint32_t k, uint32_t n) {
  const uint32_t tiles = ((k + 127u) / 128u) * ((n + 127u) / 128u);
  const uint32_t compute = (tiles + 7u) / 8u * (rows > 128u ? rows : 128u);
  /* The weight stream's achieved rate per channel, 27 GB/s (measured: 418 bursts of 64 B per
   * microsecond, tools/pim_interference.py, docs/runtime.md). */
  const uint32_t memory =
      (uint32_t)(tiled_bytes(k, n) / (27u * job->channels)); /* B / (GB/s) = ns */
  return compute > memory ? compute : memory;
}

void estimate_layer(const batch_state* b, const hbm_plan* plan, uint32_t* one_ns,
                    uint32_t* two_ns) {
  const job_info* job = b->job;
  uint32_t gemm[2] = {0, 0}, tokens = 0; /* this iteration's rows, prefill chunks included */
  for (uint32_t i = 0; i < b->count; ++i) tokens += b->requests[i].step;
  for (uint32_t split = 1; split <= 2u; ++split) {
    const uint32_t rows = (tokens + split - 1u) / split;
    uint32_t t = gemm_estimate_ns(job, rows, job->d_model, plan->qkv_width) +
                 gemm_estimate_ns(job, rows, job->embed, job->d_model);
    if (job->experts != 0) { /* the router, and the experts the rows' tokens reach, evenly */
      const uint32_t routed = rows * job->top_k;
      const uint32_t used = routed < job->experts ? routed : job->experts;
      const uint32_t per = (routed + used - 1u) / used;
      t += gemm_estimate_ns(job, rows, job->d_model, job->experts) +
           used * (2u * gemm_estimate_ns(job, per, job->d_model, job->ffn) +
                   gemm_estimate_ns(job, per, job->ffn, job->d_model));
    } else {
      t += gemm_estimate_ns(job, rows, job->d_model, job->ffn) *
               ((job->arch & JOB_ARCH_SWIGLU) ? 2u : 1u) +
           gemm_estimate_ns(job, rows, job->ffn, job->d_model);
    }
    gemm[split - 1u] = split * t;
  }
  uint32_t attention = 0;
  for (uint32_t c = 0; c < job->channels; ++c)
    if (b->channel_load[c] > attention) attention = b->channel_load[c];
  /* With two sub-batches the GEMMs of one run beside the other's attention, and each slows the
   * other (the PIM commands take command-bus slots and activation windows; the attention's own
   * reads and KV appends queue behind the weight stream): the attention takes `stretch` longer,
   * and during it the GEMMs get `share` of their work done; the rest comes after. */
  const uint32_t stretched =
      (uint32_t)((uint64_t)attention * (1000u + job_attention_stretch()) / 1000u);
  const uint32_t beside = (uint32_t)((uint64_t)stretched * job_mem_share() / 1000u);
  *one_ns = gemm[0] + attention;
  *two_ns = stretched + (gemm[1] > beside ? gemm[1] - beside : 0u);
}
