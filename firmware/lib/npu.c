#include "npu.h"

#include <string.h>

#define NPU(reg) VP_REG32(VP_NPU_BASE + VP_NPU_##reg)
#define QREG(q, reg) VP_REG32(VP_NPU_BASE + VP_NPU_Q0_##reg + (q) * (VP_NPU_Q1_BASE - VP_NPU_Q0_BASE))

static npu_descriptor rings[NPU_QUEUES][NPU_RING_ENTRIES] __attribute__((aligned(64)));

void npu_init(void) {
  for (unsigned q = 0; q < NPU_QUEUES; ++q) {
    QREG(q, BASE) = (uint32_t)(uintptr_t)rings[q];
    QREG(q, SIZE) = NPU_RING_ENTRIES;
  }
}

void npu_submit(unsigned q, const npu_descriptor *d) {
  const uint32_t head = QREG(q, HEAD), next = (head + 1u) % NPU_RING_ENTRIES;
  while (QREG(q, TAIL) == next && QREG(q, STATUS) == 0) {
  }
  memcpy(&rings[q][head], d, sizeof *d);
  QREG(q, HEAD) = next;
}

uint32_t npu_wait(unsigned q) {
  while (QREG(q, TAIL) != QREG(q, HEAD) && QREG(q, STATUS) == 0) {
  }
  return QREG(q, STATUS);
}

uint32_t npu_error_index(unsigned q) { return QREG(q, ERROR_INDEX); }

npu_descriptor npu_copy(int to_host, uint32_t bytes, const void *host, uint64_t hbm) {
  npu_descriptor d = {{0}};
  d.word[0] = VP_NPU_OP_COPY;
  d.word[VP_NPU_COPY_DIRECTION] = to_host ? 1u : 0u;
  d.word[VP_NPU_COPY_BYTES] = bytes;
  d.word[VP_NPU_COPY_HOST] = (uint32_t)(uintptr_t)host;
  d.word[VP_NPU_COPY_HBM_LO] = (uint32_t)hbm;
  d.word[VP_NPU_COPY_HBM_HI] = (uint32_t)(hbm >> 32);
  return d;
}

npu_descriptor npu_gemm(uint32_t m, uint32_t k, uint32_t n, uint64_t x, uint64_t w, uint64_t c, uint32_t layout) {
  npu_descriptor d = {{0}};
  d.word[0] = VP_NPU_OP_GEMM;
  d.word[VP_NPU_GEMM_M] = m;
  d.word[VP_NPU_GEMM_K] = k;
  d.word[VP_NPU_GEMM_N] = n;
  d.word[VP_NPU_GEMM_X_LO] = (uint32_t)x;
  d.word[VP_NPU_GEMM_X_HI] = (uint32_t)(x >> 32);
  d.word[VP_NPU_GEMM_W_LO] = (uint32_t)w;
  d.word[VP_NPU_GEMM_W_HI] = (uint32_t)(w >> 32);
  d.word[VP_NPU_GEMM_C_LO] = (uint32_t)c;
  d.word[VP_NPU_GEMM_C_HI] = (uint32_t)(c >> 32);
  d.word[VP_NPU_GEMM_LAYOUT] = layout;
  return d;
}

npu_descriptor npu_vector(uint32_t op, uint32_t rows, uint32_t length, uint64_t src, uint64_t dst) {
  npu_descriptor d = {{0}};
  d.word[0] = VP_NPU_OP_VECTOR;
  d.word[VP_NPU_VECTOR_OP] = op;
  d.word[VP_NPU_VECTOR_ROWS] = rows;
  d.word[VP_NPU_VECTOR_LENGTH] = length;
  d.word[VP_NPU_VECTOR_SRC_LO] = (uint32_t)src;
  d.word[VP_NPU_VECTOR_SRC_HI] = (uint32_t)(src >> 32);
  d.word[VP_NPU_VECTOR_DST_LO] = (uint32_t)dst;
  d.word[VP_NPU_VECTOR_DST_HI] = (uint32_t)(dst >> 32);
  return d;
}
