/* The decode job, read from the platform's job device (periph.job): model shard, workload,
 * system switches and the memory's organisation. Firmware never parses JSON. */
#pragma once

#include <stdint.h>

#define JOB_FLAG_PIM_ATTENTION (1u << 0)
#define JOB_FLAG_GREEDY (1u << 1)
#define JOB_FLAG_SUB_BATCH (1u << 2)
#define JOB_FLAG_SUB_BATCH_ADAPTIVE (1u << 3)
#define JOB_FLAG_LM_HEAD (1u << 4)
#define JOB_FLAG_TOKENS (1u << 5)
#define JOB_FLAG_SPLIT_BY_COUNT (1u << 6)
#define JOB_FLAG_LOGITS (1u << 7)
#define JOB_FLAG_SEEDED_ROUTING (1u << 8)

enum { JOB_MODE_STEADY = 0, JOB_MODE_SERVING = 1, JOB_MODE_TRACE = 2, JOB_MODE_PROMPT = 3 };

typedef struct {
  uint32_t flags, sub_batch_min, layers, device_layers;
  uint32_t kv_layers; /* layers of KV cache reserved per request (<= device_layers) */
  uint32_t d_model, heads, head_dim, embed, ffn, vocab;
  uint32_t max_batch, iterations, batches, requests, mode, max_seq;
  uint32_t channels, banks, rows, row_bytes;
  uint32_t seed;
  uint32_t v_chunk;            /* tokens per V segment of the KV layout (<= row_bytes / 2) */
  uint32_t kv_heads, kv_embed; /* K/V heads on the device and kv_heads x head_dim */
  uint32_t arch;               /* JOB_ARCH_* */
  uint32_t rope_theta;         /* fp32 bits */
  uint32_t experts, top_k;     /* experts 0: a dense FFN */
  /* serving: JOB_SCHEDULER_*, tokens per iteration, JOB_PREEMPT_*, per mille kept free */
  uint32_t scheduler, token_budget, preemption, kv_watermark;
  uint32_t max_rows; /* activation rows: MAX_BATCH, + TOKEN_BUDGET when serving */
  /* Several devices (DEVICES > 1): the system's devices, those built (the firmware drives built
   * device i), the stride of their NPU registers, the model's split, the devices each built one
   * stands for (mirrored), and the pipeline's micro-batches. tp_group and stages are what this
   * firmware realizes: tp and pp with several devices, 1 and 1 with one (the device then runs
   * its shard alone, as a one-device measurement). */
  uint32_t devices, built, stride, tp, pp, mirror, micro_batches;
  uint32_t tp_group, stages;
} job_info;

enum { JOB_SCHEDULER_ORCA = 0, JOB_SCHEDULER_VLLM = 1, JOB_SCHEDULER_SARATHI = 2 };
enum { JOB_PREEMPT_RECOMPUTE = 0, JOB_PREEMPT_SWAP = 1 };
enum {
  JOB_EVENT_SCHEDULED = 1,
  JOB_EVENT_TOKEN = 2,
  JOB_EVENT_FINISHED = 3,
  JOB_EVENT_PREEMPTED = 4,
  JOB_EVENT_SWAPPED_OUT = 5,
  JOB_EVENT_SWAPPED_IN = 6,
  JOB_EVENT_REJECTED = 7
};

#define JOB_ARCH_SWIGLU (1u << 0)
#define JOB_ARCH_RMSNORM (1u << 1)
#define JOB_ARCH_ROPE (1u << 2)

typedef struct {
  uint32_t index; /* in the mailbox */
  uint32_t context, remaining, channel, batch;
  uint32_t rejected; /* serving: longer than the context, never scheduled */
} job_request;

#define JOB_ANY_CHANNEL 0xFFFFFFFFu

/* Returns 0 if no job device answers with the right magic. */
int job_read(job_info* job);
void job_request_get(uint32_t index, job_request* request);
/* Reports to the job device (it measures the iterations). */
void job_iteration_begin(uint32_t batch, uint32_t sub_batches);
void job_layers_end(void);
void job_iteration_end(uint32_t tokens);
void job_layer(uint32_t layer);
void job_token(uint32_t request, uint32_t token);
/* Serving: requests arrived by the serving clock; nothing can run (the clock skips to the next
 * arrival); a request's event (JOB_EVENT_*, with its argument). */
uint32_t job_arrived(void);
/* Sampling: the next iteration's features; returns 1 if it is to be simulated exactly, 0 if the
 * job device estimated it (then report its tokens and call job_iteration_skipped()). */
int job_simulate(uint32_t rows, uint32_t attention, uint32_t kv, uint32_t prefill,
                 uint32_t sub_batches);
void job_iteration_skipped(void);
void job_idle(void);
void job_event(uint32_t kind, uint32_t request, uint32_t arg);
/* The adaptive split's estimate: the share (per mille) of its weight-stream bandwidth a GEMM
 * keeps while PIM attention runs beside it. */
uint32_t job_mem_share(void);
/* And how much longer (per mille) attention takes while GEMMs run beside it. */
uint32_t job_attention_stretch(void);
/* Reports the `count` fp16 logits (`bits`) the next job_token()'s token is chosen from
 * (FLAGS bit 7). */
void job_logits(const uint16_t* bits, uint32_t count);
/* The seeded router's popularity weight of `expert` (of 65536 in all). */
uint32_t job_router_weight(uint32_t expert);
/* Reports that `tokens` tokens ran through `expert` (one expert FFN launch). */
void job_expert_routed(uint32_t expert, uint32_t tokens);
