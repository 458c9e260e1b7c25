/* traps: provokes every exception cause the host CPU implements and checks mcause, mepc and
 * mtval for each; then a software interrupt taken through a vectored mtvec. */
#include <stdio.h>

#include "vp.h"

#define UNMAPPED 0x00001000u

static volatile uint32_t got_cause, got_epc, got_tval, trap_count;
static volatile uintptr_t resume_at; /* where to continue after an instruction fetch fault */
static unsigned failures;

static uintptr_t on_trap(uint32_t mcause, uintptr_t mepc, uint32_t mtval) {
  got_cause = mcause;
  got_epc = mepc;
  got_tval = mtval;
  trap_count++;
  if (mcause & VP_MCAUSE_INTERRUPT) {
    VP_REG32(VP_CLINT_BASE + VP_CLINT_MSIP) = 0; /* acknowledge */
    return mepc;
  }
  if (mcause == 1) return resume_at;
  return mepc + 4;
}

static void expect(const char* name, uint32_t cause, uint32_t epc, uint32_t tval) {
  const int ok = trap_count == 1 && got_cause == cause && got_epc == epc && got_tval == tval;
  printf("%-28s mcause=%2lu mepc=0x%08lx mtval=0x%08lx  %s\n", name, (unsigned long)got_cause,
         (unsigned long)got_epc, (unsigned long)got_tval, ok ? "ok" : "WRONG");
  if (!ok) {
    printf("  expected count 1, mcause=%lu mepc=0x%08lx mtval=0x%08lx (count %lu)\n",
           (unsigned long)cause, (unsigned long)epc, (unsigned long)tval,
           (unsigned long)trap_count);
    failures++;
  }
  trap_count = 0;
}

/* Each block loads the address of the faulting instruction (label 2) into `at`. */
#define FAULTING(at, body, ...) \
  __asm__ volatile("la %0, 2f\n2: " body "\n" : "=&r"(at) : __VA_ARGS__ : "memory")

int main(void) {
  vp_set_trap_handler(on_trap);
  uintptr_t at;
  uint32_t scratch = 0;

  __asm__ volatile("la %0, 2f\n2: .word 0xffffffff\n" : "=&r"(at)::"memory");
  expect("illegal instruction", 2, at, 0xffffffffu);

  __asm__ volatile("la %0, 2f\n2: csrw mhartid, zero\n" : "=&r"(at)::"memory");
  expect("write to read-only CSR", 2, at, 0xf1401073u);

  __asm__ volatile("la %0, 2f\n2: ecall\n" : "=&r"(at)::"memory");
  expect("ecall", 11, at, 0);

  __asm__ volatile("la %0, 2f\n2: ebreak\n" : "=&r"(at)::"memory");
  expect("ebreak", 3, at, at);

  const uintptr_t odd = (uintptr_t)&scratch + 1;
  FAULTING(at, "lw zero, 0(%1)", "r"(odd));
  expect("load misaligned", 4, at, odd);
  FAULTING(at, "sh zero, 0(%1)", "r"(odd));
  expect("store misaligned", 6, at, odd);
  FAULTING(at, "lw zero, 0(%1)", "r"(UNMAPPED));
  expect("load access fault", 5, at, UNMAPPED);
  FAULTING(at, "sw zero, 0(%1)", "r"(UNMAPPED));
  expect("store access fault", 7, at, UNMAPPED);
  const uint32_t ro = VP_UART_BASE + VP_UART_STATUS;
  FAULTING(at, "sw zero, 0(%1)", "r"(ro));
  expect("store to read-only register", 7, at, ro);
  const uint32_t wo = VP_UART_BASE + VP_UART_TXDATA;
  FAULTING(at, "lw zero, 0(%1)", "r"(wo));
  expect("load of write-only register", 5, at, wo);

  /* Jump target not 4-byte aligned: the jump itself traps, mtval is the target. */
  uintptr_t target;
  __asm__ volatile("la %0, 2f\nla %1, 3f\naddi %1, %1, 2\n2: jalr zero, 0(%1)\n3:\n"
                   : "=&r"(at), "=&r"(target)::"memory");
  expect("instruction misaligned", 0, at, target);

  /* Fetch from unmapped memory: mepc and mtval are the target; resume after the jump. */
  __asm__ volatile("la t1, 3f\nsw t1, %0\njalr zero, 0(%1)\n3:\n"
                   : "=m"(resume_at)
                   : "r"(UNMAPPED)
                   : "t1", "memory");
  expect("instruction access fault", 1, UNMAPPED, UNMAPPED);

  /* Software interrupt through a vectored mtvec: entry 3 marks mscratch, then joins the
   * common entry. */
  extern char vp_vector_table[];
  VP_CSR_WRITE(mscratch, 0);
  VP_CSR_WRITE(mtvec, (uintptr_t)vp_vector_table | 1u);
  VP_CSR_SET(mie, VP_MIE_MSIE);
  VP_CSR_SET(mstatus, VP_MSTATUS_MIE);
  VP_REG32(VP_CLINT_BASE + VP_CLINT_MSIP) = 1;
  while (trap_count == 0) __asm__ volatile("wfi");
  VP_CSR_CLEAR(mstatus, VP_MSTATUS_MIE);
  const uint32_t vector_used = VP_CSR_READ(mscratch);
  const int irq_ok = trap_count == 1 && got_cause == (VP_MCAUSE_INTERRUPT | 3u) && got_tval == 0 &&
                     vector_used == 3;
  printf("%-28s mcause=0x%08lx vector=%lu count=%lu mtval=0x%lx  %s\n",
         "software interrupt (vectored)", (unsigned long)got_cause, (unsigned long)vector_used,
         (unsigned long)trap_count, (unsigned long)got_tval, irq_ok ? "ok" : "WRONG");
  if (!irq_ok) failures++;

  printf("traps: %u failures\n", failures);
  return failures == 0 ? 0 : 1;
}

/* Vectored trap table: 16 entries; entry 3 (machine software interrupt) records its number in
 * mscratch without touching a register, every entry ends in the common trap entry. */
__asm__(
    "  .section .text\n"
    "  .align 6\n"
    "  .global vp_vector_table\n"
    "vp_vector_table:\n"
    "  j vp_trap_entry\n  j vp_trap_entry\n  j vp_trap_entry\n  j vector_msi\n"
    "  j vp_trap_entry\n  j vp_trap_entry\n  j vp_trap_entry\n  j vp_trap_entry\n"
    "  j vp_trap_entry\n  j vp_trap_entry\n  j vp_trap_entry\n  j vp_trap_entry\n"
    "  j vp_trap_entry\n  j vp_trap_entry\n  j vp_trap_entry\n  j vp_trap_entry\n"
    "vector_msi:\n"
    "  csrwi mscratch, 3\n"
    "  j vp_trap_entry\n");
