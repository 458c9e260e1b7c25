#include "pipeline.h"

#include <stdio.h>

#include "job.h"
#include "npu.h"
#include "tokens.h"
#include "vp.h"

enum { SEM_RECV = 4, SEM_DONE = 5 };
enum { MARK_ITERATION = 1, MARK_MICRO_BATCH = 6 };

static uint32_t handed;   /* micro-batch programs each device of stages 1.. has been sent */
static uint32_t finished; /* micro-batch programs the last stage has been given */

typedef struct {
  uint32_t per_stage, last; /* built devices per stage; the last stage's first */
} stages_t;

static int queues_ok(const job_info* job) {
  npu_select(0, job->built);
  for (unsigned q = 0; q < NPU_QUEUES; ++q) {
    const uint32_t status = npu_wait(q);
    if (status != VP_NPU_ERR_NONE) {
      printf("pipeline: a queue %u stopped with error %lu at descriptor %lu\n", q,
             (unsigned long)status, (unsigned long)npu_error_index(q));
      return 0;
    }
  }
  return 1;
}

/* Micro-batch m of M: requests [first, first + count). */
static void micro_batch(const batch_state* b, uint32_t m, uint32_t count_m, uint32_t* first,
                        uint32_t* count) {
  *first = m * b->count / count_m;
  *count = (m + 1u) * b->count / count_m - *first;
}

/* Submits micro-batch m's iteration to every stage (the batch narrowed to it), stage by stage:
 * a stage's whole program is queued before the next stage's, so a device whose ring is full
 * only ever waits for work whose inputs are already on their way (no deadlock, whatever the
 * ring size). */
static void submit_micro_batch(batch_state* b, const hbm_plan* plan, const stages_t* st,
                               uint32_t* positions) {
  const job_info* job = b->job;
  const uint32_t rows = b->count, first_row = b->row_base;
  const uint64_t x = plan->x + (uint64_t)first_row * job->d_model * 2u;
  const semaphore_counts counts = program_counts();
  if (job->arch & JOB_ARCH_ROPE)
    for (uint32_t i = 0; i < rows; ++i) positions[first_row + i] = b->requests[i].tokens - 1u;
  ++handed;
  for (uint32_t s = 0; s < job->stages; ++s) {
    npu_select(s * st->per_stage, st->per_stage);
    if (job->arch & JOB_ARCH_ROPE) { /* every stage's layers rotate q and k */
      const npu_descriptor d =
          npu_copy(0, rows * 4u, &positions[first_row], plan->positions + first_row * 4u);
      npu_submit(0, &d);
    }
    if (s == 0 && (job->flags & JOB_FLAG_TOKENS)) /* the tokens' embeddings */
      for (uint32_t i = 0; i < rows; ++i)
        tokens_embed(job, plan, first_row + i, b->requests[i].token);
    if (s > 0) { /* the activations from the stage before */
      const npu_descriptor wait = npu_wait_for(SEM_RECV, handed);
      npu_submit(0, &wait);
    }
    program_set_counts(counts);
    program_layers(b, plan);
    if (s + 1u < job->stages) { /* hand the residual rows on to the same rank of the next */
      const npu_descriptor send = npu_peer_copy((int32_t)(st->per_stage * job->mirror),
                                                rows * job->d_model * 2u, x, x, SEM_RECV, 1u);
      npu_submit(0, &send);
      continue;
    }
    if (job->flags & JOB_FLAG_LM_HEAD) {
      program_lm_head(b, plan);
      if (job->flags & JOB_FLAG_TOKENS) tokens_logits_to_host(job, plan, first_row, rows);
      npu_select(st->last, st->per_stage);
    }
    const npu_descriptor done = npu_signal(SEM_DONE, 1u);
    npu_submit(0, &done);
  }
  ++finished;
  npu_select(0, job->built);
}

/* Waits until the last stage has finished `count` micro-batch programs in all. */
static void wait_done(const job_info* job, const stages_t* st, uint32_t count) {
  npu_select(st->last, st->per_stage);
  npu_wait_semaphore(SEM_DONE, count);
  npu_select(0, job->built);
}

/* Micro-batch m's tokens of the iteration just done (real tokens). */
static void take_tokens(batch_state* b, uint32_t first, uint32_t count) {
  const job_info* job = b->job;
  for (uint32_t i = first; i < first + count; ++i) {
    request_state* r = &b->requests[i];
    r->token = tokens_argmax(job, r->row);
    job_token(r->id, r->token);
  }
}

int pipeline_run(batch_state* b, const hbm_plan* plan, uint32_t iterations, uint32_t* positions) {
  const job_info* job = b->job;
  stages_t st;
  st.per_stage = job->built / job->stages;
  st.last = job->built - st.per_stage;
  const uint32_t micro_batches = job->micro_batches < b->count ? job->micro_batches : b->count;
  const uint32_t base = finished; /* programs finished before this batch */
  const int tokens = (job->flags & JOB_FLAG_TOKENS) != 0;
  uint32_t sub_batches = 1;
  if (iterations == 1u) job_iteration_begin(b->count, 1u);
  for (uint32_t it = 0; it < iterations; ++it) {
    vp_marker_begin(MARK_ITERATION, it);
    for (uint32_t m = 0; m < micro_batches; ++m) {
      uint32_t first = 0, count = 0;
      micro_batch(b, m, micro_batches, &first, &count);
      if (it > 0) { /* m's previous iteration is through the last stage */
        wait_done(job, &st, base + (it - 1u) * micro_batches + m + 1u);
        if (m == 0 && iterations > 1u) { /* the pipeline's period, from the second on */
          if (it >= 2u) job_iteration_end(b->count);
          job_iteration_begin(b->count, sub_batches);
        }
        if (tokens) take_tokens(b, first, count);
      }
      for (uint32_t i = first; i < first + count; ++i)
        if (!batch_grow_one(b, i)) {
          printf("pipeline: the KV cache does not fit in HBM (iteration %lu)\n", (unsigned long)it);
          vp_exit(VP_EXIT_INPUT_REJECTED);
        }
      batch_narrow(b, first, count, first);
      const int split = (job->flags & JOB_FLAG_SUB_BATCH) && count >= job->sub_batch_min;
      batch_split(b, split ? 2u : 1u);
      if (m == 0) sub_batches = b->sub_batches;
      vp_marker_begin(MARK_MICRO_BATCH, m);
      submit_micro_batch(b, plan, &st, positions);
      vp_marker_end(MARK_MICRO_BATCH, m);
      batch_widen(b);
    }
    vp_marker_end(MARK_ITERATION, it);
  }
  if (iterations > 1u) { /* the last period ends when micro-batch 0 is through again */
    wait_done(job, &st, base + (iterations - 1u) * micro_batches + 1u);
    job_iteration_end(b->count);
  }
  wait_done(job, &st, base + iterations * micro_batches); /* the last iteration drains */
  if (!queues_ok(job)) return 0;
  if (iterations == 1u) job_iteration_end(b->count);
  if (tokens)
    for (uint32_t m = 0; m < micro_batches; ++m) {
      uint32_t first = 0, count = 0;
      micro_batch(b, m, micro_batches, &first, &count);
      take_tokens(b, first, count);
    }
  return 1;
}
