#!/usr/bin/env bash
# Proof: the emergency stop under a real systemd (PID 1 of private namespaces), one check
# per fault. Four stand-in trading units run (plain, Restart=always, ignoring SIGTERM,
# KillMode=process leaving a child) and two monitoring units; `trip` stops the four, every
# cgroup ends empty, monitoring is untouched, starts are refused while latched, a second
# trip after the latch was removed by hand stops them again, the stop works with
# dbus-daemon stopped, a misspelled unit is a FAIL, the cancel hook is run and bounded,
# and after a reboot (/var/lib and /etc kept, /run fresh) the enabled units stay down.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/harness/harness.sh"

TRADING="quantum-ai-engine.service quantum-execution.service quantum-apply-layer.service quantum-governor.service"
MONITORING="quantum-monitor.service quantum-metrics-exporter.service"
LATCH=/var/lib/quantum/ESS_ON
SEED=/run/quantum/ESS_ON

if ! harness_available; then
    skip "emergency stop under a real systemd" "$HARNESS_WHY"
    finish
    exit $?
fi
harness_boot >>"$PROOF_LOG" 2>&1
check "systemd boots as PID 1 of private namespaces with the staged install" harness_ready
exec 3>&1

t_running() {
    # Enabled, so that the reboot check below shows the guard holding at boot.
    hx systemctl enable $TRADING || return 1
    hx systemctl start quantum-ess.path $TRADING $MONITORING || return 1
    hx_all active $TRADING $MONITORING quantum-ess.path
}
check "four trading units (enabled), two monitoring units and quantum-ess.path are running" t_running

MON_SINCE=$(hx systemctl show -p ActiveEnterTimestampMonotonic --value $MONITORING | tr '\n' ' ')

# Every trading unit inactive or failed and its cgroup without a process.
all_stopped() {
    local u pids
    for u in $TRADING; do
        case "$(hx systemctl show -p ActiveState --value "$u")" in inactive | failed) ;; *) return 1 ;; esac
        pids=$(hx cat "/sys/fs/cgroup/system.slice/$u/cgroup.procs" 2>/dev/null || true)
        [ -z "$pids" ] || return 1
    done
}
show_units() {
    local u
    for u in $TRADING; do
        echo "$u: $(hx systemctl show -p ActiveState --value "$u") procs=[$(hx cat "/sys/fs/cgroup/system.slice/$u/cgroup.procs" 2>/dev/null | tr '\n' ' ')]"
    done
}
start_trading() {
    hx systemctl start $TRADING && hx_all active $TRADING
}
reset_latch() {
    hx emergency-stop reset --confirm --reason "proof: next fault" >/dev/null 2>&1
}

t_trip() {
    local out rc=0 t0 ms
    t0=$(date +%s%N)
    out=$(hx emergency-stop trip --reason "proof: runaway orders" 2>&1) || rc=$?
    ms=$((($(date +%s%N) - t0) / 1000000))
    echo "$out" | tee "$PROOF_WORK/trip1.log"
    show_units
    echo "    measured: trip returned after ${ms} ms, exit $rc" >&3
    grep -E "stopped|verified" <<<"$out" | sed 's/^/    trip: /' >&3
    [ "$rc" -eq 0 ] && all_stopped && grep -q "All 4 trading units verified stopped" <<<"$out" &&
        hx test -e "$LATCH" && [ "$ms" -lt 3000 ]
}
check "trip is synchronous: exit 0 only once all four are inactive with empty cgroups (KillMode=process child too)" t_trip

t_sigkill() {
    # quantum-ess.service (started by the path unit) enforces at the same time as the trip:
    # whichever of the two got there first sent the SIGKILL.
    { cat "$PROOF_WORK/trip1.log"; hx journalctl -u quantum-ess.service -o cat --no-pager; } | tee "$PROOF_WORK/kills.log"
    grep -Eq "quantum-governor.service stopped \((cgroup-)?killed\)" "$PROOF_WORK/kills.log" &&
        grep -Eq "quantum-apply-layer.service stopped \((cgroup-)?killed\)" "$PROOF_WORK/kills.log"
}
check "the unit ignoring SIGTERM and the child left by KillMode=process were SIGKILLed" t_sigkill

