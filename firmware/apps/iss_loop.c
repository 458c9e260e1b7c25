/* iss_loop: a compute-bound loop (ALU, multiply, loads/stores, branches) for the ISS speed
 * benchmark. Prints a checksum so the work cannot be optimised away. */
#include <stdio.h>

#include "vp.h"

#ifndef ISS_LOOP_ITERATIONS
#define ISS_LOOP_ITERATIONS 10000000u
#endif

static uint32_t table[256];

int main(void) {
  uint32_t x = 0x12345678u, sum = 0;
  for (uint32_t i = 0; i < 256; ++i) table[i] = i * 2654435761u;
  for (uint32_t i = 0; i < ISS_LOOP_ITERATIONS; ++i) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    uint32_t* slot = &table[x & 255u];
    *slot += x * 3u;
    if (*slot & 1u)
      sum += *slot;
    else
      sum ^= x;
  }
  printf("iss_loop: %lu iterations, checksum 0x%08lx\n", (unsigned long)ISS_LOOP_ITERATIONS,
         (unsigned long)sum);
  return 0;
}
