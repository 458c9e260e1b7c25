#!/usr/bin/env python3
"""The reduced sweep end to end through tools/sweep.py (run, resume, collect, report), and its
CSV checked by meaning: every run present, each row's resolved configuration is its system's and
its axis values', each row's summary is a complete decode iteration, and the report's ratios
are the ones computed here from the rows.

usage: check_sweep.py NEUPIMS_VP SWEEP_FILE OUT_DIR"""
import csv
import json
import os
import sys

from sweep_harness import ROOT, SweepHarness

vp, sweep_file, out = sys.argv[1], sys.argv[2], sys.argv[3]
harness = SweepHarness(vp, out)
check = harness.check


def sweep(action, *args):
    return harness.sweep(sweep_file, action, *args)


first = sweep("run", "--jobs", "2")
check(first.returncode == 0, f"run failed: {first.stdout}{first.stderr}")
again = sweep("run")
check("12 of 12 runs done, 0 to run" in again.stdout, f"resume did not skip the finished runs: {again.stdout}")
collected = sweep("collect")
check(collected.returncode == 0, f"collect failed: {collected.stderr}")

with open(sweep_file) as f:
    spec = json.load(f)
with open(os.path.join(out, spec["name"], "results.csv")) as f:
    rows = {row["run"]: row for row in csv.DictReader(f)}
expected = [f"{m}.{b}.{s}" for m in spec["axes"]["model"] for b in spec["axes"]["batch"] for s in spec["axes"]["system"]]
check(sorted(rows) == sorted(expected), f"runs in the CSV: {sorted(rows)}")

harness.check_rows(spec, rows)

# The report: every ratio and geometric mean recomputed from the CSV rows.
report_json = os.path.join(out, "report.json")
report = sweep("report", "--json", report_json)
check(report.returncode == 0, f"report failed: {report.stderr}")
tps = {(r["axis.model"], r["axis.batch"], r["axis.system"]): float(r["summary.tokens_per_second"]) for r in rows.values()}
with open(report_json) as f:
    numbers = json.load(f)
pairs = [("neupims", "npu-only"), ("npu-pim", "npu-only"), ("neupims", "npu-pim")]
seen = 0
for entry in numbers["ratios"]:
    m, b = entry["point"]["model"], entry["point"]["batch"]
    for a, base in pairs:
        want = tps[(m, b, a)] / tps[(m, b, base)]
        got = entry[f"{a} / {base}"]["mean"]
        check(abs(got - want) <= 1e-12 * want, f"{m} {b}: {a} / {base} is {got}, the rows give {want}")
        check(f"{want:.2f}" in report.stdout, f"{m} {b}: {a} / {base} = {want:.2f} not in the Markdown report")
        seen += 1
check(seen == len(spec["axes"]["model"]) * len(spec["axes"]["batch"]) * len(pairs), f"{seen} ratios in the report")
for entry in numbers["geomean_over_batch"]:
    m = entry["point"]["model"]
    for a, base in pairs:
        values = [tps[(m, str(b), a)] / tps[(m, str(b), base)] for b in spec["axes"]["batch"]]
        want = (values[0] * values[1]) ** 0.5
        got = entry[f"{a} / {base}"]["mean"]
        check(abs(got - want) <= 1e-9 * want, f"{m}: geometric mean {a} / {base} is {got}, the rows give {want}")
check(len(numbers["geomean_over_batch"]) == len(spec["axes"]["model"]), "one geometric mean per model")
check("npu-only / npu-pim" not in report.stdout, "the report repeats a ratio inverted")

harness.finish("check_sweep", len(rows))
