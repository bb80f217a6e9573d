#!/usr/bin/env bash
# Benchmark: policy-refresh as a whole process against a local redis-server, side by side
# with the original way (bench/policy/original/policy_refresh.sh: bash + Python
# generator + redis-cli). Prints median, mean and peak RSS of each, and the speed-up.
#
#   bench/policy/run.sh [RUNS]     (default 300; needs a Release build in build/release)
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${1:-300}
BIN=${QOPS_BIN_DIR:-build/release/bin}
[ -x "$BIN/policy-refresh" ] || { echo "build first: cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release && cmake --build build/release -j2"; exit 2; }
command -v hyperfine >/dev/null || { echo "hyperfine is needed (apt-get install hyperfine)"; exit 2; }

work=$(mktemp -d)
. scripts/lib/throwaway-redis.sh
start_throwaway_redis "$work" # exports QUANTUM_REDIS_URL, and REDIS_PORT for the original script
openssl genpkey -algorithm ed25519 -out "$work/policy-signing-key" 2>/dev/null && chmod 600 "$work/policy-signing-key"
export QUANTUM_POLICY_SIGNING_KEY_FILE=$work/policy-signing-key
new=("$BIN/policy-refresh" --policy ops/policy.sample.json)
old=(bash bench/policy/original/policy_refresh.sh)
"${new[@]}" 2>/dev/null && "${old[@]}" 2>/dev/null

hyperfine -N --style none --warmup 20 --runs "$RUNS" --export-json "$work/new.json" "${new[*]}" >/dev/null 2>&1
hyperfine -N --style none --warmup 5 --runs "$((RUNS / 5 < 20 ? 20 : RUNS / 5))" --export-json "$work/old.json" "${old[*]}" >/dev/null 2>&1

peak_rss_kib() { # max over 20 runs of GNU time's maximum resident set size
    local max=0 v
    for _ in $(seq 20); do
        v=$(/usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -n 1)
        [ "$v" -gt "$max" ] && max=$v
    done
    echo "$max"
}
rss_new=$(peak_rss_kib "${new[@]}")
rss_old=$(peak_rss_kib "${old[@]}")

python3 - "$work/new.json" "$work/old.json" "$rss_new" "$rss_old" <<'PY'
import json, sys
new = json.load(open(sys.argv[1]))["results"][0]
old = json.load(open(sys.argv[2]))["results"][0]
rss_new, rss_old = int(sys.argv[3]), int(sys.argv[4])
ms = lambda s: s * 1000.0
print(f"{'':34} {'median ms':>10} {'mean ms':>9} {'runs':>5} {'peak RSS':>10}")
print(f"{'policy-refresh (C++)':34} {ms(new['median']):10.2f} {ms(new['mean']):9.2f} {len(new['times']):5d} {rss_new/1024:7.1f} MiB")
print(f"{'original (bash+python+redis-cli)':34} {ms(old['median']):10.2f} {ms(old['mean']):9.2f} {len(old['times']):5d} {rss_old/1024:7.1f} MiB")
print(f"speed-up (median): {old['median']/new['median']:.1f}x")
ok = ms(new['median']) < 5 and old['median'] / new['median'] >= 20 and rss_new < 8 * 1024
print("targets (median < 5 ms, >= 20x, peak RSS < 8 MiB):", "met" if ok else "NOT met")
PY
