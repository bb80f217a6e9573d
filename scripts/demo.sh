#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine and shows the whole suite on embedded defaults:
# installs the packages, builds the tools (Release), starts a throwaway redis-server on a
# free loopback port, makes throwaway signing keys, runs policy-refresh on the sample
# policy (ops/policy.sample.json), reads it back fail-closed with policy-show, shows what
# was stored and that a tampered policy is refused; appends to a throwaway audit log and
# ops ledger and verifies both; ends with quantum-status on the throwaway Redis, and
# removes the throwaway Redis again. Nothing outside build/ and a temp directory is touched.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

# Only what building the tools needs; scripts/test.sh installs the rest.
scripts/install-deps.sh --build
echo "=== build (Release) into build/demo"
cmake -S . -B build/demo -G Ninja -DCMAKE_BUILD_TYPE=Release -DQOPS_BUILD_TESTS=OFF >/dev/null
# Only the tools the demo runs (scripts/test.sh builds everything).
cmake --build build/demo -j"$(nproc)" --target policy-refresh policy-show audit-log ops-ledger-append quantum-status
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
echo "=== policy-refresh again: a fresh signed policy (higher policy_seq) replaces the tampered one"
sleep 1 # policy_seq is at least the creation second: the next second's seq is higher
policy-refresh --policy ops/policy.sample.json --metrics-dir "$work" 2>&1 | tail -n 2

# Throwaway keys for the audit log and the ledger: the chain key (HMAC) and the Ed25519
# checkpoint signing keys (in production: credentials from /etc/quantum, root-only).
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$work/audit-key" && chmod 600 "$work/audit-key"
for k in audit-signing-key ledger-signing-key; do
    openssl genpkey -algorithm ed25519 -out "$work/$k" && chmod 600 "$work/$k"
done
export QT_AUDIT_KEY_FILE=$work/audit-key QT_AUDIT_LOG=$work/audit.log
export QUANTUM_AUDIT_SIGNING_KEY_FILE=$work/audit-signing-key QUANTUM_LEDGER_SIGNING_KEY_FILE=$work/ledger-signing-key
echo
echo "=== audit-log append, then verify ($QT_AUDIT_LOG)"
audit-log append "demo: policy refreshed by $(id -un)" "demo: ledger entry follows"
audit-log --metrics-dir "$work" verify
tail -n 2 "$QT_AUDIT_LOG"
echo
export QUANTUM_LEDGER=$work/OPS_CHANGELOG.md
cp ops/OPS_CHANGELOG.md "$QUANTUM_LEDGER" # the empty ledger with its Template and Usage Notes
echo "=== ops-ledger-append, then --verify ($QUANTUM_LEDGER)"
ops-ledger-append --ledger "$QUANTUM_LEDGER" --name "demo policy refresh" --risk-class LOW_RISK_CONFIG \
    --blast-radius "throwaway Redis only" --summary "stored the sample policy" --outcome SUCCESS >/dev/null
ops-ledger-append --ledger "$QUANTUM_LEDGER" --metrics-dir "$work" --verify
echo
# The emergency-stop latch of this demo (none: not latched); the timers are not installed
# by the demo, so on a systemd host their rows need a look (exit 1).
export QUANTUM_ESS_LATCH=$work/ESS_ON QUANTUM_ESS_SEED_LATCH=
echo "=== quantum-status --metrics-dir $work (one look at everything above)"
rc=0
quantum-status --metrics-dir "$work" || rc=$?
echo "quantum-status exit code: $rc (0 healthy, 1 needs a look, 3 unreachable, 4 integrity or latched)"
echo
echo "Demo done: the tools are in build/demo/bin; run scripts/test.sh for the whole test suite."
