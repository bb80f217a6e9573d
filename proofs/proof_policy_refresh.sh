#!/usr/bin/env bash
# Proof: policy-refresh stores a validated policy atomically, with its SHA-256, expiry
# and audit entry, against a real redis-server. Replaces the seed's grep-based
# scripts/proof_policy_refresh.sh (10 tests).
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

field() { rcli HGET "$KEY" "$1"; }
# hash_digest KEY, field by field: policy_note spans lines, which lib.sh's line pairs would split.
hash_digest() {
    local keys
    keys=$(rcli HKEYS "$1" | LC_ALL=C sort) || { echo "unreadable"; return 1; }
    if [ -z "$keys" ]; then echo "empty"; return 0; fi
    while read -r f; do printf '%s\0%s\0' "$f" "$(rcli HGET "$1" "$f")"; done <<<"$keys" | sha256sum | cut -d' ' -f1
}

t_runs() { policy-refresh --help | grep -q "Exit codes:" && policy-refresh --version; }
check "policy-refresh runs and documents its exit codes" t_runs

t_refresh() {
    policy-refresh --policy "$SAMPLE" --metrics-dir "$PROOF_WORK" || return 1
    local f
    for f in policy_version policy_hash valid_until_epoch created_at_epoch generator universe_count \
        leverage_range exit_owner policy_json policy_seq policy_note; do
        [ -n "$(field "$f")" ] || { echo "missing field $f"; return 1; }
    done
}
check "a refresh of the sample policy stores every field of quantum:policy:current" t_refresh

t_hash() {
    local want got
    want=$(field policy_hash)
    got=$(printf '%s' "$(field policy_json)" | sha256sum | cut -d' ' -f1)
    echo "stored=$want computed=$got"
    [ "$want" = "$got" ]
}
check "policy_hash is the SHA-256 of the stored policy_json" t_hash

t_signed() {
    local note seq
    note=$(field policy_note)
    seq=$(field policy_seq)
    printf '%s\n' "$note"
    [ "$(printf '%s\n' "$note" | sed -n 1,3p)" = "$(printf 'quantum-ops/policy\n%s\n%s' "$seq" "$(field policy_hash)")" ] &&
        printf '%s\n' "$note" | grep -q "^— quantum-ops/policy " &&
        grep -q "\"policy_seq\":$seq[,}]" <<<"$(field policy_json)" && policy-show >/dev/null
}
check "the policy is signed: policy_note names policy_seq and policy_hash, policy-show accepts it" t_signed

t_seq_rises() {
    local before
    before=$(field policy_seq)
    policy-refresh --policy "$SAMPLE" 2>/dev/null || return 1
    echo "policy_seq $before -> $(field policy_seq)"
    [ "$(field policy_seq)" -gt "$before" ]
}
check "policy_seq rises with every refresh" t_seq_rises

t_key_handling() {
    local before err rc=0
    before=$(hash_digest "$KEY")
    err=$(QUANTUM_POLICY_SIGNING_KEY_FILE='' CREDENTIALS_DIRECTORY='' policy-refresh --policy "$SAMPLE" 2>&1) || rc=$?
    echo "$err"
    [ "$rc" -eq 2 ] && grep -q QUANTUM_POLICY_SIGNING_KEY_FILE <<<"$err" || return 1
    cp "$QUANTUM_POLICY_SIGNING_KEY_FILE" "$PROOF_WORK/open-key" && chmod 644 "$PROOF_WORK/open-key"
    rc=0
    err=$(QUANTUM_POLICY_SIGNING_KEY_FILE="$PROOF_WORK/open-key" policy-refresh --policy "$SAMPLE" 2>&1) || rc=$?
    echo "$err"
    [ "$rc" -eq 2 ] && grep -q "$PROOF_WORK/open-key" <<<"$err" && [ "$(hash_digest "$KEY")" = "$before" ] &&
        [ "$(policy-refresh --verifier-key)" = "$(cat "$QUANTUM_POLICY_VERIFIER_KEYS")" ]
}
check "no signing key, or one readable by others: exit 2 naming it, nothing written; --verifier-key prints the key" t_key_handling

