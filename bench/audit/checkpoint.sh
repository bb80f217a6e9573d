#!/usr/bin/env bash
# Benchmark: the audit log's signed checkpoints (issue 15).
# - append: one `audit-log append` (lock, tree state, write, fdatasync, signed checkpoint)
#   to a log of 10k entries and to one of LINES (default 10M): the cost must not grow
#   with the log (10M within 1.5x of 10k);
# - verify: `audit-log verify` of the LINES-entry log (every chain value, every leaf of the
#   Merkle tree, the signed checkpoint) side by side with `sha256sum` of the same file.
#   bench/audit/checkpoint.sh [LINES]   (logs kept in $QOPS_BENCH_DATA)
set -euo pipefail
cd "$(dirname "$0")/../.."
LINES=${1:-10000000}
BIN=${QOPS_BIN_DIR:-build/release/bin}
DATA=${QOPS_BENCH_DATA:-/tmp/qops-bench}
RUNS=${QOPS_BENCH_RUNS:-30}
mkdir -p "$DATA"
KEY="$DATA/signing-key"
[ -s "$KEY" ] || { openssl genpkey -algorithm ed25519 -out "$KEY" 2>/dev/null; chmod 600 "$KEY"; }
export QUANTUM_AUDIT_SIGNING_KEY_FILE="$KEY" QUANTUM_CHECKPOINT_ORIGIN=bench/quantum-ops/audit
export QUANTUM_VERIFIER_KEYS="$DATA/verifier-keys"
unset QUANTUM_REDIS_URL
"$BIN/audit-log" --log "$DATA/x.log" verifier-key >"$QUANTUM_VERIFIER_KEYS"

make_log() { # make_log N: a chained log of N entries with its tree state and checkpoint
    local log="$DATA/chained-$1.log"
    if [ ! -s "$log.tree" ]; then
        /usr/bin/python3 bench/audit/gen_log.py "$log.raw" "$1"
        /usr/bin/python3 bench/audit/chain_log.py <"$log.raw" >"$log"
        rm -f "$log.raw" "$log.checkpoint" "$log.tree"
        local t0; t0=$(date +%s.%N)
        "$BIN/audit-log" --log "$log" rescan 2>/dev/null
        echo "rescan of $1 entries: $(echo "$(date +%s.%N) - $t0" | bc) s" >&2
    fi
    echo "$log"
}

median_ms() { # median_ms RUNS CMD...: median wall time of CMD in ms
    local runs=$1; shift
    for _ in $(seq "$runs"); do
        local t0; t0=$(date +%s%N); "$@" >/dev/null 2>&1; echo $(( ($(date +%s%N) - t0) / 1000 ))
    done | sort -n | awk '{a[NR]=$1} END {printf "%.2f", a[int((NR+1)/2)]/1000}'
}

small=$(make_log 10000)
big=$(make_log "$LINES")
echo "logs: 10k entries $(wc -c <"$small") bytes; $LINES entries $(wc -c <"$big") bytes"
a_small=$(median_ms "$RUNS" "$BIN/audit-log" --log "$small" append "bench entry")
a_big=$(median_ms "$RUNS" "$BIN/audit-log" --log "$big" append "bench entry")
echo "append (median of $RUNS, with fdatasync and a signed checkpoint): 10k ${a_small} ms, $LINES ${a_big} ms, ratio $(echo "scale=2; $a_big / $a_small" | bc)"
cat "$big" >/dev/null
# One verifier state per log: the logs share an origin.
v=$(median_ms 3 "$BIN/audit-log" --log "$big" verify --state-dir "$big.verifier-state")
s=$(median_ms 3 sha256sum "$big")
"$BIN/audit-log" --log "$big" verify --state-dir "$big.verifier-state" 2>&1 | tail -1
echo "verify of $LINES entries (median of 3): ${v} ms; sha256sum of the same file: ${s} ms; ratio $(echo "scale=2; $v / $s" | bc)"
