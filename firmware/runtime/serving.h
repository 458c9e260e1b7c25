/* Serving: requests arrive on the job device's serving clock, are prefilled and decoded on the
 * same device, and are preempted when KV memory runs short (docs/runtime.md, Serving).
 *
 * A running request has `known` tokens (prompt + generated) whose KV must exist before it can
 * produce its next token; an iteration adds `step` of them to its KV: 1 when decoding, a prefill
 * chunk otherwise. When its KV reaches `known` the iteration's last row of the request yields its
 * next token. Policies (job SCHEDULER):
 * - orca: every decode joins; each prefill takes what is left of TOKEN_BUDGET prefill tokens;
 * - vllm: when a waiting request can be admitted, the iteration is prefill-only (decodes pause);
 * - sarathi: TOKEN_BUDGET tokens per iteration, decodes first, then running prefills' chunks,
 *   then new requests' chunks.
 * Admission is first come, first served: a request joins when a channel has its rows for its
 * known tokens + 1, the channel's growth reserve and KV_WATERMARK of its row groups free. When
 * a step's rows cannot be allocated, the newest request of that channel is preempted: by
 * recompute (its KV is freed and it goes back to the front of the queue, to prefill its known
 * tokens again) or by swap (its KV rows go to host memory over the host link, SWAP out, and come
 * back into newly allocated rows, SWAP in, when it is admitted again). A request whose whole KV
 * (prompt + output) exceeds a channel is rejected. */
#pragma once

#include <stdint.h>

#include "batch.h"
#include "job.h"

typedef struct {
  const job_info* job;
  batch_state* batch;
  uint32_t *prompt, *output, *generated; /* per request */
  uint8_t* scheduled;                    /* per request: admitted once */
  uint32_t* swapped;                     /* per request: KV tokens held in host memory (swap) */
  uint32_t *queue, head, size;           /* waiting requests (a ring of `requests`) */
  uint32_t next;                         /* requests not yet arrived start here */
  uint32_t done, order, preemptions;
} serving_state;

int serving_init(serving_state* s, const job_info* job, batch_state* batch);
/* Every request finished or was rejected. */
int serving_finished(const serving_state* s);
/* Takes arrivals, chooses each running request's step, admits waiting requests and allocates
 * the steps' KV rows (preempting when short). Returns the requests with a step (0: nothing can
 * run until the next arrival). */
uint32_t serving_plan(serving_state* s);
/* The prompt length of request `id` (for token positions). */
uint32_t serving_prompt(const serving_state* s, uint32_t id);
/* After the iteration: each request whose KV reached `known` produced a token (reported);
 * finished requests leave the batch. Returns the tokens produced. */
uint32_t serving_retire(serving_state* s);
