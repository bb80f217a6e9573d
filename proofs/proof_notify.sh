#!/usr/bin/env bash
# Proof: a person is told, under a real systemd (PID 1 of private namespaces). The
# exit-owner timer's runs deliver each alert once to a webhook receiver named by the
# unit's EnvironmentFile (/etc/quantum/audit-summary.env, the daily summary's); an
# emergency stop with that webhook hung stops the trading units within the usual budget,
# tells afterwards, and the next run delivers the queued notice once.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/harness/harness.sh"
exec 3>&1

TRADING="quantum-ai-engine.service quantum-execution.service quantum-apply-layer.service quantum-governor.service"
SINK="$QOPS_SOURCE_DIR/tests/data/audit/http_sink.py"

if ! harness_available; then
    skip "notifications under a real systemd" "$HARNESS_WHY"
    finish
    exit $?
fi
harness_boot >>"$PROOF_LOG" 2>&1
check "systemd boots as PID 1 of private namespaces with the staged install" harness_ready

# Receivers inside the namespace, whose loopback is the units' loopback: one answering
# 204 and recording each POST, one that accepts connections and never answers.
hx mkdir -p /run/qops-posts
hx systemd-run --unit qops-webhook-sink /usr/bin/python3 "$SINK" 18080 /run/qops-posts 204 >/dev/null
hx systemd-run --unit qops-webhook-hung /usr/bin/python3 -c '
import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 18081)); s.listen(16); time.sleep(3600)' >/dev/null
# env_file PORT: the EnvironmentFile every quantum unit reads for its notifications.
env_file() {
    hx sh -c "mkdir -p /etc/quantum && printf 'QT_ALERT_WEBHOOK=http://127.0.0.1:$1/hook\nQT_NOTIFY_TIMEOUT_MS=1000\n' >/etc/quantum/audit-summary.env"
}
# posts PATTERN: how many received POSTs contain PATTERN.
posts() { hx sh -c "grep -l '$1' /run/qops-posts/*.json 2>/dev/null | wc -l"; }

t_receivers() {
    hx_wait 10 bash -c 'exec 3<>/dev/tcp/127.0.0.1/18080' && hx_wait 10 bash -c 'exec 3<>/dev/tcp/127.0.0.1/18081'
}
check "a webhook receiver and a hung webhook listen inside the namespace" t_receivers

t_exit_owner() {
    env_file 18080
    hx mkdir -p /etc/systemd/system/quantum-exit-owner-watch.timer.d
    hx sh -c "printf '[Timer]\nOnCalendar=\nOnActiveSec=1s\nOnUnitActiveSec=2s\nAccuracySec=100ms\nRandomizedDelaySec=0\n' >/etc/systemd/system/quantum-exit-owner-watch.timer.d/50-proof.conf"
    hx systemctl start quantum-apply-layer.service || return 1
    hx systemctl daemon-reload && hx systemctl start quantum-exit-owner-watch.timer || return 1
    hx_wait 30 sh -c 'grep -q EXIT_OWNER_VIOLATION /run/qops-posts/*.json' || return 1
    # Several runs while DENY lines keep coming, then the source stops and the watch
    # catches up: one message per alert stored, no more, no fewer.
    sleep 6
    hx systemctl stop quantum-apply-layer.service
    sleep 5
    hx systemctl stop quantum-exit-owner-watch.timer
    hx_wait 10 sh -c '! systemctl is-active -q quantum-exit-owner-watch.service'
    local alerts messages
    alerts=$(hx sh -c 'redis-cli XRANGE quantum:stream:alerts - + | grep -c "^EXIT_OWNER_VIOLATION$"')
    messages=$(posts '🚨 EXIT_OWNER_VIOLATION')
    hx journalctl -u quantum-exit-owner-watch.service -o cat --no-pager | grep "Notification" | tail -n 5
    hx sh -c 'cat /run/qops-posts/1.json'
    echo "    exit-owner timer: $alerts alerts stored, $messages webhook messages received" >&3
    [ "$alerts" -gt 0 ] && [ "$alerts" -eq "$messages" ] &&
        hx sh -c 'cat /run/qops-posts/1.json' | grep -q 'Runbook: /usr/share/doc/quantum-ops/runbooks/exit-owner-watch.md'
}
check "the exit-owner timer's runs deliver every alert once to the webhook of the unit's EnvironmentFile" t_exit_owner

t_ess_hung() {
    env_file 18081
    hx systemctl start quantum-ess.path $TRADING || return 1
    hx_all active $TRADING || return 1
    local ms
    ms=$(hx sh -c '
        t0=$(date +%s%N)
        emergency-stop trip --reason "proof: webhook hung @channel" 2>/dev/null
        while systemctl show -p ActiveState --value '"$TRADING"' | grep -qE "^(active|activating|deactivating|reloading)$"; do
            [ $(( ($(date +%s%N) - t0) / 1000000 )) -gt 5000 ] && break
            sleep 0.005
        done
        echo $(( ($(date +%s%N) - t0) / 1000000 ))') || return 1
    hx_wait 10 sh -c 'journalctl -u quantum-ess.service -o cat --no-pager | grep -q "Notification ESS_TRIPPED"'
    hx journalctl -u quantum-ess.service -o cat --no-pager | tee "$PROOF_WORK/ess.log"
    echo "    webhook hung: all four trading units inactive ${ms} ms after the trip; then $(grep -o 'WARN: Notification ESS_TRIPPED[^;]*' "$PROOF_WORK/ess.log" | cut -c1-60)..." >&3
    # The stop's result is logged before the notification is even tried.
    local stopped_line warn_line
    stopped_line=$(grep -n "trading units verified stopped" "$PROOF_WORK/ess.log" | head -n 1 | cut -d: -f1)
    warn_line=$(grep -n "WARN: Notification ESS_TRIPPED" "$PROOF_WORK/ess.log" | head -n 1 | cut -d: -f1)
    [ "$ms" -lt 2000 ] && [ -n "$stopped_line" ] && [ -n "$warn_line" ] && [ "$stopped_line" -lt "$warn_line" ] &&
        [ "$(posts 'EMERGENCY STOP')" -eq 0 ]
}
check "an emergency stop with the webhook hung stops the units within 2 s and tells afterwards (WARN, queued)" t_ess_hung

t_ess_retry() {
    env_file 18080
    # The next emergency-stop run (here an operator's status) delivers the queued notice.
    hx sh -c 'set -a; . /etc/quantum/audit-summary.env; emergency-stop status' >/dev/null 2>"$PROOF_WORK/status.err"
    hx sh -c 'set -a; . /etc/quantum/audit-summary.env; emergency-stop status' >/dev/null 2>>"$PROOF_WORK/status.err"
    cat "$PROOF_WORK/status.err"
    local n
    n=$(posts '🛑 EMERGENCY STOP')
    echo "    next runs: the queued ESS notice delivered $n time(s)" >&3
    hx sh -c 'grep -l "EMERGENCY STOP" /run/qops-posts/*.json | xargs cat' >"$PROOF_WORK/ess-post.json"
    cat "$PROOF_WORK/ess-post.json"
    [ "$n" -eq 1 ] && grep -q 'proof: webhook hung @' "$PROOF_WORK/ess-post.json" &&
        ! grep -q '@channel' "$PROOF_WORK/ess-post.json" &&
        hx emergency-stop reset --confirm --reason "proof done" >/dev/null 2>&1
}
check "the next run delivers the queued emergency-stop notice once, its reason inert" t_ess_retry

finish
