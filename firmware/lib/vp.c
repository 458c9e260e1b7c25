#include "vp.h"

#include <stdio.h>
#include <stdlib.h>

static vp_trap_handler trap_handler;

void vp_putc(char c) {
  while ((VP_REG32(VP_UART_BASE + VP_UART_STATUS) & 1u) == 0) {
  }
  VP_REG32(VP_UART_BASE + VP_UART_TXDATA) = (uint8_t)c;
}

void vp_puts(const char* s) {
  while (*s) vp_putc(*s++);
}

void vp_exit(int code) {
  VP_REG32(VP_SIMCTL_BASE + VP_SIMCTL_EXIT) = (uint32_t)code;
  for (;;) {
  }
}

/* picolibc: exit() ends here. */
void _exit(int code) { vp_exit(code); }

static int stdout_putc(char c, FILE* file) {
  (void)file;
  vp_putc(c);
  return (unsigned char)c;
}

static FILE uart_stream = FDEV_SETUP_STREAM(stdout_putc, NULL, NULL, _FDEV_SETUP_WRITE);
FILE* const stdout = &uart_stream;
FILE* const stderr = &uart_stream;
FILE* const stdin = NULL;

/* A consistent 64-bit value from two 32-bit registers of a running counter. */
static uint64_t read_counter64(uint32_t hi_address, uint32_t lo_address) {
  uint32_t hi, lo;
  do {
    hi = VP_REG32(hi_address);
    lo = VP_REG32(lo_address);
  } while (hi != VP_REG32(hi_address));
  return ((uint64_t)hi << 32) | lo;
}

uint64_t vp_time_ns(void) {
  return read_counter64(VP_SIMCTL_BASE + VP_SIMCTL_TIME_NS_HI,
                        VP_SIMCTL_BASE + VP_SIMCTL_TIME_NS_LO);
}

static void marker(uint32_t reg, uint32_t id, uint32_t arg) {
  VP_REG32(VP_SIMCTL_BASE + VP_SIMCTL_MARKER_ARG) = arg;
  VP_REG32(VP_SIMCTL_BASE + reg) = id;
}
void vp_marker_begin(uint32_t id, uint32_t arg) { marker(VP_SIMCTL_MARKER_BEGIN, id, arg); }
void vp_marker_end(uint32_t id, uint32_t arg) { marker(VP_SIMCTL_MARKER_END, id, arg); }
void vp_marker_instant(uint32_t id, uint32_t arg) { marker(VP_SIMCTL_MARKER_INSTANT, id, arg); }

uint64_t vp_mtime(void) {
  return read_counter64(VP_CLINT_BASE + VP_CLINT_MTIME_HI, VP_CLINT_BASE + VP_CLINT_MTIME_LO);
}

void vp_set_mtimecmp(uint64_t value) {
  /* Raise the high half first so no spurious match happens in between. */
  VP_REG32(VP_CLINT_BASE + VP_CLINT_MTIMECMP_HI) = 0xFFFFFFFFu;
  VP_REG32(VP_CLINT_BASE + VP_CLINT_MTIMECMP_LO) = (uint32_t)value;
  VP_REG32(VP_CLINT_BASE + VP_CLINT_MTIMECMP_HI) = (uint32_t)(value >> 32);
}

void vp_set_trap_handler(vp_trap_handler handler) { trap_handler = handler; }

const char* vp_cause_name(uint32_t mcause) {
  if (mcause & VP_MCAUSE_INTERRUPT) {
    switch (mcause & ~VP_MCAUSE_INTERRUPT) {
      case 3: return "machine software interrupt";
      case 7: return "machine timer interrupt";
      case 11: return "machine external interrupt";
      default: return "unknown interrupt";
    }
  }
  switch (mcause) {
    case 0: return "instruction address misaligned";
    case 1: return "instruction access fault";
    case 2: return "illegal instruction";
    case 3: return "breakpoint";
    case 4: return "load address misaligned";
    case 5: return "load access fault";
    case 6: return "store address misaligned";
    case 7: return "store access fault";
    case 11: return "environment call from M-mode";
    default: return "unknown exception";
  }
}

uintptr_t vp_trap_dispatch(uint32_t mcause, uintptr_t mepc, uint32_t mtval);
uintptr_t vp_trap_dispatch(uint32_t mcause, uintptr_t mepc, uint32_t mtval) {
  if (trap_handler) return trap_handler(mcause, mepc, mtval);
  printf("unexpected trap: %s (mcause=0x%lx) at mepc=0x%08lx, mtval=0x%08lx\n",
         vp_cause_name(mcause), (unsigned long)mcause, (unsigned long)mepc, (unsigned long)mtval);
  vp_exit(VP_EXIT_UNEXPECTED_TRAP);
}
