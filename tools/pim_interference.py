#!/usr/bin/env python3
"""How much memory bandwidth MEM traffic (a GEMM's weight stream) gets in a channel while PIM
attention runs, from a run's command database (trace.sqlite).

Per channel, PIM windows are the runs of PIM commands (GWRITE, G_ACT, COMP, READRES,
COMPS_READRES, PIM_PRE; with the HBM-PIM engine MODE_SWITCH, REG_WR, MAC, GRF_RD) whose neighbours are at most GAP cycles apart (default 128: more than a
GWRITE's occupancy and a COMPS_READRES of 32 COMPs). MEM demand is the time some MEM transaction
with bursts in the channel is outstanding (from its arrival at the memory to its answer, from
the transactions table). The rate of RD+WR bursts while MEM demand meets a PIM window ("beside
PIM") and while it does not ("alone"), summed over the channels, is printed in bursts per
microsecond per channel, with the peak (one burst per burst time, BL/2 cycles) and the share
(beside / alone): how much of its bandwidth MEM traffic keeps while PIM runs.

  pim_interference.py DB [--gap CYCLES] [--json]

Exit status: 0, or 2 for a file that is not a command database."""
import argparse
import json
import sqlite3
import sys

PIM = {"GWRITE", "G_ACT", "COMP", "READRES", "COMPS_READRES", "PIM_PRE",
       "MODE_SWITCH", "REG_WR", "MAC", "GRF_RD"}
MEM_DATA = {"RD", "WR"}


def windows(cycles, gap):
    """Maximal runs of sorted cycles whose neighbours are at most `gap` apart: [(first, last)]."""
    runs = []
    for c in cycles:
        if runs and c - runs[-1][1] <= gap:
            runs[-1][1] = c
        else:
            runs.append([c, c])
    return runs


def union(intervals):
    """Sorted, merged [first, last) intervals."""
    out = []
    for first, last in sorted(intervals):
        if out and first <= out[-1][1]:
            out[-1][1] = max(out[-1][1], last)
        else:
            out.append([first, last])
    return out


def intersect(a, b):
    """[first, last) intervals in both sorted lists; `a` holds closed [first, last] runs."""
    out, i, j = [], 0, 0
    while i < len(a) and j < len(b):
        first, last = max(a[i][0], b[j][0]), min(a[i][1] + 1, b[j][1])
        if first < last:
            out.append([first, last])
        if a[i][1] + 1 < b[j][1]:
            i += 1
        else:
            j += 1
    return out


def measure(path, gap):
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        units = db.execute("SELECT unit, tck_ps, params FROM memories").fetchall()
    except sqlite3.Error as e:
        raise ValueError(f"'{path}': not a command database ({e})")
    if not units:
        raise ValueError(f"'{path}': no memory in the command database")
    unit, tck_ps, params = units[0]
    org = json.loads(params)["organization"]
    burst_cycles = org["burst_length"] // 2
    channels = {}
    txn_channels = {}
    for channel, cycle, kind, txn in db.execute(
            "SELECT channel, cycle, kind, txn FROM commands WHERE unit = ? ORDER BY channel, cycle",
            (unit,)):
        ch = channels.setdefault(channel, {"pim": [], "mem": [], "demand": []})
        if kind in PIM:
            ch["pim"].append(cycle)
        elif kind in MEM_DATA:
            ch["mem"].append(cycle)
            txn_channels.setdefault(txn, set()).add(channel)
    for txn, begin_ps, end_ps in db.execute(
            "SELECT id, begin_ps, end_ps FROM transactions WHERE unit = ? AND kind IN ('read', 'write')",
            (unit,)):
        for channel in txn_channels.get(txn, ()):
            channels[channel]["demand"].append((begin_ps // tck_ps, -(-end_ps // tck_ps)))
    total = {"beside_cycles": 0, "bursts_beside": 0, "alone_cycles": 0, "bursts_alone": 0}
    for ch in channels.values():
        pim = windows(ch["pim"], gap)
        demand = union(ch["demand"])
        beside = intersect(pim, demand)
        total["beside_cycles"] += sum(last - first for first, last in beside)
        total["alone_cycles"] += sum(last - first for first, last in demand) - \
            sum(last - first for first, last in beside)
        i = 0
        for c in ch["mem"]:
            while i < len(beside) and beside[i][1] <= c:
                i += 1
            if i < len(beside) and beside[i][0] <= c:
                total["bursts_beside"] += 1
            else:
                total["bursts_alone"] += 1
    us_per_cycle = tck_ps * 1e-6
    n = max(1, len(channels))

    def rate(bursts, cycles):
        return bursts / (cycles * us_per_cycle) if cycles else 0.0

    beside = rate(total["bursts_beside"], total["beside_cycles"])
    alone = rate(total["bursts_alone"], total["alone_cycles"])
    return {
        "channels": len(channels),
        "beside_us_per_channel": total["beside_cycles"] * us_per_cycle / n,
        "bursts_per_us_beside_pim": beside,
        "alone_us_per_channel": total["alone_cycles"] * us_per_cycle / n,
        "bursts_per_us_alone": alone,
        "share": beside / alone if alone else 0.0,
        "peak_bursts_per_us": 1.0 / (burst_cycles * us_per_cycle),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0], epilog=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("db")
    parser.add_argument("--gap", type=int, default=128)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if args.gap < 1:
        print("error: --gap must be at least 1 cycle", file=sys.stderr)
        return 2
    try:
        m = measure(args.db, args.gap)
    except ValueError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(m))
    else:
        print(f"{m['channels']} channels; per channel, MEM demand beside PIM {m['beside_us_per_channel']:.1f} us, "
              f"alone {m['alone_us_per_channel']:.1f} us")
        print(f"MEM bursts per us per channel: beside PIM {m['bursts_per_us_beside_pim']:.1f}, "
              f"alone {m['bursts_per_us_alone']:.1f} (peak {m['peak_bursts_per_us']:.0f}); "
              f"share {m['share']:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
