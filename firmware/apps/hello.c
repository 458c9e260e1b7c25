/* hello: the first program on the platform; prints who runs it and exits with 0. */
#include <stdio.h>

#include "vp.h"

int main(void) {
  const uint32_t misa = VP_CSR_READ(misa);
  printf("Hello from the neupims-vp host CPU: RV32%s%s, hart %lu\n", (misa & (1u << 8)) ? "I" : "?",
         (misa & (1u << 12)) ? "M" : "", (unsigned long)VP_CSR_READ(mhartid));
  printf("simulated time so far: %lu ns\n", (unsigned long)vp_time_ns());
  return 0;
}