t_monitoring() {
    hx_all active $MONITORING || return 1
    local now
    now=$(hx systemctl show -p ActiveEnterTimestampMonotonic --value $MONITORING | tr '\n' ' ')
    echo "before: $MON_SINCE after: $now"
    [ "$now" = "$MON_SINCE" ]
}
check "monitoring units are untouched (still active, never restarted)" t_monitoring

t_start_blocked() {
    local out rc=0
    out=$(hx systemctl start quantum-execution.service 2>&1) || rc=$?
    echo "rc=$rc: $out"
    sleep 0.5
    [ "$rc" -ne 0 ] && grep -qi "assertion failed" <<<"$out" && all_stopped
}
check "a start attempt while latched fails visibly (Assertion failed) and Restart= cannot revive them" t_start_blocked

t_status() {
    local out rc=0
    out=$(hx env QUANTUM_METRICS_DIR=/var/lib/quantum/metrics emergency-stop status --json) || rc=$?
    echo "$out"
    hx grep quantum_ess /var/lib/quantum/metrics/emergency-stop.prom
    [ "$rc" -eq 1 ] && grep -q '"latched":true' <<<"$out" && grep -q '"enforced":true' <<<"$out" &&
        grep -q 'proof: runaway orders' <<<"$out" &&
        hx grep -q '^quantum_ess_enforced{.*} 1$' /var/lib/quantum/metrics/emergency-stop.prom
}
check "status --json says latched and enforced (exit 1 while latched); quantum_ess_enforced 1" t_status

t_audit() {
    hx cat /var/log/quantum/audit.log | tee "$PROOF_WORK/audit.log"
    grep -Eq "ESS trip by root \(enforced, via systemd private socket\); latch by root at .*: proof: runaway orders; units .*quantum-governor.service=[a-z-]+\([0-9]+ms\).*elapsed [0-9]+ ms" \
        "$PROOF_WORK/audit.log"
}
check "the trip is in the audit log (who, why, per-unit result, elapsed ms)" t_audit

t_rm_latch() {
    # The latch removed by hand: quantum-ess.service is still active from the path unit, so
    # the path unit alone would do nothing on the next trip.
    hx rm -f "$LATCH" "$SEED" || return 1
    start_trading || return 1
    echo "quantum-ess.service: $(hx systemctl is-active quantum-ess.service)"
    local rc=0
    hx emergency-stop trip --reason "proof: second trip" || rc=$?
    show_units
    [ "$rc" -eq 0 ] && all_stopped
}
check "latch removed with rm, units restarted: a second trip stops them again" t_rm_latch

t_seed() {
    reset_latch
    start_trading || return 1
    hx touch "$SEED" || return 1
    local i
    for i in $(seq 100); do all_stopped && break; sleep 0.05; done
    show_units
    all_stopped && hx test -e "$LATCH"
}
check "creating the seed's /run/quantum/ESS_ON by hand is a trip (and the latch becomes persistent)" t_seed

t_dbus_down() {
    reset_latch
    start_trading || return 1
    hx systemctl stop dbus.socket dbus.service || return 1
    local out rc=0
    out=$(hx emergency-stop trip --reason "proof: dbus down" 2>&1) || rc=$?
    echo "$out"
    show_units
    hx systemctl start dbus.socket dbus.service
    [ "$rc" -eq 0 ] && all_stopped && grep -q "via systemd private socket" <<<"$out"
}
check "dbus-daemon stopped before the trip: the units are still stopped (systemd's private socket)" t_dbus_down

t_misspelled() {
    reset_latch
    start_trading || return 1
    local out rc=0
    out=$(hx env QUANTUM_ESS_UNITS="$TRADING quantum-exectuion" emergency-stop trip --reason "proof: typo" 2>&1) || rc=$?
    echo "$out"
    [ "$rc" -eq 1 ] && grep -q "FAIL: quantum-exectuion.service is not a loaded unit" <<<"$out" &&
        grep -q "NOT ENFORCED" <<<"$out" && ! grep -q "All 5 trading units verified stopped" <<<"$out" && all_stopped
}
check "a misspelled unit in the list: trip exits 1 and names it (the others are still stopped)" t_misspelled

