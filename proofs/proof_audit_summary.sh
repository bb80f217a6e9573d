#!/usr/bin/env bash
# Proof: audit-log and audit-summary on real files, a real HTTP receiver and a real SMTP
# server on loopback. Replaces the original audit_logger.py checks (test, stats,
# daily_summary) with checks of what the tools did.
source "$(dirname "$0")/lib.sh"
LOG="$PROOF_WORK/audit.log"
export QT_AUDIT_LOG="$LOG"
# A throwaway checkpoint signing key and the verifier key that trusts it.
openssl genpkey -algorithm ed25519 -out "$PROOF_WORK/signing-key" 2>/dev/null && chmod 600 "$PROOF_WORK/signing-key"
export QUANTUM_AUDIT_SIGNING_KEY_FILE="$PROOF_WORK/signing-key"
export QUANTUM_VERIFIER_KEYS="$PROOF_WORK/verifier-keys"
export QUANTUM_VERIFIER_STATE_DIR="$PROOF_WORK/verifier-state"
audit-log verifier-key >"$QUANTUM_VERIFIER_KEYS"
TODAY=$(date -u +%F)

t_test_entry() { audit-log test && grep -q "Test audit entry - system check" "$LOG"; }
check "audit-log test writes the test entry" t_test_entry

t_actions() {
    audit-log append "Auto-repair: Created PostgreSQL database quantum" \
        "Auto-repair: Retrained XGBoost model to 22 features" "Auto-repair: Restarted Grafana container" &&
        printf 'Weekly self-heal: Started validation cycle\nWeekly self-heal: All checks passed\n' | audit-log append - &&
        [ "$(wc -l <"$LOG")" -eq 6 ]
}
check "six actions logged, one line each" t_actions

t_format() {
    grep -Pq '^\[\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z\] Auto-repair: Restarted Grafana container\t#[0-9a-f]{64}$' "$LOG"
}
check "each line is [timestamp] message<TAB>#<64-hex chain value>" t_format

t_stats() {
    local out
    out=$(audit-log stats) && echo "$out" &&
        grep -q "Total Entries: 6" <<<"$out" && grep -q "Today's Entries: 6" <<<"$out"
}
check "stats counts 6 entries, 6 of them today" t_stats

t_one_line() {
    audit-log append "$(printf 'evil\nFAKE ENTRY\tinjected')" && [ "$(wc -l <"$LOG")" -eq 7 ] &&
        audit-log verify
}
check "a message with a newline and a TAB cannot forge a second entry" t_one_line

t_tamper() {
    cp "$LOG" "$PROOF_WORK/good.log"
    sed -i 's/22 features/23 features/' "$LOG"
    local out rc=0
    out=$(audit-log verify 2>&1) || rc=$?
    echo "$out"
    cp "$PROOF_WORK/good.log" "$LOG"
    [ "$rc" -eq 4 ] && grep -q "line 3:" <<<"$out" && audit-log verify
}
check "an edited entry is caught by verify (exit 4, line 3)" t_tamper

t_summary() {
    local out
    out=$(audit-summary --date today) || return 1
    echo "$out"
    [ "$(head -n 1 <<<"$out")" = "Quantum Trader V3 – Daily Audit Summary ($TODAY)" ] &&
        grep -q "📊 Total Actions: 7" <<<"$out" && grep -q "Restarted Grafana container" <<<"$out" &&
        [ "$(tail -n 1 <<<"$out")" = "✅ 7 auto-repair actions executed" ]
}
check "the daily summary has the original's title, total, actions and closing line" t_summary

t_webhook_mail() {
    local hp sp
    hp=$(free_port)
    sp=$(free_port)
    mkdir -p "$PROOF_WORK/posts"
    # Started and stopped here: check runs this function in a subshell, so on_exit would not see them.
    /usr/bin/python3 "$QOPS_SOURCE_DIR/tests/data/audit/http_sink.py" "$hp" "$PROOF_WORK/posts" 200 &
    local http_pid=$!
    /usr/bin/python3 -m aiosmtpd -n -l "127.0.0.1:$sp" -c aiosmtpd.handlers.Mailbox "$PROOF_WORK/mail" &
    local smtp_pid=$!
    trap 'kill $http_pid $smtp_pid 2>/dev/null' RETURN
    for _ in $(seq 100); do
        (exec 3<>/dev/tcp/127.0.0.1/"$hp") 2>/dev/null && (exec 3<>/dev/tcp/127.0.0.1/"$sp") 2>/dev/null && break
        sleep 0.05
    done
    QT_ALERT_WEBHOOK="http://127.0.0.1:$hp/hook" QT_AUDIT_EMAIL=desk@example.org QT_SMTP_SERVER=127.0.0.1 \
        QT_SMTP_PORT="$sp" audit-summary --date today --notify >/dev/null || return 1
    grep -q "Total Actions: 7" "$PROOF_WORK/posts/1.json" &&
        grep -rq "Total Actions: 7" "$PROOF_WORK/mail/new"
}
check "--notify delivers the summary to a webhook and by mail" t_webhook_mail

t_delivery_down() {
    local out rc=0
    out=$(QT_ALERT_WEBHOOK="http://127.0.0.1:$(free_port)/hook" audit-summary --date today --notify 2>"$PROOF_WORK/err") || rc=$?
    cat "$PROOF_WORK/err"
    [ "$rc" -eq 3 ] && grep -q "WARN: Summary not delivered" "$PROOF_WORK/err" && grep -q "Total Actions: 7" <<<"$out"
}
check "a dead webhook is a WARN and exit 3, the summary still printed" t_delivery_down

t_json() {
    audit-summary --date today --json | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["total"]==7 and d["actions"][-1]["message"].startswith("evil\nFAKE")'
}
check "--json gives the day's total and the actions, messages unescaped" t_json

finish
