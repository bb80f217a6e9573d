#!/usr/bin/env bash
# Builds the Debian package: a Release tree in build/package configured as the package
# installs (prefix /usr), then cpack. Prints the path of the .deb.
#   scripts/package.sh            (run scripts/install-deps.sh first on a fresh machine)
set -euo pipefail
cd "$(dirname "$0")/.."
dir=build/package
mkdir -p build
cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=/usr \
    -DQOPS_BUILD_TESTS=OFF -DQOPS_WERROR=ON >"$dir.configure.log" 2>&1 ||
    { tail -n 30 "$dir.configure.log"; exit 1; }
cmake --build "$dir" -j2
(cd "$dir" && cpack -G DEB --config CPackConfig.cmake >cpack.log 2>&1) || { tail -n 30 "$dir/cpack.log"; exit 1; }
ls "$PWD/$dir"/quantum-ops_*.deb
