#!/usr/bin/env bash
# The comparison point: the original way of refreshing the policy (bash runs a Python
# generator, saves with redis-cli, then validates field by field like the seed's
# policy_refresh.sh). Kept only to measure against; it is not part of the product.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
PORT=${REDIS_PORT:-6379}
R() { redis-cli -p "$PORT" "$@"; }
log() { echo "$(date -u '+%Y-%m-%d %H:%M:%S') [POLICY-REFRESH] $*" >&2; }

log "INFO: Generating fresh policy..."
json=$(python3 "$HERE/generate_sample_policy.py")
hash=$(printf '%s' "$json" | sha256sum | cut -d' ' -f1)
version=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["policy_version"])' <<<"$json")
valid_until=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["valid_until_epoch"])' <<<"$json")
created=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["created_at_epoch"])' <<<"$json")
R HSET quantum:policy:current policy_version "$version" policy_hash "$hash" \
    valid_until_epoch "$valid_until" created_at_epoch "$created" generator generate_sample_policy \
    universe_count 10 leverage_range 6.0x-15.0x exit_owner exitbrain_v3_5 policy_json "$json" >/dev/null
R XADD quantum:stream:policy.audit MAXLEN '~' 1000 '*' policy_version "$version" policy_hash "$hash" \
    valid_until_epoch "$valid_until" created_at_epoch "$created" generator generate_sample_policy \
    universe_count 10 leverage_range 6.0x-15.0x >/dev/null
log "OK: Policy generated successfully"
log "INFO: Validating policy in Redis..."
V=$(R HGET quantum:policy:current policy_version)
H=$(R HGET quantum:policy:current policy_hash)
U=$(R HGET quantum:policy:current valid_until_epoch)
N=$(R HGET quantum:policy:current universe_count)
[ -n "$V" ] && [ -n "$H" ] && [ -n "$U" ] || { log "FAIL: missing fields"; exit 1; }
U_INT=$(echo "$U" | cut -d'.' -f1)
[ "$U_INT" -gt $(( $(date +%s) + 1800 )) ] || { log "FAIL: policy expires too soon"; exit 1; }
[ "$N" -gt 0 ] || { log "FAIL: empty universe"; exit 1; }
log "OK: Policy validated: version=$V hash=${H:0:8}"
log "OK: Policy refresh completed successfully"
