#!/usr/bin/env bash
# Proof: the Debian package installs, works and goes away the way operators expect.
# cpack builds the .deb from this build tree; inside a real systemd (PID 1 of private
# namespaces, with /usr and dpkg's database as private writable overlays) apt-get installs
# it, the timers are enabled and run the tools, and apt-get purge leaves nothing behind.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/harness/harness.sh"
exec 3>&1

if ! harness_available; then
    skip "the Debian package under a real systemd" "$HARNESS_WHY"
    finish
    exit $?
fi
command -v cpack >/dev/null && command -v dpkg-shlibdeps >/dev/null || {
    skip "the Debian package under a real systemd" "cpack or dpkg-shlibdeps (dpkg-dev) is missing"
    finish
    exit $?
}

# The package goes into the build tree: the harness keeps that visible inside.
PKG_DIR="$QOPS_BUILD_DIR/proof-package"
rm -rf "$PKG_DIR"
mkdir -p "$PKG_DIR"
(cd "$QOPS_BUILD_DIR" && cpack -G DEB --config CPackConfig.cmake -B "$PKG_DIR") >>"$PROOF_LOG" 2>&1
DEB=$(ls "$PKG_DIR"/quantum-ops_*.deb 2>/dev/null | head -n 1)
TOOLS=$(ls "$QOPS_BUILD_DIR/bin")

