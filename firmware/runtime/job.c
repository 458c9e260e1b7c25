#include "job.h"

#include "vp.h"

#define JOB(reg) VP_REG32(VP_JOB_BASE + VP_JOB_##reg)

int job_read(job_info* job) {
  if (JOB(MAGIC) != 0x31424F4Au) return 0;
  job->flags = JOB(FLAGS);
  job->sub_batch_min = JOB(SUB_BATCH_MIN);
  job->layers = JOB(LAYERS);
  job->device_layers = JOB(DEVICE_LAYERS);
  job->kv_layers = JOB(KV_LAYERS);
  job->d_model = JOB(D_MODEL);
  job->heads = JOB(HEADS);
  job->head_dim = JOB(HEAD_DIM);
  job->embed = JOB(EMBED_SHARD);
  job->ffn = JOB(FFN_SHARD);
  job->vocab = JOB(VOCAB_SHARD);
  job->max_batch = JOB(MAX_BATCH);
  job->iterations = JOB(ITERATIONS);
  job->batches = JOB(BATCHES);
  job->requests = JOB(REQUESTS);
  job->mode = JOB(MODE);
  job->max_seq = JOB(MAX_SEQ);
  job->channels = JOB(CHANNELS);
  job->banks = JOB(BANKS);
  job->rows = JOB(ROWS);
  job->row_bytes = JOB(ROW_BYTES);
  job->seed = JOB(SEED);
  job->v_chunk = JOB(V_CHUNK);
  job->kv_heads = JOB(KV_HEADS);
  job->kv_embed = job->kv_heads * job->head_dim;
  job->arch = JOB(ARCH);
  job->rope_theta = JOB(ROPE_THETA);
  job->experts = JOB(EXPERTS);
  job->top_k = JOB(TOP_K);
  job->scheduler = JOB(SCHEDULER);
  job->token_budget = JOB(TOKEN_BUDGET);
  job->preemption = JOB(PREEMPTION);
  job->kv_watermark = JOB(KV_WATERMARK);
  job->max_rows = job->max_batch + (job->mode == JOB_MODE_SERVING ? job->token_budget : 0u);
  job->devices = JOB(DEVICES);
  job->built = JOB(DEVICES_BUILT);
  job->stride = JOB(DEVICE_STRIDE);
  job->tp = JOB(TP);
  job->pp = JOB(PP);
  job->mirror = JOB(MIRROR);
  job->micro_batches = JOB(MICRO_BATCHES);
  job->tp_group = job->devices > 1 ? job->tp : 1u;
  job->stages = job->devices > 1 ? job->pp : 1u;
  return 1;
}

void job_request_get(uint32_t index, job_request* r) {
  JOB(REQ_INDEX) = index;
  r->index = index;
  r->context = JOB(REQ_CONTEXT);
  r->remaining = JOB(REQ_REMAINING);
  r->channel = JOB(REQ_CHANNEL);
  r->batch = JOB(REQ_BATCH);
  r->rejected = JOB(REQ_REJECTED);
}

uint32_t job_arrived(void) { return JOB(ARRIVED); }
void job_idle(void) { JOB(IDLE) = 1; }
int job_simulate(uint32_t rows, uint32_t attention, uint32_t kv, uint32_t prefill,
                 uint32_t sub_batches) {
  JOB(FEATURE_ROWS) = rows;
  JOB(FEATURE_ATTENTION) = attention;
  JOB(FEATURE_KV) = kv;
  JOB(FEATURE_PREFILL) = prefill;
  JOB(FEATURE_SPLIT) = sub_batches;
  return JOB(SIMULATE) != 0;
}
void job_iteration_skipped(void) { JOB(ITER_SKIPPED) = 1; }
void job_event(uint32_t kind, uint32_t request, uint32_t arg) {
  JOB(EVENT_ARG) = arg;
  JOB(EVENT) = kind << 24 | request;
}

void job_iteration_begin(uint32_t batch, uint32_t sub_batches) {
  JOB(SUB_BATCHES) = sub_batches;
  JOB(ITER_BEGIN) = batch;
}
void job_layers_end(void) { JOB(LAYERS_END) = 1; }
void job_iteration_end(uint32_t tokens) { JOB(ITER_END) = tokens; }
void job_layer(uint32_t layer) { JOB(LAYER) = layer; }
void job_token(uint32_t request, uint32_t token) {
  JOB(TOKEN_REQUEST) = request;
  JOB(TOKEN) = token;
}
uint32_t job_mem_share(void) { return JOB(MEM_SHARE); }
uint32_t job_attention_stretch(void) { return JOB(ATT_STRETCH); }
void job_logits(const uint16_t* bits, uint32_t count) {
  for (uint32_t i = 0; i < count; i += 2)
    JOB(LOGITS) = (uint32_t)bits[i] | (i + 1 < count ? (uint32_t)bits[i + 1] << 16 : 0u);
}
uint32_t job_router_weight(uint32_t expert) {
  JOB(ROUTER_EXPERT) = expert;
  return JOB(ROUTER_WEIGHT);
}
void job_expert_routed(uint32_t expert, uint32_t tokens) {
  JOB(EXPERT_ROUTED) = expert << 22 | tokens;
}
