#!/usr/bin/env bash
# The whole test suite on a fresh Debian 12 machine: installs the packages, builds a
# Release tree and an ASan+UBSan tree (warnings are errors in both), runs ctest in each
# (Catch2 unit and integration tests against real redis-server, journal files and
# systemd; the proofs), and ends with the combined "N passed, M failed" line.
#
#   scripts/test.sh                 everything
#   QOPS_TEST_ONLY=release scripts/test.sh   skip the sanitizer tree
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

scripts/install-deps.sh || { echo "test: cannot install the packages"; exit 1; }

trees=(release asan)
[ "${QOPS_TEST_ONLY:-}" = "release" ] && trees=(release)
[ "${QOPS_TEST_ONLY:-}" = "asan" ] && trees=(asan)

mkdir -p "$root/build"
total_pass=0 total_fail=0 total_skip=0 rc=0
for tree in "${trees[@]}"; do
    dir="$root/build/$tree"
    case $tree in
    release) flags=(-DCMAKE_BUILD_TYPE=Release) ;;
    asan) flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DQOPS_SANITIZE=ON) ;;
    esac
    echo "=== $tree: configure and build"
    if ! cmake -S . -B "$dir" -G Ninja -DQOPS_WERROR=ON -DCMAKE_INSTALL_PREFIX=/usr "${flags[@]}" >"$root/build/$tree-configure.log" 2>&1; then
        tail -n 30 "$root/build/$tree-configure.log"
        echo "0 passed, 1 failed"
        exit 1
    fi
    if ! cmake --build "$dir" -j2; then
        echo "0 passed, 1 failed"
        exit 1
    fi
    echo "=== $tree: ctest"
    export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
    export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
    ctest --test-dir "$dir" --output-on-failure -j2 --timeout 900 2>&1 | tee "$root/build/$tree-ctest.log"
    [ "${PIPESTATUS[0]}" -eq 0 ] || rc=1
    summary=$(grep -E '^[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' "$root/build/$tree-ctest.log" | tail -n 1)
    if [ -n "$summary" ]; then
        failed=$(sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\1/' <<<"$summary")
        all=$(sed -E 's/.* failed out of ([0-9]+).*/\1/' <<<"$summary")
        # ctest counts a skipped test as passed in its percentage; it lists them apart.
        skipped=$(grep -cE '^[[:space:]]*[0-9]+ - .* \(Skipped\)$' "$root/build/$tree-ctest.log")
        total_pass=$((total_pass + all - failed - skipped))
        total_fail=$((total_fail + failed))
        total_skip=$((total_skip + skipped))
    else
        total_fail=$((total_fail + 1))
        rc=1
    fi
done
echo "=== suite total (${trees[*]})"
if [ "$total_skip" -gt 0 ]; then
    echo "$total_pass passed, $total_fail failed, $total_skip skipped"
else
    echo "$total_pass passed, $total_fail failed"
fi
exit $rc
