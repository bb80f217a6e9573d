#!/usr/bin/env python3
"""Rewrites the chain values of an audit log (stdin -> stdout) so that the chain holds:
each chained line's value becomes SHA-256(previous value || text before the TAB), as
audit-log writes it; gen_log.py's random values do not verify.
  gen_log.py FILE N && chain_log.py <FILE >CHAINED"""
import hashlib
import sys

prev = "0" * 64
out = []
for line in sys.stdin.buffer:
    text, sep, _ = line.rstrip(b"\n").rpartition(b"\t#")
    if not sep:
        out.append(line)
        continue
    prev = hashlib.sha256(prev.encode() + text).hexdigest()
    out.append(text + b"\t#" + prev.encode() + b"\n")
    if len(out) >= 100000:
        sys.stdout.buffer.write(b"".join(out))
        out.clear()
sys.stdout.buffer.write(b"".join(out))
