/* npu_gemm_softmax: a small GEMM followed by a softmax on the NPU, through the driver.
 * X [M x K] and W [K x N] (fp16, from a fixed pseudo-random sequence) are copied from host RAM to
 * HBM, the NPU computes C = X . W and P = softmax(C) row by row, and P is copied back and
 * checked against the same computation done here in software (float). Exit code 0 = all within
 * fp16 tolerance. */
#include <math.h>
#include <stdio.h>

#include "fp16.h"
#include "npu.h"
#include "vp.h"

#define M 8
#define K 96
#define N 40

static fp16 x[M * K], w[K * N], p[M * N];
static uint32_t lcg = 12345u;

static float next_value(void) { /* uniform in [-1, 1) */
  lcg = lcg * 1664525u + 1013904223u;
  return (float)(int32_t)(lcg >> 8 & 0xFFFFu) / 32768.0f - 1.0f;
}

int main(void) {
  for (unsigned i = 0; i < M * K; ++i) x[i] = fp16_from_float(next_value());
  for (unsigned i = 0; i < K * N; ++i) w[i] = fp16_from_float(next_value());
  const uint64_t hx = 0x100000, hw = 0x200000, hc = 0x300000, hp = 0x400000;

  npu_init(1);
  npu_descriptor d = npu_copy(0, sizeof x, x, hx);
  npu_submit(0, &d);
  d = npu_copy(0, sizeof w, w, hw);
  npu_submit(0, &d);
  d = npu_gemm(M, K, N, hx, hw, hc, 0);
  npu_submit(0, &d);
  d = npu_vector(VP_NPU_VECTOR_SOFTMAX, M, N, hc, hp);
  npu_submit(0, &d);
  d = npu_copy(1, sizeof p, p, hp);
  npu_submit(0, &d);
  const uint32_t status = npu_wait(0);
  if (status != VP_NPU_ERR_NONE) {
    printf("npu_gemm_softmax: queue 0 stopped with error %lu at descriptor %lu\n",
           (unsigned long)status, (unsigned long)npu_error_index(0));
    return 2;
  }

  unsigned wrong = 0;
  float worst = 0.0f;
  for (unsigned i = 0; i < M; ++i) {
    float c[N], max = -1e30f, sum = 0.0f;
    for (unsigned j = 0; j < N; ++j) {
      float acc = 0.0f;
      for (unsigned l = 0; l < K; ++l)
        acc += fp16_to_float(x[i * K + l]) * fp16_to_float(w[l * N + j]);
      c[j] = fp16_to_float(fp16_from_float(acc)); /* the NPU stores C in fp16 */
      if (c[j] > max) max = c[j];
    }
    for (unsigned j = 0; j < N; ++j) sum += (c[j] = expf(c[j] - max));
    for (unsigned j = 0; j < N; ++j) {
      const float err = fabsf(fp16_to_float(p[i * N + j]) - c[j] / sum);
      if (err > worst) worst = err;
      if (err > 1e-3f) wrong++;
    }
  }
  printf(
      "npu_gemm_softmax: %ux%ux%u GEMM + softmax on the NPU, %u of %u values off, worst error %d e-6\n",
      M, K, N, wrong, M * N, (int)(worst * 1e6f));
  return wrong == 0 ? 0 : 1;
}
