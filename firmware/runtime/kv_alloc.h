/* KV-row allocation: per channel, rows above the weights and activations are handed out in
 * row groups of `layers` consecutive rows (one row per decoder layer of the device: the ATTENTION
 * of layer l uses row + l), so one row list per request serves every layer. Freed groups are
 * reused first (a stack per channel). */
#pragma once

#include <stdint.h>

#define KV_MAX_CHANNELS 32u
#define KV_FREE_STACK 8192u /* freed groups kept per channel for reuse */

typedef struct {
  uint32_t channels, layers, first_row, groups_per_channel;
  uint32_t next[KV_MAX_CHANNELS];  /* groups never handed out start here */
  uint32_t freed[KV_MAX_CHANNELS]; /* entries on the channel's free stack */
  uint16_t stack[KV_MAX_CHANNELS][KV_FREE_STACK];
} kv_allocator;

/* Returns 0 if the rows cannot hold one group per channel. */
int kv_init(kv_allocator* kv, uint32_t channels, uint32_t rows, uint32_t first_row,
            uint32_t layers);
/* The base row of a free group in `channel`, or 0xFFFFFFFF when the channel is full. */
uint32_t kv_alloc(kv_allocator* kv, uint32_t channel);
/* Returns 0 if the channel's free stack is full (more than KV_FREE_STACK groups freed and not
 * reused): the caller reports it. */
int kv_free(kv_allocator* kv, uint32_t channel, uint32_t row);
/* Groups still free in `channel`. */
uint32_t kv_available(const kv_allocator* kv, uint32_t channel);
