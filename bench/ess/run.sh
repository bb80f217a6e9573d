#!/usr/bin/env bash
# Benchmark: from the trip (latch written) to every SIGTERM-honouring guarded unit
# verified stopped (inactive, cgroup empty), under the real-systemd harness; 4 and 16
# units (one of them ignores SIGTERM), idle and with both cores saturated by busy loops.
#   QOPS_BUILD_DIR=$PWD/build/release QOPS_BIN_DIR=$PWD/build/release/bin QOPS_SOURCE_DIR=$PWD \
#     bash bench/ess/run.sh [RUNS]
# Figures: the per-unit times `emergency-stop trip --json` reports (its clock starts
# before the first bus call), median and worst over RUNS runs.
set -uo pipefail
RUNS=${1:-5}
source "$(dirname "$0")/../../proofs/lib.sh"
source "$(dirname "$0")/../../proofs/harness/harness.sh"
harness_available || { echo "cannot run: $HARNESS_WHY"; exit 1; }
harness_boot >>"$PROOF_LOG" 2>&1 || { cat "$PROOF_LOG"; exit 1; }

make_units() {
    local n=$1 i dir="$QOPS_BUILD_DIR/bench-ess-units"
    rm -rf "$dir" && mkdir -p "$dir"
    for i in $(seq 1 $((n - 1))); do
        printf '[Service]\nExecStart=/bin/sleep infinity\n' >"$dir/qops-bench-$i.service"
    done
    cat >"$dir/qops-bench-stubborn.service" <<'UNIT'
[Service]
ExecStart=/bin/sh -c 'trap "" TERM; while :; do sleep 0.05; done'
UNIT
    hx sh -c "cp $dir/*.service /etc/systemd/system/" && hx systemctl daemon-reload
}

# One run: start the units, trip, print "honouring_max_ms stubborn_ms exit".
one_run() {
    local units=$1 out rc=0
    hx systemctl reset-failed $units 2>/dev/null
    hx systemctl start $units || return 1
    out=$(hx env QUANTUM_ESS_UNITS="$units" emergency-stop trip --json --reason bench 2>/dev/null) || rc=$?
    hx env QUANTUM_ESS_UNITS="$units" emergency-stop reset --confirm --reason bench >/dev/null 2>&1
    python3 -c '
import json, sys
j = json.loads(sys.argv[1])
ms = [u["ms"] for n, u in j["units"].items() if "stubborn" not in n]
st = [u for n, u in j["units"].items() if "stubborn" in n][0]
print(max(ms), st["ms"], sys.argv[2] + ":" + st["outcome"])' "$out" "$rc"
}

busy_on() { hx systemd-run --unit=qops-bench-busy-1 sh -c 'while :; do :; done' >/dev/null 2>&1
    hx systemd-run --unit=qops-bench-busy-2 sh -c 'while :; do :; done' >/dev/null 2>&1; }
busy_off() { hx systemctl stop qops-bench-busy-1 qops-bench-busy-2 >/dev/null 2>&1; }

echo "emergency-stop trip: latch -> units verified stopped ($RUNS runs each; SIGKILL at 800 ms)"
printf '%-6s %-10s %-22s %-22s %s\n' units load "honouring median/max" "SIGTERM-ignoring" exits
make_units 16
for n in 4 16; do
    units=""
    for i in $(seq 1 $((n - 1))); do units="$units qops-bench-$i.service"; done
    units="$units qops-bench-stubborn.service"
    for load in idle saturated; do
        [ "$load" = saturated ] && busy_on
        res=()
        for r in $(seq "$RUNS"); do res+=("$(one_run "$units")"); done
        [ "$load" = saturated ] && busy_off
        printf '%s\n' "${res[@]}" | python3 -c '
import sys, statistics
rows = [l.split() for l in sys.stdin if l.strip()]
h = sorted(int(r[0]) for r in rows); s = sorted(int(r[1]) for r in rows)
ex = ",".join(r[2] for r in rows)
print("%-6s %-10s %6.0f / %-4d ms        %6.0f / %-4d ms        %s" % (sys.argv[1], sys.argv[2], statistics.median(h), max(h), statistics.median(s), max(s), ex))' "$n" "$load"
    done
done
finish >/dev/null
