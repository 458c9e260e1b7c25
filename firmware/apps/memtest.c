/* memtest: tests the free RAM between the heap start and the stack with word, half-word and
 * byte accesses: address-in-address, inverted, walking ones, and sub-word little-endian layout. */
#include <stdio.h>

#include "vp.h"

extern char __heap_start[];
extern char __heap_end[];

static unsigned failures;

static void check(volatile uint32_t* p, uint32_t expect, const char* what) {
  if (*p != expect) {
    if (failures < 8)
      printf("memtest: %s mismatch at %p: read 0x%08lx, expected 0x%08lx\n", what, (void*)p,
             (unsigned long)*p, (unsigned long)expect);
    failures++;
  }
}

int main(void) {
  volatile uint32_t* begin = (volatile uint32_t*)__heap_start;
  volatile uint32_t* end = (volatile uint32_t*)__heap_end;
  const uint32_t words = (uint32_t)(end - begin);

  for (volatile uint32_t* p = begin; p < end; ++p) *p = (uint32_t)(uintptr_t)p;
  for (volatile uint32_t* p = begin; p < end; ++p) check(p, (uint32_t)(uintptr_t)p, "address");
  for (volatile uint32_t* p = begin; p < end; ++p) *p = ~(uint32_t)(uintptr_t)p;
  for (volatile uint32_t* p = begin; p < end; ++p) check(p, ~(uint32_t)(uintptr_t)p, "inverse");

  for (uint32_t bit = 0; bit < 32; ++bit) {
    begin[bit] = 1u << bit;
    check(&begin[bit], 1u << bit, "walking-one");
  }

  /* Sub-word stores land little-endian. */
  volatile uint8_t* bytes = (volatile uint8_t*)begin;
  volatile uint16_t* halves = (volatile uint16_t*)begin;
  begin[0] = 0;
  bytes[0] = 0x11;
  bytes[1] = 0x22;
  bytes[2] = 0x33;
  bytes[3] = 0x44;
  check(&begin[0], 0x44332211u, "byte-lanes");
  halves[2] = 0xBEEF;
  halves[3] = 0xDEAD;
  check(&begin[1], 0xDEADBEEFu, "half-lanes");
  /* Sign extension of loads. */
  bytes[8] = 0x80;
  halves[5] = 0x8001;
  int32_t sb = (int8_t)bytes[8];
  int32_t sh = (int16_t)halves[5];
  if (sb != -128 || sh != -32767) {
    printf("memtest: sign extension wrong: %ld %ld\n", (long)sb, (long)sh);
    failures++;
  }

  printf("memtest: %lu bytes tested, %u failures\n", (unsigned long)words * 4u, failures);
  return failures == 0 ? 0 : 1;
}
