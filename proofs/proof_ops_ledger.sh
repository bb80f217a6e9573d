#!/usr/bin/env bash
# Proof: ops-ledger-append writes, chains and verifies the ops ledger, in a real git
# checkout, read back with Python's YAML parser (the original tool's). Replaces the
# hand-kept OPS_CHANGELOG.md and ops_ledger_append.py.
source "$(dirname "$0")/lib.sh"
REPO="$PROOF_WORK/repo"
mkdir -p "$REPO/ops"
cp "$QOPS_SOURCE_DIR/tests/data/ledger/seed_OPS_CHANGELOG.md" "$REPO/ops/OPS_CHANGELOG.md"
git -C "$REPO" init -q && git -C "$REPO" -c user.email=p@x -c user.name=proof add -A &&
    git -C "$REPO" -c user.email=p@x -c user.name=proof commit -qm seed
L="$REPO/ops/OPS_CHANGELOG.md"
# A throwaway checkpoint signing key and the verifier key that trusts it.
openssl genpkey -algorithm ed25519 -out "$PROOF_WORK/signing-key" 2>/dev/null && chmod 600 "$PROOF_WORK/signing-key"
export QUANTUM_LEDGER_SIGNING_KEY_FILE="$PROOF_WORK/signing-key"
export QUANTUM_VERIFIER_KEYS="$PROOF_WORK/verifier-keys"
export QUANTUM_VERIFIER_STATE_DIR="$PROOF_WORK/verifier-state"
ops-ledger-append --verifier-key >"$QUANTUM_VERIFIER_KEYS"
yaml_field() { # yaml_field INDEX FIELD: a field of the INDEX-th block, read by PyYAML
    /usr/bin/python3 - "$L" "$1" "$2" <<'PY'
import re, sys, yaml
blocks = re.findall(r"```yaml\n(.*?)```", open(sys.argv[1]).read(), re.S)
print(yaml.safe_load(blocks[int(sys.argv[2])])[sys.argv[3]])
PY
}

t_seed() {
    local out rc=0
    out=$(ops-ledger-append --ledger "$L" --verify --json 2>&1) || rc=$?
    echo "$out"
    [ "$rc" -eq 4 ] && grep -q '"entries":7' <<<"$out" && grep -q '"legacy":7' <<<"$out" && grep -q "no checkpoint" <<<"$out"
}
check "the seed's hand-kept ledger reads completely (7 legacy entries); without a checkpoint it is exit 4" t_seed

t_default_ledger() {
    (cd "$REPO" && ops-ledger-append --name "Install quantum-ops" --risk-class SERVICE_RESTART \
        --blast-radius "policy refresh, exit-owner watch, audit summary" --summary "units and tools installed" \
        --outcome SUCCESS --service quantum-policy-refresh --proof-file "$QOPS_SOURCE_DIR/proofs/proof_ess.sh" >/dev/null) &&
        [ "$(yaml_field 0 operation_id)" = "OPS-$(date -u +%F)-001" ]
}
check "in a git checkout the default ledger is ops/OPS_CHANGELOG.md; the id is OPS-<today>-001" t_default_ledger

t_fields() {
    [ "$(yaml_field 0 git_commit)" = "$(git -C "$REPO" rev-parse --short=8 HEAD)" ] &&
        [ "$(yaml_field 0 git_branch)" = "$(git -C "$REPO" rev-parse --abbrev-ref HEAD)" ] &&
        [ "$(yaml_field 0 hostname)" = "$(hostname)" ] &&
        yaml_field 0 proof_file | grep -q "'sha256': '$(sha256sum "$QOPS_SOURCE_DIR/proofs/proof_ess.sh" | cut -c1-16)'" &&
        yaml_field 0 services_status | grep -q "quantum-policy-refresh"
}
check "git commit and branch, hostname, proof-file digest and services status are recorded" t_fields

t_values() {
    local v=$'line 1\nline 2: with "quotes" # and a hash\n- dash'
    ops-ledger-append --ledger "$L" --name "yes" --risk-class READ_ONLY --blast-radius "null" --summary "1e3" \
        --outcome SUCCESS --notes "$v" >/dev/null &&
        [ "$(yaml_field 0 operation_name)" = yes ] && [ "$(yaml_field 0 blast_radius)" = null ] &&
        [ "$(yaml_field 0 changes_summary)" = 1e3 ] && [ "$(yaml_field 0 notes)" = "$v" ]
}
check "values like yes, null, 1e3 and multi-line text read back as the same strings (PyYAML)" t_values

