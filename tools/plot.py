#!/usr/bin/python3
"""Plots of neupims-vp runs (PNG, matplotlib).

  plot.py utilization RUN [-o FILE] [--bins N]
      busy fraction over time of the systolic arrays, vector units, DMA engine, the channels' PIM
      units and the HBM data bus, from RUN/timeline.json (run with --trace or trace.perfetto)
  plot.py layers RUN [-o FILE]
      where a decoder layer's time goes: per NPU queue, the time of each stage (QKV, attention,
      projection, FFN GEMMs, vector ops, waits) per simulated layer, from RUN/timeline.json
  plot.py systems RUN [RUN ...] [-o FILE]
      tokens/s, NPU and PIM utilization of several runs side by side, from RUN/stats.json
  plot.py sweep CSV [--metric COLUMN] [-o FILE]
      a metric (default summary.tokens_per_second; e.g. sim.wall_time_s) against batch size, one
      panel per model and dataset, one line per system, from a sweep's CSV (tools/sweep.py
      collect); the mean over seeds
  plot.py latency CSV [-o FILE]
      serving: p50 and p99 time to first token and time per output token against the offered
      load (rate, or a trace's rate scale), one line per system, from a serving sweep's CSV
  plot.py variants CSV [CSV ...] [--metric COLUMN] [-o FILE]
      a metric per sweep variant (e.g. tensor x pipeline splits) as grouped bars, one group per
      variant, one bar per system, one panel per model, from sweep CSVs with a variant axis

RUN is a run's --out folder. Output: FILE, default RUN/<command>.png (systems: systems.png in the
current folder). Examples in docs/tracing.md.
"""
import argparse
import json
import os
import re
import sys

try:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
except ImportError as missing:
    sys.exit(f"plot.py: error: {missing.name} is not available to {sys.executable}; install the Debian package "
             "python3-matplotlib (tools/quickstart.sh does) and run tools/plot.py directly (it uses /usr/bin/python3)")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def fail(message):
    sys.exit(f"plot.py: error: {message}")


def load_json(path):
    try:
        with open(path) as f:
            return json.load(f)
    except OSError as e:
        fail(f"cannot read {path}: {e.strerror}")
    except json.JSONDecodeError as e:
        fail(f"{path}: not valid JSON ({e})")


def load_timeline(run):
    path = os.path.join(run, "timeline.json")
    if not os.path.exists(path):
        fail(f"{path} does not exist; rerun with --trace (or --set trace.perfetto=timeline.json)")
    events = load_json(path)["traceEvents"]
    names = {e["tid"]: e["args"]["name"] for e in events if e["ph"] == "M"}
    return events, names


def config_file(run, relative):
    """A file named in the run's config (relative to configs/platforms, as the platform resolves it)."""
    for base in (os.path.join(ROOT, "configs", "platforms"), os.getcwd()):
        path = os.path.normpath(os.path.join(base, relative))
        if os.path.exists(path):
            return path
    fail(f"{relative} (named in {run}/config.json) not found")


def load_commented_json(path):
    text = re.sub(r"^\s*//.*$", "", open(path).read(), flags=re.M)
    return json.loads(text)


def spans_by_track(events, names):
    """{track: [(start_us, end_us, name, args)]} from B/E and X events."""
    spans, open_spans = {}, {}
    for e in events:
        track = names.get(e.get("tid"))
        if e["ph"] == "X":
            spans.setdefault(track, []).append((e["ts"], e["ts"] + e["dur"], e["name"], e.get("args", {})))
        elif e["ph"] == "B":
            open_spans.setdefault(track, []).append(e)
        elif e["ph"] == "E" and open_spans.get(track):
            b = open_spans[track].pop()
            spans.setdefault(track, []).append((b["ts"], e["ts"], b["name"], b.get("args", {})))
    return spans


def counters_by_track(events, names):
    counters = {}
    for e in events:
        if e["ph"] == "C":
            counters.setdefault(names[e["tid"]], []).append((e["ts"], next(iter(e["args"].values()))))
    for points in counters.values():
        points.sort()
    return counters


