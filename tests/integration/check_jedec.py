"""An independent replay of the core DRAM timing rules over a run's command database, written from
the memory's parameters alone (no constraint table, no code shared with the simulator's timing
checker), so that a wrong row in the simulator's table cannot hide in both places.

Per channel, for the DRAM commands (ACT, PRE, PREA, RD, WR, REF):
  tRCD  ACT -> RD/WR of the same bank           tRAS  ACT -> PRE of the same bank
  tRP   PRE -> ACT of the same bank, PREA -> ACT of the rank
  tRC   ACT -> ACT of the same bank (tRAS + tRP)
  tRRD  ACT -> ACT in a rank: tRRD_L in one bank group, tRRD_S across groups
  tFAW  at most four ACTs of a rank in any tFAW window
  tCCD  RD -> RD and WR -> WR in a rank: tCCD_L in one group, tCCD_S across groups
  tWTR  WR -> RD in a rank: CWL + BL/2 + tWTR_L (one group) or tWTR_S (across groups)
  tRTP  RD -> PRE of the same bank; tWR: WR -> PRE of the same bank after CWL + BL/2 + tWR
  REF   only with every bank of the rank precharged, no ACT of the rank within tRFC after it,
        and at least duration / tREFI - 8 of them per rank (JEDEC allows 8 postponed)
and bank state: RD/WR only to the open row, ACT only to a closed bank.

  check_jedec.py DB [DB...]              prints violations; exit 1 if any
  check_jedec.py --self-test DB          also checks that a one-cycle-too-lenient tRCD, and a RD
                                         moved one cycle early, are caught (exit 1 if not)"""
import json
import sqlite3
import sys
from collections import defaultdict, deque


