#include "npu.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NPU_MAX_DEVICES 32u /* the interrupt controller's sources */
/* Register R of built device d (device 0 at VP_NPU_BASE), and of its queue q. */
#define DREG(d, reg) VP_REG32(VP_NPU_BASE + (d)*device_stride + VP_NPU_##reg)
#define QREG(d, q, reg) \
  VP_REG32(VP_NPU_BASE + (d)*device_stride + VP_NPU_Q0_##reg + (q)*NPU_QUEUE_STRIDE)

/* Stores a 64-bit HBM address in the descriptor's _LO word and the _HI word after it. */
static void put_address(npu_descriptor* d, unsigned lo_word, uint64_t address) {
  d->word[lo_word] = (uint32_t)address;
  d->word[lo_word + 1u] = (uint32_t)(address >> 32);
}

static npu_descriptor rings[NPU_QUEUES * NPU_RING_ENTRIES] __attribute__((aligned(64)));
/* [device] -> its NPU_QUEUES rings of ring_entries descriptors each */
static npu_descriptor* device_rings[NPU_MAX_DEVICES] = {rings};
static uint32_t ring_entries = NPU_RING_ENTRIES;
static uint32_t devices = 1, device_stride, first = 0, selected = 1;
static int interrupts;

static uintptr_t on_trap(uint32_t mcause, uintptr_t mepc, uint32_t mtval) {
  if (mcause != (VP_MCAUSE_INTERRUPT | 11u)) {
    printf("npu: unexpected trap %s at 0x%08lx (mtval 0x%08lx)\n", vp_cause_name(mcause),
           (unsigned long)mepc, (unsigned long)mtval);
    vp_exit(VP_EXIT_UNEXPECTED_TRAP);
  }
  (void)VP_REG32(VP_INTC_BASE + VP_INTC_CLAIM);
  /* level interrupts: clear them; waiters re-check the queues */
  for (uint32_t d = 0; d < devices; ++d) DREG(d, IRQ_STATUS) = 0xFFFFFFFFu;
  return mepc;
}

static void init_rings(uint32_t d) {
  for (unsigned q = 0; q < NPU_QUEUES; ++q) {
    QREG(d, q, BASE) = (uint32_t)(uintptr_t)(device_rings[d] + q * ring_entries);
    QREG(d, q, SIZE) = ring_entries;
  }
  if (interrupts) DREG(d, IRQ_ENABLE) = 3u;
}

void npu_init(int use_interrupts) {
  interrupts = use_interrupts;
  init_rings(0);
  if (interrupts) {
    vp_set_trap_handler(on_trap);
    VP_REG32(VP_INTC_BASE + VP_INTC_ENABLE) |= 1u;
    VP_CSR_SET(mie, VP_MIE_MEIE);
    VP_CSR_SET(mstatus, VP_MSTATUS_MIE);
  }
}

int npu_devices(uint32_t count, uint32_t stride) {
  if (count == 0 || count > NPU_MAX_DEVICES) return 0;
  device_stride = stride;
  ring_entries = NPU_DEVICE_RING_ENTRIES;
  for (uint32_t d = 0; d < count; ++d) { /* device 0's queues are idle: re-pointing is allowed */
    /* rings are 64-byte aligned (the NPU's BASE rule) */
    uint8_t* block = malloc(sizeof(npu_descriptor) * NPU_QUEUES * ring_entries + 64u);
    if (block == 0) return 0;
    device_rings[d] = (npu_descriptor*)(((uintptr_t)block + 63u) & ~(uintptr_t)63u);
    devices = d + 1u;
    init_rings(d);
    if (interrupts) VP_REG32(VP_INTC_BASE + VP_INTC_ENABLE) |= 1u << d;
  }
  return 1;
}

void npu_select(uint32_t from, uint32_t count) {
  first = from;
  selected = count;
}

/* Sleeps until `done(d, q)` holds for every selected device d. With interrupts, the check and
 * the WFI run with interrupts masked so that a completion between them still wakes the WFI (it
 * is pending). */
static int all_selected(int (*done)(uint32_t, unsigned), unsigned q) {
  for (uint32_t d = first; d < first + selected; ++d)
    if (!done(d, q)) return 0;
  return 1;
}

static void wait_until(int (*done)(uint32_t, unsigned), unsigned q) {
  if (!interrupts) {
    while (!all_selected(done, q)) {
    }
    return;
  }
  for (;;) {
    VP_CSR_CLEAR(mstatus, VP_MSTATUS_MIE);
    if (all_selected(done, q)) break;
    __asm__ volatile("wfi");
    VP_CSR_SET(mstatus, VP_MSTATUS_MIE); /* the handler runs here */
  }
  VP_CSR_SET(mstatus, VP_MSTATUS_MIE);
}

static int has_room(uint32_t d, unsigned q) {
  return QREG(d, q, TAIL) != (QREG(d, q, HEAD) + 1u) % ring_entries || QREG(d, q, STATUS) != 0;
}

static int idle(uint32_t d, unsigned q) {
  return QREG(d, q, TAIL) == QREG(d, q, HEAD) || QREG(d, q, STATUS) != 0;
}

void npu_submit(unsigned q, const npu_descriptor* desc) {
  wait_until(has_room, q);
  for (uint32_t d = first; d < first + selected; ++d) {
    const uint32_t head = QREG(d, q, HEAD);
    npu_descriptor* slot = device_rings[d] + q * ring_entries + head;
    memcpy(slot, desc, sizeof *desc);
    if (interrupts) slot->word[0] |= VP_NPU_FLAG_IRQ;
    QREG(d, q, HEAD) = (head + 1u) % ring_entries;
  }
}

uint32_t npu_wait(unsigned q) {
  wait_until(idle, q);
  for (uint32_t d = first; d < first + selected; ++d)
    if (QREG(d, q, STATUS) != 0) return QREG(d, q, STATUS);
  return 0;
}

void npu_set_semaphore(unsigned sem, uint32_t value) {
  for (uint32_t d = first; d < first + selected; ++d)
    VP_REG32(VP_NPU_BASE + d * device_stride + VP_NPU_SEM0 + 4u * sem) = value;
}

uint32_t npu_semaphore(uint32_t device, unsigned sem) {
  return VP_REG32(VP_NPU_BASE + device * device_stride + VP_NPU_SEM0 + 4u * sem);
}

static uint32_t awaited_sem, awaited_value;
static int semaphore_reached(uint32_t d, unsigned q) {
  (void)q;
  return npu_semaphore(d, awaited_sem) >= awaited_value;
}

void npu_wait_semaphore(unsigned sem, uint32_t value) {
  awaited_sem = sem;
  awaited_value = value;
  wait_until(semaphore_reached, 0);
}

npu_descriptor npu_peer_copy(int32_t offset, uint32_t bytes, uint64_t src, uint64_t dst,
                             uint32_t sem, uint32_t value) {
  npu_descriptor d = {{0}};
  d.word[0] = VP_NPU_OP_PEER_COPY;
  d.word[VP_NPU_PEER_COPY_PEER_OFFSET] = (uint32_t)offset;
  d.word[VP_NPU_PEER_COPY_BYTES] = bytes;
  put_address(&d, VP_NPU_PEER_COPY_SRC_LO, src);
  put_address(&d, VP_NPU_PEER_COPY_DST_LO, dst);
  d.word[VP_NPU_PEER_COPY_SEM] = sem;
  d.word[VP_NPU_PEER_COPY_VALUE] = value;
  return d;
}

npu_descriptor npu_collective(uint32_t mode, uint32_t group, uint32_t elements, uint64_t address) {
  npu_descriptor d = {{0}};
  d.word[0] = VP_NPU_OP_COLLECTIVE;
  d.word[VP_NPU_COLLECTIVE_MODE] = mode;
  d.word[VP_NPU_COLLECTIVE_GROUP] = group;
  d.word[VP_NPU_COLLECTIVE_ELEMENTS] = elements;
  put_address(&d, VP_NPU_COLLECTIVE_ADDRESS_LO, address);
  return d;
}

npu_descriptor npu_attention(uint32_t mode, uint32_t requests, uint32_t heads, uint32_t head_dim,
                             const void* table, uint64_t q, uint32_t q_stride, uint64_t out,
                             uint32_t append, uint32_t row_offset, uint32_t v_chunk,
                             uint32_t kv_heads) {
  npu_descriptor d = {{0}};
  d.word[0] = VP_NPU_OP_ATTENTION;
  d.word[VP_NPU_ATTENTION_MODE] = mode;
  d.word[VP_NPU_ATTENTION_REQUESTS] = requests;
  d.word[VP_NPU_ATTENTION_HEADS] = heads;
  d.word[VP_NPU_ATTENTION_HEAD_DIM] = head_dim;
  d.word[VP_NPU_ATTENTION_TABLE] = (uint32_t)(uintptr_t)table;
  put_address(&d, VP_NPU_ATTENTION_Q_LO, q);
  put_address(&d, VP_NPU_ATTENTION_OUT_LO, out);
  d.word[VP_NPU_ATTENTION_Q_STRIDE] = q_stride;
  d.word[VP_NPU_ATTENTION_APPEND] = append;
  d.word[VP_NPU_ATTENTION_ROW_OFFSET] = row_offset;
  d.word[VP_NPU_ATTENTION_KV_HEADS] = kv_heads;
  d.word[VP_NPU_ATTENTION_V_CHUNK] = v_chunk;
  return d;
}

/* SIGNAL and WAIT share their layout (SEM, VALUE). */
_Static_assert(VP_NPU_SIGNAL_SEM == VP_NPU_WAIT_SEM && VP_NPU_SIGNAL_VALUE == VP_NPU_WAIT_VALUE,
               "semaphore ops");
static npu_descriptor semaphore_op(uint32_t op, unsigned sem, uint32_t value) {
  npu_descriptor d = {{0}};
  d.word[0] = op;
  d.word[VP_NPU_SIGNAL_SEM] = sem;
  d.word[VP_NPU_SIGNAL_VALUE] = value;
  return d;
}

npu_descriptor npu_signal(unsigned sem, uint32_t value) {
  return semaphore_op(VP_NPU_OP_SIGNAL, sem, value);
}
npu_descriptor npu_wait_for(unsigned sem, uint32_t value) {
  return semaphore_op(VP_NPU_OP_WAIT, sem, value);
}

npu_descriptor npu_vector2(uint32_t op, uint32_t rows, uint32_t length, uint64_t src, uint64_t src2,
                           uint64_t dst) {
  npu_descriptor d = npu_vector(op, rows, length, src, dst);
  put_address(&d, VP_NPU_VECTOR_SRC2_LO, src2);
  return d;
}

uint32_t npu_error_index(unsigned q) {
  for (uint32_t d = first; d < first + selected; ++d)
    if (QREG(d, q, STATUS) != 0) return QREG(d, q, ERROR_INDEX);
  return QREG(first, q, ERROR_INDEX);
}

npu_descriptor npu_copy(int to_host, uint32_t bytes, const void* host, uint64_t hbm) {
  npu_descriptor d = {{0}};
  d.word[0] = VP_NPU_OP_COPY;
  d.word[VP_NPU_COPY_DIRECTION] = to_host ? 1u : 0u;
  d.word[VP_NPU_COPY_BYTES] = bytes;
  d.word[VP_NPU_COPY_HOST] = (uint32_t)(uintptr_t)host;
  put_address(&d, VP_NPU_COPY_HBM_LO, hbm);
  return d;
}

npu_descriptor npu_gemm(uint32_t m, uint32_t k, uint32_t n, uint64_t x, uint64_t w, uint64_t c,
                        uint32_t layout) {
  npu_descriptor d = {{0}};
  d.word[0] = VP_NPU_OP_GEMM;
  d.word[VP_NPU_GEMM_M] = m;
  d.word[VP_NPU_GEMM_K] = k;
  d.word[VP_NPU_GEMM_N] = n;
  put_address(&d, VP_NPU_GEMM_X_LO, x);
  put_address(&d, VP_NPU_GEMM_W_LO, w);
  put_address(&d, VP_NPU_GEMM_C_LO, c);
  d.word[VP_NPU_GEMM_LAYOUT] = layout;
  return d;
}

npu_descriptor npu_vector(uint32_t op, uint32_t rows, uint32_t length, uint64_t src, uint64_t dst) {
  npu_descriptor d = {{0}};
  d.word[0] = VP_NPU_OP_VECTOR;
  d.word[VP_NPU_VECTOR_OP] = op;
  d.word[VP_NPU_VECTOR_ROWS] = rows;
  d.word[VP_NPU_VECTOR_LENGTH] = length;
  put_address(&d, VP_NPU_VECTOR_SRC_LO, src);
  put_address(&d, VP_NPU_VECTOR_DST_LO, dst);
  return d;
}

npu_descriptor npu_vector_rows(uint32_t op, uint32_t rows, uint32_t length, uint64_t src,
                               uint64_t src2, uint64_t dst, uint32_t param, uint32_t stride,
                               uint32_t scalar_bits) {
  npu_descriptor d = npu_vector2(op, rows, length, src, src2, dst);
  d.word[VP_NPU_VECTOR_PARAM] = param;
  d.word[VP_NPU_VECTOR_STRIDE] = stride;
  d.word[VP_NPU_VECTOR_SCALAR] = scalar_bits;
  return d;
}

npu_descriptor npu_swap(int out, uint32_t channel, const uint32_t* rows, uint32_t count,
                        uint32_t depth, uint32_t slot) {
  npu_descriptor d = {{0}};
  d.word[0] = VP_NPU_OP_SWAP;
  d.word[VP_NPU_SWAP_DIRECTION] = out ? 0u : 1u;
  d.word[VP_NPU_SWAP_CHANNEL] = channel;
  d.word[VP_NPU_SWAP_ROWS] = count;
  d.word[VP_NPU_SWAP_LIST] = (uint32_t)(uintptr_t)rows;
  d.word[VP_NPU_SWAP_DEPTH] = depth;
  d.word[VP_NPU_SWAP_SLOT] = slot;
  return d;
}
