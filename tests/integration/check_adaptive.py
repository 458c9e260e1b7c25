"""The adaptive sub-batch split against what it predicts: GPT3-7B at batch 256 (one layer) is run
with the split always on (neupims) and always off (sub_batch off), and the adaptive system must
have chosen the faster of the two, measured, not the choice its own estimate made.

  check_adaptive.py VP OUT"""
import json
import os
import shutil
import subprocess
import sys

vp, out = sys.argv[1:3]
shutil.rmtree(out, ignore_errors=True)
runs = {"split": ["--system", "neupims"],
        "whole": ["--system", "neupims", "--set", "modules.job.system.sub_batch=off"],
        "adaptive": ["--system", "neupims-adaptive"]}
stats = {}
for name, args in runs.items():
    folder = os.path.join(out, name)
    result = subprocess.run([vp, "run", *args, "--layers", "1", "--out", folder], capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"the {name} run failed: {result.stderr.strip()}")
    with open(os.path.join(folder, "stats.json")) as f:
        stats[name] = {k: v["value"] for k, v in json.load(f)["summary"].items()}
split_faster = stats["split"]["tokens_per_second"] > stats["whole"]["tokens_per_second"]
chose_split = stats["adaptive"]["split_iterations"] == stats["adaptive"]["iterations"]
print(f"check_adaptive: split {stats['split']['tokens_per_second']:.0f} tokens/s, whole batch "
      f"{stats['whole']['tokens_per_second']:.0f}; adaptive split {stats['adaptive']['split_iterations']:.0f} "
      f"of {stats['adaptive']['iterations']:.0f} iterations")
if chose_split != split_faster:
    sys.exit("check_adaptive: the adaptive system chose the slower way")
