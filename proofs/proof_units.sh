#!/usr/bin/env bash
# Proof: every unit in systemd/ passes `systemd-analyze verify` where it is installed (under
# the harness's real systemd, so the binaries exist), has the exposure the project
# promises under `systemd-analyze security --offline=yes` (below 2.0 "OK" for the
# timer-driven services, below 5.0 for the emergency stop, which needs D-Bus rights as
# root), and each timer's schedule is what the contract says, checked with
# `systemd-analyze calendar` and `timespan`.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/harness/harness.sh"
UNITS_DIR="$QOPS_SOURCE_DIR/systemd"
exec 3>&1

# The contract's schedule of each timer: seconds between two elapses.
declare -A PERIOD=(
    [quantum-policy-refresh.timer]=1800
    [quantum-exit-owner-watch.timer]=300
    [quantum-audit-summary.timer]=86400
)
# Exposure ceilings (exclusive).
ceiling() { case $1 in quantum-ess.service) echo 5.0 ;; *) echo 2.0 ;; esac; }

t_security() {
    local unit=$1 out score
    out=$(systemd-analyze security --offline=yes "$UNITS_DIR/$unit" 2>&1) || true
    score=$(sed -n 's/.*Overall exposure level for .*: \([0-9.]*\) .*/\1/p' <<<"$out")
    echo "    $unit: exposure $score (must be below $(ceiling "$unit"))" >&3
    [ -n "$score" ] && awk -v s="$score" -v c="$(ceiling "$unit")" 'BEGIN { exit !(s < c) }' &&
        systemd-analyze security --offline=yes --threshold="$(awk -v c="$(ceiling "$unit")" 'BEGIN { print int(c * 10) - 1 }')" \
            "$UNITS_DIR/$unit" >/dev/null 2>&1
}

t_schedule() {
    local timer=$1 spec out t1 t2
    spec=$(sed -n 's/^OnCalendar=//p' "$UNITS_DIR/$timer" | tail -n 1)
    [ -n "$spec" ] || { echo "$timer has no OnCalendar="; return 1; }
    out=$(systemd-analyze calendar --iterations=3 "$spec") || return 1
    echo "$out"
    t1=$(date -d "$(sed -n 's/^ *Iter. #2: //p' <<<"$out")" +%s)
    t2=$(date -d "$(sed -n 's/^ *Iter. #3: //p' <<<"$out")" +%s)
    echo "    $timer: OnCalendar=$spec, every $((t2 - t1)) s (contract: ${PERIOD[$timer]} s)" >&3
    [ $((t2 - t1)) -eq "${PERIOD[$timer]}" ] || return 1
    grep -q '^Persistent=true' "$UNITS_DIR/$timer" || { echo "$timer is not Persistent=true"; return 1; }
    local span
    for span in $(sed -n 's/^\(AccuracySec\|RandomizedDelaySec\)=//p' "$UNITS_DIR/$timer"); do
        systemd-analyze timespan "$span" >/dev/null || return 1
    done
}

services=$(cd "$UNITS_DIR" && ls *.service)
timers=$(cd "$UNITS_DIR" && ls *.timer)
for s in $services; do check "$s: exposure below $(ceiling "$s")" t_security "$s"; done
for t in $timers; do
    if [ -n "${PERIOD[$t]:-}" ]; then
        check "$t: schedule is the contract's" t_schedule "$t"
    else
        check "$t: has a schedule in the contract" false
    fi
done

if harness_available; then
    harness_boot >>"$PROOF_LOG" 2>&1
    check "the staged install boots under a real systemd" harness_ready
    t_verify() {
        local unit=$1 out rc=0
        out=$(hx systemd-analyze verify --man=no "/lib/systemd/system/$unit" 2>&1) || rc=$?
        echo "$out"
        # Warnings about other units (the host's) do not count; ours must be clean.
        [ "$rc" -eq 0 ] && ! grep -q "^$unit\|/$unit" <<<"$out"
    }
    for u in $(cd "$UNITS_DIR" && ls *.service *.timer *.path); do
        check "$u: systemd-analyze verify (installed)" t_verify "$u"
    done
    t_dropin() {
        hx systemctl cat quantum-execution.service 2>&1 | tee /dev/stderr | grep -q "AssertPathExists=!/run/quantum/ESS_ON" &&
            hx systemctl cat quantum-execution.service | grep -q "AssertPathExists=!/var/lib/quantum/ESS_ON"
    }
    check "the emergency-stop guard drop-in applies to the guarded units" t_dropin
else
    skip "systemd-analyze verify of the installed units" "$HARNESS_WHY"
fi

finish