t_bad_flags() {
    local before
    before=$(sha256sum "$L")
    expect_exit 2 ops-ledger-append --ledger "$L" --name x --risk-class NOPE --blast-radius b --summary s --outcome SUCCESS &&
        expect_exit 2 ops-ledger-append --ledger "$L" --risk-class READ_ONLY --blast-radius b --summary s --outcome SUCCESS &&
        [ "$(sha256sum "$L")" = "$before" ]
}
check "invalid or missing required flags exit 2 and leave the ledger untouched" t_bad_flags

t_concurrent() {
    local i
    for i in $(seq 16); do
        ops-ledger-append --ledger "$L" --name "parallel $i" --risk-class READ_ONLY --blast-radius none \
            --summary s --outcome SUCCESS >/dev/null 2>&1 &
    done
    wait
    [ "$(grep -c "^operation_name: parallel" "$L")" -eq 16 ] &&
        [ "$(grep -o "^operation_id: OPS-$(date -u +%F)-0[0-9][0-9]" "$L" | sort -u | wc -l)" -eq 18 ] &&
        ops-ledger-append --ledger "$L" --verify
}
check "16 shells appending at once: 16 entries, distinct ids, the chain verifies" t_concurrent

t_rollback() {
    ops-ledger-append --ledger "$L" --rollback-of "OPS-$(date -u +%F)-001" --name "Uninstall" --risk-class SERVICE_RESTART \
        --blast-radius all --summary "units removed" --git-tag >/dev/null &&
        [ "$(yaml_field 0 outcome)" = ROLLBACK ] && [ "$(yaml_field 0 rollback_of)" = "OPS-$(date -u +%F)-001" ] &&
        git -C "$REPO" tag -l "ops-$(date -u +%F)-*" | grep -q . &&
        expect_exit 2 ops-ledger-append --ledger "$L" --rollback-of OPS-1999-01-01-001 --name x --risk-class READ_ONLY \
            --blast-radius b --summary s
}
check "--rollback-of appends a ROLLBACK entry (and --git-tag an annotated tag); an unknown id is exit 2" t_rollback

t_tamper() {
    cp "$L" "$PROOF_WORK/good.md"
    sed -i '0,/^operation_name: parallel/s//operation_name: edited/' "$L"
    local before rc=0
    before=$(sha256sum "$L")
    ops-ledger-append --ledger "$L" --verify || rc=$?
    expect_exit 4 ops-ledger-append --ledger "$L" --name x --risk-class READ_ONLY --blast-radius b --summary s \
        --outcome SUCCESS && [ "$(sha256sum "$L")" = "$before" ] || rc=1
    cp "$PROOF_WORK/good.md" "$L"
    [ "$rc" -eq 4 ]
}
check "an edited entry is caught: exit 4 from --verify and from an append, which writes nothing" t_tamper

t_unreadable() {
    expect_exit 3 ops-ledger-append --ledger "$PROOF_WORK/missing.md" --verify &&
        expect_exit 3 ops-ledger-append --ledger "$PROOF_WORK/missing.md" --name x --risk-class READ_ONLY \
            --blast-radius b --summary s --outcome SUCCESS
}
check "a ledger that cannot be read is exit 3, whether appending or verifying" t_unreadable

t_dry_run() {
    local before
    before=$(sha256sum "$L")
    ops-ledger-append --ledger "$L" --name preview --risk-class READ_ONLY --blast-radius none --summary s \
        --outcome SUCCESS --dry-run --json | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["dry_run"] and d["operation_id"].startswith("OPS-")' &&
        [ "$(sha256sum "$L")" = "$before" ]
}
check "--dry-run --json prints the entry and writes nothing" t_dry_run

t_trailer() { tail -n 12 "$L" | grep -q "Git-native alternative" && grep -q "^## Template (copy for new entries)" "$L"; }
check "the Template and Usage Notes sections stay at the end, untouched" t_trailer

finish
