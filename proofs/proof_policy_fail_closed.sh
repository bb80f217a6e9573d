#!/usr/bin/env bash
# Proof: policy-show is fail-closed: no policy, an incomplete, tampered, mixed or expired
# one, or an unreachable Redis never yields a policy. Replaces the seed's
# scripts/proof_policy_fail_closed.sh (10 tests).
source "$(dirname "$0")/lib.sh"

SAMPLE="$QOPS_SOURCE_DIR/ops/policy.sample.json"
KEY=quantum:policy:current
start_redis

# Restores a freshly refreshed, valid policy.
fresh() { rcli DEL "$KEY" >/dev/null && policy-refresh --policy "$SAMPLE" 2>/dev/null; }
# shows_nothing CODE: policy-show exits CODE and prints no policy on stdout.
shows_nothing() {
    local out rc=0
    out=$(policy-show 2>"$PROOF_WORK/err") || rc=$?
    cat "$PROOF_WORK/err"
    [ "$rc" -eq "$1" ] && [ -z "$out" ] || { echo "exit $rc, stdout: $out"; return 1; }
}

check "no policy in Redis: exit 4 and nothing printed" shows_nothing 4

t_valid() {
    fresh || return 1
    local out
    out=$(policy-show) || return 1
    grep -q "policy_version:  1.0.0-ai-sample" <<<"$out" && grep -q "$(rcli HGET "$KEY" policy_hash)" <<<"$out"
}
check "a valid policy is shown with its version and hash (exit 0)" t_valid

t_json() { [ "$(policy-show --json)" = "$(rcli HGET "$KEY" policy_json)" ]; }
check "--json prints exactly the stored canonical document" t_json

t_missing_field() { fresh && rcli HDEL "$KEY" exit_owner >/dev/null && shows_nothing 4; }
check "a missing field fails closed (exit 4)" t_missing_field

t_tampered_doc() {
    fresh || return 1
    local pj
    pj=$(rcli HGET "$KEY" policy_json | sed 's/"max":15.0/"max":125.0/')
    rcli HSET "$KEY" policy_json "$pj" >/dev/null && shows_nothing 4 && grep -q "hash mismatch" "$PROOF_WORK/err"
}
check "an edited policy_json fails closed (exit 4, hash mismatch)" t_tampered_doc

t_tampered_hash() { fresh && rcli HSET "$KEY" policy_hash "$(printf '%064d' 0)" >/dev/null && shows_nothing 4; }
check "a replaced policy_hash fails closed (exit 4)" t_tampered_hash

# Rewrites the stored policy as a consistent one (valid hash) with other stamps or version.
rewrite() {
    local pj
    pj=$(rcli HGET "$KEY" policy_json | python3 -c '
import json, sys
d = json.load(sys.stdin)
d.update(json.loads(sys.argv[1]))
print(json.dumps(d, sort_keys=True, separators=(",", ":")))' "$1")
    rcli HSET "$KEY" policy_json "$pj" policy_hash "$(printf '%s' "$pj" | sha256sum | cut -d' ' -f1)" >/dev/null
    rcli PERSIST "$KEY" >/dev/null
}

t_expired() {
    fresh || return 1
    local now
    now=$(date +%s)
    rewrite "{\"created_at_epoch\": $((now - 7200)), \"valid_until_epoch\": $((now - 3600))}" &&
        rcli HSET "$KEY" created_at_epoch $((now - 7200)) valid_until_epoch $((now - 3600)) >/dev/null &&
        shows_nothing 4 && grep -q expired "$PROOF_WORK/err"
}
check "an expired policy with a correct hash fails closed (exit 4)" t_expired

t_mixed() {
    fresh || return 1
    rewrite '{"policy_version": "2.0.0-other"}' && shows_nothing 4 && grep -q "disagrees" "$PROOF_WORK/err"
}
check "fields of two versions mixed in one hash fail closed (exit 4)" t_mixed

t_unreachable() {
    fresh || return 1
    QUANTUM_REDIS_URL="redis://127.0.0.1:$(free_port)/0" shows_nothing 3
}
check "an unreachable Redis exits 3 and prints no fallback policy" t_unreachable

t_no_fallback() {
    rcli DEL "$KEY" >/dev/null
    expect_exit 2 policy-refresh --generator 'echo "{}"' 2>/dev/null || return 1
    shows_nothing 4 && [ "$(rcli EXISTS "$KEY")" = 0 ]
}
check "after a failed refresh with no previous policy there is still none (no fallback)" t_no_fallback

finish
