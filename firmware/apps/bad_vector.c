/* bad_vector: points mtvec at unmapped memory, then jumps there. Every trap then faults again;
 * the platform must stop on its trap-loop limit and report the cause and address. */
#include "vp.h"

int main(void) {
  VP_CSR_WRITE(mtvec, 0x00000200u);
  void (*nowhere)(void) = (void (*)(void))(uintptr_t)0x00000300u;
  nowhere();
  return 0;
}
