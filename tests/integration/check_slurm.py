"""The reduced sweep submitted to a real (one-node) Slurm cluster through tools/sweep.py slurm, and
checked like the GNU-parallel path: every run present, each row's configuration right, and every
statistic identical bit for bit to the same sweep run with GNU parallel. One array task fails on
its first attempt (an injected failure): sweep.py names that run and its log, and rerunning the
command resubmits only that run, leaving the finished ones untouched.

Run inside a cluster: tools/slurm-local.sh python3 check_slurm.py VP SWEEP_FILE OUT"""
import csv
import json
import os
import stat
import sys

from sweep_harness import SweepHarness

vp, sweep_file, out = sys.argv[1:4]
if not os.environ.get("SLURM_CONF"):
    sys.exit("check_slurm.py runs inside a cluster: tools/slurm-local.sh python3 check_slurm.py ...")
with open(sweep_file) as f:
    spec = json.load(f)
os.makedirs(out, exist_ok=True)
parallel = SweepHarness(vp, os.path.join(out, "parallel"))
check = parallel.check

done = parallel.sweep(sweep_file, "run", "--jobs", "2")
check(done.returncode == 0, f"the GNU-parallel sweep failed: {done.stdout}{done.stderr}")

# A wrapper of the binary that fails the first real run of one point (not its --check).
victim = "gpt3-7b.16.npu-pim"
wrapper = os.path.join(out, "flaky-neupims-vp")
marker = os.path.join(out, "failed-once")
if os.path.exists(marker):
    os.remove(marker)
with open(wrapper, "w") as f:
    f.write(f"""#!/bin/sh
case " $* " in
  *" --check "*) ;;
  *"/{victim} "*) if [ ! -e {marker} ]; then touch {marker}; echo "injected failure" >&2; exit 1; fi ;;
esac
exec {vp} "$@"
""")
os.chmod(wrapper, os.stat(wrapper).st_mode | stat.S_IEXEC)
slurm = SweepHarness(wrapper, os.path.join(out, "slurm"))
os.makedirs(os.path.join(out, "slurm"), exist_ok=True)
submit = ("--wait", "--partition", "local", "--time", "20:00")

first = slurm.sweep(sweep_file, "slurm", *submit)
total = len(spec["axes"]["model"]) * len(spec["axes"]["batch"]) * len(spec["axes"]["system"])
check(first.returncode == 1, f"a failed array task must fail the submission: exit {first.returncode}\n{first.stderr}")
check(f"0 of {total} runs done, {total} to submit" in first.stdout, f"first submission: {first.stdout}")
check(f"failed: {victim} (see " in first.stderr and f"{victim}.log)" in first.stderr,
      f"the failed run is not named with its log: {first.stderr}")
log = os.path.join(out, "slurm", spec["name"], victim + ".log")
check(os.path.isfile(log) and "injected failure" in open(log).read(), f"{log} does not hold the failure")
script = os.path.join(out, "slurm", spec["name"], "sweep.sbatch")
check("#SBATCH --partition=local" in open(script).read() and "#SBATCH --time=20:00" in open(script).read(),
      "the job script lacks the partition or the time limit")

run_dir = os.path.join(out, "slurm", spec["name"])
finished = {name: os.stat(os.path.join(run_dir, name, "stats.json")).st_mtime_ns
            for name in os.listdir(run_dir) if os.path.isfile(os.path.join(run_dir, name, "stats.json"))
            and name != victim}
check(len(finished) == total - 1, f"{len(finished)} runs finished in the first array, expected {total - 1}")

second = slurm.sweep(sweep_file, "slurm", *submit)
check(second.returncode == 0, f"the resubmission failed: {second.stdout}{second.stderr}")
check(f"{total - 1} of {total} runs done, 1 to submit" in second.stdout, f"the resubmission: {second.stdout}")
for name, mtime in finished.items():
    check(os.stat(os.path.join(run_dir, name, "stats.json")).st_mtime_ns == mtime,
          f"{name} was run again although it had finished")
third = slurm.sweep(sweep_file, "slurm", *submit)
check(f"{total} of {total} runs done, 0 to submit" in third.stdout, f"nothing left to submit: {third.stdout}")

rows = {}
for harness in (parallel, slurm):
    collected = harness.sweep(sweep_file, "collect")
    check(collected.returncode == 0, f"collect failed: {collected.stderr}")
    with open(os.path.join(harness.out, spec["name"], "results.csv")) as f:
        rows[harness.out] = {row["run"]: row for row in csv.DictReader(f)}
slurm_rows, parallel_rows = rows[slurm.out], rows[parallel.out]
check(sorted(slurm_rows) == sorted(parallel_rows) and len(slurm_rows) == total,
      f"runs in the Slurm CSV: {sorted(slurm_rows)}")
parallel.check_rows(spec, slurm_rows)

# Bit for bit: every statistic of every run but the host's wall-clock ones.
HOST = ("wall_time_s", "simulated_mips")


def values(tree, prefix=""):
    for key, value in tree.items():
        if isinstance(value, dict) and "value" in value and not isinstance(value["value"], dict):
            if not key.endswith(HOST):
                yield prefix + key, value["value"]
        elif isinstance(value, dict):
            yield from values(value, prefix + key + ".")


compared = 0
for name in parallel_rows:
    with open(os.path.join(parallel.out, spec["name"], name, "stats.json")) as f:
        a = dict(values(json.load(f)))
    with open(os.path.join(slurm.out, spec["name"], name, "stats.json")) as f:
        b = dict(values(json.load(f)))
    differ = [k for k in a if a[k] != b.get(k)]
    check(not differ and len(a) == len(b), f"{name}: statistics differ from the GNU-parallel run: {differ[:5]}")
    compared += len(a)
print(f"check_slurm: {compared} statistics of {total} runs identical to the GNU-parallel sweep")
parallel.finish("check_slurm", len(slurm_rows))
