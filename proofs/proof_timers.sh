#!/usr/bin/env bash
# Proof: the timers run the installed tools for real under systemd (PID 1 of private
# namespaces). Drop-ins shorten the periods to seconds. A stand-in quantum-apply-layer
# logs DENY_NOT_EXIT_OWNER lines and the exit-owner timer raises alerts in Redis, each
# event counted once; the policy timer keeps quantum:policy:current fresh; the
# audit-summary service runs with its EnvironmentFile (webhook) and credential (chain key).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/harness/harness.sh"
exec 3>&1

if ! harness_available; then
    skip "timers under a real systemd" "$HARNESS_WHY"
    finish
    exit $?
fi
harness_boot >>"$PROOF_LOG" 2>&1
check "systemd boots as PID 1 of private namespaces with the staged install" harness_ready


# The policy signing key (the unit's credential, root-owned 0600) and the verifier key
# that policy-show trusts, made in the harness as an operator would (runbook policy-keys.md).
policy_keys() {
    hx sh -c 'umask 077 && openssl genpkey -algorithm ed25519 -out /etc/quantum/policy-signing-key 2>/dev/null &&
        QUANTUM_POLICY_SIGNING_KEY_FILE=/etc/quantum/policy-signing-key policy-refresh --verifier-key \
            >/etc/quantum/policy-verifier-keys && chmod 644 /etc/quantum/policy-verifier-keys'
}

# --- policy timer
t_policy_timer() {
    policy_keys || return 1
    harness_shorten_timer quantum-policy-refresh.timer 3
    hx systemctl daemon-reload && hx systemctl start quantum-policy-refresh.timer || return 1
    hx_wait 20 sh -c '[ "$(redis-cli EXISTS quantum:policy:current)" = 1 ]' || return 1
    local first
    first=$(hx redis-cli HGET quantum:policy:current policy_hash)
    hx_wait 20 sh -c "[ \"\$(redis-cli HGET quantum:policy:current policy_hash)\" != '$first' ]" || return 1
    echo "    policy renewed by the timer: $(hx redis-cli HGET quantum:policy:current policy_version) hash ${first:0:8} -> $(hx redis-cli HGET quantum:policy:current policy_hash | cut -c1-8)" >&3
    hx policy-show
}
check "the policy timer stores and renews quantum:policy:current (policy-show exit 0)" t_policy_timer

t_policy_unit() {
    hx journalctl -u quantum-policy-refresh.service -o cat --no-pager | tail -n 8
    hx journalctl -u quantum-policy-refresh.service -o cat --no-pager | grep -q "OK: Policy refresh completed successfully" &&
        [ "$(hx systemctl show -p User --value quantum-policy-refresh.service)" = quantum ] &&
        # OK/INFO lines are stored at priority info, so nothing of a healthy run is an error.
        [ -z "$(hx journalctl -u quantum-policy-refresh.service -p err -o cat --no-pager -q)" ] &&
        [ -n "$(hx journalctl -u quantum-policy-refresh.service -p info -o cat --no-pager -q)" ]
}
check "the policy service runs as quantum and logs at the right journal priorities" t_policy_unit

