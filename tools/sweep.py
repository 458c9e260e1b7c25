#!/usr/bin/env python3
"""Sweep runner: expands a sweep file into neupims-vp runs, runs them (GNU parallel on one
machine, or a Slurm job array), resumes where it stopped, and collects every run's statistics
into one CSV with the resolved configuration of each row.

Sweep file (JSON, configs/sweeps/):
  {"name": "fig12", "description": "...",
   "axes": {"model": [...], "dataset": [...], "batch": [...], "system": [...], "seed": [...]},
   "layers": 1,                       # decoder layers simulated per iteration (0 = all)
   "set": {"key.path": value, ...},   # overrides for every run
   "variants": {"tp8-pp1": {"batch": 256, "set": {"modules.job.tp": 8}}, ...},
   "collect": ["npu.attention.cycles", ...]}  # statistics beyond summary.* for the CSV (stat.*)
Axes may be any of model, dataset, batch, system, seed, layers, variant; every combination is
one run, named by its axis values (e.g. gpt3-7b.sharegpt.256.neupims.1) in <out>/<name>/<run>/.
A variant is a named set of overrides (and optionally the batch) that belong together, such as
a tensor/pipeline split and the per-device batch it implies; its "set" applies after the
sweep's.

  sweep.py list SWEEP                       the runs and whether each is done
  sweep.py run SWEEP [--jobs N] [--dry-run] run what is not done yet (GNU parallel)
  sweep.py slurm SWEEP [--submit | --wait] [--partition P] [--account A] [--time T]
                                            write <out>/<name>/sweep.sbatch (a job array of the
                                            runs not done); --submit sends it, --wait also waits
                                            for it and names the runs that failed
  sweep.py collect SWEEP [--csv FILE]       one CSV row per run (default <out>/<name>/results.csv)
  sweep.py report SWEEP [--csv FILE] [--json FILE]
                                            Markdown tables from that CSV: tokens/s per point and
                                            system, every system over each baseline present
                                            (npu-only, npu-pim) per point, and the geometric mean
                                            of each ratio over the batch sizes that ran; over
                                            seeds, the mean and population sd of the per-seed
                                            values
Common options: --out DIR (default results), --vp PATH (the neupims-vp binary).
A run is done when its stats.json says the firmware exited with code 0; a failed or missing run
is run again. Exit status: 0, 1 if a run failed, 2 for bad input.
"""
import argparse
import csv
import itertools
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys

AXES = ("model", "dataset", "batch", "system", "seed", "layers", "variant")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class SweepError(Exception):
    pass


NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def read_json(path, what):
    """A JSON file as UTF-8; any failure is a SweepError naming the file."""
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except OSError as e:
        raise SweepError(f"{path}: {what}: {e.strerror}")
    except UnicodeDecodeError as e:
        raise SweepError(f"{path}: {what}: not UTF-8 text (byte {e.start})")
    except ValueError as e:
        raise SweepError(f"{path}: {what}: not valid JSON: {e}")


