/* gdb_demo: a small program to debug with GDB (neupims-vp run --gdb PORT): a function to break
 * in, a local to read after a step, and a global that a watchpoint catches when it changes.
 * Prints the sum and exits with 0. */
#include <stdio.h>

#include "vp.h"

volatile unsigned long gdb_demo_total; /* watched: written once per call of accumulate() */

__attribute__((noinline)) unsigned long accumulate(unsigned long upto) {
  unsigned long sum = 0;
  for (unsigned long i = 1; i <= upto; ++i) sum += i;
  gdb_demo_total += sum;
  return sum;
}

int main(void) {
  unsigned long last = 0;
  for (unsigned long n = 1; n <= 4; ++n) last = accumulate(n * 10);
  printf("gdb_demo: last sum %lu, total %lu\n", last, (unsigned long)gdb_demo_total);
  return 0;
}
