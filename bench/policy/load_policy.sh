#!/usr/bin/env bash
# Benchmark: quantum_ops.load_policy() per call from Debian's /usr/bin/python3 (the
# signed, fail-closed read a service makes before a decision), side by side with a plain
# redis.Redis().hgetall() of the same key (the unverified read it replaces).
#
#   bench/policy/load_policy.sh [CALLS]   (default 20000; needs a Release build in build/release)
set -euo pipefail
cd "$(dirname "$0")/../.."
CALLS=${1:-20000}
BUILD=${QOPS_BUILD_DIR:-build/release}
[ -e "$(ls "$BUILD"/python/quantum_ops*.so 2>/dev/null | head -n 1)" ] || { echo "build first (the quantum_ops target)"; exit 2; }

work=$(mktemp -d)
. scripts/lib/throwaway-redis.sh
start_throwaway_redis "$work"
openssl genpkey -algorithm ed25519 -out "$work/key" 2>/dev/null && chmod 600 "$work/key"
export QUANTUM_POLICY_SIGNING_KEY_FILE=$work/key QUANTUM_POLICY_STATE_DIR=$work/state
export QUANTUM_POLICY_VERIFIER_KEYS=$work/verifier-keys
"$BUILD/bin/policy-refresh" --verifier-key >"$QUANTUM_POLICY_VERIFIER_KEYS"
"$BUILD/bin/policy-refresh" --policy ops/policy.sample.json 2>/dev/null

PYTHONPATH="$BUILD/python" /usr/bin/python3 - "$CALLS" <<'PY'
import os, statistics, sys, time
import quantum_ops, redis
calls = int(sys.argv[1])
url = os.environ["QUANTUM_REDIS_URL"]
r = redis.Redis.from_url(url)
def per_call_us(f):
    for _ in range(500):
        f()
    rounds = []
    for _ in range(5):
        t0 = time.perf_counter()
        for _ in range(calls // 5):
            f()
        rounds.append((time.perf_counter() - t0) / (calls // 5) * 1e6)
    return statistics.median(rounds)
plain = per_call_us(lambda: r.hgetall("quantum:policy:current"))
ours = per_call_us(lambda: quantum_ops.load_policy())
print(f"redis.Redis().hgetall(): {plain:7.1f} us/call")
print(f"quantum_ops.load_policy(): {ours:7.1f} us/call ({ours / plain:.2f}x the unverified read)")
PY
