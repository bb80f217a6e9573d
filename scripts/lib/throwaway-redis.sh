# Sourced by the shell scripts that need a private Redis (scripts/demo.sh, tests/memcheck.sh,
# bench/policy/run.sh, bench/journal/run.sh).
#
# start_throwaway_redis DIR: starts redis-server on a free loopback port, without
# persistence, its pid and log files in DIR; waits until it answers; exports REDIS_PORT and
# QUANTUM_REDIS_URL; and sets the script's EXIT trap to stop it and remove DIR.
start_throwaway_redis() {
    local dir=$1
    REDIS_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
    # shellcheck disable=SC2064 # DIR is expanded now, on purpose
    # redis-server writes its log while it shuts down: wait for it before removing DIR.
    trap "pid=\$(cat '$dir/redis.pid' 2>/dev/null); kill \$pid 2>/dev/null;
        for _ in \$(seq 100); do kill -0 \$pid 2>/dev/null || break; sleep 0.05; done; rm -rf '$dir'" EXIT
    redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --dir "$dir" --save '' --daemonize yes \
        --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" >/dev/null
    for _ in $(seq 100); do
        if redis-cli -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG; then
            export REDIS_PORT QUANTUM_REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"
            return 0
        fi
        sleep 0.05
    done
    echo "redis-server on port $REDIS_PORT did not answer; its log: $dir/redis.log" >&2
    return 1
}
