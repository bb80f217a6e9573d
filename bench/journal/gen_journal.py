#!/usr/bin/env python3
"""Writes a journal file of N entries spread evenly over a span ending at now, in the
journal export format piped to systemd-journal-remote (a real .journal file, as a
fleet's collector would write it).

About 5% of the entries come from quantum-apply-layer.service and 1% of those carry
DENY_NOT_EXIT_OWNER; the rest come from a score of other units.

usage: gen_journal.py OUT.journal ENTRIES SPAN_SECONDS [END_EPOCH_USEC]
"""
import os
import random
import subprocess
import sys
import time

JOURNAL_REMOTE = "/lib/systemd/systemd-journal-remote"
APPLY = "quantum-apply-layer.service"
APPLY_SHARE = 0.05
DENY_SHARE_OF_APPLY = 0.01
OTHER_UNITS = [f"{name}.service" for name in (
    "quantum-ai-engine", "quantum-execution", "quantum-governor", "quantum-market-data",
    "quantum-risk", "redis-server", "nginx", "sshd", "cron", "systemd-logind", "chronyd",
    "prometheus-node-exporter", "quantum-policy-refresh", "quantum-exit-owner-watch",
    "dbus", "rsyslog", "containerd", "quantum-ledger", "quantum-backtest")]
BOOT_ID = "6c1b0c0d5e8f4a2b9c3d4e5f60718293"
BOOT_REALTIME_USEC = 1_600_000_000_000_000


def main() -> int:
    out, entries, span = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    end = int(sys.argv[4]) if len(sys.argv) > 4 else time.time_ns() // 1000
    start = end - span * 1_000_000
    step = (end - start) / max(entries, 1)
    rng = random.Random(42)
    proc = subprocess.Popen([JOURNAL_REMOTE, "-o", out, "-"], stdin=subprocess.PIPE,
                            stderr=subprocess.DEVNULL)
    chunk = []
    deny = 0
    for i in range(entries):
        rt = int(start + (i + 1) * step)
        r = rng.random()
        if r < APPLY_SHARE:
            unit, pid = APPLY, 4242
            if rng.random() < DENY_SHARE_OF_APPLY:
                deny += 1
                msg = (f"DENY_NOT_EXIT_OWNER order={i} symbol=BTCUSDT reduceOnly=true "
                       f"caller=quantum-governor exit_owner=quantum-execution")
            else:
                msg = f"apply order={i} symbol=ETHUSDT qty={rng.randint(1, 999)} lev=10x ok"
        else:
            unit = OTHER_UNITS[rng.randrange(len(OTHER_UNITS))]
            pid = 1000 + rng.randrange(500)
            msg = f"{unit.split('.')[0]} event {i} latency_us={rng.randint(10, 99999)}"
        chunk.append(
            f"__REALTIME_TIMESTAMP={rt}\n__MONOTONIC_TIMESTAMP={rt - BOOT_REALTIME_USEC}\n"
            f"_BOOT_ID={BOOT_ID}\n_HOSTNAME=trade-1\n_SYSTEMD_UNIT={unit}\n_PID={pid}\n"
            f"_UID=998\nPRIORITY=6\nSYSLOG_IDENTIFIER={unit.split('.')[0]}\nMESSAGE={msg}\n\n")
        if len(chunk) >= 4096:
            proc.stdin.write("".join(chunk).encode())
            chunk.clear()
    proc.stdin.write("".join(chunk).encode())
    proc.stdin.close()
    rc = proc.wait()
    print(f"{out}: {entries} entries, {deny} DENY, span {span}s, end {end}", file=sys.stderr)
    return rc


if __name__ == "__main__":
    sys.exit(main())
