#!/usr/bin/env bash
# Installs the Debian packages listed in scripts/debian-packages.txt (needs root).
#   scripts/install-deps.sh           everything (tests, proofs, package, fuzzing)
#   scripts/install-deps.sh --build   only what building the tools needs (scripts/demo.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
list=scripts/debian-packages.txt
if [ "${1:-}" = "--build" ]; then
    list=$(mktemp)
    trap 'rm -f "$list"' EXIT
    sed '/^# ---/,$d' scripts/debian-packages.txt >"$list"
fi
mapfile -t packages < <(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$list")
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -eq 0 ]; then
    echo "install-deps: all ${#packages[@]} packages present"
    exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# policy-rc.d keeps the packages' own services (redis, node_exporter) from starting.
$SUDO sh -c 'printf "#!/bin/sh\nexit 101\n" > /usr/sbin/policy-rc.d.qops && chmod +x /usr/sbin/policy-rc.d.qops'
if [ ! -e /usr/sbin/policy-rc.d ]; then
    $SUDO ln -s /usr/sbin/policy-rc.d.qops /usr/sbin/policy-rc.d
    trap '$SUDO rm -f /usr/sbin/policy-rc.d; [ "$list" = scripts/debian-packages.txt ] || rm -f "$list"' EXIT
fi
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
