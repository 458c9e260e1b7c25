#!/usr/bin/env python3
"""Checks that two builds of neupims-vp give the same results, statistic for statistic.

For a change meant to make the simulator faster (or only tidier): runs one-layer GPT3-7B
decodes of seven configurations with each binary (the three systems, closed page, FCFS and
both simulator-compatible systems) and compares every statistic of their stats.json, except
the wall-clock ones (sim.wall_time_s, sim.simulated_mips and anything named *wall*).

  tools/same-results.py OLD_BINARY NEW_BINARY [--out DIR] [--keep]

Each binary boots its own build's firmware (set NPVP_FIRMWARE_DIR to force one folder for
both). Exit status 0 when every statistic is equal, 1 with the differences listed, 2 when a
run fails.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sweep import flatten  # noqa: E402  (the statistics as sweep tables name them)

CONFIGURATIONS = [
    ("neupims", ["--system", "neupims"]),
    ("npu-pim", ["--system", "npu-pim"]),
    ("npu-only", ["--system", "npu-only"]),
    ("closed-page", ["--system", "neupims", "--set", "modules.hbm.page_policy=closed"]),
    ("fcfs", ["--system", "neupims", "--set", "modules.hbm.scheduler=fcfs"]),
    ("neupims-sim-compat", ["--system", "neupims-sim-compat"]),
    ("npu-only-sim-compat", ["--system", "npu-only-sim-compat"]),
]


def wall_clock(key):
    return "wall" in key or "mips" in key


def run(binary, name, args, out_dir):
    folder = os.path.join(out_dir, name)
    command = [binary, "run", *args, "--layers", "1", "--out", folder]
    done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if done.returncode != 0:
        sys.stderr.write(f"same-results: {' '.join(command)} failed ({done.returncode}):\n")
        sys.stderr.write(done.stderr[-2000:])
        sys.exit(2)
    with open(os.path.join(folder, "stats.json")) as f:
        stats = {}
        flatten("", json.load(f), stats)
        return {k: v for k, v in stats.items() if not wall_clock(k)}


def main():
    parser = argparse.ArgumentParser(
        description="Check that two neupims-vp binaries give the same statistics.")
    parser.add_argument("old", help="the reference binary (e.g. a build of the previous commit)")
    parser.add_argument("new", help="the binary to check")
    parser.add_argument("--out", help="where the runs go (default: a temporary folder)")
    parser.add_argument("--keep", action="store_true", help="keep the runs' folders")
    options = parser.parse_args()
    for binary in (options.old, options.new):
        if not os.access(binary, os.X_OK):
            parser.error(f"'{binary}' is not an executable file")

    out_dir = options.out or tempfile.mkdtemp(prefix="same-results-")
    compared = different = 0
    try:
        for name, args in CONFIGURATIONS:
            old = run(options.old, name, args, os.path.join(out_dir, "old"))
            new = run(options.new, name, args, os.path.join(out_dir, "new"))
            keys = sorted(set(old) | set(new))
            changed = [k for k in keys if old.get(k) != new.get(k)]
            compared += len(keys)
            different += len(changed)
            print(f"{name}: {len(keys)} statistics, {len(changed)} different")
            for key in changed[:10]:
                print(f"  {key}: {old.get(key)} -> {new.get(key)}")
    finally:
        if not options.keep and not options.out:
            shutil.rmtree(out_dir, ignore_errors=True)
    print(f"same-results: {compared} statistics compared, {different} different")
    return 0 if different == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
