#!/usr/bin/env bash
# Fuzzes every target with libFuzzer for SECONDS each (default 60) and prints, per target,
# the executions, the corpus size and the crashes. Builds build/fuzz with clang first.
# Each target starts from the seeds in fuzz/corpus/<target>/ and keeps what it finds in
# build/fuzz/corpus/<target>/; a crashing input is saved in build/fuzz/artifacts/<target>/
# (add it to fuzz/corpus/<target>/ once fixed, so ctest replays it from then on).
#   fuzz/run.sh [SECONDS] [TARGET...]
set -uo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
dir=build/fuzz
if ! CC=clang CXX=clang++ cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DQOPS_FUZZ=ON \
    -DQOPS_BUILD_TESTS=OFF >"$dir.configure.log" 2>&1; then
    tail -n 20 "$dir.configure.log"
    exit 1
fi
cmake --build "$dir" -j2 >"$dir.build.log" 2>&1 || { tail -n 30 "$dir.build.log"; exit 1; }
targets=("$@")
[ ${#targets[@]} -gt 0 ] || mapfile -t targets < <(cd "$dir/fuzz" && ls fuzz_*)
printf '%-24s %8s %12s %10s %8s %8s\n' target seconds executions exec/s corpus crashes
failed=0
for t in "${targets[@]}"; do
    mkdir -p "$dir/corpus/$t" "$dir/artifacts/$t"
    log="$dir/$t.log"
    "$dir/fuzz/$t" -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
        -artifact_prefix="$dir/artifacts/$t/" "$dir/corpus/$t" "fuzz/corpus/$t" >"$log" 2>&1
    rc=$?
    execs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' || true)
    [ -n "$execs" ] || execs=$(grep -oE '^#[0-9]+' "$log" | tail -n 1 | tr -d '#')
    crashes=$(find "$dir/artifacts/$t" -type f | wc -l)
    printf '%-24s %8s %12s %10s %8s %8s\n' "$t" "$seconds" "${execs:-?}" "$(( ${execs:-0} / seconds ))" \
        "$(ls "$dir/corpus/$t" | wc -l)" "$crashes"
    if [ "$rc" -ne 0 ] || [ "$crashes" -gt 0 ]; then
        failed=1
        grep -E 'ERROR|invariant|SUMMARY' "$log" | head -n 5
    fi
done
exit $failed
