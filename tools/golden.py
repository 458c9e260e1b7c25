#!/usr/bin/env python3
"""Golden results: a reduced set of decode runs whose summary and key statistics are committed
(tests/golden/results.json) and compared exactly, so that every change to a result shows in
review. The points: the three systems x two models x two batches, and the swapped memories
(hbm-pim, neupims-hbm3) on GPT3-7B batch 128, one simulated layer each
(tests/golden/points.json).

  golden.py check  [--vp PATH] [--out DIR] [--jobs N]   run every point, compare bit for bit
  golden.py update [--vp PATH] [--out DIR] [--jobs N]   run every point, rewrite results.json

After a change that is meant to move results: run `update`, commit results.json with the
change, and say in the commit message which results moved and why (docs/experiments.md).
Exit status: 0 = identical (check) or written (update); 1 = a difference or a failed run;
2 = bad input.
"""
import argparse
import concurrent.futures
import json
import os
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GOLDEN = os.path.join(ROOT, "tests", "golden")
# Host measurements, not results of the simulated system.
NOT_RESULTS = {"sim.wall_time_s", "sim.simulated_mips"}


def flatten(tree, prefix=""):
    out = {}
    for key, value in tree.items():
        name = prefix + key
        if isinstance(value, dict) and "value" in value and not isinstance(value["value"], dict):
            out[name] = value["value"]
        elif isinstance(value, dict):
            out.update(flatten(value, name + "."))
    return out


def key_statistics(stats):
    """The summary and every unit-level statistic (no per-channel or per-queue detail)."""
    flat = flatten(stats)
    return {k: v for k, v in sorted(flat.items())
            if k not in NOT_RESULTS and (k.startswith("summary.") or k.count(".") <= 2)
            and ".ch" not in k and ".pim.ch" not in k}


def run_point(vp, out, point):
    name = ".".join(str(point[k]) for k in ("system", "model", "batch"))
    folder = os.path.join(out, name)
    shutil.rmtree(folder, ignore_errors=True)
    cmd = [vp, "run", "--system", point["system"], "--model", point["model"], "--batch", str(point["batch"]),
           "--layers", str(point["layers"]), "--out", folder]
    result = subprocess.run(cmd, capture_output=True, text=True)
    if result.returncode != 0:
        return name, None, f"exit {result.returncode}: {result.stderr.strip()[-400:]}"
    with open(os.path.join(folder, "stats.json")) as f:
        return name, key_statistics(json.load(f)), None


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0], epilog=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("action", choices=["check", "update"])
    parser.add_argument("--vp", default=os.path.join(ROOT, "build", "platform", "neupims-vp"))
    parser.add_argument("--out", default=os.path.join(ROOT, "build", "golden"))
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    if not os.access(args.vp, os.X_OK):
        print(f"golden.py: error: --vp {args.vp}: not an executable", file=sys.stderr)
        return 2
    with open(os.path.join(GOLDEN, "points.json")) as f:
        points = json.load(f)["points"]
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        results = list(pool.map(lambda p: run_point(args.vp, args.out, p), points))
    failed = [(name, why) for name, _, why in results if why]
    for name, why in failed:
        print(f"golden: {name}: the run failed: {why}")
    if failed:
        return 1
    current = {name: stats for name, stats, _ in results}
    path = os.path.join(GOLDEN, "results.json")
    if args.action == "update":
        with open(path, "w") as f:
            json.dump(current, f, indent=1, sort_keys=True)
            f.write("\n")
        print(f"golden: {len(current)} points written to {os.path.relpath(path, ROOT)}")
        return 0
    with open(path) as f:
        committed = json.load(f)
    differences = []
    for name in sorted(set(committed) | set(current)):
        old, new = committed.get(name), current.get(name)
        if old is None or new is None:
            differences.append(f"{name}: {'new point' if old is None else 'point no longer run'}")
            continue
        for key in sorted(set(old) | set(new)):
            if old.get(key) != new.get(key):
                differences.append(f"{name}: {key}: {old.get(key)} -> {new.get(key)}")
    for line in differences[:60]:
        print("golden:", line)
    if len(differences) > 60:
        print(f"golden: ... and {len(differences) - 60} more")
    compared = sum(len(v) for v in current.values())
    if differences:
        print(f"golden: {len(differences)} of {compared} values differ from tests/golden/results.json; "
              "if the change is meant to move results: python3 tools/golden.py update, and say why in the commit")
        return 1
    print(f"golden: {len(current)} points, {compared} values identical to tests/golden/results.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
