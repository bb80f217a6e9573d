#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine and runs the main job on an embedded default:
# installs the packages, builds the tools (Release), starts a throwaway redis-server on a
# free loopback port, makes a throwaway policy signing key pair, runs policy-refresh on the
# sample policy (ops/policy.sample.json), reads it back fail-closed with policy-show, shows
# what was stored, and removes the throwaway Redis again. Nothing outside build/ and a temp
# directory is touched.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

# Only what building the tools needs; scripts/test.sh installs the rest.
scripts/install-deps.sh --build
echo "=== build (Release) into build/demo"
cmake -S . -B build/demo -G Ninja -DCMAKE_BUILD_TYPE=Release -DQOPS_BUILD_TESTS=OFF >/dev/null
# Only the two tools the demo runs (scripts/test.sh builds everything).
cmake --build build/demo -j"$(nproc)" --target policy-refresh policy-show
export PATH="$root/build/demo/bin:$PATH"

work=$(mktemp -d "${TMPDIR:-/tmp}/qops-demo.XXXXXX")
. scripts/lib/throwaway-redis.sh
start_throwaway_redis "$work"
port=$REDIS_PORT
echo "=== throwaway Redis on $QUANTUM_REDIS_URL"

# A throwaway Ed25519 key pair: the refresh signs with the private key, the readers trust
# the verifier key (in production: /etc/quantum/policy-signing-key, runbook policy-keys.md).
openssl genpkey -algorithm ed25519 -out "$work/policy-signing-key" && chmod 600 "$work/policy-signing-key"
export QUANTUM_POLICY_SIGNING_KEY_FILE=$work/policy-signing-key
export QUANTUM_POLICY_VERIFIER_KEYS=$work/policy-verifier-keys QUANTUM_POLICY_STATE_DIR=$work/state
policy-refresh --verifier-key >"$QUANTUM_POLICY_VERIFIER_KEYS"
echo "=== throwaway signing key; readers trust $(cat "$QUANTUM_POLICY_VERIFIER_KEYS")"

echo
echo "=== policy-refresh --policy ops/policy.sample.json --metrics-dir $work"
policy-refresh --policy ops/policy.sample.json --metrics-dir "$work"
echo
echo "=== policy-show (fail-closed reader)"
policy-show
echo
echo "=== redis-cli HGETALL quantum:policy:current (policy_json shortened)"
redis-cli -p "$port" --no-raw HGETALL quantum:policy:current | cut -c1-110
echo
echo "=== redis-cli XREVRANGE quantum:stream:policy.audit + - COUNT 1"
redis-cli -p "$port" XREVRANGE quantum:stream:policy.audit + - COUNT 1
echo
echo "=== $work/policy-refresh.prom (node_exporter textfile metrics)"
grep -v '^#' "$work/policy-refresh.prom"
echo
echo "=== the signed note in quantum:policy:current (policy_note)"
redis-cli -p "$port" --raw HGET quantum:policy:current policy_note
echo "=== fail-closed: tamper with the stored document, policy-show must refuse (exit 4)"
redis-cli -p "$port" HSET quantum:policy:current exit_owner rogue >/dev/null
rc=0
policy-show || rc=$?
echo "policy-show exit code: $rc"
[ "$rc" -eq 4 ]
echo
echo "Demo done: the tools are in build/demo/bin; run scripts/test.sh for the whole test suite."
