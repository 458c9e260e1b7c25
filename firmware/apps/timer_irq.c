/* timer_irq: programs the CLINT timer, sleeps in WFI, counts timer interrupts.
 * Passes when exactly TICKS interrupts arrived, each no earlier than its deadline, and the hart
 * really slept (few instructions retired while waiting). */
#include <stdio.h>

#include "vp.h"

#define TICKS 5
#define PERIOD 1000u /* mtime ticks */

static volatile uint32_t interrupts;
static volatile uint64_t deadline;
static volatile uint32_t early;

static uintptr_t on_trap(uint32_t mcause, uintptr_t mepc, uint32_t mtval) {
  if (mcause != (VP_MCAUSE_INTERRUPT | 7u)) {
    printf("timer_irq: unexpected trap %s at 0x%08lx (mtval 0x%08lx)\n", vp_cause_name(mcause),
           (unsigned long)mepc, (unsigned long)mtval);
    vp_exit(2);
  }
  if (vp_mtime() < deadline) early++;
  interrupts++;
  if (interrupts < TICKS) {
    deadline += PERIOD;
    vp_set_mtimecmp(deadline);
  } else {
    vp_set_mtimecmp(UINT64_MAX); /* lowers mtip */
  }
  return mepc;
}

int main(void) {
  vp_set_trap_handler(on_trap);
  const uint64_t start = vp_mtime();
  deadline = start + PERIOD;
  vp_set_mtimecmp(deadline);
  VP_CSR_SET(mie, VP_MIE_MTIE);
  VP_CSR_SET(mstatus, VP_MSTATUS_MIE);
  const uint32_t instret_before = VP_CSR_READ(minstret);
  uint32_t wakeups = 0;
  while (interrupts < TICKS) {
    __asm__ volatile("wfi");
    wakeups++;
  }
  const uint32_t retired = VP_CSR_READ(minstret) - instret_before;
  const uint64_t elapsed = vp_mtime() - start;
  printf("timer_irq: %lu interrupts, %lu wakeups, %lu early, %lu mtime ticks, %lu instructions\n",
         (unsigned long)interrupts, (unsigned long)wakeups, (unsigned long)early,
         (unsigned long)elapsed, (unsigned long)retired);
  int ok = interrupts == TICKS && early == 0 && elapsed >= (uint64_t)TICKS * PERIOD &&
           wakeups == TICKS && retired < 200u * TICKS;
  puts(ok ? "timer_irq: PASS" : "timer_irq: FAIL");
  return ok ? 0 : 1;
}
