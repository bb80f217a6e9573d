#!/usr/bin/env bash
# Proof: quantum-status under a real systemd (PID 1 of private namespaces) reads each
# quantum timer over D-Bus: healthy (exit 0) while the timers run and succeed, and a
# failed run of a timer's service shows in its row and is exit 1. Run as an operator in
# the quantum group, not root.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/harness/harness.sh"
exec 3>&1

if ! harness_available; then
    skip "quantum-status under a real systemd" "$HARNESS_WHY"
    finish
    exit $?
fi
harness_boot >>"$PROOF_LOG" 2>&1
check "systemd boots as PID 1 of private namespaces with the staged install" harness_ready

# status [ARGS]: quantum-status as the operator "op" (a member of the quantum group).
status() { hx runuser -u op -- quantum-status "$@"; }

t_setup() {
    hx useradd --no-create-home --groups quantum op &&
        hx sh -c 'umask 077 && openssl genpkey -algorithm ed25519 -out /etc/quantum/policy-signing-key 2>/dev/null &&
            QUANTUM_POLICY_SIGNING_KEY_FILE=/etc/quantum/policy-signing-key policy-refresh --verifier-key \
                >/etc/quantum/policy-verifier-keys && chmod 644 /etc/quantum/policy-verifier-keys' &&
        harness_shorten_timer quantum-policy-refresh.timer 300 && harness_shorten_timer quantum-exit-owner-watch.timer 2 &&
        hx systemctl daemon-reload &&
        hx systemctl start quantum-policy-refresh.timer quantum-exit-owner-watch.timer quantum-audit-summary.timer &&
        hx_wait 20 sh -c '[ "$(redis-cli EXISTS quantum:policy:current)" = 1 ]' &&
        hx_wait 20 sh -c '[ "$(systemctl show -p Result --value quantum-exit-owner-watch.service)" = success ] &&
            [ "$(systemctl show -p ExecMainExitTimestampMonotonic --value quantum-exit-owner-watch.service)" != 0 ]'
}
check "the timers run: a policy is stored and exit-owner-watch has run" t_setup

t_healthy() {
    local out rc
    out=$(status --json)
    rc=$?
    echo "$out" >"$PROOF_WORK/healthy.json"
    status >&3
    echo "exit $rc"
    [ "$rc" = 0 ] &&
        /usr/bin/python3 - "$PROOF_WORK/healthy.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
timers = {t["timer"]: t for t in j["timers"]}
for name in ("quantum-policy-refresh.timer", "quantum-exit-owner-watch.timer", "quantum-audit-summary.timer"):
    t = timers[name]
    assert t["active_state"] == "active" and t["health"] == "ok", t
    assert t["next_elapse_epoch"], t
p = timers["quantum-policy-refresh.timer"]
assert p["last_trigger_epoch"] and p["result"] == "success", p
assert j["systemd"]["reachable"] and j["policy"]["state"] == "valid", j
print("ok")
PY
}
check "as an operator in the quantum group: the timer rows (last run, result, next run) and exit 0" t_healthy

t_failed_run() {
    # The watch's next runs fail (exit 2, a bad flag): the timer fires it, systemd records it.
    hx mkdir -p /etc/systemd/system/quantum-exit-owner-watch.service.d
    hx sh -c 'printf "[Service]\nExecStart=\nExecStart=/usr/bin/exit-owner-watch --no-such-flag\n" \
        >/etc/systemd/system/quantum-exit-owner-watch.service.d/50-proof-fail.conf'
    hx systemctl daemon-reload
    hx_wait 20 sh -c '[ "$(systemctl show -p Result --value quantum-exit-owner-watch.service)" = exit-code ]' || return 1
    local out rc
    out=$(status --json)
    rc=$?
    echo "$out" >"$PROOF_WORK/failed.json"
    status >&3
    echo "exit $rc"
    [ "$rc" = 1 ] &&
        /usr/bin/python3 - "$PROOF_WORK/failed.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
t = {t["timer"]: t for t in j["timers"]}["quantum-exit-owner-watch.timer"]
assert t["result"] == "exit-code" and t["exit_status"] == 2 and t["health"] == "look", t
assert j["exit_code"] == 1, j
print("ok")
PY
}
check "a failed run of a timer's service shows in its row (exit-code, status 2) and is exit 1" t_failed_run

t_stopped_timer() {
    hx rm -f /etc/systemd/system/quantum-exit-owner-watch.service.d/50-proof-fail.conf
    hx systemctl daemon-reload && hx systemctl reset-failed quantum-exit-owner-watch.service
    hx systemctl stop quantum-audit-summary.timer
    local rc
    status >&3
    rc=$?
    [ "$rc" = 1 ] && status --json | /usr/bin/python3 -c '
import json, sys
t = {t["timer"]: t for t in json.load(sys.stdin)["timers"]}["quantum-audit-summary.timer"]
assert t["active_state"] == "inactive" and t["health"] == "look", t
print("ok")' 
}
check "a stopped timer is shown NOT ACTIVE and is exit 1" t_stopped_timer

t_journal_event() {
    # Run by a unit, the verdict is a journal event with its MESSAGE_ID and exit code.
    hx systemd-run --wait --quiet --unit=qops-status-probe -p User=op -p StandardError=journal \
        /usr/bin/quantum-status >/dev/null 2>&1
    local json
    json=$(hx journalctl --no-pager -o json MESSAGE_ID=34509c5186a54db7834850564b40cb06 \
        _SYSTEMD_UNIT=qops-status-probe.service)
    echo "$json"
    grep -q '"QUANTUM_TOOL":"quantum-status"' <<<"$json" && grep -q '"QUANTUM_EXIT_CODE":"1"' <<<"$json" &&
        grep -q '"QUANTUM_STATUS_PROBLEMS":"timer quantum-audit-summary"' <<<"$json"
}
check "run by a unit, the verdict is a journal entry with MESSAGE_ID, QUANTUM_EXIT_CODE and the rows to look at" t_journal_event

t_latched() {
    hx systemctl start quantum-apply-layer.service quantum-execution.service
    hx emergency-stop trip --reason "proof: status drill" >/dev/null 2>&1 || return 1
    local rc
    status >&3
    rc=$?
    [ "$rc" = 4 ] && status --json | /usr/bin/python3 -c '
import json, sys
e = json.load(sys.stdin)["emergency_stop"]
assert e["latched"] and e["enforced"] and e["reason"] == "proof: status drill", e
assert all(u["stopped"] for u in e["units"].values()), e
print("ok")'
}
check "a tripped emergency stop: latched, enforced (every guarded unit verified stopped), exit 4" t_latched

finish
