/* NPU driver: command rings in host RAM, descriptor submission and completion waits.
 *
 * Contract: npu_init() points the NPU's queues at rings owned by the driver and, with
 * use_interrupts, installs a trap handler for the NPU's interrupt (through the interrupt
 * controller's src0) so that waits sleep in WFI instead of polling the bus; every descriptor is
 * then submitted with the IRQ flag. npu_submit() copies a descriptor into queue q's ring
 * (waiting while the ring is full) and rings the doorbell; npu_wait() returns once queue q is idle
 * with its STATUS (0 = every descriptor ran, else the VP_NPU_ERR_* code; npu_error_index() names
 * the descriptor). Descriptor word layouts come from the generated vp_platform.h
 * (VP_NPU_OP_*, VP_NPU_<OP>_<FIELD>). */
#pragma once

#include <stdint.h>

#include "vp.h"

#define NPU_QUEUES 2u
#define NPU_RING_ENTRIES 256u
/* With several devices every device's rings are this long (npu_devices()): a pipeline stage's
 * program of a micro-batch fits, so the host seldom waits on one device while others run dry. */
#define NPU_DEVICE_RING_ENTRIES 1024u
/* Bytes between the register blocks of queue q and q + 1: queue q's register R is at
 * VP_NPU_BASE + VP_NPU_Q0_<R> + q * NPU_QUEUE_STRIDE. */
#define NPU_QUEUE_STRIDE (VP_NPU_Q1_BASE - VP_NPU_Q0_BASE)

typedef struct {
  uint32_t word[16];
} npu_descriptor;

void npu_init(int use_interrupts);
/* Several devices: built device d's NPU registers are at VP_NPU_BASE + d x stride. npu_devices()
 * gives devices 1 .. count-1 rings of their own (device 0 has npu_init()'s) and, with
 * interrupts, takes device d's interrupt on intc source d. npu_select() picks the devices that
 * npu_submit() (the same descriptor to each), npu_wait() (all idle; the first error),
 * npu_error_index() and npu_set_semaphore() address from then on: [first, first + count); at
 * start, device 0. npu_devices() gives every device rings of NPU_DEVICE_RING_ENTRIES; it
 * returns 0 without memory or for more than 32 devices (the interrupt controller's sources). */
int npu_devices(uint32_t count, uint32_t stride);
void npu_select(uint32_t first, uint32_t count);
/* Semaphore `sem` of built device `device` (a register read). */
uint32_t npu_semaphore(uint32_t device, unsigned sem);
/* Sleeps (WFI with interrupts) until semaphore `sem` of every selected device is >= `value`. */
void npu_wait_semaphore(unsigned sem, uint32_t value);
void npu_submit(unsigned q, const npu_descriptor* d);
uint32_t npu_wait(unsigned q);
uint32_t npu_error_index(unsigned q);
void npu_set_semaphore(unsigned sem, uint32_t value);
/* Helpers for the common descriptors (HBM addresses are 64-bit). */
npu_descriptor npu_copy(int to_host, uint32_t bytes, const void* host, uint64_t hbm);
/* SWAP: `count` KV rows of `channel` (each `depth` consecutive rows, every bank) out to host
 * memory under `slot` (out = 1) or back into the rows of `rows` (out = 0). */
npu_descriptor npu_swap(int out, uint32_t channel, const uint32_t* rows, uint32_t count,
                        uint32_t depth, uint32_t slot);
npu_descriptor npu_gemm(uint32_t m, uint32_t k, uint32_t n, uint64_t x, uint64_t w, uint64_t c,
                        uint32_t layout);
npu_descriptor npu_vector(uint32_t op, uint32_t rows, uint32_t length, uint64_t src, uint64_t dst);
npu_descriptor npu_vector2(uint32_t op, uint32_t rows, uint32_t length, uint64_t src, uint64_t src2,
                           uint64_t dst);
/* A row op (ROPE, TOPK, GATHER, SCATTER_ADD) with its PARAM, STRIDE and SCALAR (fp32 bits). */
npu_descriptor npu_vector_rows(uint32_t op, uint32_t rows, uint32_t length, uint64_t src,
                               uint64_t src2, uint64_t dst, uint32_t param, uint32_t stride,
                               uint32_t scalar_bits);
/* SCALE 0 (1/sqrt(head_dim)); `table`: TOKENS, CHANNEL, K_ROWS, V_ROWS per request; `v_chunk`:
 * tokens per V segment (0 = a whole bank row); `kv_heads`: K/V heads (0 = heads). */
npu_descriptor npu_attention(uint32_t mode, uint32_t requests, uint32_t heads, uint32_t head_dim,
                             const void* table, uint64_t q, uint32_t q_stride, uint64_t out,
                             uint32_t append, uint32_t row_offset, uint32_t v_chunk,
                             uint32_t kv_heads);
npu_descriptor npu_signal(unsigned sem, uint32_t value);
/* PEER_COPY: `bytes` at `src` here to `dst` on the device `offset` away (system numbering),
 * then that device's semaphore `sem` (0xFFFFFFFF: none) grows by `value`. */
npu_descriptor npu_peer_copy(int32_t offset, uint32_t bytes, uint64_t src, uint64_t dst,
                             uint32_t sem, uint32_t value);
/* COLLECTIVE: mode 0 all-reduce (sum), 1 all-gather, over groups of `group` devices. */
npu_descriptor npu_collective(uint32_t mode, uint32_t group, uint32_t elements, uint64_t address);
npu_descriptor npu_wait_for(unsigned sem, uint32_t value);
