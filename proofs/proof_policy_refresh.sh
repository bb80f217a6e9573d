#!/usr/bin/env bash
# Proof: policy-refresh stores a validated policy atomically, with its SHA-256, expiry
# and audit entry, against a real redis-server. Replaces the seed's grep-based
# scripts/proof_policy_refresh.sh (10 tests).
source "$(dirname "$0")/lib.sh"

SAMPLE="$QOPS_SOURCE_DIR/ops/policy.sample.json"
KEY=quantum:policy:current
start_redis

field() { rcli HGET "$KEY" "$1"; }

t_runs() { policy-refresh --help | grep -q "Exit codes:" && policy-refresh --version; }
check "policy-refresh runs and documents its exit codes" t_runs

t_refresh() {
    policy-refresh --policy "$SAMPLE" --metrics-dir "$PROOF_WORK" || return 1
    local f
    for f in policy_version policy_hash valid_until_epoch created_at_epoch generator universe_count \
        leverage_range exit_owner policy_json; do
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
