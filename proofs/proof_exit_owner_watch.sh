#!/usr/bin/env bash
# Proof for exit-owner-watch: the seed's ten checks, rewritten to run the real binary on
# real journal files (made by systemd-journal-remote) and a real redis-server, and to
# check the alert stored, the exit codes and the checkpoint.
source "$(dirname "$0")/lib.sh"

UNIT_DIR="$QOPS_SOURCE_DIR/systemd"
JOURNAL_REMOTE=/lib/systemd/systemd-journal-remote
BOOT_ID=0f5c2d1e9a8b4c7d8e6f5a4b3c2d1e0f
STREAM=quantum:stream:alerts

if [ ! -x "$JOURNAL_REMOTE" ]; then
    skip "exit-owner-watch proof" "systemd-journal-remote is not installed"
    finish
    exit $?
fi
start_redis

# journal FILE "SECONDS_AGO|UNIT|MESSAGE"...: appends entries to a real journal file.
journal() {
    local file=$1 spec ago unit msg now_us
    shift
    now_us=$(date +%s%6N)
    for spec in "$@"; do
        IFS='|' read -r ago unit msg <<<"$spec"
        local rt=$((now_us - ago * 1000000))
        printf '__REALTIME_TIMESTAMP=%s\n__MONOTONIC_TIMESTAMP=%s\n_BOOT_ID=%s\n_SYSTEMD_UNIT=%s\n_HOSTNAME=apply-1\nMESSAGE=%s\n\n' \
            "$rt" "$((rt - 1600000000000000))" "$BOOT_ID" "$unit" "$msg"
    done | "$JOURNAL_REMOTE" -o "$file" - 2>/dev/null
}

# fleet_journal FILE HOST MACHINE_ID "SECONDS_AGO|MESSAGE"...: entries of the apply layer
# on another host, as systemd-journal-remote stores what that host uploads.
fleet_journal() {
    local file=$1 host=$2 machine=$3 spec ago msg now_us
    shift 3
    now_us=$(date +%s%6N)
    for spec in "$@"; do
        IFS='|' read -r ago msg <<<"$spec"
        local rt=$((now_us - ago * 1000000))
        printf '__REALTIME_TIMESTAMP=%s\n__MONOTONIC_TIMESTAMP=%s\n_BOOT_ID=%s\n_MACHINE_ID=%s\n_SYSTEMD_UNIT=%s\n_HOSTNAME=%s\nMESSAGE=%s\n\n' \
            "$rt" "$((rt - 1600000000000000))" "${machine:0:24}00000000" "$machine" quantum-apply-layer.service "$host" "$msg"
    done | "$JOURNAL_REMOTE" -o "$file" - 2>/dev/null
}

APPLY=quantum-apply-layer.service
J="$PROOF_WORK/journal"
S="$PROOF_WORK/state"
mkdir -p "$J" "$S"
CP="$S/exit-owner-watch.$APPLY.json"

# watch ARGS...: one run against the proof's journal, state and Redis; stderr to the log.
watch() { exit-owner-watch --journal-dir "$J" --state-dir "$S" --redis "$REDIS_URL" "$@"; }
alerts() { rcli XLEN "$STREAM"; }
# field N NAME: field NAME of the N-th alert (1-based).
field() {
    rcli --raw XRANGE "$STREAM" - + | awk -v n="$1" -v f="$2" '
        /^[0-9]+-[0-9]+$/ { e++; k = 1; next }
        e == n && k { name = $0; k = 0; next }
        e == n && !k { if (name == f) { print; exit } k = 1 }'
}