def load_sweep(path):
    sweep = read_json(path, "the sweep file")
    if not isinstance(sweep, dict):
        raise SweepError(f"{path}: expected an object")
    allowed = {"name", "description", "axes", "layers", "set", "variants", "collect"}
    for key in sweep:
        if key not in allowed:
            raise SweepError(f"{path}: unknown key '{key}' (allowed: {', '.join(sorted(allowed))})")
    if not isinstance(sweep.get("name"), str) or not NAME.fullmatch(sweep["name"]) or ".." in sweep["name"]:
        raise SweepError(f"{path}: 'name' must be a folder name of letters, digits, '.', '_' and '-' "
                         f"(it names <out>/<name>; got {json.dumps(sweep.get('name'))})")
    if "layers" in sweep and (not isinstance(sweep["layers"], int) or isinstance(sweep["layers"], bool)
                              or sweep["layers"] < 0):
        raise SweepError(f"{path}: 'layers' must be an integer of at least 0 (0 = all)")
    axes = sweep.get("axes")
    if not isinstance(axes, dict) or not axes:
        raise SweepError(f"{path}: 'axes' must be an object of lists")
    for axis, values in axes.items():
        if axis not in AXES:
            raise SweepError(f"{path}: axes.{axis}: unknown axis (axes: {', '.join(AXES)})")
        if not isinstance(values, list) or not values:
            raise SweepError(f"{path}: axes.{axis}: expected a non-empty list")
    if "system" not in axes:
        raise SweepError(f"{path}: axes.system is required (e.g. [\"neupims\", \"npu-pim\", \"npu-only\"])")
    if not isinstance(sweep.get("set", {}), dict):
        raise SweepError(f"{path}: 'set' must be an object of key.path: value")
    collect = sweep.get("collect", [])
    if not isinstance(collect, list) or not all(
            isinstance(k, str) and re.fullmatch(r"[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)+", k) for k in collect):
        raise SweepError(f"{path}: 'collect' must be a list of statistic names (e.g. \"npu.attention.cycles\")")
    for key in sweep.get("set", {}):
        if not re.fullmatch(r"[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*", key):
            raise SweepError(f"{path}: set: '{key}' is not a key path (names joined by '.')")
    variants = sweep.get("variants", {})
    if not isinstance(variants, dict):
        raise SweepError(f"{path}: 'variants' must be an object of name: {{\"batch\": N, \"set\": {{...}}}}")
    for name, variant in variants.items():
        if not isinstance(variant, dict):
            raise SweepError(f"{path}: variants.{name}: expected an object")
        for key in variant:
            if key not in ("batch", "set", "description"):
                raise SweepError(f"{path}: variants.{name}.{key}: unknown key (allowed: batch, description, set)")
        if "batch" in variant and (not isinstance(variant["batch"], int) or variant["batch"] < 1):
            raise SweepError(f"{path}: variants.{name}.batch: expected a positive integer")
        if "batch" in variant and "batch" in axes:
            raise SweepError(f"{path}: variants.{name}.batch: the batch is already an axis")
        if not isinstance(variant.get("set", {}), dict):
            raise SweepError(f"{path}: variants.{name}.set: expected an object of key.path: value")
    for name in axes.get("variant", []):
        if name not in variants:
            raise SweepError(f"{path}: axes.variant: '{name}' is not defined in 'variants' "
                             f"(defined: {', '.join(variants) or 'none'})")
    check_axis_values(path, axes)
    return sweep


def known_names(kind):
    folder = os.path.join(ROOT, "configs", kind)
    return sorted(f[:-5] for f in os.listdir(folder) if f.endswith(".json")) if os.path.isdir(folder) else []


def check_axis_values(path, axes):
    """Refuses values no run could take, before any run starts (the runs would each fail)."""
    for axis, values in axes.items():
        for value in values:
            where = f"{path}: axes.{axis}: {json.dumps(value)}"
            if axis in ("system", "model"):
                known = known_names(axis + "s")
                if not isinstance(value, str) or not (value in known or os.path.isfile(value)):
                    raise SweepError(f"{where} is not a known {axis} ({', '.join(known)}) nor a JSON file")
            elif axis == "dataset":
                if not isinstance(value, str) or not (value in ("sharegpt", "alpaca") or os.path.isfile(value)):
                    raise SweepError(f"{where} is not a dataset (sharegpt, alpaca, or a TSV file)")
            elif axis in ("batch", "layers", "seed"):
                low = 1 if axis == "batch" else 0
                if not isinstance(value, int) or isinstance(value, bool) or value < low:
                    raise SweepError(f"{where} is not an integer of at least {low}")


def name_part(value):
    """A run-name component for an axis value: a file path contributes its file name without the
    extension, and anything but letters, digits, '_' and '-' becomes '_' (so a run folder is
    always one folder inside the sweep's)."""
    text = str(value)
    if "/" in text or text.endswith((".json", ".tsv")):
        text = os.path.splitext(os.path.basename(text))[0]
    return re.sub(r"[^A-Za-z0-9_-]", "_", text) or "_"


