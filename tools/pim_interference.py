#!/usr/bin/env python3
"""How much memory bandwidth MEM traffic (a GEMM's weight stream) gets in a channel while PIM
attention runs, from a run's command database (trace.sqlite).

Per channel, PIM windows are the runs of PIM commands (GWRITE, G_ACT, COMP, READRES,
COMPS_READRES, PIM_PRE) whose neighbours are at most GAP cycles apart (default 128: more than a
GWRITE's occupancy and a COMPS_READRES of 32 COMPs); MEM windows are the runs of RD/WR bursts,
outside PIM windows, with the same rule. The rate of RD+WR bursts in each kind of window, summed
over the channels, is printed in bursts per microsecond per channel, with the peak (one burst
per burst time, BL/2 cycles).

  pim_interference.py DB [--gap CYCLES] [--json]

Exit status: 0, or 2 for a file that is not a command database."""
import argparse
import json
import sqlite3
import sys

PIM = {"GWRITE", "G_ACT", "COMP", "READRES", "COMPS_READRES", "PIM_PRE"}
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
    for channel, cycle, kind in db.execute(
            "SELECT channel, cycle, kind FROM commands WHERE unit = ? ORDER BY channel, cycle", (unit,)):
        ch = channels.setdefault(channel, {"pim": [], "mem": []})
        if kind in PIM:
            ch["pim"].append(cycle)
        elif kind in MEM_DATA:
            ch["mem"].append(cycle)
    total = {"pim_cycles": 0, "bursts_in_pim": 0, "mem_cycles": 0, "bursts_in_mem": 0}
    for ch in channels.values():
        pim = windows(ch["pim"], gap)
        i = 0
        outside = []
        for c in ch["mem"]:
            while i < len(pim) and pim[i][1] < c:
                i += 1
            if i < len(pim) and pim[i][0] <= c:
                total["bursts_in_pim"] += 1
            else:
                outside.append(c)
        total["pim_cycles"] += sum(last - first + 1 for first, last in pim)
        mem = windows(outside, gap)
        total["mem_cycles"] += sum(last - first + burst_cycles for first, last in mem)
        total["bursts_in_mem"] += len(outside)
    us_per_cycle = tck_ps * 1e-6
    n = max(1, len(channels))

    def rate(bursts, cycles):
        return bursts / (cycles * us_per_cycle) if cycles else 0.0

    return {
        "channels": len(channels),
        "pim_window_us_per_channel": total["pim_cycles"] * us_per_cycle / n,
        "bursts_per_us_beside_pim": rate(total["bursts_in_pim"], total["pim_cycles"]),
        "mem_window_us_per_channel": total["mem_cycles"] * us_per_cycle / n,
        "bursts_per_us_alone": rate(total["bursts_in_mem"], total["mem_cycles"]),
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
        print(f"{m['channels']} channels; per channel: PIM windows {m['pim_window_us_per_channel']:.1f} us, "
              f"MEM-only windows {m['mem_window_us_per_channel']:.1f} us")
        print(f"MEM bursts per us per channel: beside PIM {m['bursts_per_us_beside_pim']:.1f}, "
              f"alone {m['bursts_per_us_alone']:.1f} (peak {m['peak_bursts_per_us']:.0f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
