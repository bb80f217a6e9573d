#!/usr/bin/env bash
# valgrind memcheck over one real run of every tool (ctest "memcheck: every tool once",
# Release tree only: the sanitizer tree cannot run under valgrind). A run fails on any
# memcheck error or definitely lost block (--error-exitcode), whatever the tool's own exit.
#   tests/memcheck.sh BIN_DIR SOURCE_DIR
set -uo pipefail
bin=$1
src=$2
work=$(mktemp -d)
. "$src/scripts/lib/throwaway-redis.sh"
start_throwaway_redis "$work" || exit 1

# A journal with one DENY line a minute ago, for exit-owner-watch.
mkdir -p "$work/journal"
printf '__REALTIME_TIMESTAMP=%s\n_SYSTEMD_UNIT=quantum-apply-layer.service\n_HOSTNAME=apply-1\nMESSAGE=DENY_NOT_EXIT_OWNER order=1\n\n' \
    "$(( $(date +%s%N) / 1000 - 60000000 ))" | /lib/systemd/systemd-journal-remote -o "$work/journal/a.journal" - 2>/dev/null
printf '# Operations Changelog\n' >"$work/ledger.md"

pass=0 fail=0
# memcheck EXPECTED_EXIT TOOL ARGS...
memcheck() {
    local want=$1
    shift
    valgrind --quiet --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
        --show-leak-kinds=definite --log-file="$work/vg.log" "$bin/$@" >"$work/out.log" 2>&1
    local rc=$?
    if [ "$rc" -eq "$want" ] && [ ! -s "$work/vg.log" ]; then
        echo "memcheck clean: $* (exit $rc)"
        pass=$((pass + 1))
    else
        echo "memcheck FAILED: $* (exit $rc, expected $want)"
        sed 's/^/    /' "$work/vg.log" "$work/out.log" | head -n 40
        fail=$((fail + 1))
    fi
}

# A throwaway policy signing key and the verifier key readers trust.
openssl genpkey -algorithm ed25519 -out "$work/policy-signing-key" 2>/dev/null && chmod 600 "$work/policy-signing-key"
export QUANTUM_POLICY_SIGNING_KEY_FILE=$work/policy-signing-key QUANTUM_POLICY_STATE_DIR=$work/policy-state
"$bin/policy-refresh" --verifier-key >"$work/policy-verifier-keys"
export QUANTUM_POLICY_VERIFIER_KEYS=$work/policy-verifier-keys
# The same key signs the audit log's and the ledger's checkpoints.
export QUANTUM_AUDIT_SIGNING_KEY_FILE=$work/policy-signing-key QUANTUM_LEDGER_SIGNING_KEY_FILE=$work/policy-signing-key
export QUANTUM_VERIFIER_STATE_DIR=$work/verifier-state
{ "$bin/audit-log" verifier-key && "$bin/ops-ledger-append" --verifier-key; } >"$work/verifier-keys"
export QUANTUM_VERIFIER_KEYS=$work/verifier-keys
memcheck 0 policy-refresh --policy "$src/ops/policy.sample.json"
memcheck 0 policy-show
memcheck 1 exit-owner-watch --no-state --window 10min --journal-dir "$work/journal"
memcheck 0 audit-log --log "$work/audit.log" append "memcheck entry" "second entry"
memcheck 0 audit-log --log "$work/audit.log" verify
memcheck 0 audit-summary --log "$work/audit.log" --date today
memcheck 0 ops-ledger-append --ledger "$work/ledger.md" --name "memcheck" --risk-class LOW_RISK_CONFIG \
    --blast-radius none --summary "one run" --outcome SUCCESS --redis-snapshot "XLEN quantum:stream:alerts"
memcheck 0 ops-ledger-append --ledger "$work/ledger.md" --verify
# A unit no systemd knows: the trip must not stop anything real, so it is a FAIL (exit 1).
QT_AUDIT_LOG="$work/audit.log" QUANTUM_ESS_SEED_LATCH="" \
    memcheck 1 emergency-stop --latch "$work/ESS_ON" --unit qops-memcheck-none trip --reason "memcheck"
# Latched (just above) and a log without a checkpoint: exit 4.
QT_AUDIT_LOG="$work/audit.log" QUANTUM_ESS_LATCH="$work/ESS_ON" QUANTUM_ESS_SEED_LATCH="" \
    memcheck 4 quantum-status --json
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
