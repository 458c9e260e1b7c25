#!/usr/bin/env python3
"""Measures the two interference figures the adaptive sub-batch estimate uses (docs/runtime.md,
adaptive split) for a MEM/PIM arbitration policy: one decoder layer of a model is run without
the LM head twice, as one sub-batch and as two, and

  stretch = attention time split / attention time whole - 1   (npu.attention.cycles)
  share   = 1 - (GEMM time split - G2) / attention time split

where G2 is the estimate's own time for the split GEMMs alone (two passes at half the rows,
each GEMM the longer of streaming its weights at 27 GB/s per channel and its array time: the
formula of estimate_layer() in firmware/runtime/program.c). So share is how fast, relative to
alone, the GEMMs progressed while the other sub-batch's attention ran beside them.

  calibrate_adaptive.py [--vp PATH] [--model NAME] [--batch N] [--arbitration NAME] [--out DIR]

Prints one JSON line. Exit status: 0, 1 if a run failed, 2 for bad input."""
import argparse
import json
import math
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def estimate_split_gemms(model, batch, tp, channels=32, gb_per_s=27):
    d = model["d_model"]
    embed, ffn = d // tp, 4 * d // tp

    def tiled(k, n):
        return math.ceil(k / 128) * 128 * math.ceil(n / 128) * 128 * 2

    def gemm(rows, k, n):
        tiles = math.ceil(k / 128) * math.ceil(n / 128)
        return max(math.ceil(tiles / 8) * max(rows, 128), tiled(k, n) // (gb_per_s * channels))

    rows = math.ceil(batch / 2)
    return 2 * (gemm(rows, d, 3 * embed) + gemm(rows, embed, d) + gemm(rows, d, ffn) + gemm(rows, ffn, d))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0], epilog=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--vp", default=os.path.join(ROOT, "build", "platform", "neupims-vp"))
    parser.add_argument("--model", default="gpt3-7b")
    parser.add_argument("--batch", type=int, default=512)
    parser.add_argument("--arbitration", default="pim-first")
    parser.add_argument("--out", default=os.path.join(ROOT, "out", "calibrate-adaptive"))
    args = parser.parse_args()
    model_file = os.path.join(ROOT, "configs", "models", args.model + ".json")
    if not os.path.isfile(model_file):
        print(f"error: --model: no configs/models/{args.model}.json", file=sys.stderr)
        return 2
    if args.batch < 2:
        print("error: --batch must be at least 2 (two sub-batches)", file=sys.stderr)
        return 2
    with open(model_file) as f:
        model = json.load(f)
    stats = {}
    for name, sub_batch in (("whole", "off"), ("split", "on")):
        folder = os.path.join(args.out, f"{args.arbitration}-{args.batch}-{name}")
        command = [args.vp, "run", "--system", "neupims", "--model", args.model, "--batch", str(args.batch),
                   "--layers", "1", "--set", f"modules.job.max_batch={args.batch}",
                   "--set", "modules.job.system.lm_head=false",
                   "--set", f"modules.job.system.sub_batch={sub_batch}",
                   "--set", "modules.job.system.sub_batch_min=2",
                   "--set", f"modules.hbm.arbitration={args.arbitration}", "--out", folder]
        result = subprocess.run(command, capture_output=True, text=True)
        if result.returncode != 0:
            print(f"error: the {name} run failed ({result.returncode}): {result.stderr.strip()[-300:]}",
                  file=sys.stderr)
            return 2 if result.returncode == 2 else 1
        with open(os.path.join(folder, "stats.json")) as f:
            stats[name] = json.load(f)
    att = {k: s["npu"]["attention"]["cycles"]["value"] for k, s in stats.items()}
    gemm_split = stats["split"]["npu"]["sa"]["gemm_cycles"]["value"]
    g2 = estimate_split_gemms(model, args.batch, model.get("tp", 1))
    print(json.dumps({"model": args.model, "batch": args.batch, "arbitration": args.arbitration,
                      "attention_whole": att["whole"], "attention_split": att["split"],
                      "gemm_split": gemm_split, "gemm_split_alone_estimate": g2,
                      "stretch": round(att["split"] / att["whole"] - 1, 3),
                      "share": round(1 - (gemm_split - g2) / att["split"], 3)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
