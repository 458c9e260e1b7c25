"""Shared by the sweep-runner checks (check_sweep.py, check_sweep_variants.py): runs
tools/sweep.py against a fresh output folder and collects failed checks.

  h = SweepHarness(vp, out)       # empties `out`
  h.sweep(sweep_file, "run", ...) # tools/sweep.py ACTION SWEEP --out OUT --vp VP
  h.check(ok, "what went wrong")
  h.check_rows(spec, rows)        # a collected reduced sweep's CSV rows, by meaning
  h.finish("check_name", rows)    # prints the failures, exits 1 if any"""
import json
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

    def check_rows(self, spec, rows):
        """Each row's resolved configuration is its system's and its axis values', and its summary
        is one complete decode iteration of the batch."""
        for name, row in rows.items():
            system = row["axis.system"]
            with open(os.path.join(ROOT, "configs", "systems", system + ".json")) as f:
                system_set = json.load(f)["set"]
            # The resolved configuration of the row is its system's ...
            # The CSV holds the job's and the memory's resolved keys (not the memory's parameter
            # file, nor other modules'): every such key of the system must be there.
            for key, value in system_set.items():
                column = "config." + key.replace("modules.", "", 1)
                collected = key.startswith(("modules.job.", "modules.hbm.")) and key != "modules.hbm.memory"
                if not collected:
                    continue
                self.check(column in row, f"{name}: the CSV has no column {column} for the system's {key}")
                got = row.get(column, "")
                want = json.dumps(value) if isinstance(value, bool) else str(value)
                self.check(got.lower() == want.lower(), f"{name}: {column} is {got}, the system says {want}")
            self.check(row["config.hbm.mode"] == system_set["modules.hbm.mode"], f"{name}: memory mode {row['config.hbm.mode']}")
            # ... and its axes'.
            self.check(row["config.job.model"].endswith(row["axis.model"] + ".json"), f"{name}: model {row['config.job.model']}")
            self.check(row["config.job.workload.batch"] == row["axis.batch"], f"{name}: batch {row['config.job.workload.batch']}")
            self.check(row["config.job.layers"] == str(spec["layers"]), f"{name}: layers {row['config.job.layers']}")
            # One full iteration of the batch was measured.
            self.check(float(row["summary.iterations"]) == 1, f"{name}: iterations {row['summary.iterations']}")
            self.check(float(row["summary.tokens"]) == float(row["axis.batch"]), f"{name}: tokens {row['summary.tokens']}")
            self.check(float(row["summary.tokens_per_second"]) > 0, f"{name}: no throughput")
            for unit in ("npu", "pim"):
                value = float(row[f"summary.{unit}_utilization"])
                self.check(0.0 <= value <= 1.0, f"{name}: {unit} utilization {value} outside 0..1")
            self.check((float(row["summary.pim_utilization"]) == 0) == (system == "npu-only"),
                  f"{name}: PIM utilization {row['summary.pim_utilization']} for {system}")

    def finish(self, name, rows):
        for failure in self.failures:
            print("FAIL:", failure)
        print(f"{name}: {rows} rows, {len(self.failures)} failures")
        sys.exit(1 if self.failures else 0)