def expand(sweep):
    """The runs: (name, {axis: value}) in a stable order."""
    axes = sweep["axes"]
    names = [a for a in AXES if a in axes]
    runs = []
    for values in itertools.product(*(axes[a] for a in names)):
        point = dict(zip(names, values))
        runs.append((".".join(name_part(point[a]) for a in names), point))
    seen = {}
    for name, point in runs:
        if name in seen:
            raise SweepError(f"runs {seen[name]} and {point} would share the folder '{name}' "
                             "(give the files different names)")
        seen[name] = point
    return runs


def command(args, sweep, run_dir, point):
    cmd = [args.vp, "run", "--system", str(point["system"]), "--out", run_dir]
    if "model" in point:
        cmd += ["--model", str(point["model"])]
    if "dataset" in point:
        cmd += ["--dataset", str(point["dataset"])]
    variant = sweep.get("variants", {}).get(point.get("variant"), {})
    batch = point.get("batch", variant.get("batch"))
    if batch is not None:
        cmd += ["--batch", str(batch)]
    cmd += ["--layers", str(point.get("layers", sweep.get("layers", 0)))]
    if "seed" in point:
        cmd += ["--set", f"modules.job.workload.seed={point['seed']}"]
    for key, value in list(sweep.get("set", {}).items()) + list(variant.get("set", {}).items()):
        cmd += ["--set", f"{key}={json.dumps(value)}"]
    return cmd


def is_done(run_dir):
    try:
        with open(os.path.join(run_dir, "stats.json"), encoding="utf-8") as f:
            stats = json.load(f)
        return stats["sim"]["completed"]["value"] == 1 and stats["sim"]["exit_code"]["value"] == 0
    except (OSError, ValueError, KeyError, TypeError):
        return False


def check_runs(args, sweep, runs):
    """Validates every run before any starts (`neupims-vp run --check`: the whole configuration,
    the set keys, batch and layers against the model and the memory), so a bad value fails the
    sweep at once with the run's name, not run by run."""
    for name, point in runs:
        cmd = command(args, sweep, os.path.join(sweep_dir(args, sweep), name), point) + ["--check"]
        result = subprocess.run(cmd, capture_output=True, text=True, errors="replace")
        if result.returncode != 0:
            why = result.stderr.strip().splitlines()[-1] if result.stderr.strip() else f"exit {result.returncode}"
            raise SweepError(f"run {name}: {why.removeprefix('neupims-vp: error: ')}")


def sweep_dir(args, sweep):
    return os.path.join(args.out, sweep["name"])


def pending_commands(args, sweep):
    lines = []
    for name, point in expand(sweep):
        run_dir = os.path.join(sweep_dir(args, sweep), name)
        if not is_done(run_dir):
            cmd = command(args, sweep, run_dir, point)
            lines.append(shlex.join(cmd) + " > " + shlex.quote(run_dir + ".log") + " 2>&1")
    return lines


def cmd_list(args, sweep):
    for name, _ in expand(sweep):
        print(f"{'done   ' if is_done(os.path.join(sweep_dir(args, sweep), name)) else 'pending'} {name}")
    return 0


def pending_runs(args, sweep):
    return [(n, p) for n, p in expand(sweep) if not is_done(os.path.join(sweep_dir(args, sweep), n))]


def cmd_run(args, sweep):
    check_runs(args, sweep, pending_runs(args, sweep))
    os.makedirs(sweep_dir(args, sweep), exist_ok=True)
    lines = pending_commands(args, sweep)
    total = len(expand(sweep))
    print(f"sweep {sweep['name']}: {total - len(lines)} of {total} runs done, {len(lines)} to run", flush=True)
    if not lines or args.dry_run:
        for line in lines if args.dry_run else []:
            print(line)
        return 0
    commands_file = os.path.join(sweep_dir(args, sweep), "commands.txt")
    with open(commands_file, "w") as f:
        f.write("\n".join(lines) + "\n")
    if shutil.which("parallel") is None:
        raise SweepError("GNU parallel is not installed (apt-get install parallel; tools/quickstart.sh does)")
    joblog = os.path.join(sweep_dir(args, sweep), "joblog.txt")
    progress = ["--bar"] if sys.stderr.isatty() else []
    result = subprocess.run(["parallel", "--will-cite", "--jobs", str(args.jobs), "--joblog", joblog, *progress,
                             "--arg-file", commands_file, "sh", "-c", "{}"], stdin=subprocess.DEVNULL)
    return 1 if report_failed(args, sweep) or result.returncode != 0 else 0