def replay(db_path, override=None, limit=20):
    db = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    violations = []
    for unit, params_text in db.execute("SELECT unit, params FROM memories"):
        params = json.loads(params_text)
        t = dict(params["timing_ck"])
        if override:
            t.update(override)
        org = params["organization"]
        bl2 = org["burst_length"] // 2
        rc = t["tRAS"] + t["tRP"]
        wr_to_rd = {True: t["CWL"] + bl2 + t["tWTR_L"], False: t["CWL"] + bl2 + t["tWTR_S"]}
        last_cycle = 0
        per_channel = defaultdict(list)
        for row in db.execute("SELECT channel, cycle, kind, rank, bank_group, bank, row FROM commands "
                              "WHERE unit = ? AND kind IN ('ACT','PRE','PREA','RD','WR','REF') "
                              "ORDER BY channel, cycle, id", (unit,)):
            per_channel[row[0]].append(row[1:])
            last_cycle = max(last_cycle, row[1])
        for channel, commands in per_channel.items():
            open_row = {}            # (rank, group, bank) -> row
            act_at, pre_at, rd_at, wr_end = {}, {}, {}, {}
            rank_acts = defaultdict(deque)   # rank -> recent ACT cycles
            last_act = {}            # rank -> (cycle, group)
            last_rd, last_wr = {}, {}  # rank -> (cycle, group)
            prea_at, ref_at, refs = {}, {}, defaultdict(int)

            def bad(cycle, kind, where, why):
                if len(violations) < limit:
                    violations.append(f"{unit} ch{channel} {kind} {where} at cycle {cycle}: {why}")
                else:
                    violations.append(None)

            for cycle, kind, rank, group, bank, row in commands:
                b = (rank, group, bank)
                where = f"(rank {rank}, group {group}, bank {bank})"
                if kind == "ACT":
                    if b in open_row:
                        bad(cycle, kind, where, f"row {open_row[b]} is still open")
                    for name, since, need in (("tRP", pre_at.get(b), t["tRP"]), ("tRC", act_at.get(b), rc),
                                              ("tRP after PREA", prea_at.get(rank), t["tRP"]),
                                              ("tRFC", ref_at.get(rank), t["tRFC"])):
                        if since is not None and cycle - since < need:
                            bad(cycle, kind, where, f"{name}: {cycle - since} cycles, needs {need}")
                    if rank in last_act:
                        c, g = last_act[rank]
                        need = t["tRRD_L"] if g == group else t["tRRD_S"]
                        if cycle - c < need:
                            bad(cycle, kind, where, f"tRRD: {cycle - c} cycles after the rank's last ACT, needs {need}")
                    window = rank_acts[rank]
                    while window and cycle - window[0] >= t["tFAW"]:
                        window.popleft()
                    if len(window) >= 4:
                        bad(cycle, kind, where, f"tFAW: a fifth ACT within {t['tFAW']} cycles")
                    window.append(cycle)
                    last_act[rank] = (cycle, group)
                    open_row[b] = row
                    act_at[b] = cycle
                elif kind in ("RD", "WR"):
                    if open_row.get(b) != row:
                        bad(cycle, kind, where, f"row {row} is not open (open: {open_row.get(b)})")
                    if b in act_at and cycle - act_at[b] < t["tRCD"]:
                        bad(cycle, kind, where, f"tRCD: {cycle - act_at[b]} cycles after ACT, needs {t['tRCD']}")
                    same = last_rd if kind == "RD" else last_wr
                    if rank in same:
                        c, g = same[rank]
                        need = t["tCCD_L"] if g == group else t["tCCD_S"]
                        if cycle - c < need:
                            bad(cycle, kind, where, f"tCCD: {cycle - c} cycles after the last {kind}, needs {need}")
                    if kind == "RD" and rank in last_wr:
                        c, g = last_wr[rank]
                        need = wr_to_rd[g == group]
                        if cycle - c < need:
                            bad(cycle, kind, where, f"tWTR: {cycle - c} cycles after WR, needs {need}")
                    same[rank] = (cycle, group)
                    if kind == "RD":
                        rd_at[b] = cycle
                    else:
                        wr_end[b] = cycle + t["CWL"] + bl2
                elif kind in ("PRE", "PREA"):
                    banks = [b] if kind == "PRE" else [k for k in open_row if k[0] == rank]
                    for k in banks:
                        kw = f"(rank {k[0]}, group {k[1]}, bank {k[2]})"
                        if k in act_at and k in open_row and cycle - act_at[k] < t["tRAS"]:
                            bad(cycle, kind, kw, f"tRAS: {cycle - act_at[k]} cycles after ACT, needs {t['tRAS']}")
                        if k in rd_at and cycle - rd_at[k] < t["tRTP"]:
                            bad(cycle, kind, kw, f"tRTP: {cycle - rd_at[k]} cycles after RD, needs {t['tRTP']}")
                        if k in wr_end and cycle - wr_end[k] < t["tWR"]:
                            bad(cycle, kind, kw, f"tWR: {cycle - wr_end[k]} cycles after the write data, "
                                                 f"needs {t['tWR']}")
                        open_row.pop(k, None)
                        pre_at[k] = cycle
                    if kind == "PREA":
                        prea_at[rank] = cycle
                elif kind == "REF":
                    still_open = [k for k in open_row if k[0] == rank]
                    if still_open:
                        bad(cycle, kind, f"(rank {rank})", f"bank {still_open[0]} is open")
                    for k, c in pre_at.items():
                        if k[0] == rank and cycle - c < t["tRP"]:
                            bad(cycle, kind, f"(rank {rank})", f"tRP: {cycle - c} cycles after a PRE")
                            break
                    ref_at[rank] = cycle
                    refs[rank] += 1
            refresh = json.loads(db.execute("SELECT controller FROM memories WHERE unit = ?",
                                            (unit,)).fetchone()[0]).get("refresh", True)
            if refresh:
                expected = last_cycle // t["tREFI"] - 8
                for rank in range(org["ranks"]):
                    if refs[rank] < expected:
                        bad(last_cycle, "REF", f"(rank {rank})",
                            f"{refs[rank]} refreshes, at least {expected} are needed")
    db.close()
    return violations


def main():
    args = sys.argv[1:]
    self_test = args[:1] == ["--self-test"]
    paths = args[1:] if self_test else args
    if not paths:
        sys.exit(__doc__)
    failed = False
    for path in paths:
        violations = replay(path)
        for v in violations:
            if v:
                print("violation:", v)
        print(f"check_jedec: {path}: {len(violations)} violations of the core DRAM rules")
        failed |= bool(violations)
        if self_test:
            # A table one cycle too lenient on tRCD: the commands the simulator scheduled at its
            # tRCD must now break the rule (if any RD or WR issued at exactly tRCD after its ACT).
            strict = replay(path, {"tRCD": json.loads(sqlite3.connect(path).execute(
                "SELECT params FROM memories").fetchone()[0])["timing_ck"]["tRCD"] + 1})
            caught = [v for v in strict if v is None or "tRCD" in v]
            print(f"check_jedec: a one-cycle stricter tRCD finds {len(caught)} violations")
            if not caught:
                print("check_jedec: the replay did not catch a tRCD one cycle too short")
                failed = True
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
