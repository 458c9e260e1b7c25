#!/usr/bin/env python3
"""Sweep variants end to end: a sweep whose axis is a set of tensor x pipeline splits (each with
its batch) runs through tools/sweep.py, and every CSV row carries its variant's configuration,
the shard the simulator actually ran (summary.tensor_parallel / pipeline_parallel /
device_layers) and self-consistent energy and power. A sweep naming an undefined variant, or
an axis value no run could take (unknown model, system or dataset, batch 0), is refused with
exit 2 before anything runs.

usage: check_sweep_variants.py NEUPIMS_VP SWEEP_FILE BAD_SWEEP_FILE OUT_DIR"""
import csv
import json
import os
import shutil
import sys

from sweep_harness import ROOT, SweepHarness

vp, sweep_file, bad_file, out = sys.argv[1:5]
harness = SweepHarness(vp, out)
check = harness.check


run = harness.sweep(sweep_file, "run", "--jobs", "2")
check(run.returncode == 0, f"run failed: {run.stdout}{run.stderr}")
collected = harness.sweep(sweep_file, "collect")
check(collected.returncode == 0, f"collect failed: {collected.stderr}")

with open(sweep_file) as f:
    spec = json.load(f)
with open(os.path.join(ROOT, "configs", "models", "gpt-tiny.json")) as f:
    model = json.load(f)
with open(os.path.join(out, spec["name"], "results.csv")) as f:
    rows = list(csv.DictReader(f))
check(len(rows) == len(spec["axes"]["variant"]) * len(spec["axes"]["system"]), f"{len(rows)} rows")
for row in rows:
    name = row["run"]
    variant = spec["variants"][row["axis.variant"]]
    tp, pp = variant["set"]["modules.job.tp"], variant["set"]["modules.job.pp"]
    check(row["config.job.workload.batch"] == str(variant["batch"]), f"{name}: batch {row['config.job.workload.batch']}")
    check(row["config.job.tp"] == str(tp) and row["config.job.pp"] == str(pp),
          f"{name}: configured tp/pp {row['config.job.tp']}/{row['config.job.pp']}")
    check(float(row["summary.tensor_parallel"]) == tp and float(row["summary.pipeline_parallel"]) == pp,
          f"{name}: simulated tp/pp {row['summary.tensor_parallel']}/{row['summary.pipeline_parallel']}")
    check(float(row["summary.device_layers"]) == model["layers"] // pp, f"{name}: device layers {row['summary.device_layers']}")
    check(float(row["summary.tokens"]) == variant["batch"], f"{name}: tokens {row['summary.tokens']}")
    # Energy: the parts add up, both are spent, and power is energy per token x tokens per second.
    memory, npu, total = (float(row[f"summary.{k}"]) for k in
                          ("memory_energy_per_token_uj", "npu_energy_per_token_uj", "energy_per_token_uj"))
    check(memory > 0 and npu > 0, f"{name}: energy parts {memory} / {npu}")
    check(abs(total - (memory + npu)) <= 1e-9 * total, f"{name}: {total} != {memory} + {npu}")
    power = float(row["summary.power_w"])
    expected = total * 1e-6 * float(row["summary.tokens_per_second"])
    check(abs(power - expected) <= 1e-6 * expected, f"{name}: power {power} W, energy x rate {expected} W")
# Half the heads per device (tp 2) halve the MACs of the attention-free tiny GEMMs: less NPU energy.
by = {(r["axis.variant"], r["axis.system"]): r for r in rows}
for system in spec["axes"]["system"]:
    one, two = (float(by[(v, system)]["summary.npu_energy_per_token_uj"]) for v in ("tp1-pp1", "tp2-pp1"))
    check(two < one, f"{system}: NPU energy per token tp2 {two} not below tp1 {one}")

bad = harness.sweep(bad_file, "run")
check(bad.returncode == 2 and "axes.variant: 'tp4-pp1' is not defined" in bad.stderr,
      f"undefined variant: exit {bad.returncode}, {bad.stderr.strip()}")
check(not os.path.exists(os.path.join(out, "bad-variant")), "a refused sweep started runs")

# Axis values no run could take are refused up front too, each naming the axis and the value.
for axis, value, message in (("model", "gpt3-8b", 'axes.model: "gpt3-8b" is not a known model (gpt-tiny, '),
                             ("system", "neupim", 'axes.system: "neupim" is not a known system ('),
                             ("batch", 0, "axes.batch: 0 is not an integer of at least 1"),
                             ("dataset", "nope.tsv", 'axes.dataset: "nope.tsv" is not a dataset')):
    axes = {"system": ["neupims"], "model": ["gpt-tiny"]}
    axes[axis] = [value]
    bad_values = os.path.join(out, f"bad-{axis}.json")
    shutil.rmtree(os.path.join(out, f"bad-{axis}"), ignore_errors=True)  # left by an earlier run
    with open(bad_values, "w") as f:
        json.dump({"name": f"bad-{axis}", "axes": axes}, f)
    refused = harness.sweep(bad_values, "run")
    check(refused.returncode == 2 and message in refused.stderr,
          f"bad {axis}: exit {refused.returncode}, {refused.stderr.strip()}")
    check(not os.path.exists(os.path.join(out, f"bad-{axis}")), f"the sweep with a bad {axis} started runs")

harness.finish("check_sweep_variants", len(rows))
