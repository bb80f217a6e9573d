#!/usr/bin/env bash
# Proof: under systemd every tool's log line is a structured journal entry: MESSAGE keeps
# the contract's text (greps keep working) and QUANTUM_TOOL= / QUANTUM_LEVEL= /
# PRIORITY= let journalctl filter on them.
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

finish
