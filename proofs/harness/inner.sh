#!/bin/bash
# Runs as PID 1 of the harness's private PID, mount, UTS, network and cgroup namespaces
# (started by harness.sh through unshare), prepares a private filesystem view and then
# becomes systemd. Nothing here may change the host: every path systemd or the units
# write to is a private tmpfs or an overlay whose upper layer is a tmpfs.
#   $QOPS_STAGE      the staged install (cmake --install --prefix /usr with DESTDIR)
#   $QOPS_HARNESS    this directory (units/ holds the proof target and stand-ins)
#   $QOPS_SOURCE_DIR, $QOPS_BUILD_DIR  kept visible at their paths (they may be under /tmp)
#   $QOPS_HARNESS_MODE  "stage" (default): the staged install is layered over /usr;
#                       "package": nothing is installed, /usr and /var/lib are writable
#                       overlays of the host's (dpkg's database included), so a proof can
#                       install the .deb with apt-get and remove it again
#   $QOPS_HARNESS_KEEP  optional: a directory with var-lib.tar and etc-upper.tar from an
#                       earlier boot (harness_reboot): /var/lib and the changes to /etc
#                       come back, /run starts empty, as after a reboot
set -euo pipefail

mount --make-rprivate /
hostname qops-proof
ip link set lo up

mount -t tmpfs -o mode=0755 tmpfs /run
# The source and build trees (and so the staged install) may live under a directory the
# private mounts below hide, such as /tmp: set them aside, and bind them back afterwards.
mkdir -p /run/qops-keep/src /run/qops-keep/build
mount --bind "$QOPS_SOURCE_DIR" /run/qops-keep/src
mount --bind "$QOPS_BUILD_DIR" /run/qops-keep/build
mount -t tmpfs -o mode=1777 tmpfs /tmp
mode=${QOPS_HARNESS_MODE:-stage}
# overlay_rw DIR: the host's DIR, with every change landing in a tmpfs.
overlay_rw() {
    local name
    name=$(echo "$1" | tr / _)
    mkdir -p "/run/qops-ovl/$name/upper" "/run/qops-ovl/$name/work"
    mount -t overlay overlay -o "lowerdir=$1,upperdir=/run/qops-ovl/$name/upper,workdir=/run/qops-ovl/$name/work" "$1"
}
for d in /var/log /var/tmp /var/cache; do mount -t tmpfs -o mode=0755 tmpfs "$d"; done
if [ "$mode" = package ]; then
    overlay_rw /var/lib
    mkdir -p /var/cache/apt/archives/partial /var/log/apt
else
    mount -t tmpfs -o mode=0755 tmpfs /var/lib
