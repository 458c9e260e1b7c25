#include "serving.h"

#include <stdio.h>
#include <stdlib.h>

#include "npu.h"

static uint32_t min_u32(uint32_t a, uint32_t b) { return a < b ? a : b; }

int serving_init(serving_state* s, const job_info* job, batch_state* batch) {
  const uint32_t n = job->requests;
  s->job = job;
  s->batch = batch;
  s->prompt = malloc(sizeof(uint32_t) * n);
  s->output = malloc(sizeof(uint32_t) * n);
  s->generated = calloc(n, sizeof(uint32_t));
  s->scheduled = calloc(n, 1);
  s->swapped = calloc(n, sizeof(uint32_t));
  s->queue = malloc(sizeof(uint32_t) * n);
  s->head = s->size = s->next = s->done = s->order = s->preemptions = 0;
  return s->prompt && s->output && s->generated && s->scheduled && s->swapped && s->queue;
}

int serving_finished(const serving_state* s) { return s->done >= s->job->requests; }

uint32_t serving_prompt(const serving_state* s, uint32_t id) { return s->prompt[id]; }

static void push_back(serving_state* s, uint32_t id) {
  s->queue[(s->head + s->size++) % s->job->requests] = id;
}
static void push_front(serving_state* s, uint32_t id) {
  s->head = (s->head + s->job->requests - 1u) % s->job->requests;
  s->queue[s->head] = id;
  ++s->size;
}
static uint32_t front(const serving_state* s) { return s->queue[s->head]; }
static void pop_front(serving_state* s) {
  s->head = (s->head + 1u) % s->job->requests;
  --s->size;
}

static void take_arrivals(serving_state* s) {
  const uint32_t arrived = job_arrived();
  for (; s->next < arrived && s->next < s->job->requests; ++s->next) {
    job_request r;
    job_request_get(s->next, &r);
    s->prompt[s->next] = r.context;
    s->output[s->next] = r.remaining;
    if (r.rejected) { /* longer than the context: the workload rejected it */
      job_event(JOB_EVENT_REJECTED, s->next, 0);
      ++s->done;
    } else {
      push_back(s, s->next);
    }
  }
}

/* Swaps the rows of request r's first `tokens` tokens out (out = 1) or in, the K and V lists
 * under slots 2 id and 2 id + 1; returns the KiB moved. The host waits: the swap finishes
 * before the next iteration. */
static uint32_t swap_rows(serving_state* s, const request_state* r, uint32_t tokens, int out) {
  const job_info* job = s->job;
  const uint32_t k_count = batch_k_rows(s->batch, tokens), v_count = batch_v_rows(s->batch, tokens);
  const npu_descriptor k =
      npu_swap(out, r->channel, r->k_rows, k_count, job->kv_layers, 2u * r->id);
  const npu_descriptor v =
      npu_swap(out, r->channel, r->v_rows, v_count, job->kv_layers, 2u * r->id + 1u);
  if (k_count > 0) npu_submit(0, &k);
  if (v_count > 0) npu_submit(0, &v);
  if (npu_wait(0) != VP_NPU_ERR_NONE) {
    printf("serving: the swap of request %lu stopped the NPU queue\n", (unsigned long)r->id);
    vp_exit(2);
  }
  return (uint32_t)((uint64_t)(k_count + v_count) * job->kv_layers * job->banks * job->row_bytes /
                    1024u);
}

/* Request i leaves the batch: its KV is dropped (recompute) or swapped out to host memory. Only
 * the tokens computed so far count: rows it grew for this iteration's step hold nothing yet. */
static void preempt(serving_state* s, uint32_t i) {
  request_state* r = &s->batch->requests[i];
  const uint32_t held = r->grown ? r->tokens - r->step : r->tokens;
  if (s->job->preemption == JOB_PREEMPT_SWAP && held > 0) {
    job_event(JOB_EVENT_SWAPPED_OUT, r->id, swap_rows(s, r, held, 1));
    s->swapped[r->id] = held;
  } else {
    job_event(JOB_EVENT_PREEMPTED, r->id, held);
  }
  s->generated[r->id] = r->generated;
  push_front(s, r->id);
  ++s->preemptions;
  batch_release(s->batch, i);
}

/* The channel's newest request (highest admission order). */
static uint32_t newest_in(const batch_state* b, uint32_t channel) {
  uint32_t pick = 0xFFFFFFFFu;
  for (uint32_t i = 0; i < b->count; ++i)
    if (b->requests[i].channel == channel &&
        (pick == 0xFFFFFFFFu || b->requests[i].order > b->requests[pick].order))
      pick = i;
  return pick;
}

