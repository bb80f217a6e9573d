#!/usr/bin/env bash
# clang-tidy over lib/ with the committed .clang-tidy (which treats every finding as an
# error), against a configured build tree's compile_commands.json.
#   scripts/lint.sh [BUILD_DIR]    default build/release (run scripts/test.sh or cmake first)
# Takes about five CPU-minutes, so the test command (scripts/test.sh) runs only the
# clang-format check; run this before sending a change that touches lib/.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/release}
[ -f "$build/compile_commands.json" ] || { echo "lint: no $build/compile_commands.json: configure a build first"; exit 2; }
tidy=$(command -v clang-tidy-14 || command -v clang-tidy) || { echo "lint: clang-tidy is not installed"; exit 2; }
# GCC-only warning flags in the compile commands mean nothing to clang.
find lib -name '*.cpp' -print0 | sort -z |
    xargs -0 -P "$(nproc)" -n 4 "$tidy" -p "$build" --quiet --extra-arg=-Wno-unknown-warning-option
echo "lint: lib/ is clean"