def report_failed(args, sweep):
    """Names every run that is not done with its log; returns how many."""
    failed = [name for name, _ in expand(sweep) if not is_done(os.path.join(sweep_dir(args, sweep), name))]
    for name in failed:
        print(f"failed: {name} (see {os.path.join(sweep_dir(args, sweep), name)}.log)", file=sys.stderr)
    return len(failed)


def cmd_slurm(args, sweep):
    check_runs(args, sweep, pending_runs(args, sweep))
    os.makedirs(sweep_dir(args, sweep), exist_ok=True)
    lines = pending_commands(args, sweep)
    commands_file = os.path.join(sweep_dir(args, sweep), "commands.txt")
    with open(commands_file, "w") as f:
        f.write("\n".join(lines) + "\n")
    options = []
    for name, value in (("partition", args.partition), ("account", args.account), ("time", args.time)):
        if value is None:
            continue
        # A value becomes one #SBATCH line of the job script: no spaces or line breaks.
        if not re.fullmatch(r"[A-Za-z0-9_.:,+-]+", value):
            raise SweepError(f"--{name} {json.dumps(value)}: allowed are letters, digits and _ . : , + -")
        options.append(f"#SBATCH --{name}={value}")
    script = os.path.join(sweep_dir(args, sweep), "sweep.sbatch")
    with open(script, "w") as f:
        f.write(f"""#!/bin/bash
#SBATCH --job-name=npvp-{sweep['name']}
#SBATCH --array=1-{max(1, len(lines))}
#SBATCH --cpus-per-task=1
#SBATCH --output={sweep_dir(args, sweep)}/slurm-%A_%a.out
{chr(10).join(options)}
# One array task per pending run of {commands_file} (written by tools/sweep.py slurm); each run
# writes its own log next to its folder. Rerunning `sweep.py slurm` resubmits only the runs that
# are not done (failed or cancelled tasks). Afterwards: tools/sweep.py collect {args.sweep} --out {args.out}
set -euo pipefail
line=$(sed -n "${{SLURM_ARRAY_TASK_ID}}p" {shlex.quote(commands_file)})
exec sh -c "$line"
""")
    total = len(expand(sweep))
    print(f"sweep {sweep['name']}: {total - len(lines)} of {total} runs done, {len(lines)} to submit: "
          f"sbatch {script}", flush=True)
    if not (args.submit or args.wait) or not lines:
        return 0
    if shutil.which("sbatch") is None:
        raise SweepError("sbatch is not installed (a Slurm client: apt-get install slurm-client)")
    submit = ["sbatch", "--parsable"] + (["--wait"] if args.wait else []) + [script]
    result = subprocess.run(submit, stdout=subprocess.PIPE, text=True)
    job = result.stdout.strip().split(";")[0]
    if job:
        print(f"sweep {sweep['name']}: job array {job}{' finished' if args.wait else ' submitted'}", flush=True)
    if not args.wait:
        return result.returncode
    return 1 if report_failed(args, sweep) or result.returncode != 0 else 0


def flatten(prefix, value, out):
    if isinstance(value, dict):
        for k, v in value.items():
            flatten(f"{prefix}.{k}" if prefix else k, v, out)
    elif isinstance(value, list):
        out[prefix] = json.dumps(value)
    else:
        out[prefix] = value


