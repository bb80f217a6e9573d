#!/usr/bin/env bash
# Proof: secrets never reach the journal or a command line under a real systemd (PID 1
# of private namespaces). The installed units run with canaries as the Redis password,
# the webhook token, the SMTP password and the policy signing key's seed, all passed as
# credentials (LoadCredential=) from root-only files; they run in their successes and
# their failure paths (Redis refusing the password, Redis down, the webhook and the relay
# down). Then the whole journal (every unit's lines, PID 1's own messages) and every
# process's /proc/PID/cmdline sampled during the runs are searched for each canary and
# every 4-character slice of it. tests/integration/suite/test_canary.cpp does the same
# for the tools' outputs, files and Redis contents.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/harness/harness.sh"
exec 3>&1

# Every 4-character window holds a '~': no hash, base64 or number contains one.
REDIS_CANARY='Rd~4Kq~Zp8~Wm2~Xv6~Jc'
WRONG_CANARY='Wr~9Ln~Bt3~Qs7~Hy1~Pf'
WEBHOOK_CANARY='Wh~5Gd~Mx2~Tz8~Ka4~Ue'
SMTP_CANARY='Sm~3Vb~Nc7~Yq1~Dr5~Lo'
KEY_CANARY='Sk~7Qp~Zm3~Wv9~Lt2~Hb5~Jn8~Rc4~F' # 32 bytes: the Ed25519 seed
SINK="$QOPS_SOURCE_DIR/tests/data/audit/http_sink.py"
SAMPLES="$PROOF_WORK/samples"

if ! harness_available; then
    skip "secrets under a real systemd" "$HARNESS_WHY"
    finish
    exit $?
fi
harness_boot >>"$PROOF_LOG" 2>&1
check "systemd boots as PID 1 of private namespaces with the staged install" harness_ready

# cmdline_sample: every process's command line, appended to $SAMPLES.
cmdline_sample() {
    hx sh -c 'for f in /proc/[0-9]*/cmdline; do tr "\0" " " <"$f" 2>/dev/null; echo; done' >>"$SAMPLES" 2>/dev/null
}
# run_unit UNIT: starts a oneshot unit, sampling command lines while it runs.
run_unit() {
    hx systemctl reset-failed "$1" 2>/dev/null
    # systemctl start returns when the oneshot run ended; sample while it waits.
    hx systemctl start "$1" 2>/dev/null &
    local pid=$!
    while kill -0 "$pid" 2>/dev/null; do
        cmdline_sample
        sleep 0.1
    done
    wait "$pid"
    echo "$1: $(hx systemctl show -p Result,ExecMainStatus --value "$1" | tr '\n' ' ')"
}

t_setup() {
    # A Redis that requires the canary password (from a config file: not on its command
    # line). Secrets go into files through stdin (printf is a builtin): no argv holds one.
    hx mkdir -p /run/qops-redis-auth /etc/quantum
    put() { hx sh -c "umask 077; cat >$1"; }
    printf 'port 16379\nbind 127.0.0.1\nsave ""\nappendonly no\ndir /run/qops-redis-auth\nrequirepass %s\n' \
        "$REDIS_CANARY" | put /run/qops-redis-auth/redis.conf
    hx systemd-run --unit qops-redis-auth /usr/bin/redis-server /run/qops-redis-auth/redis.conf >/dev/null || return 1
    hx mkdir -p /run/qops-posts
    hx systemd-run --unit qops-webhook-sink /usr/bin/python3 "$SINK" 18080 /run/qops-posts 200 >/dev/null || return 1
    hx_wait 10 bash -c 'exec 3<>/dev/tcp/127.0.0.1/16379' && hx_wait 10 bash -c 'exec 3<>/dev/tcp/127.0.0.1/18080' ||
        return 1
    # The secrets, as an operator installs them: root-only files the units load.
    printf '%s\n' "$REDIS_CANARY" | put /etc/quantum/redis-password
    printf 'http://127.0.0.1:18080/hooks/%s\n' "$WEBHOOK_CANARY" | put /etc/quantum/alert-webhook
    printf '%s\n' "$SMTP_CANARY" | put /etc/quantum/smtp-password
    hx sh -c "printf 'QUANTUM_REDIS_URL=redis://127.0.0.1:16379/0\n' >/etc/quantum/quantum-ops.env
        printf 'QT_AUDIT_EMAIL=desk@example.org\nQT_SMTP_SERVER=smtps://127.0.0.1:18465\nQT_SMTP_USER=quantum-ops\nQT_NOTIFY_TIMEOUT_MS=1000\n' >/etc/quantum/audit-summary.env
        chmod 0640 /etc/quantum/quantum-ops.env /etc/quantum/audit-summary.env
        chgrp quantum /etc/quantum/quantum-ops.env /etc/quantum/audit-summary.env" || return 1
    # The signing key whose seed is the canary (PKCS#8 of RFC 8410), and its verifier key.
    { printf '\x30\x2e\x02\x01\x00\x30\x05\x06\x03\x2b\x65\x70\x04\x22\x04\x20'; printf '%s' "$KEY_CANARY"; } |
        openssl pkey -inform DER -out "$PROOF_WORK/key.pem" 2>/dev/null || return 1
    hx sh -c "umask 077; cat >/etc/quantum/policy-signing-key" <"$PROOF_WORK/key.pem" || return 1
    hx sh -c "QUANTUM_POLICY_SIGNING_KEY_FILE=/etc/quantum/policy-signing-key policy-refresh --verifier-key >/etc/quantum/policy-verifier-keys" ||
        return 1
    hx test -s /etc/quantum/policy.json || hx cp "$QOPS_SOURCE_DIR/ops/policy.sample.json" /etc/quantum/policy.json
}
check "a Redis requiring the canary password, a webhook receiver, the canaries installed as credentials" t_setup

