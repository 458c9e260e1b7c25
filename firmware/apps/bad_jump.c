/* bad_jump: jumps to unmapped memory. The default trap handler reports the instruction access
 * fault with its address and ends the run with VP_EXIT_UNEXPECTED_TRAP. */
#include <stdint.h>

int main(void) {
  void (*nowhere)(void) = (void (*)(void))(uintptr_t)0x00000100u;
  nowhere();
  return 0;
}
