/* decode: the NeuPIMs inference firmware. Reads the job from the platform (periph.job), keeps a
 * batch of decode requests with their KV rows in HBM, and runs decode iterations: every
 * iteration appends one token to every request, runs the decoder layers as command streams on
 * the NPU's two queues (sub-batch interleaved when the job says so) and the LM head, and reports
 * the iteration to the job device, which measures it.
 * - steady / trace: each sampled batch joins at once and runs ITERATIONS iterations;
 * - serving: requests arrive on the serving clock, are prefilled (whole or in chunks) and decoded
 *   on the device by the job's scheduler, preempted when KV memory runs short, and leave when
 *   they have generated their tokens (serving.h).
 * Exit code 0 = every iteration ran; 2 = a queue stopped on an error; VP_EXIT_INPUT_REJECTED = the
 * job does not fit the device (neupims-vp exits 2, bad input). */
#include <stdio.h>
#include <stdlib.h>

#include "batch.h"
#include "job.h"
#include "moe.h"
#include "npu.h"
#include "pipeline.h"
#include "program.h"
#include "serving.h"
#include "tokens.h"
#include "vp.h"

enum { MARK_ITERATION = 1, MARK_LAYERS = 2, MARK_LM_HEAD = 3 };

static job_info job;
static hbm_plan plan;
static batch_state batch;
static uint32_t iteration;
static uint32_t* positions; /* ROPE: each row's position (its token's index in the context) */
static serving_state serving;
static uint32_t* head_rows; /* serving: the LM head's gather table, {row, 1.0f} per token */
static uint16_t* history;   /* serving with real tokens: each request's generated tokens */
static uint32_t skipped;    /* serving iterations the job device estimated (sampling) */

static void check_queues(void) {
  for (unsigned q = 0; q < NPU_QUEUES; ++q) {
    const uint32_t status = npu_wait(q);
    if (status != VP_NPU_ERR_NONE) {
      printf("decode: NPU queue %u stopped with error %lu at descriptor %lu (iteration %lu)\n", q,
             (unsigned long)status, (unsigned long)npu_error_index(q), (unsigned long)iteration);
      vp_exit(2);
    }
  }
}

static void run_iteration(void) {
  if (!batch_grow(&batch)) {
    printf("decode: the KV cache does not fit in HBM (iteration %lu, %lu requests)\n",
           (unsigned long)iteration, (unsigned long)batch.count);
    vp_exit(VP_EXIT_INPUT_REJECTED);
  }
  int split = (job.flags & JOB_FLAG_SUB_BATCH) && batch.count >= job.sub_batch_min;
  if (split && (job.flags & JOB_FLAG_SUB_BATCH_ADAPTIVE)) {
    uint32_t one = 0, two = 0;
    estimate_layer(&batch, &plan, &one, &two);
    split = two < one;
  }
  batch_split(&batch, split ? 2u : 1u);
  job_iteration_begin(batch.count, batch.sub_batches);
  if (job.arch & JOB_ARCH_ROPE) { /* the rows' positions, ahead of the layers on queue 0 */
    for (uint32_t i = 0; i < batch.count; ++i) positions[i] = batch.requests[i].tokens - 1u;
    const npu_descriptor d = npu_copy(0, batch.count * 4u, positions, plan.positions);
    npu_submit(0, &d);
  }
  if (job.flags & JOB_FLAG_TOKENS) /* x = the embedding of each request's current token */
    for (uint32_t i = 0; i < batch.count; ++i)
      tokens_embed(&job, &plan, i, batch.requests[i].token);
  vp_marker_begin(MARK_ITERATION, iteration);
  vp_marker_begin(MARK_LAYERS, batch.sub_batches);
  program_layers(&batch, &plan);
  check_queues();
  vp_marker_end(MARK_LAYERS, batch.sub_batches);
  job_layers_end();
  if (job.flags & JOB_FLAG_LM_HEAD) {
    vp_marker_begin(MARK_LM_HEAD, 0);
    program_lm_head(&batch, &plan);
    check_queues();
    if (job.flags & JOB_FLAG_TOKENS) {
      tokens_fetch_logits(&job, &plan, batch.count);
      for (uint32_t i = 0; i < batch.count; ++i) {
        batch.requests[i].token = tokens_argmax(&job, i);
        job_token(batch.requests[i].id, batch.requests[i].token);
      }
    }
    vp_marker_end(MARK_LM_HEAD, 0);
  }
  vp_marker_end(MARK_ITERATION, iteration);
  job_iteration_end(batch.count);
  ++iteration;
}

