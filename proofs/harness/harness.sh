# The real-systemd harness, sourced by the proofs that need it (after lib.sh).
#
#   harness_available || { skip ...; }   true when systemd can be booted here; else sets
#                                        HARNESS_WHY to the reason
#   harness_boot                         installs the build into a staging prefix, boots
#                                        systemd as PID 1 of private namespaces and waits
#                                        until it runs; stopped at exit whatever happens.
#                                        Call it in the proof's own shell, not inside
#                                        check (which runs a subshell); then check harness_ready.
#   HARNESS_MODE=package harness_boot    the same without the staged install, with /usr and
#                                        /var/lib writable overlays: for installing the .deb
#   harness_reboot                       stops the booted systemd and boots it again with
#                                        /var/lib and the changes to /etc kept, /run fresh
#   harness_ready                        true when the booted systemd runs
#   hx CMD...                            runs CMD inside (systemctl, journalctl, redis-cli ...)
#   hx_wait SECONDS CMD...               retries CMD inside until it succeeds
#   hx_all active|enabled UNIT...        true when every unit is active (enabled)
HARNESS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
HARNESS_PID=""

harness_available() {
    HARNESS_WHY=""
    if [ "$(id -u)" -ne 0 ]; then HARNESS_WHY="needs root to create namespaces"; return 1; fi
    command -v unshare >/dev/null || { HARNESS_WHY="unshare (util-linux) is missing"; return 1; }
    [ -x /lib/systemd/systemd ] || { HARNESS_WHY="systemd is not installed"; return 1; }
    [ -n "${QOPS_BUILD_DIR:-}" ] && [ -f "$QOPS_BUILD_DIR/CMakeCache.txt" ] ||
        { HARNESS_WHY="QOPS_BUILD_DIR does not name a configured build tree"; return 1; }
    grep -q '^CMAKE_INSTALL_PREFIX:PATH=/usr$' "$QOPS_BUILD_DIR/CMakeCache.txt" ||
        { HARNESS_WHY="the build tree must be configured with -DCMAKE_INSTALL_PREFIX=/usr, as a package is"; return 1; }
    unshare --pid --mount --uts --net --cgroup --fork true 2>/dev/null ||
        { HARNESS_WHY="this kernel or sandbox refuses new namespaces"; return 1; }
    grep -qw overlay /proc/filesystems || { HARNESS_WHY="overlayfs is not available"; return 1; }
}

harness_stop() {
    [ -n "$HARNESS_PID" ] || return 0
    # SIGRTMIN+4 asks systemd for a poweroff (container semantics: it exits).
    kill -s RTMIN+4 "$HARNESS_PID" 2>/dev/null || true
    local i
    for i in $(seq 50); do kill -0 "$HARNESS_PID" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$HARNESS_PID" 2>/dev/null || true
    HARNESS_PID=""
}

harness_boot() {
    local stage="$QOPS_BUILD_DIR/proof-stage"
    # A reboot boots the same install again.
    [ -n "${HARNESS_KEEP:-}" ] || rm -rf "$stage"
    if [ "${HARNESS_MODE:-stage}" = stage ] && [ -z "${HARNESS_KEEP:-}" ]; then
        DESTDIR="$stage" cmake --install "$QOPS_BUILD_DIR" >"$PROOF_WORK/install.log" 2>&1 ||
            { cat "$PROOF_WORK/install.log"; return 1; }
    fi
    local log="$PROOF_WORK/systemd.log"
    QOPS_STAGE="$stage" QOPS_HARNESS="$HARNESS_DIR" QOPS_SOURCE_DIR="$QOPS_SOURCE_DIR" QOPS_BUILD_DIR="$QOPS_BUILD_DIR" \
        QOPS_HARNESS_MODE="${HARNESS_MODE:-stage}" QOPS_HARNESS_KEEP="${HARNESS_KEEP:-}" \
        unshare --pid --mount --uts --net --cgroup --fork --mount-proc --kill-child \
        bash "$HARNESS_DIR/inner.sh" >"$log" 2>&1 &
    local unshare_pid=$!
    on_exit harness_stop
    on_exit "kill -9 $unshare_pid"
    local i
    for i in $(seq 100); do
        HARNESS_PID=$(pgrep -P "$unshare_pid" | head -n 1)
        [ -n "$HARNESS_PID" ] && [ "$(cat /proc/"$HARNESS_PID"/comm 2>/dev/null)" = systemd ] && break
        sleep 0.1
    done
    [ -n "$HARNESS_PID" ] || { echo "systemd did not start:"; cat "$log"; return 1; }
    # "degraded" is fine here: it only means some unit of the host's distribution failed.
    if ! hx_wait 60 sh -c 'systemctl is-system-running | grep -qE "running|degraded"'; then
        echo "systemd did not finish starting:"
        cat "$log"
        hx systemctl list-units --failed --no-pager
        return 1
    fi
    hx_wait 20 redis-cli ping >/dev/null
}

harness_reboot() {
    local keep="$QOPS_BUILD_DIR/proof-keep"
    rm -rf "$keep"
    mkdir -p "$keep"
    # Whiteouts (character devices) and opaque directories of the /etc overlay are kept.
    hx tar --xattrs --xattrs-include='trusted.overlay.opaque' -C /var/lib -cf - . >"$keep/var-lib.tar" || return 1
    hx tar --xattrs --xattrs-include='trusted.overlay.opaque' -C /run/qops-etc/upper -cf - . >"$keep/etc-upper.tar" ||
        return 1
    harness_stop
    HARNESS_KEEP="$keep" harness_boot
}

harness_ready() {
    [ -n "$HARNESS_PID" ] && hx systemctl is-system-running | grep -qE "running|degraded" &&
        [ "$(hx cat /proc/1/comm)" = systemd ] && hx redis-cli ping | grep -q PONG
}

# hx_all STATE UNIT...: true when every unit is STATE (active, enabled): `systemctl
# is-active a b` alone succeeds when any one of them is.
hx_all() {
    local state=$1 unit
    shift
    for unit in "$@"; do
        [ "$(hx systemctl "is-$state" "$unit")" = "$state" ] || { echo "$unit is not $state"; return 1; }
    done
}

hx() { nsenter --target "$HARNESS_PID" --mount --uts --net --pid --cgroup "$@"; }

# harness_shorten_timer TIMER SECONDS: a drop-in replacing the timer's calendar with a
# short monotonic period, so the real timer runs the installed tool within seconds.
harness_shorten_timer() {
    hx mkdir -p "/etc/systemd/system/$1.d"
    hx sh -c "printf '[Timer]\nOnCalendar=\nOnActiveSec=1s\nOnUnitActiveSec=$2s\nAccuracySec=100ms\nRandomizedDelaySec=0\n' >/etc/systemd/system/$1.d/50-proof.conf"
}

hx_wait() {
    local seconds=$1
    shift
    local end=$((SECONDS + seconds))
    while [ $SECONDS -lt $end ]; do
        hx "$@" >/dev/null 2>&1 && return 0
        sleep 0.2
    done
    hx "$@"
}