def cmd_collect(args, sweep):
    rows, missing = [], []
    for name, point in expand(sweep):
        run_dir = os.path.join(sweep_dir(args, sweep), name)
        if not is_done(run_dir):
            missing.append(name)
            continue
        stats = read_json(os.path.join(run_dir, "stats.json"), "statistics")
        config = read_json(os.path.join(run_dir, "config.json"), "resolved configuration")
        row = {"run": name}
        row.update({f"axis.{k}": v for k, v in point.items()})
        def summary(prefix, node):  # statistics, and groups of them (summary.serving.*)
            for key, entry in node.items():
                if "value" in entry:
                    row[f"{prefix}.{key}"] = entry["value"]
                elif isinstance(entry, dict):
                    summary(f"{prefix}.{key}", entry)

        summary("summary", stats.get("summary", {}))
        for key in ("wall_time_s", "simulated_time_ns"):
            row[f"sim.{key}"] = stats["sim"][key]["value"]
        for key in sweep.get("collect", []):  # further statistics the sweep asks for
            node = stats
            for part in key.split("."):
                node = node.get(part, {}) if isinstance(node, dict) else {}
            if "value" not in node:
                raise SweepError(f"{name}: statistic '{key}' (sweep key 'collect') is not in stats.json")
            row[f"stat.{key}"] = node["value"]
        resolved = {}
        flatten("", {"platform": config.get("platform", {}),
                     "job": config["modules"].get("job", {}),
                     "hbm": {k: v for k, v in config["modules"].get("hbm", {}).items() if k != "memory"}},
                resolved)
        row.update({f"config.{k}": v for k, v in resolved.items()})
        rows.append(row)
    if missing:
        print(f"collect: {len(missing)} runs not done: {', '.join(missing[:5])}{' ...' if len(missing) > 5 else ''}",
              file=sys.stderr)
    path = args.csv or os.path.join(sweep_dir(args, sweep), "results.csv")
    columns = []
    for row in rows:
        columns += [c for c in row if c not in columns]
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    print(f"{len(rows)} rows -> {path}")
    return 1 if missing else 0


BASELINES = ("npu-only", "npu-pim")