t_deb() {
    [ -f "$DEB" ] || return 1
    local depends files
    depends=$(dpkg-deb -f "$DEB" Depends)
    files=$(dpkg-deb -c "$DEB" | awk '{print $6}')
    echo "Depends: $depends"
    echo "    $(basename "$DEB"): Depends: $depends" >&3
    # The package of every shared library a tool needs (dpkg-shlibdeps), and by name the
    # libraries whose security updates must reach the tools without a rebuild.
    local needed=() lib
    for tool in $TOOLS; do
        for lib in $(readelf -d "$QOPS_BUILD_DIR/bin/$tool" | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p'); do
            needed+=("$(dpkg -S "*/$lib" 2>/dev/null | head -n 1 | cut -d: -f1)")
        done
    done
    echo "packages of the needed libraries: $(printf '%s\n' "${needed[@]}" | sort -u | tr '\n' ' ')"
    for dep in $(printf '%s\n' "${needed[@]}" | sort -u) libssl3 libhiredis0.14 libyaml-cpp0.7 libfmt9 libcurl4 \
        libsystemd0 systemd; do
        [ -n "$dep" ] && grep -qw "$dep" <<<"$depends" || { echo "missing dependency '$dep'"; return 1; }
    done
    for tool in $TOOLS; do
        for f in "./usr/bin/$tool" "./usr/share/man/man1/$tool.1" "./usr/share/bash-completion/completions/$tool"; do
            grep -qx -- "$f" <<<"$files" || { echo "missing $f"; return 1; }
        done
    done
    grep -qx -- ./usr/share/man/man8/quantum-ops.8 <<<"$files" &&
        grep -qx -- ./usr/lib/systemd/catalog/quantum-ops.catalog <<<"$files" &&
        [ "$(dpkg-deb -f "$DEB" Package)" = quantum-ops ] &&
        dpkg-deb --ctrl-tarfile "$DEB" | tar -xO ./conffiles | tee /dev/stderr |
        grep -qx /etc/quantum/policy.json
}
check "cpack builds quantum-ops_*.deb with shlibdeps Depends, man pages, completions and conffiles" t_deb

HARNESS_MODE=package harness_boot >>"$PROOF_LOG" 2>&1
check "systemd boots as PID 1 of private namespaces with writable /usr and dpkg database" harness_ready

t_install() {
    hx env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$DEB" || return 1
    hx dpkg-query -W -f '${Status}\n' quantum-ops | grep -qx "install ok installed" || return 1
    hx getent passwd quantum || return 1
    hx test -d /var/lib/quantum/metrics && hx test -d /var/log/quantum && hx test -d /run/quantum &&
        [ "$(hx stat -c %a /etc/quantum/redis-password)" = 600 ] || return 1
    # The journal catalog compiled by the postinst: journalctl -x explains our MESSAGE_IDs.
    hx journalctl --list-catalog 9eada67b682c419089285ff76bfdbc46 | grep -q "quantum-ops: Trading policy stored" ||
        return 1
    # Units known to systemd after the postinst's daemon-reload; none enabled or started.
    local unit
    for unit in quantum-policy-refresh.timer quantum-exit-owner-watch.timer quantum-audit-summary.timer quantum-ess.path; do
        hx systemctl cat "$unit" >/dev/null || return 1
        [ "$(hx systemctl is-enabled "$unit")" = disabled ] || { echo "$unit is enabled"; return 1; }
        [ "$(hx systemctl is-active "$unit")" = inactive ] || { echo "$unit is active"; return 1; }
    done
    hx dpkg-query -W -f '${Conffiles}\n' quantum-ops | grep -c /etc/quantum/ | grep -qx 3
}
check "apt-get install ./quantum-ops_*.deb: user quantum, directories, secrets 0600, units known, none enabled" t_install

# Every row of README's "File modes after installation" table, on the installed package.
t_modes() {
    local rows path mode owner group actual bad=0
    rows=$(sed -n '/^## File modes after installation/,/^## /p' "$QOPS_SOURCE_DIR/README.md" |
        sed -n 's/^| `\([^`]*\)` | \([0-7]*\) | \([a-z]*\) | \([a-z]*\) |$/\1 \2 \3 \4/p')
    [ "$(wc -l <<<"$rows")" -ge 8 ] || { echo "README table not found: $rows"; return 1; }
    while read -r path mode owner group; do
        actual=$(hx stat -c '%a %U %G' "$path") || { bad=1; continue; }
        echo "$path: $actual (README: $mode $owner $group)"
        [ "$actual" = "$mode $owner $group" ] || bad=1
    done <<<"$rows"
    [ "$bad" = 0 ]
}
check "installed modes and owners are README's table: settings 0640 root:quantum, secrets 0600" t_modes

t_docs() {
    local tool warnings
    for tool in $TOOLS; do
        hx man -w "$tool" >/dev/null || { echo "no man page for $tool"; return 1; }
        warnings=$(hx env MANWIDTH=80 man --warnings "$tool" 2>&1 >/dev/null)
        [ -z "$warnings" ] || { echo "$tool: $warnings"; return 1; }
    done
    hx man -w 8 quantum-ops >/dev/null || return 1
    # Completion as bash-completion loads it: the file named after the command.
    local words
    words=$(hx bash -c 'source /usr/share/bash-completion/completions/audit-log
        COMP_WORDS=(audit-log ve); COMP_CWORD=1; _quantum_ops_complete; echo "${COMPREPLY[*]}"')
    echo "audit-log ve<TAB>: $words"
    [ "$words" = "verifier-key verify" ] || return 1
    words=$(hx bash -c 'source /usr/share/bash-completion/completions/policy-refresh
        COMP_WORDS=(policy-refresh --gen); COMP_CWORD=1; _quantum_ops_complete; echo "${COMPREPLY[*]}"')
    echo "policy-refresh --gen<TAB>: $words"
    [ "$words" = "--generator --generator-timeout" ]
}
check "man finds and renders every installed page without warnings; completion completes from the installed files" t_docs


# The policy signing key (the unit's credential, root-owned 0600) and the verifier key
# that policy-show trusts, made as an operator would (runbook policy-keys.md).
policy_keys() {
    hx sh -c 'umask 077 && openssl genpkey -algorithm ed25519 -out /etc/quantum/policy-signing-key 2>/dev/null &&
        QUANTUM_POLICY_SIGNING_KEY_FILE=/etc/quantum/policy-signing-key policy-refresh --verifier-key \
            >/etc/quantum/policy-verifier-keys && chmod 644 /etc/quantum/policy-verifier-keys'
}

t_timers_run() {
    policy_keys || return 1
    harness_shorten_timer quantum-policy-refresh.timer 3
    harness_shorten_timer quantum-exit-owner-watch.timer 3
    hx systemctl daemon-reload || return 1
    hx systemctl enable --now quantum-policy-refresh.timer quantum-exit-owner-watch.timer || return 1
    hx_wait 30 sh -c '[ "$(redis-cli EXISTS quantum:policy:current)" = 1 ]' || return 1
    hx_wait 30 grep -q '^quantum_job_last_success_timestamp_seconds{job="exit-owner-watch"}' \
        /var/lib/quantum/metrics/exit-owner-watch.prom || return 1
    hx_wait 30 grep -q '^quantum_policy_valid_until_timestamp_seconds' /var/lib/quantum/metrics/policy-refresh.prom || return 1
    hx policy-show || return 1
    echo "    enabled timers ran: quantum:policy:current $(hx redis-cli HGET quantum:policy:current policy_version), metrics $(hx ls /var/lib/quantum/metrics | tr '\n' ' ')" >&3
    [ "$(hx systemctl show -p User --value quantum-policy-refresh.service)" = quantum ]
}
check "enabled timers run the installed tools as quantum: the policy in Redis, textfile metrics written" t_timers_run

t_logrotate_run() {
    # The installed snippet run by the real logrotate (forced, as on the first of a month):
    # logrotate renames the log, its postrotate records the file, and the log goes on.
    hx test -x /usr/sbin/logrotate || { echo "logrotate is not installed"; return 1; }
    local i out
    for i in 1 2 3; do hx runuser -u quantum -- audit-log append "before rotation $i" 2>/dev/null || return 1; done
    hx logrotate --force --state /run/quantum-logrotate.state /etc/logrotate.d/quantum-ops || return 1
    hx sh -c 'test "$(wc -l </var/log/quantum/audit.log.segments)" = 1' || { echo "rotation not recorded"; return 1; }
    [ "$(hx sh -c 'cat /var/log/quantum/audit.log-* | wc -l')" = 3 ] || { echo "no rotated file of 3 lines"; return 1; }
    [ "$(hx stat -c '%U %G %a' /var/log/quantum/audit.log)" = "quantum quantum 640" ] || return 1
    hx runuser -u quantum -- audit-log append "after rotation" 2>/dev/null || return 1
    # No verifier keys on this host: exit 1 (unauthenticated), but every check passed.
    out=$(hx runuser -u quantum -- audit-log verify --json 2>/dev/null)
    echo "    verify: $out" | cut -c1-200
    grep -q '"ok":true' <<<"$out" && grep -q '"lines":4' <<<"$out" && grep -q '"files":\["/var/log/quantum/audit.log-' <<<"$out" &&
        [ "$(hx runuser -u quantum -- audit-log stats --json 2>/dev/null | grep -o '"total":[0-9]*')" = '"total":4' ]
}
t_logrotate() {
    local rc=0
    t_logrotate_run || rc=1
    # The purge below keeps a non-empty /var/log/quantum (evidence): this check's log goes.
    hx sh -c 'rm -f /var/log/quantum/audit.log*'
    return "$rc"
}
check "logrotate with the installed snippet rotates the audit log; appends, verify and stats go on across files" t_logrotate

t_purge() {
    local before
    before=$(hx dpkg -L quantum-ops) || return 1
    hx env DEBIAN_FRONTEND=noninteractive apt-get purge -y quantum-ops || return 1
    hx dpkg-query -W -f '${Status}\n' quantum-ops 2>/dev/null | grep -qE " (installed|half-installed|unpacked|half-configured|config-files)$" &&
        { echo "still installed"; return 1; }
    # Every file the package shipped is gone (shared directories such as /usr/share/man stay).
    local path left=0
    while read -r path; do
        # Files and links to files; directories the package shares (/lib, /usr/share/man) stay.
        if hx test -f "$path" -a ! -d "$path"; then echo "left behind: $path"; left=1; fi
    done <<<"$before"
    [ "$left" = 0 ] || return 1
    for path in /etc/quantum /var/lib/quantum /run/quantum /var/log/quantum; do
        hx test -e "$path" && { echo "left behind: $path"; return 1; }
    done
    if hx sh -c 'ls /etc/systemd/system/*.wants/ /etc/systemd/system/' | grep -E 'quantum-(policy-refresh|exit-owner-watch)'; then
        echo "enablement links left behind"
        return 1
    fi
    hx systemctl daemon-reload
    hx systemctl cat quantum-policy-refresh.timer >/dev/null 2>&1 && { echo "systemd still knows the unit"; return 1; }
    echo "    purged: no file, directory, link or unit of the package left" >&3
}
check "apt-get purge removes every file, directory, enablement link and unit of the package" t_purge

finish
