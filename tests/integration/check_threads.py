"""A decode run with the memory's channels on two threads gives the same statistics as on one
(aligned scheduling windows in both), and the second thread really ran channels.

  check_threads.py VP OUT"""
import json
import os
import shutil
import subprocess
import sys

# Statistics of the host, not of the simulated system, and the one that counts pool use.
NOT_COMPARED = ("sim.wall_time_s.", "sim.simulated_mips.", "hbm.parallel_windows.")


def flatten(tree, prefix=""):
    out = {}
    for key, value in tree.items():
        if isinstance(value, dict):
            out.update(flatten(value, prefix + key + "."))
        else:
            out[prefix + key] = value
    return out


def run(vp, out, threads):
    folder = os.path.join(out, f"threads{threads}")
    result = subprocess.run([vp, "run", "--system", "neupims", "--layers", "1", "--set", "modules.hbm.windows=aligned",
                             "--set", f"modules.hbm.threads={threads}", "--out", folder], capture_output=True, text=True)
    if result.returncode != 0:
        print(result.stdout, result.stderr)
        sys.exit(f"the run with {threads} thread(s) failed: exit {result.returncode}")
    with open(os.path.join(folder, "stats.json")) as f:
        return flatten(json.load(f))


def main():
    vp, out = sys.argv[1], sys.argv[2]
    shutil.rmtree(out, ignore_errors=True)
    one, two = run(vp, out, 1), run(vp, out, 2)
    failures = []
    differing = [k for k in sorted(set(one) | set(two))
                 if one.get(k) != two.get(k) and not k.startswith(NOT_COMPARED)]
    if differing:
        failures.append(f"{len(differing)} statistics differ, e.g. " +
                        ", ".join(f"{k}: {one.get(k)} vs {two.get(k)}" for k in differing[:5]))
    if not one.get("hbm.windows.value", 0) > 0:
        failures.append("no aligned windows counted")
    if two.get("hbm.parallel_windows.value", 0) <= 0:
        failures.append("the two-thread run ran no window on the pool")
    if one.get("hbm.parallel_windows.value", 1) != 0:
        failures.append("the one-thread run reports parallel windows")
    for failure in failures:
        print("FAIL:", failure)
    print(f"threads: {len(one)} statistics compared, {len(failures)} failures")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
