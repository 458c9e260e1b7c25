#!/usr/bin/env python3
"""Runs a tiny-model decode with every trace sink on and checks each output by meaning.

usage: check_traces.py NEUPIMS_VP OUT_DIR

- timeline.json: valid JSON; every event's thread has a name; firmware markers nest and come in
  time order; every flow end has an earlier flow start with its id; the per-command events
  (trace.commands) and the channels' MEM/PIM activity spans each account for every command.
- waves.vcd: parses; the busy time of each systolic array equals npu.sa.aN.busy_cycles, the
  vector units together equal npu.vu.busy_cycles; waves.gtkw names only signals of the VCD.
- commands.db: the command table's counts per kind equal the stats' hbm.commands.*; every
  command's transaction exists; the checker passes, and fails on a copy with one command moved
  earlier.
- a windowed run keeps only events inside the window in all three outputs.
- tools/plot.py utilization, layers and systems each write a PNG for the run.
"""
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys

VP, OUT = sys.argv[1], sys.argv[2]
failures = []


def check(condition, message):
    if not condition:
        failures.append(message)
        print("FAIL:", message)


def run(out, *extra):
    shutil.rmtree(out, ignore_errors=True)
    cmd = [VP, "run", "--system", "neupims", "--model", "gpt-tiny", "--batch", "8", "--trace", "--out", out, *extra]
    result = subprocess.run(cmd, capture_output=True, text=True)
    if result.returncode != 0:
        print(result.stdout, result.stderr)
        sys.exit(f"run failed: {' '.join(cmd)}")
    return out


def stats_of(out):
    flat = {}

    def walk(prefix, node):
        if isinstance(node, dict) and "value" in node and not isinstance(node["value"], dict):
            flat[prefix] = node["value"]
            return
        for key, child in node.items():
            walk(f"{prefix}.{key}" if prefix else key, child)

    walk("", json.load(open(os.path.join(out, "stats.json"))))
    return flat


def parse_vcd(path):
    """Returns ({id: (scope, name, kind)}, {id: [(time, value)]}, end_time)."""
    signals, changes, scope, time = {}, {}, [], 0
    with open(path) as f:
        in_header = True
        for line in f:
            line = line.strip()
            if not line:
                continue
            if in_header:
                if line.startswith("$scope"):
                    scope.append(line.split()[2])
                elif line.startswith("$upscope"):
                    scope.pop()
                elif line.startswith("$var"):
                    parts = line.split()
                    signals[parts[3]] = (".".join(scope), parts[4], parts[1])
                    changes[parts[3]] = []
                elif line.startswith("$enddefinitions"):
                    in_header = False
                continue
            if line.startswith("#"):
                new_time = int(line[1:])
                assert new_time >= time, f"VCD time goes back: {new_time} after {time}"
                time = new_time
            elif line.startswith("$"):
                continue
            elif line[0] in "01xz":
                changes[line[1:]].append((time, int(line[0]) if line[0] in "01" else 0))
            elif line[0] in "br":
                value, ident = line[1:].split()
                changes[ident].append((time, int(value, 2) if line[0] == "b" else float(value)))
            else:
                raise AssertionError(f"VCD: cannot parse '{line}'")
    return signals, changes, time


def high_time(points, end):
    total, since = 0, None
    for t, v in points:
        if v and since is None:
            since = t
        elif not v and since is not None:
            total += t - since
            since = None
    return total + (end - since if since is not None else 0)


# --- full run -----------------------------------------------------------------------------
out = run(os.path.join(OUT, "full"), "--set", "trace.commands=true")
stats = stats_of(out)
config = json.load(open(os.path.join(out, "config.json")))
npu_period_ps = round(1e6 / config["modules"]["npu"]["clock_mhz"])