# --- exit-owner timer
if hx test -e /lib/systemd/system/quantum-exit-owner-watch.timer; then
    t_exit_owner_timer() {
        hx systemctl start quantum-apply-layer.service || return 1
        harness_shorten_timer quantum-exit-owner-watch.timer 2
        hx systemctl daemon-reload && hx systemctl start quantum-exit-owner-watch.timer || return 1
        hx_wait 30 sh -c 'redis-cli XRANGE quantum:stream:alerts - + | grep -q EXIT_OWNER_VIOLATION' || return 1
        hx redis-cli XRANGE quantum:stream:alerts - + | head -n 40
    }
    check "the exit-owner timer raises EXIT_OWNER_VIOLATION alerts in Redis from the apply layer's journal" t_exit_owner_timer

    t_exactly_once() {
        # Let several runs pass while DENY lines keep coming, then stop the source and let
        # the watch catch up: the alerts' deny_count must add up to the journal's DENY lines.
        sleep 6
        hx systemctl stop quantum-apply-layer.service
        sleep 5
        local denies alerted runs
        denies=$(hx journalctl -u quantum-apply-layer.service -o cat --no-pager | grep -c DENY_NOT_EXIT_OWNER)
        alerted=$(hx sh -c "redis-cli --raw XRANGE quantum:stream:alerts - + | awk 'p { s += \$0; p = 0 } \$0 == \"deny_count\" { p = 1 } END { print s + 0 }'")
        runs=$(hx journalctl -u quantum-exit-owner-watch.service -o cat --no-pager | grep -c "EXIT-OWNER-WATCH")
        echo "    DENY lines in the journal: $denies; sum of deny_count over the alerts: $alerted" >&3
        echo "denies=$denies alerted=$alerted log-lines=$runs"
        [ "$denies" -gt 0 ] && [ "$denies" -eq "$alerted" ]
    }
    check "every DENY line is alerted exactly once across timer runs" t_exactly_once

    t_deny_fields() {
        # The FAIL lines of the violations are journal events: their QUANTUM_DENY_COUNT
        # fields add up to the journal's DENY lines as well.
        local denies counted
        denies=$(hx journalctl -u quantum-apply-layer.service -o cat --no-pager | grep -c DENY_NOT_EXIT_OWNER)
        counted=$(hx journalctl --no-pager -o json MESSAGE_ID=ccef00867ec542fcb4b3061674c6cf27 \
            _SYSTEMD_UNIT=quantum-exit-owner-watch.service | /usr/bin/python3 -c '
import json, sys
print(sum(int(json.loads(l)["QUANTUM_DENY_COUNT"]) for l in sys.stdin if l.strip()))')
        echo "    sum of QUANTUM_DENY_COUNT over MESSAGE_ID=exit_owner_violation entries: $counted" >&3
        [ "$denies" -gt 0 ] && [ "$denies" -eq "$counted" ]
    }
    check "journalctl MESSAGE_ID=<exit_owner_violation>: the entries' QUANTUM_DENY_COUNT add up to the DENY lines" t_deny_fields

    t_journal_group() {
        [ "$(hx systemctl show -p User --value quantum-exit-owner-watch.service)" = quantum ] &&
            hx systemctl show -p SupplementaryGroups --value quantum-exit-owner-watch.service | grep -qw systemd-journal &&
            hx sh -c 'ls /var/lib/quantum/exit-owner-watch/' | grep -q "exit-owner-watch"
    }
    check "the watch runs as quantum, reads the journal through systemd-journal, keeps its checkpoint in its StateDirectory" t_journal_group
else
    skip "exit-owner timer" "quantum-exit-owner-watch.timer is not installed by this build"
fi

# --- audit summary
if hx test -e /lib/systemd/system/quantum-audit-summary.service; then
    t_audit_summary() {
        # A webhook receiver inside the namespace; the EnvironmentFile points the service at it.
        hx mkdir -p /run/qops-posts
        hx systemd-run --unit qops-webhook-sink /usr/bin/python3 "$QOPS_SOURCE_DIR/tests/data/audit/http_sink.py" 18080 /run/qops-posts 204 >/dev/null
        hx_wait 10 bash -c 'exec 3<>/dev/tcp/127.0.0.1/18080' || return 1
        hx sh -c 'printf "QT_ALERT_WEBHOOK=http://127.0.0.1:18080/hook\n" >/etc/quantum/audit-summary.env'
        # The checkpoint signing key as an operator makes it (runbook audit-log.md), its
        # verifier key listed for the unit's verify; an entry signed with it, written as quantum.
        hx sh -c 'umask 077 && openssl genpkey -algorithm ed25519 -out /etc/quantum/keys/audit-signing-key 2>/dev/null &&
            QUANTUM_AUDIT_SIGNING_KEY_FILE=/etc/quantum/keys/audit-signing-key audit-log verifier-key \
                >/etc/quantum/audit-verifier-keys && chmod 644 /etc/quantum/audit-verifier-keys'
        hx sh -c 'install -m 0400 -o quantum /etc/quantum/keys/audit-signing-key /run/qops-key &&
            runuser -u quantum -- env QUANTUM_AUDIT_SIGNING_KEY_FILE=/run/qops-key audit-log --log /var/log/quantum/audit.log append "proof: an audited action"'
        hx systemctl start quantum-audit-summary.service || return 1
        hx journalctl -u quantum-audit-summary.service -o cat --no-pager | tee "$PROOF_WORK/audit-summary.log"
        [ "$(hx systemctl show -p Result --value quantum-audit-summary.service)" = success ] &&
            grep -q "Daily Audit Summary" "$PROOF_WORK/audit-summary.log" &&
            grep -q "entries verify (1 chained" "$PROOF_WORK/audit-summary.log" &&
            ! grep -q "unauthenticated" "$PROOF_WORK/audit-summary.log" &&
            grep -q "Audit log checkpoint" "$PROOF_WORK/audit-summary.log" &&
            grep -q "Summary posted to the webhook" "$PROOF_WORK/audit-summary.log" &&
            hx cat /run/qops-posts/1.json | grep -q "Daily Audit Summary"
    }
    check "the audit-summary service verifies the signed log and carries its checkpoint" t_audit_summary
else
    skip "audit-summary service" "quantum-audit-summary.service is not installed by this build"
fi

finish
