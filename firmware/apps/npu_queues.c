/* npu_queues: drives the NPU command processor through its registers: two rings with
 * wrap-around, a WAIT on one queue released by SIGNALs on the other, the completion interrupt
 * through the interrupt controller while the hart sleeps, and the error path (unknown opcode,
 * bad semaphore, bad doorbell) with recovery through CONTROL. */
#include <stdio.h>
#include <string.h>

#include "vp.h"

#define NPU(reg) VP_REG32(VP_NPU_BASE + VP_NPU_##reg)
#define RING 4

typedef struct {
  uint32_t word[16];
} descriptor;

static descriptor ring0[RING] __attribute__((aligned(64)));
static descriptor ring1[RING] __attribute__((aligned(64)));
static volatile uint32_t npu_irqs, npu_irq_status;
static unsigned failures;

static uintptr_t on_trap(uint32_t mcause, uintptr_t mepc, uint32_t mtval) {
  if (mcause != (VP_MCAUSE_INTERRUPT | 11u)) {
    printf("npu_queues: unexpected trap %s at 0x%08lx (mtval 0x%08lx)\n", vp_cause_name(mcause),
           (unsigned long)mepc, (unsigned long)mtval);
    vp_exit(2);
  }
  const uint32_t source = VP_REG32(VP_INTC_BASE + VP_INTC_CLAIM);
  if (source == 1) { /* src0 = npu.irq */
    npu_irq_status |= NPU(IRQ_STATUS);
    NPU(IRQ_STATUS) = 0xFFFFFFFFu;
    npu_irqs++;
  }
  return mepc;
}

static void check(int ok, const char* what) {
  printf("%-48s %s\n", what, ok ? "ok" : "WRONG");
  if (!ok) failures++;
}

/* Appends one descriptor to queue q's ring, waiting for space, and rings the doorbell. */
static void push(unsigned q, uint32_t op_flags, uint32_t w1, uint32_t w2) {
  descriptor* ring = q == 0 ? ring0 : ring1;
  const uint32_t head = q == 0 ? NPU(Q0_HEAD) : NPU(Q1_HEAD);
  const uint32_t next = (head + 1) % RING;
  while ((q == 0 ? NPU(Q0_TAIL) : NPU(Q1_TAIL)) == next) {
  }
  memset(&ring[head], 0, sizeof(descriptor));
  ring[head].word[0] = op_flags;
  ring[head].word[1] = w1;
  ring[head].word[2] = w2;
  if (q == 0)
    NPU(Q0_HEAD) = next;
  else
    NPU(Q1_HEAD) = next;
}

static void wait_idle(unsigned q) {
  if (q == 0)
    while (NPU(Q0_TAIL) != NPU(Q0_HEAD) && NPU(Q0_STATUS) == 0) {
    }
  else
    while (NPU(Q1_TAIL) != NPU(Q1_HEAD) && NPU(Q1_STATUS) == 0) {
    }
}

int main(void) {
  vp_set_trap_handler(on_trap);
  check(NPU(ID) == 0x4E505530u, "NPU ID");
  NPU(Q0_BASE) = (uint32_t)(uintptr_t)ring0;
  NPU(Q0_SIZE) = RING;
  NPU(Q1_BASE) = (uint32_t)(uintptr_t)ring1;
  NPU(Q1_SIZE) = RING;
  NPU(IRQ_ENABLE) = 3;
  VP_REG32(VP_INTC_BASE + VP_INTC_ENABLE) = 1;
  VP_CSR_SET(mie, VP_MIE_MEIE);
  VP_CSR_SET(mstatus, VP_MSTATUS_MIE);

  /* Queue 1 waits for 10 signals from queue 0, then signals back with an interrupt. */
  vp_marker_begin(1, 0);
  push(1, VP_NPU_OP_WAIT, 0, 10);
  push(1, VP_NPU_OP_SIGNAL | VP_NPU_FLAG_IRQ, 1, 1);
  for (int i = 0; i < 10; ++i) push(0, VP_NPU_OP_SIGNAL, 0, 1); /* wraps the 4-entry ring */
  while (npu_irqs == 0) __asm__ volatile("wfi");
  check(NPU(SEM0) == 10 && NPU(SEM1) == 1, "WAIT released by ten SIGNALs across queues");
  check(NPU(Q0_COMPLETED) == 10 && NPU(Q1_COMPLETED) == 2, "descriptors completed, in order");
  check(NPU(Q0_TAIL) == 10 % RING && NPU(Q1_TAIL) == 2, "tails wrapped around the rings");
  check((npu_irq_status & 1u) != 0, "completion interrupt while asleep in WFI");
  vp_marker_end(1, 0);
  vp_marker_begin(2, 0);

  /* Errors stop the queue, name the descriptor and raise the error interrupt. */
  npu_irqs = 0;
  npu_irq_status = 0;
  const uint32_t bad_index = NPU(Q0_HEAD);
  push(0, 0x7F, 0, 0);
  while (npu_irqs == 0) __asm__ volatile("wfi");
  check(NPU(Q0_STATUS) == VP_NPU_ERR_UNKNOWN_OPCODE && NPU(Q0_ERROR_INDEX) == bad_index &&
            (npu_irq_status & 2u) != 0,
        "unknown opcode: status, index, error interrupt");
  /* Skip the bad descriptor by overwriting it with a NOP, clear, and resume. */
  ring0[bad_index].word[0] = VP_NPU_OP_NOP;
  NPU(Q0_CONTROL) = 1;
  wait_idle(0);
  check(NPU(Q0_STATUS) == 0 && NPU(Q0_TAIL) == NPU(Q0_HEAD), "queue resumes after CONTROL");

  push(0, VP_NPU_OP_SIGNAL, 99, 1);
  wait_idle(0);
  check(NPU(Q0_STATUS) == VP_NPU_ERR_BAD_SEMAPHORE, "semaphore out of range");
  ring0[NPU(Q0_ERROR_INDEX)].word[0] = VP_NPU_OP_NOP;
  NPU(Q0_CONTROL) = 1;
  wait_idle(0);

  NPU(Q1_HEAD) = RING + 3; /* beyond the ring */
  check(NPU(Q1_STATUS) == VP_NPU_ERR_BAD_DOORBELL, "doorbell beyond the ring");

  vp_marker_end(2, 0);
  printf("npu_queues: %u failures\n", failures);
  return failures == 0 ? 0 : 1;
}