# Timeline
timeline = json.load(open(os.path.join(out, "timeline.json")))
events = timeline["traceEvents"]
names = {e["tid"]: e["args"]["name"] for e in events if e["ph"] == "M"}
check(all(e["tid"] in names for e in events), "timeline: an event on a thread without a name")
for track in ["firmware", "npu.q0", "npu.q1", "npu.sa0", "npu.vu0", "npu.dma", "npu.q0.depth", "npu.irq", "hbm.ch00.mem",
              "hbm.ch00.pim", "hbm.ch00.mem.commands", "hbm.ch00.pim.commands", "hbm.ch00.outstanding",
              "hbm.ch00.pim_use"]:
    check(track in names.values(), f"timeline: no track {track}")
firmware_tid = [tid for tid, name in names.items() if name == "firmware"][0]
markers = [e for e in events if e["tid"] == firmware_tid and e["ph"] in "BE"]
depth, last_ts = 0, -1
for e in markers:
    check(e["ts"] >= last_ts, "timeline: firmware markers out of time order")
    last_ts = e["ts"]
    depth += 1 if e["ph"] == "B" else -1
    check(depth >= 0, "timeline: a firmware marker ends that never began")
check(depth == 0 and len(markers) >= 4, f"timeline: firmware markers unbalanced or missing ({len(markers)})")
starts = {e["id"]: e["ts"] for e in events if e["ph"] == "s"}
flow_ends = [e for e in events if e["ph"] == "f"]
check(len(flow_ends) > 0, "timeline: no semaphore flow arrows (the neupims run has SIGNAL/WAIT pairs)")
for e in flow_ends:
    check(e["id"] in starts and starts[e["id"]] <= e["ts"], f"timeline: flow {e['id']} ends before it starts")
total_commands = sum(v for k, v in stats.items() if re.fullmatch(r"hbm\.commands\.\w+", k))
command_events = sum(1 for e in events if e["ph"] == "X" and names[e["tid"]].endswith(".commands"))
check(command_events == total_commands, f"timeline: {command_events} command events, stats count {total_commands}")
activity = sum(e["args"]["commands"] for e in events
               if e["ph"] == "X" and re.fullmatch(r"hbm\.ch\d+\.(mem|pim)", names[e["tid"]]))
check(activity == total_commands, f"timeline: MEM/PIM activity spans hold {activity} commands, stats count {total_commands}")

# Waveform
signals, changes, end = parse_vcd(os.path.join(out, "waves.vcd"))
by_name = {f"{scope}.{name}": ident for ident, (scope, name, _) in signals.items()}
for a in range(config["modules"]["npu"]["systolic"]["arrays"]):
    busy = high_time(changes[by_name[f"npu.sa{a}_busy"]], end)
    expected = stats[f"npu.sa.a{a}.busy_cycles"] * npu_period_ps
    check(busy == expected, f"vcd: npu.sa{a}_busy is high {busy} ps, stats say {expected} ps")
vu_busy = sum(high_time(changes[i], end) for n, i in by_name.items() if re.fullmatch(r"npu\.vu\d+_busy", n))
check(vu_busy == stats["npu.vu.busy_cycles"] * npu_period_ps,
      f"vcd: vector units busy {vu_busy} ps, stats say {stats['npu.vu.busy_cycles'] * npu_period_ps} ps")
check(any(v for _, v in changes[by_name["hbm.ch00_pim_use"]]), "vcd: channel 0 never in PIM use")
gtkw = open(os.path.join(out, "waves.gtkw")).read()
listed = [line for line in gtkw.splitlines() if line and line[0] not in "@-[*"]
check(len(listed) == len(signals), f"gtkw: {len(listed)} signals listed, the VCD has {len(signals)}")
for line in listed:
    check(re.sub(r"\[31:0\]$", "", line) in by_name, f"gtkw: {line} is not a VCD signal")

# Command database
db_path = os.path.join(out, "commands.db")
db = sqlite3.connect(db_path)
for kind, count in db.execute("SELECT kind, COUNT(*) FROM commands GROUP BY kind"):
    check(stats[f"hbm.commands.{kind}"] == count, f"db: {count} {kind} commands, stats say {stats[f'hbm.commands.{kind}']}")