t_binary() {
    exit-owner-watch --version | grep -q '^exit-owner-watch ' &&
        exit-owner-watch --help | grep -q 'Exit codes:' &&
        expect_exit 2 exit-owner-watch --window 'five minutes'
}
t_units_verify() {
    local out
    out=$(systemd-analyze verify "$UNIT_DIR/quantum-exit-owner-watch.service" "$UNIT_DIR/quantum-exit-owner-watch.timer" 2>&1)
    echo "$out"
    # Only the binary may be missing on a build machine.
    ! grep -v 'exit-owner-watch is not executable' <<<"$out" | grep -q .
}
t_timer_5min() {
    local cal times a b c
    cal=$(sed -n 's/^OnCalendar=//p' "$UNIT_DIR/quantum-exit-owner-watch.timer")
    times=$(systemd-analyze calendar --iterations=3 "$cal" | sed -n 's/.*\(Next elapse\|Iter\. #[23]\): //p')
    mapfile -t t < <(while read -r l; do date -d "$l" +%s; done <<<"$times")
    a=${t[0]} b=${t[1]} c=${t[2]}
    echo "elapses: $times"
    [ $((b - a)) -eq 300 ] && [ $((c - b)) -eq 300 ]
}
t_unprivileged() {
    local out
    out=$(systemd-analyze security --offline=yes "$UNIT_DIR/quantum-exit-owner-watch.service" 2>&1)
    echo "$out" | tail -n 3
    grep -q '✓ User=/DynamicUser=.*non-root' <<<"$out" &&
        awk '/Overall exposure level/ { exit !($(NF-2) + 0 < 2.0) }' <<<"$out"
}
t_no_entries() {
    local err
    err=$(watch 2>&1 >/dev/null)
    local rc=$?
    echo "$err"
    [ "$rc" -eq 0 ] && grep -q 'INFO: No entries from quantum-apply-layer.service' <<<"$err" &&
        [ "$(alerts)" -eq 0 ] && [ -s "$CP" ]
}
t_alert_fields() {
    journal "$J/apply.journal" "240|$APPLY|order 1 DENY_NOT_EXIT_OWNER by governor" \
        "200|quantum-governor.service|DENY_NOT_EXIT_OWNER elsewhere" \
        "120|$APPLY|order 2 accepted" "60|$APPLY|order 3 DENY_NOT_EXIT_OWNER by ai-engine"
    expect_exit 1 watch || return 1
    [ "$(alerts)" -eq 1 ] &&
        [ "$(field 1 alert_type)" = EXIT_OWNER_VIOLATION ] &&
        [ "$(field 1 deny_count)" = 2 ] &&
        [ -n "$(field 1 window)" ] &&
        [ $(($(date +%s) - $(field 1 timestamp))) -lt 120 ] &&
        [ "$(field 1 host)" = "$(hostname)" ] &&
        [[ "$(field 1 first_ts)" == 20*Z ]] && [[ "$(field 1 last_ts)" == 20*Z ]] &&
        [ "$(field 1 sample)" = "order 1 DENY_NOT_EXIT_OWNER by governor" ] &&
        [ "$(field 1 unit)" = "$APPLY" ] && [ "$(field 1 gap)" = 0 ] && [ -n "$(field 1 dedup_key)" ]
}
t_fail_lines() {
    local err
    err=$(watch --no-state --samples 1 2>&1 >/dev/null)
    echo "$err"
    grep -q 'FAIL: 2 DENY_NOT_EXIT_OWNER event(s) from quantum-apply-layer.service' <<<"$err" &&
        [ "$(grep -c 'FAIL: Sample' <<<"$err")" -eq 1 ] &&
        grep -q 'Sample 1/2: .* apply-1: order 1 DENY_NOT_EXIT_OWNER by governor' <<<"$err"
}
t_counted_once() {
    local before
    before=$(alerts)
    expect_exit 0 watch || return 1
    [ "$(alerts)" -eq "$before" ] || return 1
    journal "$J/apply.journal" "5|$APPLY|order 4 DENY_NOT_EXIT_OWNER" "4|$APPLY|order 5 accepted"
    expect_exit 1 watch || return 1
    [ "$(alerts)" -eq $((before + 1)) ] && [ "$(field $((before + 1)) deny_count)" = 1 ] &&
        [ "$(field $((before + 1)) sample)" = "order 4 DENY_NOT_EXIT_OWNER" ]
}
t_redis_down() {
    local before cp_before
    before=$(alerts)
    cp_before=$(cat "$CP")
    journal "$J/apply.journal" "2|$APPLY|order 6 DENY_NOT_EXIT_OWNER"
    kill_redis
    expect_exit 3 watch || return 1
    [ "$(cat "$CP")" = "$cp_before" ] || { echo "checkpoint moved while Redis was down"; return 1; }
    redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --dir "$REDIS_DIR" --save '' --appendonly yes \
        --appendfsync always --daemonize yes --pidfile "$REDIS_DIR/redis.pid" --logfile "$REDIS_DIR/redis.log" >/dev/null
    local i
    for i in $(seq 1 200); do rcli ping 2>/dev/null | grep -q PONG && break; sleep 0.02; done
    expect_exit 1 watch || return 1
    [ "$(alerts)" -eq $((before + 1)) ] && [ "$(field $((before + 1)) sample)" = "order 6 DENY_NOT_EXIT_OWNER" ] &&
        [ "$(cat "$CP")" != "$cp_before" ]
}
t_rotated() {
    local before err
    before=$(alerts)
    # The previous run was 10 minutes ago, and the journal was since rotated and vacuumed.
    /usr/bin/python3 - "$CP" <<'PY'
import json, sys
cp = json.load(open(sys.argv[1]))
for source in cp["sources"]:
    source["realtime_usec"] -= 600 * 1000000
    source["seen_usec"] = source["realtime_usec"]
cp["scanned_usec"] = max(s["realtime_usec"] for s in cp["sources"]) + 1000000
json.dump(cp, open(sys.argv[1], "w"))
PY
    rm -f "$J"/*.journal
    journal "$J/apply-rotated.journal" "30|$APPLY|order 7 DENY_NOT_EXIT_OWNER"
    err=$(watch 2>&1 >/dev/null)
    local rc=$?
    echo "$err"
    [ "$rc" -eq 1 ] && grep -q 'WARN: Checkpoint cursor .* no longer in the journal' <<<"$err" &&
        grep -q 'rotated away' <<<"$err" &&
        [ "$(alerts)" -eq $((before + 1)) ] && [ "$(field $((before + 1)) gap)" = 1 ]
}
t_stateless_window() {
    local J2="$PROOF_WORK/journal-window" before
    mkdir -p "$J2"
    journal "$J2/w.journal" "330|$APPLY|DENY_NOT_EXIT_OWNER outside" "270|$APPLY|DENY_NOT_EXIT_OWNER inside" \
        "10|$APPLY|DENY_NOT_EXIT_OWNER inside too"
    before=$(alerts)
    local out
    out=$(exit-owner-watch --no-state --window 5min --journal-dir "$J2" --state-dir "$PROOF_WORK/none" --json)
    local rc=$?
    echo "$out"
    [ "$rc" -eq 1 ] && [ "$(alerts)" -eq $((before + 1)) ] && [ "$(field $((before + 1)) deny_count)" = 2 ] &&
        [ "$(field $((before + 1)) window)" = 5min ] && [ ! -e "$PROOF_WORK/none" ]
}
t_corrupt_state() {
    echo 'garbage{' >"$CP"
    local err
    err=$(watch 2>&1 >/dev/null)
    echo "$err"
    grep -q 'WARN: checkpoint .* is unusable' <<<"$err" && /usr/bin/python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$CP"
}

t_fleet() {
    # Two hosts' journals in one collector directory; h2 uploads late, an entry older
    # than h1's newest: still counted, once, in an alert naming h2.
    local F="$PROOF_WORK/fleet" FS="$PROOF_WORK/fleet-state" m1=11111111111111111111111111111111 \
        m2=22222222222222222222222222222222 before
    mkdir -p "$F" "$FS"
    fleet_journal "$F/remote-h1.journal" h1 $m1 "200|order 1 DENY_NOT_EXIT_OWNER on h1" "10|order 2 accepted"
    fleet_journal "$F/remote-h2.journal" h2 $m2 "250|order 3 accepted"
    before=$(alerts)
    expect_exit 1 exit-owner-watch --journal-dir "$F" --state-dir "$FS" --redis "$REDIS_URL" || return 1
    [ "$(alerts)" -eq $((before + 1)) ] && [ "$(field $((before + 1)) source_host)" = h1 ] || return 1
    fleet_journal "$F/remote-h2.journal" h2 $m2 "100|order 4 DENY_NOT_EXIT_OWNER on h2, uploaded late"
    expect_exit 1 exit-owner-watch --journal-dir "$F" --state-dir "$FS" --redis "$REDIS_URL" || return 1
    [ "$(alerts)" -eq $((before + 2)) ] && [ "$(field $((before + 2)) source_host)" = h2 ] &&
        [ "$(field $((before + 2)) deny_count)" = 1 ] && [ "$(field $((before + 2)) gap)" = 0 ] || return 1
    expect_exit 0 exit-owner-watch --journal-dir "$F" --state-dir "$FS" --redis "$REDIS_URL" &&
        [ "$(alerts)" -eq $((before + 2)) ] &&
        /usr/bin/python3 -c 'import json,sys; cp = json.load(open(sys.argv[1])); assert cp["version"] == 2 and len(cp["sources"]) == 2' \
            "$FS/exit-owner-watch.$APPLY.json"
}

t_journal_group() {
    # Journal files as journald leaves them (0640 root:systemd-journal), read by an
    # unprivileged user with and without the group the unit grants.
    local pub gid out
    pub=$(mktemp -d /tmp/qops-journal-group.XXXXXX)
    # Removed here: check runs this function in a subshell, so on_exit would not see it.
    trap "rm -rf '$pub'" RETURN
    chmod 0755 "$pub"
    journal "$pub/system.journal" "20|$APPLY|order 8 DENY_NOT_EXIT_OWNER"
    chgrp systemd-journal "$pub/system.journal" && chmod 0640 "$pub/system.journal"
    gid=$(getent group systemd-journal | cut -d: -f3)
    # A copy nobody can execute, wherever the build tree lives.
    install -m 0755 "$(command -v exit-owner-watch)" "$pub/exit-owner-watch"
    out=$(setpriv --reuid=nobody --regid=nogroup --groups="$gid" \
        "$pub/exit-owner-watch" --no-state --journal-dir "$pub" --redis "$REDIS_URL" --json)
    echo "with the group: $out"
    grep -q '"deny_count":1' <<<"$out" || return 1
    setpriv --reuid=nobody --regid=nogroup --clear-groups \
        "$pub/exit-owner-watch" --no-state --journal-dir "$pub" --redis "$REDIS_URL"
    local rc=$?
    echo "without the group: exit $rc"
    [ "$rc" -eq 3 ]
}

check "exit-owner-watch runs: --version, --help with exit codes, bad --window exits 2" t_binary
check "quantum-exit-owner-watch.service and .timer pass systemd-analyze verify" t_units_verify
check "Timer elapses every 5 minutes" t_timer_5min
check "Service runs as a non-root user, exposure OK (< 2.0)" t_unprivileged
check "No entries for the unit: INFO, exit 0, no alert, checkpoint written" t_no_entries
check "DENY_NOT_EXIT_OWNER found: exit 1, one alert with the contract's fields" t_alert_fields
check "FAIL lines carry --samples sample events" t_fail_lines
check "Each DENY is alerted once across runs (checkpoint)" t_counted_once
check "Redis down: exit 3, checkpoint kept, same events alerted on the next run" t_redis_down
check "Rotated-away checkpoint: WARN and gap=1 in the alert" t_rotated
check "--no-state --window 5min: stateless, window edges respected" t_stateless_window
check "Corrupt state file: WARN, replaced by a valid checkpoint" t_corrupt_state
check "Fleet directory: a host's late upload is alerted once, naming the host" t_fleet
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null && getent group systemd-journal >/dev/null; then
    check "Non-root reader: the systemd-journal group reads the journal, without it exit 3" t_journal_group
else
    skip "Non-root reader: the systemd-journal group reads the journal, without it exit 3" "needs root and setpriv"
fi
finish
