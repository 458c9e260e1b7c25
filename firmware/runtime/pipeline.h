/* Pipeline parallelism over several devices (job PP > 1, DEVICES > 1): the batch's requests as
 * micro-batches flowing through the stages, each device of a stage running its layers of every
 * micro-batch (tensor-parallel within the stage, sub-batch interleaved within the device).
 *
 * Every built device gets the same layer program of micro-batch m (the devices hold their own
 * stage's layers at the same addresses); around it, per stage:
 * - stage 0: the micro-batch's token embeddings (real tokens) are copied in first;
 * - stages 1 ..: queue 0 first waits for the micro-batch's activations (SEM_RECV, counting the
 *   hand-offs received);
 * - stages .. pp-2: queue 0 ends by sending the micro-batch's residual rows to the same rank of
 *   the next stage (PEER_COPY, +tp devices, raising its SEM_RECV);
 * - the last stage runs the LM head over the rows, copies the logits to host memory (real
 *   tokens) and raises SEM_DONE.
 * The host keeps every micro-batch moving on its own: when micro-batch m's iteration i is done
 * (the last stage's SEM_DONE has counted it; micro-batches finish in order), it chooses m's
 * tokens, grows m's KV and submits m's iteration i + 1, while the other micro-batches are in the
 * stages. So in steady state every stage works on some micro-batch (with at least pp of them).
 *
 * Measurement: an iteration is the time between two completions of micro-batch 0 (every
 * micro-batch has then moved one token: the pipeline's period), from the second iteration on;
 * with one iteration, the whole run (fill and drain). */
#pragma once

#include <stdint.h>

#include "batch.h"
#include "program.h"

/* Runs `iterations` decode iterations of the whole batch (admitted, positions sized for
 * max_rows); `positions` as decode.c's (ROPE), NULL without. Returns 0 if a queue stopped. */
int pipeline_run(batch_state* b, const hbm_plan* plan, uint32_t iterations, uint32_t* positions);