check(db.execute("SELECT COUNT(*) FROM commands").fetchone()[0] == total_commands, "db: total command count")
orphans = db.execute("SELECT COUNT(*) FROM commands WHERE txn != 0 AND txn NOT IN (SELECT id FROM transactions)").fetchone()[0]
check(orphans == 0, f"db: {orphans} commands serve a transaction that is not in the table")
check(db.execute("SELECT COUNT(*) FROM transactions WHERE end_ps < begin_ps").fetchone()[0] == 0,
      "db: a transaction ends before it begins")
check(db.execute("SELECT value FROM stats WHERE name = 'summary.tokens'").fetchone()[0] == stats["summary.tokens"],
      "db: stats table")
check(json.loads(db.execute("SELECT json FROM config").fetchone()[0])["modules"]["npu"]["type"] == "npu.core",
      "db: config table")
db.close()
checked = subprocess.run([VP, "check-commands", db_path], capture_output=True, text=True)
check(checked.returncode == 0 and " 0 violations" in checked.stdout, f"checker on the run: {checked.stdout}")
bad_path = os.path.join(out, "moved.db")
shutil.copy(db_path, bad_path)
bad = sqlite3.connect(bad_path)
# One RD moved onto the cycle of the command before it on its channel: the C/A bus carries one
# command per cycle, whatever else the table says.
bad.execute("UPDATE commands SET cycle = (SELECT MAX(a.cycle) FROM commands a WHERE a.unit = commands.unit "
            "AND a.channel = commands.channel AND a.cycle < commands.cycle) "
            "WHERE id = (SELECT id FROM commands WHERE kind = 'RD' ORDER BY id LIMIT 1 OFFSET 100)")
bad.commit()
bad.close()
checked = subprocess.run([VP, "check-commands", bad_path], capture_output=True, text=True)
check(checked.returncode == 1 and "violation:" in checked.stdout, f"checker on a moved RD: {checked.stdout}")

# Plots (tools/plot.py, Debian's matplotlib through its #! line): each command of docs/tracing.md
# writes a PNG.
plot = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "tools", "plot.py")
for args in (["utilization", out], ["layers", out], ["systems", out, out]):
    png = os.path.join(out, f"plot-{args[0]}.png")
    done = subprocess.run([plot, *args, "-o", png], capture_output=True, text=True)
    check(done.returncode == 0, f"plot.py {args[0]}: {done.stderr.strip()}")
    check(os.path.exists(png) and open(png, "rb").read(8) == b"\x89PNG\r\n\x1a\n" and os.path.getsize(png) > 10000,
          f"plot.py {args[0]}: no PNG written")

# --- windowed run -------------------------------------------------------------------------
first_command = min(e["ts"] for e in events if e["ph"] == "X" and names[e["tid"]].startswith("hbm.ch"))
start_ns = int(first_command * 1000) + 2000
stop_ns = start_ns + 5000
out = run(os.path.join(OUT, "window"), "--set", f"trace.start_ns={start_ns}", "--set", f"trace.stop_ns={stop_ns}")
events = json.load(open(os.path.join(out, "timeline.json")))["traceEvents"]
inside = [e for e in events if e["ph"] not in "ME"]
check(len(inside) > 0, "window: the timeline is empty")
check(all(start_ns <= e["ts"] * 1000 < stop_ns for e in inside), "window: a timeline event outside the window")
db = sqlite3.connect(os.path.join(out, "commands.db"))
lo, hi, n = db.execute("SELECT MIN(time_ps), MAX(time_ps), COUNT(*) FROM commands").fetchone()
check(n > 0 and lo >= start_ns * 1000 and hi < stop_ns * 1000, f"window: commands from {lo} to {hi} ps")
db.close()
_, _, end = parse_vcd(os.path.join(out, "waves.vcd"))
check(start_ns * 1000 <= end < stop_ns * 1000, f"window: the VCD ends at {end} ps")
checked = subprocess.run([VP, "check-commands", os.path.join(out, "commands.db")], capture_output=True, text=True)
check(checked.returncode == 0 and "not checked" in checked.stdout, f"checker on a window: {checked.stdout}")

if failures:
    sys.exit(f"{len(failures)} check(s) failed")
print("traces ok")
