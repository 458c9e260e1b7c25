#include "batch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vp.h"

static uint32_t ceil_div(uint32_t a, uint32_t b) { return (a + b - 1u) / b; }

int batch_init(batch_state* b, const job_info* job, uint32_t first_kv_row) {
  memset(b, 0, sizeof *b);
  b->job = job;
  b->row_elems = job->row_bytes / 2u;
  b->chunks_k = ceil_div(job->kv_embed, b->row_elems);
  b->k_pack = job->kv_embed < b->row_elems ? b->row_elems / job->kv_embed : 1u;
  b->tiles_v = ceil_div(job->head_dim, job->banks);
  b->k_capacity = ceil_div(ceil_div(job->max_seq, job->banks), b->k_pack) * b->chunks_k;
  b->v_chunk = job->v_chunk;
  /* The job device checks V_CHUNK; a zero here would divide by zero below. */
  if (b->v_chunk == 0 || b->row_elems % b->v_chunk != 0) return 0;
  b->segments_per_row = b->row_elems / b->v_chunk;
  b->v_capacity = ceil_div(ceil_div(job->max_seq, b->v_chunk) * job->kv_heads * b->tiles_v,
                           b->segments_per_row);
  /* Row groups as deep as the device's layers: the capacity is the full model's even when only
   * some layers are simulated (they use the first rows of each group). */
  if (!kv_init(&b->kv, job->channels, job->rows, first_kv_row, job->kv_layers)) return 0;
  b->requests = calloc(job->max_batch, sizeof(request_state));
  b->lists = malloc(sizeof(uint32_t) * job->max_batch * (b->k_capacity + b->v_capacity));
  b->tables = malloc(sizeof(uint32_t) * 4u * job->max_batch);
  return b->requests != 0 && b->lists != 0 && b->tables != 0;
}

void batch_free(batch_state* b) {
  free(b->requests);
  free(b->lists);
  free(b->tables);
  b->requests = 0;
  b->lists = b->tables = 0;
  b->count = 0;
}

uint32_t batch_load(const batch_state* b, uint32_t tokens) {
  const uint32_t gwrite = 100u, tile = 184u;
  if (tokens == 0) return 0;
  /* K: per chunk and query of a K/V head's group a GWRITE and a tile per 32 tokens; V: per
   * (query) head and token chunk a GWRITE and a tile per KV row its dimension tiles occupy. */
  return b->chunks_k * (b->job->heads / b->job->kv_heads) *
             (gwrite + ceil_div(tokens, 32u) * tile) +
         ceil_div(tokens, b->v_chunk) * b->job->heads *
             (gwrite + ceil_div(b->tiles_v, b->segments_per_row) * tile);
}

/* Rows needed for `tokens` tokens. */
static uint32_t k_needed(const batch_state* b, uint32_t tokens) {
  return ceil_div(ceil_div(tokens, b->job->banks), b->k_pack) * b->chunks_k;
}
static uint32_t v_needed(const batch_state* b, uint32_t tokens) {
  return ceil_div(ceil_div(tokens, b->v_chunk) * b->job->kv_heads * b->tiles_v,
                  b->segments_per_row);
}

/* Rows a request of `tokens` tokens adds with its next token (0 for an empty request: not counted).
 */
static uint32_t next_rows(const batch_state* b, uint32_t tokens) {
  if (tokens == 0) return 0;
  return k_needed(b, tokens + 1u) + v_needed(b, tokens + 1u) - k_needed(b, tokens) -
         v_needed(b, tokens);
}

static int grow_to(batch_state* b, request_state* r, uint32_t tokens) {
  const uint32_t k = k_needed(b, tokens), v = v_needed(b, tokens);
  if (k > b->k_capacity || v > b->v_capacity) return 0;
  while (r->k_count < k) {
    const uint32_t row = kv_alloc(&b->kv, r->channel);
    if (row == 0xFFFFFFFFu) return 0;
    r->k_rows[r->k_count++] = row;
  }
  while (r->v_count < v) {
    const uint32_t row = kv_alloc(&b->kv, r->channel);
    if (row == 0xFFFFFFFFu) return 0;
    r->v_rows[r->v_count++] = row;
  }
  b->channel_load[r->channel] += batch_load(b, tokens) - batch_load(b, r->tokens);
  b->growth_reserve[r->channel] += next_rows(b, tokens) - next_rows(b, r->tokens);
  r->tokens = tokens;
  return 1;
}

uint32_t batch_rows(const batch_state* b, uint32_t tokens) {
  return k_needed(b, tokens) + v_needed(b, tokens);
}
uint32_t batch_k_rows(const batch_state* b, uint32_t tokens) { return k_needed(b, tokens); }
uint32_t batch_v_rows(const batch_state* b, uint32_t tokens) { return v_needed(b, tokens); }

