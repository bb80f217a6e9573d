#!/usr/bin/env bash
# Proof: policy-show is fail-closed: no policy, an incomplete, tampered, mixed, expired,
# forged, foreign-signed or replayed one, no verifier keys, or an unreachable Redis never
# yields a policy. Replaces the seed's
# scripts/proof_policy_fail_closed.sh (10 tests).
source "$(dirname "$0")/lib.sh"

SAMPLE="$QOPS_SOURCE_DIR/ops/policy.sample.json"
KEY=quantum:policy:current
start_redis

# A throwaway signing key for the refreshes, the verifier key the readers trust, and the
# readers' state directory (the highest policy_seq accepted).
openssl genpkey -algorithm ed25519 -out "$PROOF_WORK/policy-signing-key" 2>/dev/null &&
    chmod 600 "$PROOF_WORK/policy-signing-key"
export QUANTUM_POLICY_SIGNING_KEY_FILE="$PROOF_WORK/policy-signing-key"
export QUANTUM_POLICY_VERIFIER_KEYS="$PROOF_WORK/policy-verifier-keys"
export QUANTUM_POLICY_STATE_DIR="$PROOF_WORK/policy-state"
policy-refresh --verifier-key >"$QUANTUM_POLICY_VERIFIER_KEYS"

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

t_forged() {
    fresh || return 1
    # Write access to Redis alone: leverage 100x-125x, valid until 4000000000000000000, the
    # hash recomputed and every summary field made to agree, the key made persistent.
    rewrite '{"leverage": {"min": 100.0, "max": 125.0}, "valid_until_epoch": 4000000000000000000}' &&
        rcli HSET "$KEY" leverage_range 100.0x-125.0x valid_until_epoch 4000000000000000000 >/dev/null &&
        shows_nothing 4 && ! grep -q -- "-2094062883" "$PROOF_WORK/err"
}
check "a forged policy (100x-125x, valid until 4000000000000000000, hash recomputed) fails closed (exit 4)" t_forged

t_resigned_elsewhere() {
    fresh || return 1
    local other="$PROOF_WORK/other-key"
    openssl genpkey -algorithm ed25519 -out "$other" 2>/dev/null && chmod 600 "$other"
    rcli DEL "$KEY" >/dev/null
    QUANTUM_POLICY_SIGNING_KEY_FILE=$other policy-refresh --policy "$SAMPLE" 2>/dev/null || return 1
    shows_nothing 4 && grep -q "trusted key" "$PROOF_WORK/err"
}
check "a policy signed by a key the readers do not trust fails closed (exit 4)" t_resigned_elsewhere

t_replay() {
    fresh || return 1
    # Keep the older signed policy, store a newer one, let the reader see it, write the old one back.
    rcli COPY "$KEY" old-policy >/dev/null || return 1
    sleep 1
    policy-refresh --policy "$SAMPLE" 2>/dev/null && policy-show >/dev/null || return 1
    rcli DEL "$KEY" >/dev/null && rcli COPY old-policy "$KEY" >/dev/null && rcli DEL old-policy >/dev/null
    shows_nothing 4 && grep -q "rollback" "$PROOF_WORK/err"
}
check "a replay of an older signed policy after a newer one was read fails closed (exit 4)" t_replay

t_no_keys() {
    fresh || return 1
    QUANTUM_POLICY_VERIFIER_KEYS="$PROOF_WORK/none" shows_nothing 4 && grep -q "no policy verifier keys" "$PROOF_WORK/err"
}
check "a reader with no verifier keys configured accepts nothing (exit 4)" t_no_keys

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