def cmd_report(args, sweep):
    """Tables computed from the collected CSV only (nothing else is read)."""
    import math
    import statistics

    path = args.csv or os.path.join(sweep_dir(args, sweep), "results.csv")
    try:
        with open(path, newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
    except OSError as e:
        raise SweepError(f"{path}: {e.strerror} (run `sweep.py collect` first)")
    except (UnicodeDecodeError, csv.Error) as e:
        raise SweepError(f"{path}: not a CSV of UTF-8 text: {e}")
    if not rows or "axis.system" not in rows[0] or "summary.tokens_per_second" not in rows[0]:
        raise SweepError(f"{path}: not a collected sweep CSV (no axis.system / summary.tokens_per_second)")
    keys = [a for a in AXES if a not in ("system", "seed") and f"axis.{a}" in rows[0]]
    systems = list(dict.fromkeys(r["axis.system"] for r in rows))
    tps = {}  # (point, system) -> {seed: tokens/s}
    for line, r in enumerate(rows, start=2):
        point = tuple(r[f"axis.{k}"] for k in keys)
        try:
            value = float(r["summary.tokens_per_second"])
        except (TypeError, ValueError):
            raise SweepError(f"{path}:{line}: summary.tokens_per_second is "
                             f"{json.dumps(r['summary.tokens_per_second'])}, not a number")
        if not math.isfinite(value) or value < 0:
            raise SweepError(f"{path}:{line}: summary.tokens_per_second {value} is not a rate")
        tps.setdefault((point, r["axis.system"]), {})[r.get("axis.seed", "")] = value
    points = list(dict.fromkeys(p for p, _ in tps))
    # Every system over each baseline, without the inverse of a ratio already there.
    pairs = [(a, b) for b in BASELINES if b in systems for a in systems
             if a != b and not (a in BASELINES and BASELINES.index(a) < BASELINES.index(b))]

    def spread(values):
        return {"mean": statistics.fmean(values), "sd": statistics.pstdev(values), "n": len(values)}

    def ratio_by_seed(point, a, b):
        x, y = tps.get((point, a), {}), tps.get((point, b), {})
        return {s: x[s] / y[s] for s in x if s in y and y[s] > 0}

    report = {"tokens_per_second": [], "ratios": [], "geomean_over_batch": []}
    for point in points:
        entry = {"point": dict(zip(keys, point))}
        for system in systems:
            if (point, system) in tps:
                entry[system] = spread(list(tps[(point, system)].values()))
        report["tokens_per_second"].append(entry)
        entry = {"point": dict(zip(keys, point))}
        for a, b in pairs:
            by_seed = ratio_by_seed(point, a, b)
            if by_seed:
                entry[f"{a} / {b}"] = spread(list(by_seed.values()))
        report["ratios"].append(entry)
    if "batch" in keys and len({p[keys.index("batch")] for p in points}) > 1:
        groups = list(dict.fromkeys(tuple(v for k, v in zip(keys, p) if k != "batch") for p in points))
        for group in groups:
            entry = {"point": {k: v for k, v in zip([k for k in keys if k != "batch"], group)}}
            members = [p for p in points if tuple(v for k, v in zip(keys, p) if k != "batch") == group]
            for a, b in pairs:
                per_seed = {}
                for p in members:
                    for seed, value in ratio_by_seed(p, a, b).items():
                        per_seed.setdefault(seed, []).append(value)
                # Over the batch sizes that ran (a point that did not fit has no row).
                if per_seed:
                    entry[f"{a} / {b}"] = spread([math.exp(statistics.fmean(math.log(x) for x in v))
                                                  for v in per_seed.values()])
            report["geomean_over_batch"].append(entry)

    def cell(s, digits):
        return f"{s['mean']:.{digits}f}" + (f" ({s['sd']:.{digits}f})" if s["n"] > 1 else "")

    def table(title, entries, columns, digits):
        print(f"### {title}\n")
        names = list(entries[0]["point"]) if entries else []
        print("| " + " | ".join(names + columns) + " |")
        print("|" + "---|" * (len(names) + len(columns)))
        for e in entries:
            print("| " + " | ".join([str(v) for v in e["point"].values()] +
                                    [cell(e[c], digits) if c in e else "-" for c in columns]) + " |")
        print()

    print(f"## {sweep['name']}: {len(rows)} runs from {path}\n")
    print("Mean over seeds, population sd in parentheses where there are several.\n")
    table("Tokens per second", report["tokens_per_second"], systems, 0)
    ratio_names = [f"{a} / {b}" for a, b in pairs]
    if ratio_names:
        table("Ratios per point", report["ratios"], ratio_names, 2)
    if report["geomean_over_batch"] and ratio_names:
        table("Geometric mean over the batch sizes (per seed, then over seeds)", report["geomean_over_batch"],
              ratio_names, 2)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(report, f, indent=1)
    return 0


def main():
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # `sweep.py list ... | head` ends quietly
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    parser.add_argument("action", choices=["list", "run", "slurm", "collect", "report"])
    parser.add_argument("sweep", help="sweep file (JSON)")
    parser.add_argument("--out", default="results", help="results folder (default: results)")
    parser.add_argument("--vp", default=os.path.join(ROOT, "build", "platform", "neupims-vp"),
                        help="the neupims-vp binary (default: build/platform/neupims-vp)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="runs at once (default: cores)")
    parser.add_argument("--dry-run", action="store_true", help="print the commands instead of running them")
    parser.add_argument("--submit", action="store_true", help="slurm: submit the job array with sbatch")
    parser.add_argument("--wait", action="store_true",
                        help="slurm: submit and wait for the array to finish (sbatch --wait), then name every "
                             "run that failed with its log")
    parser.add_argument("--partition", help="slurm: the partition (#SBATCH --partition)")
    parser.add_argument("--account", help="slurm: the account to charge (#SBATCH --account)")
    parser.add_argument("--time", help="slurm: each task's time limit, e.g. 30:00 (#SBATCH --time)")
    parser.add_argument("--csv", help="collect, report: the CSV file (default: <out>/<name>/results.csv)")
    parser.add_argument("--json", help="report: also write the tables' numbers as JSON to this file")
    args = parser.parse_args()
    try:
        sweep = load_sweep(args.sweep)
        if args.action in ("run", "slurm") and not os.access(args.vp, os.X_OK):
            raise SweepError(f"--vp {args.vp}: not an executable (build first: bash tools/quickstart.sh test)")
        args.vp = os.path.abspath(args.vp)
        args.out = os.path.abspath(args.out)
        return {"list": cmd_list, "run": cmd_run, "slurm": cmd_slurm, "collect": cmd_collect,
                "report": cmd_report}[args.action](args, sweep)
    except SweepError as e:
        print(f"sweep.py: error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