static uint32_t pick_channel(batch_state* b, uint32_t tokens, uint32_t keep) {
  const uint32_t channels = b->job->channels;
  const uint32_t need = k_needed(b, tokens + 1u) + v_needed(b, tokens + 1u) + keep;
  if (b->job->flags & JOB_FLAG_GREEDY) {
    uint32_t best = 0xFFFFFFFFu, best_load = 0xFFFFFFFFu;
    for (uint32_t c = 0; c < channels; ++c) {
      const uint32_t load = b->channel_load[c];
      if (kv_available(&b->kv, c) >= need + b->growth_reserve[c] && load < best_load)
        best = c, best_load = load;
    }
    return best;
  }
  for (uint32_t i = 0; i < channels; ++i) {
    const uint32_t c = (b->round_robin + i) % channels;
    if (kv_available(&b->kv, c) >= need + b->growth_reserve[c]) {
      b->round_robin = (c + 1u) % channels;
      return c;
    }
  }
  return 0xFFFFFFFFu;
}

uint32_t batch_pick_channel(batch_state* b, uint32_t tokens, uint32_t keep) {
  return pick_channel(b, tokens, keep);
}

int batch_admit(batch_state* b, const job_request* in) {
  if (b->count >= b->job->max_batch) return 0;
  const uint32_t channel =
      in->channel != JOB_ANY_CHANNEL ? in->channel : pick_channel(b, in->context, 0u);
  if (channel >= b->job->channels) return 0;
  request_state* r = &b->requests[b->count];
  memset(r, 0, sizeof *r);
  r->channel = channel;
  r->remaining = in->remaining;
  r->id = in->index;
  r->step = 1u;
  r->k_rows = b->lists + b->count * (b->k_capacity + b->v_capacity);
  r->v_rows = r->k_rows + b->k_capacity;
  b->count++;
  if (!grow_to(b, r, in->context)) {
    batch_release(b, b->count - 1u);
    return 0;
  }
  return 1;
}

int batch_grow(batch_state* b) {
  for (uint32_t i = 0; i < b->count; ++i)
    if (!grow_to(b, &b->requests[i], b->requests[i].tokens + b->requests[i].step)) return 0;
  return 1;
}

int batch_grow_one(batch_state* b, uint32_t i) {
  request_state* r = &b->requests[i];
  const uint32_t tokens = r->tokens + r->step, k = k_needed(b, tokens), v = v_needed(b, tokens);
  /* all or nothing: a failed grow leaves the request as it was */
  if (k > b->k_capacity || v > b->v_capacity ||
      kv_available(&b->kv, r->channel) < (k - r->k_count) + (v - r->v_count))
    return 0;
  return grow_to(b, r, tokens);
}

static void free_row(batch_state* b, uint32_t channel, uint32_t row) {
  if (!kv_free(&b->kv, channel, row)) {
    printf("decode: more than %lu KV row groups freed in channel %lu and not reused\n",
           (unsigned long)b->kv.stack_size, (unsigned long)channel);
    vp_exit(3);
  }
}

void batch_release(batch_state* b, uint32_t i) {
  request_state* r = &b->requests[i];
  b->channel_load[r->channel] -= batch_load(b, r->tokens);
  b->growth_reserve[r->channel] -= next_rows(b, r->tokens);
  for (uint32_t n = 0; n < r->k_count; ++n) free_row(b, r->channel, r->k_rows[n]);
  for (uint32_t n = 0; n < r->v_count; ++n) free_row(b, r->channel, r->v_rows[n]);
  /* Move the last request into slot i, with its lists. */
  const uint32_t last = --b->count;
  if (i != last) {
    request_state* l = &b->requests[last];
    memcpy(r->k_rows, l->k_rows, sizeof(uint32_t) * l->k_count);
    memcpy(r->v_rows, l->v_rows, sizeof(uint32_t) * l->v_count);
    uint32_t *k = r->k_rows, *v = r->v_rows;
    *r = *l;
    r->k_rows = k;
    r->v_rows = v;
  }
}

static void swap_requests(batch_state* b, uint32_t i, uint32_t j) {
  if (i == j) return;
  request_state *x = &b->requests[i], *y = &b->requests[j];
  const uint32_t words = b->k_capacity + b->v_capacity;
  uint32_t *lx = x->k_rows, *ly = y->k_rows;
  for (uint32_t n = 0; n < words; ++n) {
    const uint32_t t = lx[n];
    lx[n] = ly[n];
    ly[n] = t;
  }
  const request_state t = *x;
  *x = *y;
  *y = t;
  x->k_rows = lx, x->v_rows = lx + b->k_capacity;
  y->k_rows = ly, y->v_rows = ly + b->k_capacity;
}

/* Moves the requests for which keep() holds to the front of [from, to), keeping their order when
 * every request keeps (a partition by swaps); returns where the rest starts. */
static uint32_t partition(batch_state* b, uint32_t from, uint32_t to,
                          int (*keep)(const request_state*)) {
  uint32_t front = from;
  for (uint32_t i = from; i < to; ++i)
    if (keep(&b->requests[i])) swap_requests(b, i, front++);
  return front;
}
static int is_active(const request_state* r) { return r->step > 0u; }
static int is_decode(const request_state* r) { return r->step == 1u; }
static int in_first(const request_state* r) { return r->sub_batch == 0u; }

