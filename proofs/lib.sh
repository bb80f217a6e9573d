# Shared by every proofs/proof_*.sh: the [TEST] line format, a private redis-server on
# a free loopback port, and cleanup on exit. Source it; do not run it.
#
#   check "description" command args...   runs the command, prints ✅ PASS / ❌ FAIL
#   skip "description" "reason"           prints ⏭ SKIP
#   finish                                prints "N passed, M failed" and sets the exit code

set -u
QOPS_SOURCE_DIR=${QOPS_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
QOPS_BIN_DIR=${QOPS_BIN_DIR:-$QOPS_SOURCE_DIR/build/release/bin}
QOPS_BIN_DIR=$(cd "$QOPS_BIN_DIR" 2>/dev/null && pwd || echo "$QOPS_BIN_DIR") # proofs may cd
export PATH="$QOPS_BIN_DIR:$PATH"

PROOF_WORK=$(mktemp -d "${TMPDIR:-/tmp}/qops-proof.XXXXXX")
PROOF_LOG="$PROOF_WORK/proof.log"
: >"$PROOF_LOG"
_PROOF_N=0 _PROOF_PASS=0 _PROOF_FAIL=0 _PROOF_SKIP=0
_PROOF_CLEANUPS=()

# Registers a command to run at exit (last registered runs first). Call it from the
# proof's own shell: check runs its command in a subshell, whose registrations are lost.
on_exit() { _PROOF_CLEANUPS=("$*" "${_PROOF_CLEANUPS[@]}"); }
_proof_cleanup() {
    local c
    for c in "${_PROOF_CLEANUPS[@]}"; do eval "$c" >/dev/null 2>&1 || true; done
    rm -rf "$PROOF_WORK"
}
trap _proof_cleanup EXIT
trap 'exit 130' INT TERM

check() {
    local desc=$1
    shift
    _PROOF_N=$((_PROOF_N + 1))
    echo "--- [$_PROOF_N] $desc: $*" >>"$PROOF_LOG"
    if ("$@") >>"$PROOF_LOG" 2>&1; then
        echo "[TEST] $_PROOF_N. $desc ✅ PASS"
        _PROOF_PASS=$((_PROOF_PASS + 1))
    else
        echo "[TEST] $_PROOF_N. $desc ❌ FAIL"
        _PROOF_FAIL=$((_PROOF_FAIL + 1))
        echo "    --- last lines of the proof log:"
        tail -n 15 "$PROOF_LOG" | sed 's/^/    /'
    fi
}

skip() {
    _PROOF_N=$((_PROOF_N + 1))
    echo "[TEST] $_PROOF_N. $1 ⏭ SKIP ($2)"
    _PROOF_SKIP=$((_PROOF_SKIP + 1))
}

finish() {
    if [ "$_PROOF_SKIP" -gt 0 ]; then
        echo "$_PROOF_PASS passed, $_PROOF_FAIL failed, $_PROOF_SKIP skipped"
    else
        echo "$_PROOF_PASS passed, $_PROOF_FAIL failed"
    fi
    [ "$_PROOF_FAIL" -eq 0 ]
}

# Prints a TCP port on 127.0.0.1 that nobody listens on.
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# start_redis [extra redis-server args...]: starts a private redis-server, sets
# REDIS_PORT, REDIS_URL and exports QUANTUM_REDIS_URL. Stopped at exit.
start_redis() {
    REDIS_PORT=$(free_port)
    REDIS_DIR="$PROOF_WORK/redis-$REDIS_PORT"
    REDIS_EXTRA_ARGS=("$@")
    mkdir -p "$REDIS_DIR"
    on_exit "kill -9 \$(cat '$REDIS_DIR/redis.pid' 2>/dev/null) 2>/dev/null"
    REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"
    export QUANTUM_REDIS_URL="$REDIS_URL"
    restart_redis
}

# (Re)starts the private redis-server on the same port and data (AOF, fsync always) and
# waits until it answers.
restart_redis() {
    redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --dir "$REDIS_DIR" --save '' \
        --appendonly yes --appendfsync always --daemonize yes \
        --pidfile "$REDIS_DIR/redis.pid" --logfile "$REDIS_DIR/redis.log" "${REDIS_EXTRA_ARGS[@]}" >/dev/null
    local i
    for i in $(seq 1 250); do
        redis-cli -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG && return 0
        sleep 0.02
    done
    echo "redis-server did not come back on port $REDIS_PORT" >&2
    return 1
}

# rcli ARGS...: redis-cli against the private server.
rcli() { redis-cli -p "$REDIS_PORT" "$@"; }

# hash_digest KEY: a digest of a Redis hash's fields and values, independent of field order;
# "empty" when the hash does not exist, so a comparison never passes on two failed reads.
hash_digest() {
    local pairs
    pairs=$(rcli --raw HGETALL "$1") || { echo "unreadable"; return 1; }
    if [ -z "$pairs" ]; then echo "empty"; return 0; fi
    paste - - <<<"$pairs" | LC_ALL=C sort | sha256sum | cut -d' ' -f1
}

# Stops (SIGKILL) and restarts the private redis-server with the same data.
kill_redis() { kill -9 "$(cat "$REDIS_DIR/redis.pid")" 2>/dev/null; sleep 0.1; }

# expect_exit CODE command args...: true when the command exits with CODE.
expect_exit() {
    local want=$1
    shift
    "$@"
    local got=$?
    [ "$got" -eq "$want" ] || { echo "expected exit $want, got $got: $*"; return 1; }
}
