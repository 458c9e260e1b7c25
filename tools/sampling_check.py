#!/usr/bin/env python3
"""Iteration sampling against full simulation: runs each configuration twice (every iteration
simulated, and with workload.sampling) and prints a Markdown table of the serving metrics, their
relative error, the busy time (sum of iteration times) with the sampled run's 95% interval, and
the wall time of both. Used for the table in docs/performance.md.

  tools/sampling_check.py --vp build/platform/neupims-vp --out /tmp/sampling [--jobs 2]
"""
import argparse
import concurrent.futures
import json
import pathlib
import subprocess
import time

COMMON = ["--layers", "1", "--set", "modules.job.workload.mode=serving",
          "--set", "modules.uart.output=/dev/null"]
CONFIGS = {
    "neupims, Alpaca, Poisson 30/s, 60 requests": [
        "--system", "neupims", "--set", "modules.job.workload.dataset=alpaca",
        "--set", "modules.job.workload.rate=30", "--set", "modules.job.workload.requests=60"],
    "npu-only, ShareGPT, Poisson 4/s, 40 requests": [
        "--system", "npu-only", "--set", "modules.job.workload.rate=4",
        "--set", "modules.job.workload.requests=40"],
    "npu-pim, Azure conv (first 60 requests)": [
        "--system", "npu-pim", "--set", "modules.job.workload.arrivals=trace",
        "--set", "modules.job.workload.requests=60"],
}
METRICS = ["ttft_p50_ms", "ttft_p99_ms", "tpot_p50_ms", "tpot_p99_ms", "e2e_p50_ms", "span_s"]


def run(vp, out, args):
    start = time.time()
    subprocess.run([vp, "run", *COMMON, *args, "--out", str(out)], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    stats = json.loads((out / "stats.json").read_text())
    return stats, time.time() - start


def value(stats, path):
    node = stats
    for part in path.split("."):
        node = node[part]
    return node["value"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vp", required=True)
    parser.add_argument("--out", required=True, type=pathlib.Path)
    parser.add_argument("--period", type=int, default=10)
    parser.add_argument("--jobs", type=int, default=2)
    a = parser.parse_args()
    tasks = {}
    with concurrent.futures.ThreadPoolExecutor(a.jobs) as pool:
        for i, (name, args) in enumerate(CONFIGS.items()):
            tasks[(name, "full")] = pool.submit(run, a.vp, a.out / f"{i}-full", args)
            tasks[(name, "sampled")] = pool.submit(
                run, a.vp, a.out / f"{i}-sampled",
                args + ["--set", f"modules.job.workload.sampling.period={a.period}"])
    print("| configuration | metric | full | sampled | error |")
    print("|---|---|---|---|---|")
    for name in CONFIGS:
        (full, full_wall), (sampled, sampled_wall) = (tasks[(name, "full")].result(),
                                                      tasks[(name, "sampled")].result())
        for m in METRICS:
            f, s = value(full, "summary.serving." + m), value(sampled, "summary.serving." + m)
            print(f"| {name} | {m} | {f:.4g} | {s:.4g} | {100 * (s - f) / f:+.1f}% |")
        busy_full = value(full, "summary.iterations") * value(full, "summary.iteration_time_ns") * 1e-9
        sm = sampled["summary"]["serving"]["sampling"]
        exact, est, ci = (sm["exact_time_s"]["value"], sm["estimated_time_s"]["value"],
                          sm["estimated_time_ci95_s"]["value"])
        busy = exact + est
        print(f"| {name} | busy time (s) | {busy_full:.4f} | {busy:.4f} +- {ci:.4f} (95%) | "
              f"{100 * (busy - busy_full) / busy_full:+.2f}% |")
        print(f"| {name} | iterations exact / estimated | {value(full, 'summary.iterations'):.0f} | "
              f"{sm['exact_iterations']['value']:.0f} / {sm['estimated_iterations']['value']:.0f} | |")
        print(f"| {name} | wall (s) | {full_wall:.0f} | {sampled_wall:.0f} | "
              f"{full_wall / sampled_wall:.1f}x faster |")


if __name__ == "__main__":
    main()
