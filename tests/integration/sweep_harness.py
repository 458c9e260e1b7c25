"""Shared by the sweep-runner checks (check_sweep.py, check_sweep_variants.py): runs
tools/sweep.py against a fresh output folder and collects failed checks.

  h = SweepHarness(vp, out)       # empties `out`
  h.sweep(sweep_file, "run", ...) # tools/sweep.py ACTION SWEEP --out OUT --vp VP
  h.check(ok, "what went wrong")
  h.finish("check_name", rows)    # prints the failures, exits 1 if any"""
import os
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class SweepHarness:
    def __init__(self, vp, out):
        self.vp, self.out = vp, out
        self.failures = []
        shutil.rmtree(out, ignore_errors=True)

    def check(self, ok, what):
        if not ok:
            self.failures.append(what)

    def sweep(self, sweep_file, action, *args):
        return subprocess.run([sys.executable, os.path.join(ROOT, "tools", "sweep.py"), action, *args, sweep_file,
                               "--out", self.out, "--vp", self.vp], capture_output=True, text=True)

    def finish(self, name, rows):
        for failure in self.failures:
            print("FAIL:", failure)
        print(f"{name}: {rows} rows, {len(self.failures)} failures")
        sys.exit(1 if self.failures else 0)
