#!/usr/bin/env bash
# Proof: under systemd every tool's log line is a structured journal entry: MESSAGE keeps
# the contract's text (greps keep working) and QUANTUM_TOOL= / QUANTUM_LEVEL= /
# PRIORITY= let journalctl filter on them. Each kind of event has a stable MESSAGE_ID whose
# catalog entry (ops/catalog/quantum-ops.catalog, compiled as the postinst does) is what
# `journalctl -x` shows under a line that a real unit run produced, with its figures.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/harness/harness.sh"

if ! harness_available; then
    skip "structured journal entries under a real systemd" "$HARNESS_WHY"
    finish
    exit $?
fi
harness_boot >>"$PROOF_LOG" 2>&1
check "systemd runs as PID 1 of the harness" harness_ready

# audit-log needs nothing but a file: a run as a transient service, stderr to the journal.
hx systemd-run --wait --quiet --unit=qops-journal-probe -p StandardError=journal \
    /usr/bin/audit-log --log /tmp/probe-audit.log append "probe entry" >>"$PROOF_LOG" 2>&1
hx systemd-run --wait --quiet --unit=qops-journal-probe-fail -p StandardError=journal \
    /usr/bin/audit-log --log /nonexistent-dir/x/audit.log stats >>"$PROOF_LOG" 2>&1

t_fields() {
    local json
    json=$(hx journalctl --no-pager -o json QUANTUM_TOOL=audit-log _SYSTEMD_UNIT=qops-journal-probe.service)
    echo "$json"
    grep -q '"MESSAGE":"\[AUDIT-LOG\] OK: Audit logged: probe entry"' <<<"$json" &&
        grep -q '"QUANTUM_LEVEL":"OK"' <<<"$json" && grep -q '"PRIORITY":"6"' <<<"$json" &&
        grep -q '"SYSLOG_IDENTIFIER":"audit-log"' <<<"$json"
}
check "journalctl QUANTUM_TOOL=audit-log finds the run's line with its text, level and unit" t_fields

t_fail_priority() {
    local json
    json=$(hx journalctl --no-pager -o json QUANTUM_TOOL=audit-log QUANTUM_LEVEL=FAIL \
        _SYSTEMD_UNIT=qops-journal-probe-fail.service)
    echo "$json"
    grep -q '"PRIORITY":"3"' <<<"$json" && grep -q 'no audit log at /nonexistent-dir' <<<"$json"
}
check "a FAIL line is PRIORITY=3 and found by QUANTUM_LEVEL=FAIL" t_fail_priority

t_grep() {
    hx journalctl --no-pager -u qops-journal-probe.service | tee /dev/stderr | grep -q '\[AUDIT-LOG\] OK: Audit logged'
}
check "journalctl -u | grep still finds the seed's text" t_grep

# A real run of the installed policy-refresh unit, with its signing key as the operator
# makes it (runbook policy-keys.md), then the catalog compiled as the postinst does.
k_policy_stored=9eada67b682c419089285ff76bfdbc46
t_unit_run() {
    hx sh -c 'umask 077 && openssl genpkey -algorithm ed25519 -out /etc/quantum/policy-signing-key 2>/dev/null &&
        QUANTUM_POLICY_SIGNING_KEY_FILE=/etc/quantum/policy-signing-key policy-refresh --verifier-key \
            >/etc/quantum/policy-verifier-keys && chmod 644 /etc/quantum/policy-verifier-keys' &&
        hx systemctl start quantum-policy-refresh.service &&
        [ "$(hx systemctl show -p Result --value quantum-policy-refresh.service)" = success ] &&
        hx journalctl --update-catalog
}
check "quantum-policy-refresh.service runs and journalctl --update-catalog compiles the installed catalog" t_unit_run

t_tool_filter() {
    local lines
    lines=$(hx journalctl --no-pager -o cat QUANTUM_TOOL=policy-refresh _SYSTEMD_UNIT=quantum-policy-refresh.service)
    echo "$lines"
    grep -q '^\[POLICY-REFRESH\] OK: Policy refresh completed successfully$' <<<"$lines" &&
        grep -q '^\[POLICY-REFRESH\] INFO: Validating policy in Redis' <<<"$lines"
}
check "journalctl QUANTUM_TOOL=policy-refresh finds the unit run's lines, MESSAGE as the seed wrote it" t_tool_filter

t_event_fields() {
    local json seq
    json=$(hx journalctl --no-pager -o json MESSAGE_ID=$k_policy_stored _SYSTEMD_UNIT=quantum-policy-refresh.service)
    seq=$(hx redis-cli HGET quantum:policy:current policy_seq)
    echo "$json"
    echo "stored policy_seq=$seq"
    [ -n "$seq" ] && grep -q "\"QUANTUM_POLICY_SEQ\":\"$seq\"" <<<"$json" &&
        grep -q '"QUANTUM_TOOL":"policy-refresh"' <<<"$json" &&
        grep -q '"QUANTUM_POLICY_SIGNER":"quantum-ops/policy"' <<<"$json"
}
check "the policy_stored entry carries MESSAGE_ID and the stored seq as QUANTUM_POLICY_SEQ" t_event_fields

t_catalog_text() {
    local out seq
    seq=$(hx redis-cli HGET quantum:policy:current policy_seq)
    out=$(hx journalctl --no-pager -x MESSAGE_ID=$k_policy_stored _SYSTEMD_UNIT=quantum-policy-refresh.service)
    echo "$out"
    grep -q "Subject: Trading policy stored and validated (seq $seq)" <<<"$out" &&
        grep -q 'Support: file:///usr/share/doc/quantum-ops/runbooks/policy-refresh.md' <<<"$out" &&
        grep -q 'Nothing to do. Readers on every host accept it' <<<"$out"
}
check "journalctl -x MESSAGE_ID=<policy_stored> shows the catalog's text, its figures and runbook" t_catalog_text

finish
