#!/usr/bin/env python3
"""Writes a fleet's journal directory as systemd-journal-remote does for HOSTS hosts:
one remote-HOST.journal per host (rotated by journal-remote as it grows), each with
ENTRIES entries spread evenly over a span ending at END_EPOCH_USEC, each host with its own
_MACHINE_ID, _BOOT_ID and _HOSTNAME, in the journal export format piped to
systemd-journal-remote (real .journal files).

The mix is gen_journal.py's: about 5% of the entries from quantum-apply-layer.service,
1% of those DENY_NOT_EXIT_OWNER, the rest from a score of other units.

Run again on the same DIR, it appends to each host's journal (bench/journal/run_fleet.sh
takes a checkpoint, then appends the last 5 minutes).

usage: gen_fleet.py DIR HOSTS ENTRIES SPAN_SECONDS END_EPOCH_USEC
"""
import multiprocessing
import os
import random
import subprocess
import sys

JOURNAL_REMOTE = "/lib/systemd/systemd-journal-remote"
APPLY = "quantum-apply-layer.service"
APPLY_SHARE = 0.05
DENY_SHARE_OF_APPLY = 0.01
OTHER_UNITS = [f"{name}.service" for name in (
    "quantum-ai-engine", "quantum-execution", "quantum-governor", "quantum-market-data",
    "quantum-risk", "redis-server", "nginx", "sshd", "cron", "systemd-logind", "chronyd",
    "prometheus-node-exporter", "quantum-policy-refresh", "quantum-exit-owner-watch",
    "dbus", "rsyslog", "containerd", "quantum-ledger", "quantum-backtest")]
BOOT_REALTIME_USEC = 1_600_000_000_000_000


def write_host(args):
    out_dir, host, entries, span, end = args
    name = f"trade-{host}"
    machine = f"{host:08x}" + "0123456789abcdef01234567"
    boot = f"{host:08x}" + "fedcba9876543210fedcba98"
    start = end - span * 1_000_000
    step = (end - start) / max(entries, 1)
    # Each host's stamps are offset a little, as real clocks are.
    offset = host * 997
    rng = random.Random(host)
    proc = subprocess.Popen([JOURNAL_REMOTE, "-o", f"{out_dir}/remote-{name}.journal", "-"],
                            stdin=subprocess.PIPE, stderr=subprocess.DEVNULL)
    chunk = []
    deny = written = 0
    for i in range(entries):
        rt = int(start + (i + 1) * step) - offset
        r = rng.random()
        if r < APPLY_SHARE:
            unit, pid = APPLY, 4242
            if rng.random() < DENY_SHARE_OF_APPLY:
                is_deny = True
                msg = (f"DENY_NOT_EXIT_OWNER order={i} symbol=BTCUSDT reduceOnly=true "
                       f"caller=quantum-governor exit_owner=quantum-execution")
            else:
                is_deny = False
                msg = f"apply order={i} symbol=ETHUSDT qty={rng.randint(1, 999)} lev=10x ok"
        else:
            is_deny = False
            unit = OTHER_UNITS[rng.randrange(len(OTHER_UNITS))]
            pid = 1000 + rng.randrange(500)
            msg = f"{unit.split('.')[0]} event {i} latency_us={rng.randint(10, 99999)}"
        written += 1
        deny += is_deny
        chunk.append(
            f"__REALTIME_TIMESTAMP={rt}\n__MONOTONIC_TIMESTAMP={rt - BOOT_REALTIME_USEC}\n"
            f"_BOOT_ID={boot}\n_MACHINE_ID={machine}\n_HOSTNAME={name}\n_SYSTEMD_UNIT={unit}\n"
            f"_PID={pid}\n_UID=998\nPRIORITY=6\nSYSLOG_IDENTIFIER={unit.split('.')[0]}\n"
            f"MESSAGE={msg}\n\n")
        if len(chunk) >= 4096:
            proc.stdin.write("".join(chunk).encode())
            chunk.clear()
    proc.stdin.write("".join(chunk).encode())
    proc.stdin.close()
    if proc.wait() != 0:
        raise SystemExit(f"journal-remote failed for {name}")
    return written, deny


def main() -> int:
    out_dir, hosts, entries, span, end = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
    os.makedirs(out_dir, exist_ok=True)
    jobs = [(out_dir, h, entries, span, end) for h in range(1, hosts + 1)]
    with multiprocessing.Pool(int(os.environ.get("QOPS_BENCH_JOBS", "2"))) as pool:
        results = pool.map(write_host, jobs)
    written = sum(w for w, _ in results)
    deny = sum(d for _, d in results)
    print(f"{out_dir}: {hosts} hosts, {written} entries, {deny} DENY", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