def add_busy(bins, edges, start, end):
    """Adds the overlap of [start, end) with each bin (in the bins' time unit)."""
    if end <= start:
        return
    first = max(np.searchsorted(edges, start, side="right") - 1, 0)
    last = min(np.searchsorted(edges, end, side="left"), len(bins))
    for i in range(first, last):
        bins[i] += max(0.0, min(end, edges[i + 1]) - max(start, edges[i]))


def utilization(args):
    events, names = load_timeline(args.run)
    spans = spans_by_track(events, names)
    counters = counters_by_track(events, names)
    times = [e["ts"] for e in events if "ts" in e]
    t0, t1 = min(times), max(times)
    iterations = [(s, e) for s, e, _, a in spans.get("firmware", []) if a.get("id") == 1]
    if iterations and args.start is None and args.stop is None:  # default: the decode iterations
        t0, t1 = min(s for s, _ in iterations), max(e for _, e in iterations)
    t0 = args.start if args.start is not None else t0
    t1 = args.stop if args.stop is not None else t1
    if t1 <= t0:
        fail(f"the time range [{t0}, {t1}) us is empty")
    edges = np.linspace(t0, t1, args.bins + 1)
    width = edges[1] - edges[0]

    def mean_busy(tracks):
        total = np.zeros(args.bins)
        for track in tracks:
            for start, end, _, _ in spans.get(track, []):
                add_busy(total, edges, start, end)
        return total / (width * max(len(tracks), 1))

    def counter_busy(tracks, count=None):
        total = np.zeros(args.bins)
        for track in tracks:
            points = counters[track] + [(t1, 0)]
            for (t, v), (t_next, _) in zip(points, points[1:]):
                if v > 0:
                    add_busy(total, edges, t, t_next)
        return total / (width * max(count or len(tracks), 1))

    series = {}
    arrays = sorted(t for t in spans if re.fullmatch(r"\w+\.sa\d+", t or ""))
    units = sorted(t for t in spans if re.fullmatch(r"\w+\.vu\d+", t or ""))
    dma = [t for t in counters if re.fullmatch(r"\w+\.dma", t)]
    pim = sorted(t for t in counters if t.endswith(".pim_use"))
    channels = len({m.group(0) for t in names.values() if (m := re.match(r"\w+\.ch\d+", t or ""))})
    if arrays:
        series[f"systolic arrays ({len(arrays)})"] = mean_busy(arrays)
    if units:
        series[f"vector units ({len(units)})"] = mean_busy(units)
    if dma:
        series["DMA (transfers in flight)"] = counter_busy(dma)
    if pim:
        series[f"PIM in use ({len(pim)} of {channels} channels)"] = counter_busy(pim, channels)
    mem_tracks = [t for t in spans if re.fullmatch(r"\w+\.ch\d+\.mem", t or "")]
    if mem_tracks:
        config = load_json(os.path.join(args.run, "config.json"))
        memory = next(m for m in config["modules"].values() if m.get("type") == "mem.hbm_pim")
        params = load_commented_json(config_file(args.run, memory["memory"]))
        tck_us = params["timing_ck"]["tCK_ps"] / 1e6
        burst_us = params["organization"]["burst_length"] / 2 * tck_us
        # MEM activity spans carry their RD+WR count: spread their data-bus time over the span.
        total = np.zeros(args.bins)
        for t in mem_tracks:
            for start, end, _, a in spans[t]:
                if end > start and a.get("bursts"):
                    share = np.zeros(args.bins)
                    add_busy(share, edges, start, end)
                    total += share / (end - start) * a["bursts"] * burst_us
        series[f"HBM data bus ({len(mem_tracks)} channels)"] = total / (width * channels)
    if not series:
        fail(f"{args.run}/timeline.json has no unit tracks to plot")
    fig, ax = plt.subplots(figsize=(11, 4.5))
    centers = (edges[:-1] + edges[1:]) / 2
    for label, values in series.items():
        ax.plot(centers, np.clip(values, 0, 1) * 100, label=label, linewidth=1.2)
    ax.set_xlabel("simulated time (us)")
    ax.set_ylabel("busy (%)")
    ax.set_ylim(0, 105)
    ax.set_title(f"Utilization over time: {os.path.basename(os.path.normpath(args.run))}")
    ax.legend(loc="upper right", fontsize=8)
    ax.grid(alpha=0.3)
    return fig