void batch_narrow(batch_state* b, uint32_t first, uint32_t count, uint32_t row_base) {
  b->narrowed_first = first;
  b->full_count = b->count;
  b->requests += first;
  b->tables += 4u * first;
  b->count = count;
  b->row_base = row_base;
}

void batch_widen(batch_state* b) {
  b->requests -= b->narrowed_first;
  b->tables -= 4u * b->narrowed_first;
  b->count = b->full_count;
  b->row_base = 0;
  b->narrowed_first = 0;
}

void batch_split(batch_state* b, uint32_t sub_batches) {
  b->sub_batches = sub_batches;
  /* Paused requests (step 0) go last and take no part; prefill chunks (step > 1) are placed after
   * the decode split, each into the sub-batch with fewer rows. */
  const uint32_t active = partition(b, 0, b->count, is_active);
  for (uint32_t i = 0; i < b->count; ++i)
    b->requests[i].sub_batch = b->requests[i].step == 1u ? 0u : 3u;
  if (sub_batches == 2 && (b->job->flags & JOB_FLAG_SPLIT_BY_COUNT)) {
    /* The public simulator's split: per channel, the first half of its requests (in batch
     * order) to sub-batch 0, the rest to 1; odd counts round up and down in turn. */
    uint32_t odd = 0;
    for (uint32_t c = 0; c < b->job->channels; ++c) {
      uint32_t n = 0, seen = 0;
      for (uint32_t i = 0; i < b->count; ++i)
        n += b->requests[i].channel == c && b->requests[i].sub_batch == 0u;
      const uint32_t first = (n + ((n & 1u) ? odd : 0u)) / 2u;
      if (n & 1u) odd ^= 1u;
      for (uint32_t i = 0; i < b->count; ++i)
        if (b->requests[i].channel == c && b->requests[i].sub_batch == 0u)
          b->requests[i].sub_batch = seen++ < first ? 1u : 2u;
    }
  } else if (sub_batches == 2) {
    /* Per channel: heaviest first, each to the lighter sub-batch of that channel (ties: the
     * lighter sub-batch overall, so channels with one request still split the batch). */
    uint32_t total[2] = {0, 0};
    for (uint32_t c = 0; c < b->job->channels; ++c) {
      uint32_t load[2] = {0, 0};
      for (;;) {
        uint32_t pick = 0xFFFFFFFFu, heaviest = 0;
        for (uint32_t i = 0; i < b->count; ++i) {
          const request_state* r = &b->requests[i];
          if (r->channel != c || r->sub_batch != 0u) continue;
          const uint32_t l = batch_load(b, r->tokens) + 1u;
          if (pick == 0xFFFFFFFFu || l > heaviest) pick = i, heaviest = l;
        }
        if (pick == 0xFFFFFFFFu) break;
        const uint32_t s =
            load[0] != load[1] ? (load[0] < load[1] ? 0u : 1u) : (total[0] <= total[1] ? 0u : 1u);
        load[s] += heaviest;
        total[s] += heaviest;
        b->requests[pick].sub_batch = s + 1u; /* 1-based while splitting */
      }
    }
  }
  if (sub_batches == 2) {
    uint32_t rows[2] = {0, 0};
    for (uint32_t i = 0; i < active; ++i)
      if (b->requests[i].step == 1u) rows[--b->requests[i].sub_batch] += 1u;
    for (;;) { /* prefill chunks, longest first, to the sub-batch with fewer rows */
      uint32_t pick = 0xFFFFFFFFu;
      for (uint32_t i = 0; i < active; ++i)
        if (b->requests[i].sub_batch == 3u &&
            (pick == 0xFFFFFFFFu || b->requests[i].step > b->requests[pick].step))
          pick = i;
      if (pick == 0xFFFFFFFFu) break;
      const uint32_t s = rows[0] <= rows[1] ? 0u : 1u;
      b->requests[pick].sub_batch = s;
      rows[s] += b->requests[pick].step;
    }
    /* Sub-batch 0 first (stable enough: a partition by swaps). */
    const uint32_t front = partition(b, 0, active, in_first);
    b->start[0] = 0, b->start[1] = front, b->start[2] = active;
  } else {
    for (uint32_t i = 0; i < b->count; ++i) b->requests[i].sub_batch = 0;
    b->start[0] = 0, b->start[1] = active, b->start[2] = active;
  }
  uint32_t row = b->row_base;
  for (uint32_t s = 0; s < 2u; ++s) {
    b->decode_end[s] = partition(b, b->start[s], b->start[s + 1u], is_decode);
    b->row_start[s] = row;
    for (uint32_t i = b->start[s]; i < b->start[s + 1u]; ++i) {
      b->requests[i].row = row;
      row += b->requests[i].step;
    }
  }
  b->row_start[2] = row;
  for (uint32_t i = 0; i < b->count; ++i) {
    const request_state* r = &b->requests[i];
    uint32_t* e = &b->tables[4u * i];
    e[0] = r->tokens;
    e[1] = r->channel;
    e[2] = (uint32_t)(uintptr_t)r->k_rows;
    e[3] = (uint32_t)(uintptr_t)r->v_rows;
  }
}