fi
for keep in "src:$QOPS_SOURCE_DIR" "build:$QOPS_BUILD_DIR"; do
    path=${keep#*:}
    if ! mountpoint -q "$path" && [ ! -e "$path/CMakeLists.txt" ] && [ ! -e "$path/CMakeCache.txt" ]; then
        mkdir -p "$path"
        mount --bind "/run/qops-keep/${keep%%:*}" "$path"
    fi
done
keep=${QOPS_HARNESS_KEEP:-}
restored=no
if [ -n "$keep" ] && [ -f "$keep/var-lib.tar" ] && [ -f "$keep/etc-upper.tar" ]; then
    tar -C /var/lib -xpf "$keep/var-lib.tar"
    mkdir -p /run/qops-etc/upper /run/qops-etc/work
    tar -C /run/qops-etc/upper -xpf "$keep/etc-upper.tar"
    restored=yes
fi
mkdir -p /var/lib/systemd
# As systemd's tmpfiles.d/systemd.conf has it: journal files group-readable by systemd-journal.
install -d -m 2755 -g systemd-journal /var/log/journal

# A cgroup2 hierarchy of our own (the cgroup namespace makes our cgroup its root).
umount -R /sys/fs/cgroup 2>/dev/null || umount -l /sys/fs/cgroup 2>/dev/null || true
mount -t cgroup2 cgroup2 /sys/fs/cgroup

# /etc: the host's, seen through an overlay whose changes (users, units, config) land in
# a tmpfs. The host's enabled units are hidden by clearing /etc/systemd/system in it.
mkdir -p /run/qops-etc/upper /run/qops-etc/work
mount -t overlay overlay -o lowerdir=/etc,upperdir=/run/qops-etc/upper,workdir=/run/qops-etc/work /etc
# After a reboot the upper layer already hides them, and holds the proof's enablements.
[ "$restored" = yes ] || rm -rf /etc/systemd/system/* /etc/systemd/user/* 2>/dev/null || true
echo "# quantum-ops proof harness: no mounts" >/etc/fstab
echo "qops-proof" >/etc/hostname
printf '%s\n' 7f2c6a1e9b3d4c5e8f0a1b2c3d4e5f60 >/etc/machine-id

if [ "$mode" = package ]; then
    # /usr writable for dpkg (/lib is /usr/lib on Debian 12).
    overlay_rw /usr
else
    # /usr: the staged install layered over the host's, the way the package would put it.
    mount -t overlay overlay -o "lowerdir=$QOPS_STAGE/usr:/usr" /usr
    if [ -d "$QOPS_STAGE/lib/systemd/system" ]; then
        mount -t overlay overlay -o "lowerdir=$QOPS_STAGE/lib/systemd/system:/usr/lib/systemd/system" /usr/lib/systemd/system
    fi
    [ -d "$QOPS_STAGE/etc" ] && cp -a "$QOPS_STAGE/etc/." /etc/
fi
# No generators of the host's: its fstab, crypttab, getty etc. mean nothing here. Ours
# (the emergency-stop guards) runs.
mkdir -p /run/qops-empty
for g in "$QOPS_STAGE"/lib/systemd/system-generators/quantum-* "$QOPS_STAGE"/usr/lib/systemd/system-generators/quantum-*; do
    [ -e "$g" ] && cp -a "$g" /run/qops-empty/
done
mount --bind /run/qops-empty /usr/lib/systemd/system-generators

# Units that act on kernel-global state (sysctl, binfmt, modules) or on host devices are
# masked; users and directories are created below from our own sysusers/tmpfiles files.
for u in systemd-sysctl.service systemd-binfmt.service systemd-modules-load.service \
    proc-sys-fs-binfmt_misc.automount proc-sys-fs-binfmt_misc.mount systemd-tmpfiles-setup.service \
    systemd-tmpfiles-setup-dev.service systemd-tmpfiles-clean.timer systemd-sysusers.service \
    systemd-machine-id-commit.service systemd-udevd.service systemd-udev-trigger.service \
    sys-kernel-debug.mount sys-kernel-tracing.mount sys-fs-fuse-connections.mount \
    dev-hugepages.mount dev-mqueue.mount systemd-remount-fs.service systemd-random-seed.service \
    systemd-update-utmp.service systemd-ask-password-console.path systemd-journal-catalog-update.service \
    apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer fstrim.timer logrotate.timer man-db.timer \
    redis-server.service prometheus-node-exporter.service; do
    ln -sf /dev/null "/etc/systemd/system/$u"
done
systemd-sysusers
# In package mode the package's postinst does this.
[ "$mode" = package ] || systemd-tmpfiles --create /usr/lib/tmpfiles.d/quantum-ops.conf
cp "$QOPS_HARNESS"/units/* /etc/systemd/system/
# A sanitizer tree: LeakSanitizer cannot stop the world inside the units' sandbox
# (ProtectProc=, the seccomp filter) and ends such a run with "fatal error", exit 1, which
# the units count as success. The units' runs keep ASan and UBSan; leaks are what the
# tree's tests outside systemd check.
if grep -q '^QOPS_SANITIZE:BOOL=ON$' "$QOPS_BUILD_DIR/CMakeCache.txt" 2>/dev/null; then
    mkdir -p /etc/systemd/system.conf.d
    printf '[Manager]\nDefaultEnvironment=ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1\n' \
        >/etc/systemd/system.conf.d/50-qops-sanitizer.conf
fi

# Shared propagation inside our namespace only (the host's mounts were made private above,
# so nothing propagates back): systemd, which skips this itself in a container, needs it
# for per-unit mounts such as /run/credentials/<unit> to be seen by the unit.
mount --make-rshared /

exec env -i container=qops-proof PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 \
    /lib/systemd/systemd --unit=qops-proof.target --log-target=console --log-level=notice
