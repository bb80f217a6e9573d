#!/usr/bin/env bash
# Runs every proofs/proof_*.sh and ends with the total "N passed, M failed[, K skipped]".
# Exits non-zero when any proof fails. ctest runs each proof as its own test
# (proofs/CMakeLists.txt); this script is for running them all by hand.
#   QOPS_BIN_DIR    the built tools (default build/release/bin)
#   QOPS_BUILD_DIR  the build tree, for the proofs that install it under a real systemd
set -u
here=$(cd "$(dirname "$0")" && pwd)
total_pass=0 total_fail=0 total_skip=0 broken=()
for proof in "$here"/proof_*.sh; do
    name=$(basename "$proof" .sh)
    echo "=== $name"
    out=$(bash "$proof" 2>&1)
    rc=$?
    echo "$out"
    last=$(tail -n 1 <<<"$out")
    if [[ $last =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed(,\ ([0-9]+)\ skipped)?$ ]]; then
        total_pass=$((total_pass + BASH_REMATCH[1]))
        total_fail=$((total_fail + BASH_REMATCH[2]))
        total_skip=$((total_skip + ${BASH_REMATCH[4]:-0}))
        [ "$rc" -eq 0 ] || [ "${BASH_REMATCH[2]}" -gt 0 ] || { total_fail=$((total_fail + 1)); broken+=("$name (exit $rc)"); }
    else
        total_fail=$((total_fail + 1))
        broken+=("$name (no summary line, exit $rc)")
    fi
done
[ "${#broken[@]}" -eq 0 ] || printf 'broken proof: %s\n' "${broken[@]}"
echo "=== all proofs"
if [ "$total_skip" -gt 0 ]; then
    echo "$total_pass passed, $total_fail failed, $total_skip skipped"
else
    echo "$total_pass passed, $total_fail failed"
fi
[ "$total_fail" -eq 0 ]
