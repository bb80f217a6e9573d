#!/usr/bin/env python3
"""Writes a chronological audit log of N lines spread evenly over one year (2025),
in the chained line format (the chain values are random hex: the day search and the
counts do not depend on them), for the audit benchmarks."""
import os
import sys
import time

path, n = sys.argv[1], int(sys.argv[2])
start = int(time.mktime(time.strptime("2025-01-01", "%Y-%m-%d"))) - time.timezone
span = 365 * 86400
step = span / n
actions = ["Auto-repair: Restarted Grafana container", "Weekly self-heal: All checks passed",
           "Auto-repair: Retrained XGBoost model to 22 features", "Policy refresh: 1.0.0-ai-sample stored"]
chunk = []
with open(path, "w") as f:
    for i in range(n):
        t = start + i * step
        sec = int(t)
        us = int((t - sec) * 1e6)
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(sec))
        chunk.append(f"[{stamp}.{us:06d}Z] {actions[i % 4]} #{i}\t#{os.urandom(32).hex()}\n")
        if len(chunk) == 100000:
            f.write("".join(chunk))
            chunk.clear()
    f.write("".join(chunk))