t_cancel_hook() {
    reset_latch
    start_trading || return 1
    local out rc=0 t0 ms
    t0=$(date +%s%N)
    out=$(hx env QUANTUM_ESS_CANCEL_COMMAND='echo cancelling all orders; sleep 60' QUANTUM_ESS_CANCEL_TIMEOUT=1 \
        emergency-stop trip --reason "proof: hook hangs" 2>&1) || rc=$?
    ms=$((($(date +%s%N) - t0) / 1000000))
    echo "$out"
    echo "    cancel hook that hangs: killed at its 1 s deadline, trip returned after ${ms} ms, exit $rc" >&3
    local status
    status=$(hx emergency-stop status --json)
    echo "$status"
    [ "$rc" -eq 1 ] && [ "$ms" -lt 4000 ] && grep -q "cancel hook failed: timed out" <<<"$out" &&
        grep -q "cancelling all orders" <<<"$status" && all_stopped &&
        hx grep -q "cancel timed out" /var/log/quantum/audit.log &&
        ! hx pgrep -f "sleep 60"
}
check "the cancel hook runs after the stops; one that hangs is killed at its deadline, FAIL, recorded" t_cancel_hook

t_reset() {
    expect_exit 2 hx emergency-stop reset --confirm || return 1
    hx test -e "$LATCH" || return 1
    hx emergency-stop reset --confirm --reason "proof: desk says go" || return 1
    sleep 0.5
    ! hx test -e "$LATCH" && ! hx test -e "$SEED" && ! hx systemctl is-active -q $TRADING &&
        [ "$(hx systemctl is-active quantum-ess.service)" = inactive ] && hx_all active $MONITORING &&
        hx grep -q "ESS reset by .*: proof: desk says go" /var/log/quantum/audit.log
}
check "reset needs --confirm and --reason, removes the latches, starts nothing, is audited" t_reset

t_redis_paused() {
    start_trading || return 1
    # Redis hangs (SIGSTOP): the kill switch must not wait for it (alert after, 500 ms).
    hx systemctl kill -s SIGSTOP qops-redis.service || return 1
    local rc=0
    hx emergency-stop trip --reason "proof: before reboot" 2>"$PROOF_WORK/paused.log" || rc=$?
    hx systemctl kill -s SIGCONT qops-redis.service
    cat "$PROOF_WORK/paused.log"
    [ "$rc" -eq 0 ] && all_stopped && grep -q "ESS alert not sent" "$PROOF_WORK/paused.log"
}
check "with Redis paused a trip still stops them (alert WARN)" t_redis_paused

t_alert() {
    hx redis-cli XRANGE quantum:stream:alerts - + | tee "$PROOF_WORK/alerts"
    grep -q ESS_TRIPPED "$PROOF_WORK/alerts" && grep -q "proof: runaway orders" "$PROOF_WORK/alerts" &&
        grep -q ESS_FAIL "$PROOF_WORK/alerts" && grep -q "quantum-exectuion.service" "$PROOF_WORK/alerts"
}
check "alerts reached Redis: ESS_TRIPPED, and ESS_FAIL naming the misspelled unit" t_alert

# Reboot while latched: /var/lib and /etc kept, /run fresh.
harness_reboot >>"$PROOF_LOG" 2>&1
check "reboot: systemd boots again with /var/lib and /etc kept and /run fresh" harness_ready

t_after_reboot() {
    hx_all enabled $TRADING || return 1
    show_units
    hx journalctl -b -o cat --no-pager | grep -i "assertion" | head
    local out rc=0
    out=$(hx emergency-stop status --json) || rc=$?
    echo "$out"
    ! hx test -e "$SEED" && hx test -e "$LATCH" && all_stopped && [ "$rc" -eq 1 ] &&
        grep -q '"latched":true' <<<"$out" && grep -q "proof: before reboot" <<<"$out"
}
check "after the reboot the enabled trading units did not start; status says latched" t_after_reboot

finish
