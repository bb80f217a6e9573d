#!/usr/bin/env bash
# Proof: the emergency stop of the installed Debian package under a real systemd. The
# generator guards a unit that is only in /etc/quantum/ess.conf; quantum-ess.service (run
# by the path unit) can write its metrics; and removing, even purging, the package while
# latched keeps the latch and the guards: the trading units still cannot start.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/harness/harness.sh"

TRADING="quantum-ai-engine.service quantum-execution.service quantum-apply-layer.service quantum-governor.service"
ALL="$TRADING quantum-hedger.service"

if ! harness_available; then
    skip "the emergency stop of the installed package" "$HARNESS_WHY"
    finish
    exit $?
fi
command -v cpack >/dev/null && command -v dpkg-shlibdeps >/dev/null || {
    skip "the emergency stop of the installed package" "cpack or dpkg-shlibdeps (dpkg-dev) is missing"
    finish
    exit $?
}
PKG_DIR="$QOPS_BUILD_DIR/proof-ess-package"
rm -rf "$PKG_DIR"
mkdir -p "$PKG_DIR"
(cd "$QOPS_BUILD_DIR" && cpack -G DEB --config CPackConfig.cmake -B "$PKG_DIR") >>"$PROOF_LOG" 2>&1
DEB=$(ls "$PKG_DIR"/quantum-ops_*.deb 2>/dev/null | head -n 1)
check "cpack builds the package" test -f "$DEB"

HARNESS_MODE=package harness_boot >>"$PROOF_LOG" 2>&1
check "systemd boots as PID 1 of private namespaces with writable /usr and dpkg database" harness_ready

t_install() {
    hx env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$DEB" || return 1
    hx sh -c 'printf "# the desk guards one more unit\nquantum-ai-engine quantum-execution quantum-apply-layer\nquantum-governor, quantum-hedger\n" >/etc/quantum/ess.conf' ||
        return 1
    hx systemctl daemon-reload || return 1
    hx systemctl cat quantum-hedger.service | tee /dev/stderr | grep -q "AssertPathExists=!/var/lib/quantum/ESS_ON" &&
        hx systemctl start quantum-ess.path $ALL && hx_all active $ALL
}
check "installed; the generator guards quantum-hedger (only in /etc/quantum/ess.conf); all five run" t_install

t_trip() {
    local out rc=0
    out=$(hx emergency-stop trip --reason "proof: package" 2>&1) || rc=$?
    echo "$out"
    [ "$rc" -eq 0 ] && grep -q "All 5 trading units verified stopped" <<<"$out" && ! hx systemctl is-active -q $ALL
}
check "trip stops all five configured units (exit 0)" t_trip

t_service_metrics() {
    # The trip from a shell writes no metrics: the file comes from quantum-ess.service.
    hx_wait 10 grep -q '^quantum_ess_enforced{.*} 1$' /var/lib/quantum/metrics/emergency-stop.prom
    hx cat /var/lib/quantum/metrics/emergency-stop.prom
    hx journalctl -u quantum-ess.service -o cat --no-pager | tee "$PROOF_WORK/ess.log"
    hx grep -q '^quantum_ess_enforced{.*} 1$' /var/lib/quantum/metrics/emergency-stop.prom &&
        hx grep -q '^quantum_ess_latched{.*} 1$' /var/lib/quantum/metrics/emergency-stop.prom &&
        ! grep -qi "permission denied\|read-only" "$PROOF_WORK/ess.log" &&
        hx grep -q "ESS enforce by root (enforced" /var/log/quantum/audit.log
}
check "quantum-ess.service (path unit) enforced too and wrote its metrics and audit entry" t_service_metrics

blocked() {
    local u out rc
    for u in $ALL; do
        rc=0
        out=$(hx systemctl start "$u" 2>&1) || rc=$?
        echo "$u: rc=$rc $out"
        [ "$rc" -ne 0 ] && grep -qi "assertion failed" <<<"$out" || return 1
    done
    ! hx systemctl is-active -q $ALL
}

t_remove() {
    hx env DEBIAN_FRONTEND=noninteractive apt-get remove -y quantum-ops || return 1
    hx systemctl daemon-reload
    hx ls -l /etc/systemd/system/quantum-hedger.service.d/ /var/lib/quantum/
    hx test -e /var/lib/quantum/ESS_ON && blocked
}
check "package removed while latched: the latch stays, every guarded unit still cannot start" t_remove

t_purge() {
    hx env DEBIAN_FRONTEND=noninteractive apt-get purge -y quantum-ops || return 1
    hx systemctl daemon-reload
    hx test -e /var/lib/quantum/ESS_ON && blocked
}
check "package purged while latched: the latch and the guards still stay" t_purge

finish
