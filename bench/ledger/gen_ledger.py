#!/usr/bin/env python3
"""Writes a chained ops ledger of N entries (the format ops-ledger-append writes: month
sections newest first, entries newest first, chain_seq/prev_hash/entry_hash, head
comment) for the benchmarks."""
import hashlib
import sys

path, n = sys.argv[1], int(sys.argv[2])
entries = []
prev = "0" * 64
for seq in range(1, n + 1):
    month = f"2025-{(seq * 12 // (n + 1)) + 1:02d}"
    day = f"{month}-{(seq % 28) + 1:02d}"
    body = (f"---\noperation_id: OPS-{day}-{seq:03d}\noperation_name: Maintenance {seq}\nrequested_by: SELF\n"
            f"approved_by: SELF\napproval_timestamp: \"{day}T01:00:00.000000+00:00\"\n"
            f"execution_timestamp: \"{day}T01:00:00.000000+00:00\"\ngit_commit: \"0123abcd\"\ngit_branch: main\n"
            f"hostname: bench\nrisk_class: LOW_RISK_CONFIG\nblast_radius: repository only\n"
            f"changes_summary: change number {seq}\noutcome: SUCCESS\nallowed_services:\n  - quantum-governor\n"
            f"services_status:\n  quantum-governor: active\nnotes: \"generated: entry {seq}\"\n"
            f"chain_seq: {seq}\nprev_hash: \"{prev}\"\n")
    h = hashlib.sha256(body.encode()).hexdigest()
    entries.append((month, body + f"entry_hash: \"{h}\"\n"))
    prev = h
out = [f"# Operations Changelog & Signoff Ledger", f"<!-- ops-ledger-head: seq={n} entry_hash={prev} -->", "",
       "> **Purpose:** benchmark ledger.", "", "---", ""]
months = sorted({m for m, _ in entries}, reverse=True)
for m in months:
    out += [f"## {m}", ""]
    for _, b in reversed([e for e in entries if e[0] == m]):
        out += ["```yaml"] + b.rstrip("\n").split("\n") + ["```", ""]
out += ["---", "", "## Template (copy for new entries)", "", "```yaml", "---", "operation_id: OPS-YYYY-MM-DD-NNN", "```",
        "", "---", "", "## Usage Notes", "", "- Add entries with ops-ledger-append."]
open(path, "w").write("\n".join(out) + "\n")
