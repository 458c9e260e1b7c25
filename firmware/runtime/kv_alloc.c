#include "kv_alloc.h"

int kv_init(kv_allocator* kv, uint32_t channels, uint32_t rows, uint32_t first_row,
            uint32_t layers) {
  if (channels == 0 || channels > KV_MAX_CHANNELS || layers == 0 || first_row + layers > rows)
    return 0;
  kv->channels = channels;
  kv->layers = layers;
  kv->first_row = first_row;
  kv->groups_per_channel = (rows - first_row) / layers;
  if (kv->groups_per_channel > 0xFFFFu) return 0; /* group numbers are 16-bit */
  kv->stack_shift = 0;
  while ((2u << kv->stack_shift) * channels <= KV_FREE_ENTRIES) ++kv->stack_shift;
  kv->stack_size = 1u << kv->stack_shift;
  for (uint32_t c = 0; c < channels; ++c) kv->next[c] = kv->freed[c] = 0;
  return 1;
}

uint32_t kv_alloc(kv_allocator* kv, uint32_t channel) {
  uint32_t group;
  if (kv->freed[channel] > 0) {
    group = kv->stack[(channel << kv->stack_shift) + --kv->freed[channel]];
  } else if (kv->next[channel] < kv->groups_per_channel) {
    group = kv->next[channel]++;
  } else {
    return 0xFFFFFFFFu;
  }
  return kv->first_row + group * kv->layers;
}

int kv_free(kv_allocator* kv, uint32_t channel, uint32_t row) {
  if (kv->freed[channel] >= kv->stack_size) return 0;
  kv->stack[(channel << kv->stack_shift) + kv->freed[channel]++] =
      (uint16_t)((row - kv->first_row) / kv->layers);
  return 1;
}

uint32_t kv_available(const kv_allocator* kv, uint32_t channel) {
  return kv->groups_per_channel - kv->next[channel] + kv->freed[channel];
}
