"""The adaptive sub-batch split against both fixed choices, measured: GPT3-7B (one layer) at
batch 256 and 512 is run with the split always on (neupims), always off (sub_batch off) and
adaptive, and at every point the adaptive system must be within 2% of the faster fixed choice
(or faster than both), whatever its estimate said.

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
failures = []
for batch in (256, 512):
    stats = {}
    for name, args in runs.items():
        folder = os.path.join(out, f"{name}-{batch}")
        result = subprocess.run([vp, "run", *args, "--batch", str(batch), "--layers", "1",
                                 "--set", "modules.job.max_batch=512", "--out", folder],
                                capture_output=True, text=True)
        if result.returncode != 0:
            sys.exit(f"the {name} run at batch {batch} failed: {result.stderr.strip()}")
        with open(os.path.join(folder, "stats.json")) as f:
            stats[name] = {k: v["value"] for k, v in json.load(f)["summary"].items()}
    rate = {name: s["tokens_per_second"] for name, s in stats.items()}
    best = max(rate["split"], rate["whole"])
    print(f"check_adaptive: batch {batch}: split {rate['split']:.0f} tokens/s, whole batch {rate['whole']:.0f}, "
          f"adaptive {rate['adaptive']:.0f} (split {stats['adaptive']['split_iterations']:.0f} of "
          f"{stats['adaptive']['iterations']:.0f} iterations)")
    if rate["adaptive"] < 0.98 * best:
        failures.append(f"batch {batch}: adaptive {rate['adaptive']:.0f} tokens/s is more than 2% below the "
                        f"better fixed choice ({best:.0f})")
# The measured interference reaches the estimate: with free overlap (share 1, stretch 0, the
# estimate's old assumption) it splits at batch 512, where the measured figures do not.
folder = os.path.join(out, "free-overlap-512")
result = subprocess.run([vp, "run", "--system", "neupims-adaptive", "--batch", "512", "--layers", "1",
                         "--set", "modules.job.max_batch=512",
                         "--set", "modules.job.system.adaptive_mem_share=1",
                         "--set", "modules.job.system.adaptive_attention_stretch=0", "--out", folder],
                        capture_output=True, text=True)
if result.returncode != 0:
    sys.exit(f"the free-overlap run failed: {result.stderr.strip()}")
with open(os.path.join(folder, "stats.json")) as f:
    if json.load(f)["summary"]["split_iterations"]["value"] != 1:
        failures.append("with share 1 and stretch 0 the estimate did not split at batch 512")
if failures:
    sys.exit("check_adaptive: " + "; ".join(failures))