t_expiry() {
    local now until ttl
    now=$(date +%s)
    until=$(field valid_until_epoch)
    ttl=$(rcli TTL "$KEY")
    echo "now=$now valid_until=$until ttl=$ttl"
    [ "$until" -gt $((now + 1800)) ] && [ "$ttl" -gt 0 ] && [ $((now + ttl - until)) -le 2 ]
}
check "valid_until_epoch is more than 30 min ahead and the key expires with it" t_expiry

t_content() {
    [ "$(field universe_count)" = 10 ] && [ "$(field leverage_range)" = "6.0x-15.0x" ] &&
        [ "$(field exit_owner)" = exitbrain_v3_5 ] && [ "$(field policy_version)" = 1.0.0-ai-sample ]
}
check "universe 10 symbols, leverage 6.0x-15.0x, exit owner exitbrain_v3_5" t_content

t_audit() {
    local entry
    entry=$(rcli --no-raw XREVRANGE quantum:stream:policy.audit + - COUNT 1)
    echo "$entry"
    local f
    for f in policy_version policy_hash valid_until_epoch created_at_epoch generator universe_count leverage_range; do
        grep -q "\"$f\"" <<<"$entry" || { echo "audit lacks $f"; return 1; }
    done
    grep -q "\"$(field policy_hash)\"" <<<"$entry"
}
check "the save published an audit entry with the policy's hash and fields" t_audit

t_fail_open() {
    local before
    before=$(rcli XLEN quantum:stream:policy.audit)
    rcli RENAME quantum:stream:policy.audit audit.saved >/dev/null
    rcli SET quantum:stream:policy.audit not-a-stream >/dev/null
    local err rc=0
    err=$(policy-refresh --policy "$SAMPLE" 2>&1) || rc=$?
    echo "$err"
    rcli DEL quantum:stream:policy.audit >/dev/null
    rcli RENAME audit.saved quantum:stream:policy.audit >/dev/null
    [ "$rc" -eq 0 ] && grep -q "WARN: Audit entry not written" <<<"$err" &&
        [ "$(field policy_hash)" = "$(printf '%s' "$(field policy_json)" | sha256sum | cut -d' ' -f1)" ] &&
        [ "$(rcli XLEN quantum:stream:policy.audit)" = "$before" ]
}
check "an unavailable audit stream is a WARN and the policy is still saved (exit 0)" t_fail_open

t_lock() {
    local before err rc=0
    before=$(field policy_hash)
    rcli SET quantum:lock:policy-refresh other-host:1:token PX 60000 >/dev/null
    err=$(policy-refresh --policy "$SAMPLE" 2>&1) || rc=$?
    echo "$err"
    local holder
    holder=$(rcli GET quantum:lock:policy-refresh)
    rcli DEL quantum:lock:policy-refresh >/dev/null
    [ "$rc" -eq 0 ] && grep -q "INFO: Another refresh holds" <<<"$err" &&
        [ "$(field policy_hash)" = "$before" ] && [ "$holder" = other-host:1:token ]
}
check "a refresh lock held by another host skips the run (INFO, exit 0)" t_lock

t_invalid() {
    local before bad="$PROOF_WORK/bad.json"
    before=$(hash_digest "$KEY")
    [ "$before" != empty ] || { echo "no stored policy to compare with"; return 1; }
    sed 's/"max": 15.0/"max": 500/' "$SAMPLE" >"$bad"
    expect_exit 2 policy-refresh --policy "$bad" &&
        expect_exit 2 policy-refresh --generator 'echo garbage' &&
        expect_exit 2 policy-refresh --generator 'sleep 10' --generator-timeout 0.3 &&
        [ "$(hash_digest "$KEY")" = "$before" ]
}
check "invalid documents and failing generators exit 2 and write nothing" t_invalid

t_redis_down() {
    local before
    before=$(hash_digest "$KEY")
    [ "$before" != empty ] || { echo "no stored policy to compare with"; return 1; }
    kill_redis
    expect_exit 3 policy-refresh --policy "$SAMPLE" || return 1
    restart_redis || return 1
    echo "before=$before after=$(hash_digest "$KEY")"
    [ "$(hash_digest "$KEY")" = "$before" ] && policy-show >/dev/null
}
check "Redis down gives exit 3 and the previous policy survives intact" t_redis_down

finish
