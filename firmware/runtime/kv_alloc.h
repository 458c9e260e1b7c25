/* KV-row allocation: per channel, rows above the weights and activations are handed out in
 * row groups of `layers` consecutive rows (one row per decoder layer of the device: the ATTENTION
 * of layer l uses row + l), so one row list per request serves every layer. Freed groups are
 * reused first (a stack per channel). */
#pragma once

#include <stdint.h>

#define KV_MAX_CHANNELS 64u
/* Freed groups kept for reuse, shared out evenly: 8192 per channel with 32 channels, 4096 with
 * 64 (a power of two each, so a channel's stack starts at channel << stack_shift). */
#define KV_FREE_ENTRIES 262144u

typedef struct {
  uint32_t channels, layers, first_row, groups_per_channel;
  uint32_t stack_shift, stack_size; /* each channel's free stack: 1 << stack_shift entries */
  uint32_t next[KV_MAX_CHANNELS];   /* groups never handed out start here */
  uint32_t freed[KV_MAX_CHANNELS];  /* entries on the channel's free stack */
  uint16_t stack[KV_FREE_ENTRIES];
} kv_allocator;

/* Returns 0 if the rows cannot hold one group per channel. */
int kv_init(kv_allocator* kv, uint32_t channels, uint32_t rows, uint32_t first_row,
            uint32_t layers);
/* The base row of a free group in `channel`, or 0xFFFFFFFF when the channel is full. */
uint32_t kv_alloc(kv_allocator* kv, uint32_t channel);
/* Returns 0 if the channel's free stack is full (more than stack_size groups freed and not
 * reused): the caller reports it. */
int kv_free(kv_allocator* kv, uint32_t channel, uint32_t row);
/* Groups still free in `channel`. */
uint32_t kv_available(const kv_allocator* kv, uint32_t channel);