t_successes() {
    : >"$SAMPLES"
    run_unit quantum-policy-refresh.service
    # The password from its file inside the namespace: no command line holds it.
    hx sh -c 'REDISCLI_AUTH=$(cat /etc/quantum/redis-password) redis-cli -p 16379 HGET quantum:policy:current policy_seq' |
        grep -qE '^[0-9]+$' || return 1
    hx systemctl start quantum-apply-layer.service
    sleep 3
    run_unit quantum-exit-owner-watch.service
    hx systemctl stop quantum-apply-layer.service
    hx sh -c 'grep -l EXIT_OWNER_VIOLATION /run/qops-posts/*.json' || return 1
    run_unit quantum-audit-summary.service # webhook delivered, relay down: exit 3
    hx sh -c 'grep -l "Summary" /run/qops-posts/*.json' || return 1
    hx systemctl start quantum-ess.path
    # The trading stand-ins are not running: every guarded unit is verified stopped (exit 0).
    hx emergency-stop trip --reason "secrets proof" || return 1
    hx_wait 15 sh -c 'journalctl -u quantum-ess.service -o cat --no-pager | grep -q "verified stopped"' || return 1
    hx emergency-stop reset --confirm --reason "secrets proof done" || return 1
}
check "the units ran with the credentials: policy stored in the password Redis, alert and summary posted" t_successes

set_redis_port() {
    hx sh -c "sed -i 's|^QUANTUM_REDIS_URL=.*|QUANTUM_REDIS_URL=redis://127.0.0.1:$1/0|' /etc/quantum/quantum-ops.env"
}
t_failures() {
    # Redis refuses: the credential holds another canary.
    printf '%s\n' "$WRONG_CANARY" | hx sh -c "cat >/etc/quantum/redis-password"
    run_unit quantum-policy-refresh.service | tee /dev/stderr | grep -q "exit-code 3" || return 1
    run_unit quantum-exit-owner-watch.service
    # Redis down, the right password again.
    printf '%s\n' "$REDIS_CANARY" | hx sh -c "cat >/etc/quantum/redis-password"
    set_redis_port 16380 # nobody listens there
    run_unit quantum-policy-refresh.service | tee /dev/stderr | grep -q "exit-code 3" || return 1
    set_redis_port 16379
    # The webhook hangs (accepts, never answers): the tools wait on it, so their command
    # lines are sampled while they hold every secret.
    hx systemctl stop qops-webhook-sink.service
    hx systemd-run --unit qops-webhook-hung /usr/bin/python3 -c '
import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 18080)); s.listen(16); time.sleep(3600)' >/dev/null
    hx_wait 10 bash -c 'exec 3<>/dev/tcp/127.0.0.1/18080' || return 1
    hx systemctl start quantum-apply-layer.service
    sleep 2
    run_unit quantum-exit-owner-watch.service
    hx systemctl stop quantum-apply-layer.service
    run_unit quantum-audit-summary.service
    hx journalctl --no-pager -o cat -u quantum-policy-refresh.service | grep -q "AUTH refused\|WRONGPASS" || return 1
}
check "failure paths ran: authentication refused, Redis down, webhook hung, relay down" t_failures

# search LABEL FILE: no canary nor any 4-character slice of one in FILE.
search() {
    local label=$1 file=$2 name canary i hits=0
    for name in REDIS_CANARY WRONG_CANARY WEBHOOK_CANARY SMTP_CANARY KEY_CANARY; do
        canary=${!name}
        for ((i = 0; i + 4 <= ${#canary}; i++)); do
            if grep -qF -- "${canary:i:4}" "$file"; then
                echo "$label: $name slice '${canary:i:4}':"
                grep -F -- "${canary:i:4}" "$file" | head -n 3 | cut -c1-200
                hits=$((hits + 1))
                break
            fi
        done
    done
    [ "$hits" -eq 0 ]
}

t_journal() {
    hx journalctl --no-pager -o export >"$PROOF_WORK/journal.export" || return 1
    local entries
    entries=$(grep -c '^__CURSOR=' "$PROOF_WORK/journal.export")
    local ours
    ours=$(grep -c '^QUANTUM_TOOL=' "$PROOF_WORK/journal.export")
    echo "    journal: $entries entries searched, $ours of them our tools' lines" >&3
    [ "$ours" -gt 10 ] && search journal "$PROOF_WORK/journal.export"
}
check "the whole journal (units and PID 1) holds no fragment of any canary" t_journal

t_cmdlines() {
    local n
    n=$(grep -cE '(policy-refresh|exit-owner-watch|audit-summary|emergency-stop)' "$SAMPLES")
    echo "    command lines: $(wc -l <"$SAMPLES") sampled, $n of our tools'" >&3
    [ "$n" -gt 0 ] && search cmdline "$SAMPLES"
}
check "no command line of any process held a canary while the units ran" t_cmdlines

# The search itself finds a leak: one 4-character slice logged by a unit is a hit.
t_search_finds() {
    printf 'leak %s here\n' "${SMTP_CANARY:5:4}" | hx systemd-cat -t qops-leak
    hx journalctl --no-pager -o export >"$PROOF_WORK/journal2.export"
    ! search journal "$PROOF_WORK/journal2.export"
}
check "the search finds a single 4-character slice a unit logged" t_search_finds

finish