/* The token at `position` of request `id`'s context (serving with real tokens). */
static uint32_t serving_token(uint32_t id, uint32_t position) {
  const uint32_t prompt = serving_prompt(&serving, id);
  return position < prompt ? tokens_prompt_at(&job, id, position)
                           : history[(uint64_t)id * job.max_seq + position - prompt];
}

/* One serving iteration over the requests serving_plan() gave a step: decodes and prefill chunks
 * as one batch of rows; the LM head over each request's last row when it yields a token. */
static void run_serving_iteration(void) {
  int split = (job.flags & JOB_FLAG_SUB_BATCH) && batch.count >= job.sub_batch_min;
  if (split && (job.flags & JOB_FLAG_SUB_BATCH_ADAPTIVE)) {
    uint32_t one = 0, two = 0;
    estimate_layer(&batch, &plan, &one, &two);
    split = two < one;
  }
  batch_split(&batch, split ? 2u : 1u);
  const uint32_t active = batch.start[2], rows = batch.row_start[2];
  { /* sampling: the job device may estimate this iteration instead (its features) */
    uint32_t load[KV_MAX_CHANNELS] = {0}, slowest = 0, kv = 0, prefill = 0;
    for (uint32_t i = 0; i < active; ++i) {
      const request_state* r = &batch.requests[i];
      if (r->step == 1u) {
        load[r->channel] += batch_load(&batch, r->tokens);
        if (load[r->channel] > slowest) slowest = load[r->channel];
        kv += r->tokens;
      } else {
        prefill += (uint32_t)((uint64_t)r->step * r->tokens / 1024u);
      }
    }
    if (!job_simulate(rows, slowest, kv, prefill, batch.sub_batches)) {
      serving_retire(&serving);
      job_iteration_skipped();
      ++skipped;
      return;
    }
  }
  job_iteration_begin(active, batch.sub_batches);
  uint32_t heads = 0;
  for (uint32_t i = 0; i < active; ++i) {
    const request_state* r = &batch.requests[i];
    const uint32_t first = r->tokens - r->step; /* position of the request's first row */
    for (uint32_t j = 0; j < r->step; ++j) {
      if (job.arch & JOB_ARCH_ROPE) positions[r->row + j] = first + j;
      if (job.flags & JOB_FLAG_TOKENS)
        tokens_embed(&job, &plan, r->row + j, serving_token(r->id, first + j));
    }
    if (r->tokens == r->known) { /* its last row yields its next token */
      head_rows[2u * heads] = r->row + r->step - 1u;
      head_rows[2u * heads + 1u] = 0x3F800000u; /* 1.0f */
      ++heads;
    }
  }
  if (job.arch & JOB_ARCH_ROPE) {
    const npu_descriptor d = npu_copy(0, rows * 4u, positions, plan.positions);
    npu_submit(0, &d);
  }
  vp_marker_begin(MARK_ITERATION, iteration);
  vp_marker_begin(MARK_LAYERS, batch.sub_batches);
  program_layers(&batch, &plan);
  check_queues();
  vp_marker_end(MARK_LAYERS, batch.sub_batches);
  job_layers_end();
  if ((job.flags & JOB_FLAG_LM_HEAD) && heads > 0) {
    vp_marker_begin(MARK_LM_HEAD, 0);
    program_lm_head_rows(&batch, &plan, head_rows, heads);
    check_queues();
    if (job.flags & JOB_FLAG_TOKENS) {
      tokens_fetch_logits(&job, &plan, heads);
      uint32_t k = 0;
      for (uint32_t i = 0; i < active; ++i) {
        request_state* r = &batch.requests[i];
        if (r->tokens != r->known) continue;
        r->token = tokens_argmax(&job, k++);
        history[(uint64_t)r->id * job.max_seq + r->generated] = (uint16_t)r->token;
        job_token(r->id, r->token);
      }
    }
    vp_marker_end(MARK_LM_HEAD, 0);
  }
  vp_marker_end(MARK_ITERATION, iteration);
  job_iteration_end(serving_retire(&serving));
  ++iteration;
}

