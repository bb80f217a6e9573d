#!/usr/bin/env python3
"""Writes a chronological audit log of N lines spread evenly over one year (2025),
in the chained line format (the chain values are random hex: the day search and the
counts do not depend on them), for the audit benchmarks.
  gen_log.py FILE N [STRAY_EVERY STRAY_LINES BIG_RUN_DAY BIG_RUN_LINES]
With the stray arguments, STRAY_LINES undated lines (continuations of a multi-line
message) follow every STRAY_EVERY-th entry, and one run of BIG_RUN_LINES undated lines
stands at noon of BIG_RUN_DAY (YYYY-MM-DD)."""
import os
import sys
import time

path, n = sys.argv[1], int(sys.argv[2])
stray_every, stray_lines = (int(sys.argv[3]), int(sys.argv[4])) if len(sys.argv) > 4 else (0, 0)
big_day, big_lines = (sys.argv[5], int(sys.argv[6])) if len(sys.argv) > 6 else ("", 0)
start = int(time.mktime(time.strptime("2025-01-01", "%Y-%m-%d"))) - time.timezone
span = 365 * 86400
step = span / n
actions = ["Auto-repair: Restarted Grafana container", "Weekly self-heal: All checks passed",
           "Auto-repair: Retrained XGBoost model to 22 features", "Policy refresh: 1.0.0-ai-sample stored"]
big_at = None
if big_day:
    noon = int(time.mktime(time.strptime(big_day, "%Y-%m-%d"))) - time.timezone + 43200
    big_at = int((noon - start) / step)
chunk = []
with open(path, "w") as f:
    for i in range(n):
        t = start + i * step
        sec = int(t)
        us = int((t - sec) * 1e6)
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(sec))
        chunk.append(f"[{stamp}.{us:06d}Z] {actions[i % 4]} #{i}\t#{os.urandom(32).hex()}\n")
        if stray_every and i % stray_every == stray_every - 1:
            chunk.extend(f"    at legacy_writer.py:{k} in handle_multiline_message\n" for k in range(stray_lines))
        if i == big_at:
            chunk.extend(f"    pasted trace line {k}: {'x' * 60}\n" for k in range(big_lines))
        if len(chunk) >= 100000:
            f.write("".join(chunk))
            chunk.clear()
    f.write("".join(chunk))