def layers(args):
    events, names = load_timeline(args.run)
    spans = spans_by_track(events, names)
    config = load_json(os.path.join(args.run, "config.json"))
    job = next(m for m in config["modules"].values() if m.get("type") == "periph.job")
    model = load_json(config_file(args.run, job["model"]))
    stats = load_json(os.path.join(args.run, "stats.json"))
    simulated_layers = stats["summary"]["simulated_layers"]["value"]
    d, tp = model["d_model"], model["tp"]
    # FFN1 (d -> 4d/tp) and FFN2 (4d/tp -> d) have the same shape when tp = 4: one stage.
    shapes = {(d, 3 * d // tp): "QKV GEMM", (d // tp, d): "projection GEMM", (d, 4 * d // tp): "FFN GEMMs",
              (4 * d // tp, d): "FFN GEMMs"}

    def stage(name, a):
        if name == "GEMM":
            return shapes.get((a.get("k"), a.get("n")), "other GEMM")
        if name == "ATTENTION":
            return "attention (PIM)" if a.get("mode") == 1 else "attention (NPU)"
        if name == "VECTOR":
            return "vector ops"
        if name in ("WAIT", "SIGNAL"):
            return "waiting on the other queue"
        return "other"

    # Only the decoder layers: the span of firmware marker 2 of every iteration.
    windows = [(s, e) for s, e, _, a in spans.get("firmware", []) if a.get("id") == 2]
    if not windows:
        fail(f"{args.run}/timeline.json has no layer markers (firmware marker id 2): is it a decode run?")
    queues = sorted(t for t in spans if re.fullmatch(r"\w+\.q\d+", t or ""))
    order = ["QKV GEMM", "attention (PIM)", "attention (NPU)", "projection GEMM", "FFN GEMMs",
             "vector ops", "other GEMM", "waiting on the other queue", "other"]
    per_queue = {}
    for q in queues:
        totals = {}
        for start, end, name, a in spans[q]:
            for w0, w1 in windows:
                overlap = min(end, w1) - max(start, w0)
                if overlap > 0:
                    totals[stage(name, a)] = totals.get(stage(name, a), 0) + overlap
        per_queue[q] = {k: v / (len(windows) * simulated_layers) for k, v in totals.items()}
    layer_time = sum(w1 - w0 for w0, w1 in windows) / (len(windows) * simulated_layers)
    fig, ax = plt.subplots(figsize=(10, 1.2 + 0.9 * len(queues)))
    colors = plt.get_cmap("tab10")
    for i, q in enumerate(queues):
        left = 0.0
        for k, label in enumerate(order):
            value = per_queue[q].get(label, 0.0)
            if value <= 0:
                continue
            ax.barh(i, value, left=left, color=colors(k), label=label if label not in ax.get_legend_handles_labels()[1] else None)
            left += value
    ax.axvline(layer_time, color="black", linestyle="--", linewidth=1, label=f"layer time {layer_time:.2f} us")
    ax.set_yticks(range(len(queues)), queues)
    ax.set_xlabel("time per decoder layer (us)")
    ax.set_title(f"Per-layer time by stage and NPU queue: {os.path.basename(os.path.normpath(args.run))}")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    fig.tight_layout()
    return fig


def systems(args):
    labels, tokens, npu, pim = [], [], [], []
    for run in args.run:
        summary = load_json(os.path.join(run, "stats.json")).get("summary")
        if not summary:
            fail(f"{run}/stats.json has no decode summary: is it a decode run?")
        labels.append(os.path.basename(os.path.normpath(run)))
        tokens.append(summary["tokens_per_second"]["value"])
        npu.append(summary["npu_utilization"]["value"] * 100)
        pim.append(summary["pim_utilization"]["value"] * 100)
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(12, 4.5))
    x = np.arange(len(labels))
    bars = a1.bar(x, tokens, color="tab:blue")
    a1.bar_label(bars, labels=[f"{t:.0f}" for t in tokens], fontsize=8)
    a1.set_xticks(x, labels, rotation=20, ha="right")
    a1.set_ylabel("generated tokens / s")
    a1.set_title("Throughput")
    a2.bar(x - 0.2, npu, 0.4, label="NPU (MACs / peak)")
    a2.bar(x + 0.2, pim, 0.4, label="PIM (channel time)")
    a2.set_xticks(x, labels, rotation=20, ha="right")
    a2.set_ylabel("utilization (%)")
    a2.set_title("Utilization")
    a2.legend(fontsize=8)
    fig.tight_layout()
    return fig


def sweep(args):
    import csv

    try:
        rows = list(csv.DictReader(open(args.run[0])))
    except OSError as e:
        fail(f"cannot read {args.run[0]}: {e.strerror}")
    needed = {"axis.model", "axis.dataset", "axis.batch", "axis.system", args.metric}
    if not rows or not needed <= set(rows[0]):
        fail(f"{args.run[0]}: not a sweep CSV with columns {', '.join(sorted(needed))}")
    models = list(dict.fromkeys(r["axis.model"] for r in rows))
    datasets = list(dict.fromkeys(r["axis.dataset"] for r in rows))
    systems = list(dict.fromkeys(r["axis.system"] for r in rows))
    fig, axes = plt.subplots(len(datasets), len(models), figsize=(3.2 * len(models), 2.8 * len(datasets)),
                             squeeze=False, sharex=True)
    for i, dataset in enumerate(datasets):
        for j, model in enumerate(models):
            ax = axes[i][j]
            for system in systems:
                points = {}
                for r in rows:
                    if (r["axis.model"], r["axis.dataset"], r["axis.system"]) == (model, dataset, system):
                        points.setdefault(int(r["axis.batch"]), []).append(float(r[args.metric]))
                if points:
                    batches = sorted(points)
                    ax.plot(batches, [np.mean(points[b]) for b in batches], marker="o", markersize=3, label=system)
            ax.set_title(f"{model}, {dataset}", fontsize=9)
            ax.grid(alpha=0.3)
            if j == 0:
                ax.set_ylabel("tokens / s" if args.metric == "summary.tokens_per_second" else args.metric)
            if i == len(datasets) - 1:
                ax.set_xlabel("batch")
    axes[0][0].legend(fontsize=7)
    fig.tight_layout()
    return fig


def variants(args):
    import csv

    rows = []
    for path in args.run:
        try:
            rows += list(csv.DictReader(open(path)))
        except OSError as e:
            fail(f"cannot read {path}: {e.strerror}")
    needed = {"axis.model", "axis.variant", "axis.system", args.metric}
    if not rows or not needed <= set(rows[0]):
        fail(f"{args.run[0]}: not a sweep CSV with columns {', '.join(sorted(needed))}")
    # One panel per model, and per batch when the CSV has several (a variant sweep over batches).
    panels = list(dict.fromkeys((r["axis.model"], r.get("axis.batch", "")) for r in rows))
    several = len({batch for _, batch in panels}) > 1
    systems = list(dict.fromkeys(r["axis.system"] for r in rows))
    fig, axes = plt.subplots(1, len(panels), figsize=(4.2 * len(panels), 3.0), squeeze=False)
    width = 0.8 / len(systems)
    for j, (model, batch) in enumerate(panels):
        ax = axes[0][j]
        mine = [r for r in rows if (r["axis.model"], r.get("axis.batch", "")) == (model, batch)]
        names = list(dict.fromkeys(r["axis.variant"] for r in mine))
        for k, system in enumerate(systems):
            values = []
            for name in names:
                picked = [float(r[args.metric]) for r in mine
                          if (r["axis.variant"], r["axis.system"]) == (name, system)]
                values.append(np.mean(picked) if picked else 0.0)
            ax.bar(np.arange(len(names)) + (k - (len(systems) - 1) / 2) * width, values, width, label=system)
        ax.set_xticks(np.arange(len(names)), names, fontsize=8)
        ax.set_title(f"{model}, batch {batch}" if several else model, fontsize=9)
        ax.grid(alpha=0.3, axis="y")
        if j == 0:
            ax.set_ylabel("tokens / s" if args.metric == "summary.tokens_per_second" else args.metric)
    axes[0][0].legend(fontsize=7)
    fig.tight_layout()
    return fig


def latency(args):
    """Serving: p50 and p99 TTFT and TPOT against the offered load, one line per system."""
    import csv

    try:
        rows = list(csv.DictReader(open(args.run[0])))
    except OSError as e:
        fail(f"cannot read {args.run[0]}: {e.strerror}")
    load = ("config.job.workload.rate" if rows and rows[0].get("config.job.workload.arrivals") != "trace"
            else "config.job.workload.rate_scale")
    needed = {"axis.system", load, "summary.serving.ttft_p50_ms", "summary.serving.tpot_p99_ms"}
    if not rows or not needed <= set(rows[0]):
        fail(f"{args.run[0]}: not a serving sweep CSV with columns {', '.join(sorted(needed))}")
    systems = list(dict.fromkeys(r["axis.system"] for r in rows))
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.2), squeeze=False)
    for ax, metric, label in ((axes[0][0], "ttft", "time to first token (ms)"),
                              (axes[0][1], "tpot", "time per output token (ms)")):
        for k, system in enumerate(systems):
            mine = sorted((float(r[load]), r) for r in rows if r["axis.system"] == system)
            x = [v for v, _ in mine]
            color = f"C{k}"
            ax.plot(x, [float(r[f"summary.serving.{metric}_p50_ms"]) for _, r in mine], marker="o",
                    markersize=3, color=color, label=f"{system} p50")
            ax.plot(x, [float(r[f"summary.serving.{metric}_p99_ms"]) for _, r in mine], marker="s",
                    markersize=3, color=color, linestyle="--", label=f"{system} p99")
        ax.set_xlabel("requests / s" if load.endswith(".rate") else "trace rate scale")
        ax.set_ylabel(label)
        ax.set_yscale("log")
        ax.grid(alpha=0.3)
    axes[0][0].legend(fontsize=7)
    fig.tight_layout()
    return fig


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("utilization", help="busy fraction of each unit over time")
    p.add_argument("run")
    p.add_argument("--bins", type=int, default=200)
    p.add_argument("--start", type=float, help="from this time (us; default: the first decode iteration)")
    p.add_argument("--stop", type=float, help="to this time (us; default: the end of the last iteration)")
    p = sub.add_parser("layers", help="per-layer time by stage and queue")
    p.add_argument("run")
    p = sub.add_parser("systems", help="throughput and utilization of several runs")
    p.add_argument("run", nargs="+")
    p = sub.add_parser("sweep", help="tokens/s against batch per model, dataset and system from a sweep CSV")
    p.add_argument("run", nargs=1, metavar="CSV")
    p.add_argument("--metric", default="summary.tokens_per_second", help="the CSV column to plot")
    p = sub.add_parser("variants", help="a metric per sweep variant and system as grouped bars")
    p.add_argument("run", nargs="+", metavar="CSV")
    p.add_argument("--metric", default="summary.tokens_per_second", help="the CSV column to plot")
    p = sub.add_parser("latency", help="serving: p50/p99 TTFT and TPOT against the load per system")
    p.add_argument("run", nargs=1, metavar="CSV")
    for p in sub.choices.values():
        p.add_argument("-o", "--output", help="PNG file to write")
    args = parser.parse_args()
    if getattr(args, "bins", 1) < 1:
        fail("--bins must be at least 1")
    runs = args.run if isinstance(args.run, list) else [args.run]
    if args.command not in ("sweep", "variants", "latency"):
        for run in runs:
            if not os.path.isdir(run):
                fail(f"{run}: not a run folder (the --out of a neupims-vp run)")
    fig = {"utilization": utilization, "layers": layers, "systems": systems, "sweep": sweep,
           "variants": variants, "latency": latency}[args.command](args)
    output = args.output or (f"{args.command}.png" if args.command in ("systems", "sweep", "variants", "latency")
                             else os.path.join(args.run, f"{args.command}.png"))
    fig.savefig(output, dpi=110)
    print(f"wrote {output}")


if __name__ == "__main__":
    main()