/* Can the front of the queue be admitted now (a channel with its rows)? 0xFFFFFFFF if not. */
static uint32_t admissible_channel(serving_state* s) {
  batch_state* b = s->batch;
  if (s->size == 0 || b->count >= s->job->max_batch) return 0xFFFFFFFFu;
  const uint32_t id = front(s), known = s->prompt[id] + s->generated[id];
  /* the watermark keeps room for running requests to grow; with none running it is not needed */
  const uint32_t keep =
      b->count == 0 ? 0u
                    : (uint32_t)((uint64_t)b->kv.groups_per_channel * s->job->kv_watermark / 1000u);
  return batch_pick_channel(b, known, keep);
}

uint32_t serving_plan(serving_state* s) {
  const job_info* job = s->job;
  batch_state* b = s->batch;
  take_arrivals(s);
  /* Requests that could never fit: their whole KV is more than a channel holds. */
  while (s->size > 0) {
    const uint32_t id = front(s);
    if (batch_rows(b, s->prompt[id] + s->output[id]) <= b->kv.groups_per_channel) break;
    printf(
        "serving: request %lu (%lu + %lu tokens) needs more KV rows than a channel holds (%lu "
        "row groups): rejected\n",
        (unsigned long)id, (unsigned long)s->prompt[id], (unsigned long)s->output[id],
        (unsigned long)b->kv.groups_per_channel);
    job_event(JOB_EVENT_REJECTED, id, 0);
    ++s->done;
    pop_front(s);
  }
  uint32_t left = job->token_budget;
  const int prefill_only =
      job->scheduler == JOB_SCHEDULER_VLLM && admissible_channel(s) != 0xFFFFFFFFu;
  for (uint32_t i = 0; i < b->count; ++i) b->requests[i].step = 0;
  /* decodes (sarathi: within the budget; vllm: not in a prefill iteration) */
  for (uint32_t i = 0; i < b->count; ++i) {
    request_state* r = &b->requests[i];
    if (r->known - r->tokens != 1u || prefill_only) continue;
    if (job->scheduler == JOB_SCHEDULER_SARATHI) {
      if (left == 0) continue;
      --left;
    }
    r->step = 1u;
  }
  /* running prefills, oldest first */
  for (;;) {
    uint32_t pick = 0xFFFFFFFFu;
    for (uint32_t i = 0; i < b->count; ++i) {
      const request_state* r = &b->requests[i];
      if (r->step == 0 && r->known - r->tokens > 1u &&
          (pick == 0xFFFFFFFFu || r->order < b->requests[pick].order))
        pick = i;
    }
    if (pick == 0xFFFFFFFFu || left == 0) break;
    request_state* r = &b->requests[pick];
    r->step = min_u32(r->known - r->tokens, left);
    left -= r->step;
  }
  /* admissions, first come first served */
  while (left > 0 && (job->scheduler != JOB_SCHEDULER_VLLM || prefill_only)) {
    const uint32_t channel = admissible_channel(s);
    if (channel == 0xFFFFFFFFu) break;
    const uint32_t id = front(s);
    /* a swapped request comes back with its KV: rows for it, then SWAP in */
    job_request in = {id, s->swapped[id], s->output[id] - s->generated[id], channel, 0, 0};
    if (!batch_admit(b, &in)) break;
    pop_front(s);
    request_state* r = &b->requests[b->count - 1u];
    if (s->swapped[id] > 0) {
      job_event(JOB_EVENT_SWAPPED_IN, id, swap_rows(s, r, r->tokens, 0));
      s->swapped[id] = 0;
    }
    r->generated = s->generated[id];
    r->known = s->prompt[id] + r->generated;
    r->order = s->order++;
    r->step = min_u32(r->known - r->tokens, left);
    left -= r->step;
    if (!s->scheduled[id]) {
      s->scheduled[id] = 1;
      job_event(JOB_EVENT_SCHEDULED, id, 0);
    }
  }
  /* The steps' rows; when a channel is short, its newest request is preempted. */
  for (uint32_t i = 0; i < b->count; ++i) b->requests[i].grown = 0;
  for (uint32_t i = 0; i < b->count;) {
    request_state* r = &b->requests[i];
    if (r->grown || r->step == 0 || batch_grow_one(b, i)) {
      r->grown = 1;
      ++i;
      continue;
    }
    preempt(s, newest_in(b, r->channel));
    i = 0; /* slots moved: look again from the start */
  }
  uint32_t active = 0;
  for (uint32_t i = 0; i < b->count; ++i) active += b->requests[i].step > 0;
  return active;
}

uint32_t serving_retire(serving_state* s) {
  batch_state* b = s->batch;
  uint32_t produced = 0;
  for (uint32_t i = b->count; i-- > 0;) {
    request_state* r = &b->requests[i];
    if (r->step == 0 || r->tokens != r->known) continue;
    ++produced;
    ++r->generated;
    s->generated[r->id] = r->generated;
    job_event(JOB_EVENT_TOKEN, r->id, 0);
    if (r->generated >= s->output[r->id]) {
      job_event(JOB_EVENT_FINISHED, r->id, 0);
      ++s->done;
      batch_release(b, i);
    } else {
      ++r->known;
    }
  }
  return produced;
}