/* Admits request r; with real tokens its first token is its prompt. */
static int admit(const job_request* r) {
  if (!batch_admit(&batch, r)) return 0;
  batch.requests[batch.count - 1u].token = tokens_prompt(&job, r->index);
  return 1;
}

static void admit_or_fail(uint32_t index) {
  job_request r;
  job_request_get(index, &r);
  if (!admit(&r)) {
    printf(
        "decode: request %lu (%lu tokens) does not fit (batch %lu of at most %lu, or its channel is full)\n",
        (unsigned long)index, (unsigned long)r.context, (unsigned long)batch.count,
        (unsigned long)job.max_batch);
    vp_exit(VP_EXIT_INPUT_REJECTED);
  }
}

int main(void) {
  if (!job_read(&job)) {
    printf("decode: no job device (periph.job) on this platform\n");
    return VP_EXIT_INPUT_REJECTED;
  }
  if (job.v_chunk == 0 || (job.row_bytes / 2u) % job.v_chunk != 0) {
    printf("decode: V_CHUNK %lu does not divide a bank row of %lu elements\n",
           (unsigned long)job.v_chunk, (unsigned long)(job.row_bytes / 2u));
    return VP_EXIT_INPUT_REJECTED;
  }
  plan_memory(&plan, &job);
  const uint32_t first_row = plan_first_row(&plan, &job);
  if (!batch_init(&batch, &job, first_row)) {
    if (first_row >= job.rows)
      printf("decode: the model needs rows up to %lu of %lu: no room for the KV cache\n",
             (unsigned long)first_row, (unsigned long)job.rows);
    else
      printf(
          "decode: no host memory for the KV row lists of %lu requests of up to %lu tokens; "
          "lower the batch or workload.max_context\n",
          (unsigned long)job.max_batch, (unsigned long)job.max_seq);
    return VP_EXIT_INPUT_REJECTED;
  }
  npu_init(1);
  if (job.built > 1) { /* several devices: every program goes to all of them unless narrowed */
    if (!npu_devices(job.built, job.stride)) {
      printf("decode: no host memory for the command rings of %lu devices\n",
             (unsigned long)job.built);
      return VP_EXIT_INPUT_REJECTED;
    }
    npu_select(0, job.built);
    printf("decode: %lu devices (tp %lu x pp %lu), %lu simulated%s, %lu micro-batches\n",
           (unsigned long)job.devices, (unsigned long)job.tp, (unsigned long)job.pp,
           (unsigned long)job.built, job.mirror > 1 ? " (the others mirror them)" : "",
           (unsigned long)(job.stages > 1 ? job.micro_batches : 1u));
  }
  if (((job.arch & JOB_ARCH_ROPE) && (positions = malloc(sizeof(uint32_t) * job.max_rows)) == 0) ||
      (job.experts != 0 && !moe_init(&job))) {
    printf("decode: no host memory for the positions or the expert routing tables\n");
    return VP_EXIT_INPUT_REJECTED;
  }
  if ((job.flags & JOB_FLAG_TOKENS) && !tokens_init(&job, &plan)) {
    printf("decode: no host memory for the embedding table and logits\n");
    return VP_EXIT_INPUT_REJECTED;
  }
  printf(
      "decode: %lu layers of %lu simulated, E %lu, %lu heads x %lu (%lu K/V) on this device, batch up to %lu, "
      "%s attention, %s channels, sub-batches %s\n",
      (unsigned long)job.layers, (unsigned long)job.device_layers, (unsigned long)job.d_model,
      (unsigned long)job.heads, (unsigned long)job.head_dim, (unsigned long)job.kv_heads,
      (unsigned long)job.max_batch, (job.flags & JOB_FLAG_PIM_ATTENTION) ? "PIM" : "NPU",
      (job.flags & JOB_FLAG_GREEDY) ? "greedy" : "round-robin",
      (job.flags & JOB_FLAG_SUB_BATCH_ADAPTIVE) ? "adaptive"
      : (job.flags & JOB_FLAG_SUB_BATCH)        ? "on"
                                                : "off");

  if (job.mode == JOB_MODE_SERVING) {
    if (!serving_init(&serving, &job, &batch) ||
        (head_rows = malloc(sizeof(uint32_t) * 2u * job.max_batch)) == 0 ||
        ((job.flags & JOB_FLAG_TOKENS) &&
         (history = malloc(sizeof(uint16_t) * (uint64_t)job.requests * job.max_seq)) == 0)) {
      printf("decode: no host memory for the serving state of %lu requests\n",
             (unsigned long)job.requests);
      return VP_EXIT_INPUT_REJECTED;
    }
    while (!serving_finished(&serving) && (job.iterations == 0 || iteration < job.iterations)) {
      if (serving_plan(&serving) == 0) {
        if (serving.next >= job.requests) { /* nothing runs and nothing will arrive */
          printf("decode: %lu requests wait but none can run (a scheduler fault)\n",
                 (unsigned long)(job.requests - serving.done));
          return 3;
        }
        job_idle(); /* nothing runs until the next arrival */
        continue;
      }
      run_serving_iteration();
    }
    printf("decode: %lu preemptions, %lu iterations estimated\n",
           (unsigned long)serving.preemptions, (unsigned long)skipped);
    for (uint32_t c = 0; serving_finished(&serving) && c < job.channels; ++c)
      if (kv_available(&batch.kv, c) != batch.kv.groups_per_channel) { /* every group freed */
        printf("decode: channel %lu has %lu of %lu KV row groups free at the end\n",
               (unsigned long)c, (unsigned long)kv_available(&batch.kv, c),
               (unsigned long)batch.kv.groups_per_channel);
        return 1;
      }
  } else {
    uint32_t next = 0;
    for (uint32_t b = 0; b < job.batches; ++b) {
      /* The sampled batch joins at once, longest first (greedy placement balances better). */
      uint32_t end = next;
      job_request r;
      while (end < job.requests) {
        job_request_get(end, &r);
        if (r.batch != b) break;
        ++end;
      }
      /* Longest first, so greedy placement balances the channels (ties: job order). */
      const uint32_t n = end - next;
      uint32_t *order = malloc(sizeof(uint32_t) * n), *context = malloc(sizeof(uint32_t) * n);
      for (uint32_t i = 0; i < n; ++i) {
        job_request_get(next + i, &r);
        uint32_t at = i;
        while (at > 0 && context[at - 1u] < r.context) {
          order[at] = order[at - 1u];
          context[at] = context[at - 1u];
          --at;
        }
        order[at] = next + i;
        context[at] = r.context;
      }
      for (uint32_t i = 0; i < n; ++i) admit_or_fail(order[i]);
      free(order);
      free(context);
      const uint32_t iterations = job.iterations ? job.iterations : 1u;
      if (job.stages > 1) { /* micro-batches through the pipeline's stages */
        if (!pipeline_run(&batch, &plan, iterations, positions)) vp_exit(2);
        iteration += iterations;
      } else {
        for (uint32_t it = 0; it < iterations; ++it) run_iteration();
      }
      while (batch.count > 0) batch_release(&batch, batch.count - 1u);
      next = end;
    }
  }
  printf("decode: %lu iterations done\n", (unsigned long)iteration);
  return 0;
}
