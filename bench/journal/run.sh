#!/usr/bin/env bash
# Benchmark of exit-owner-watch's 5-minute check against the original pipeline
#   journalctl -D DIR -u quantum-apply-layer --since '5 minutes ago' | grep -c DENY_NOT_EXIT_OWNER
# on generated journals of 100k and 1M entries at the same rate (1M over 24 h, so the
# last 5 minutes hold ~3.5k entries in both; 5% apply layer, 1% of those DENY).
# Each command runs as a whole process (the pipeline as the bash -c a timer would run);
# the watch stores its alert in a local redis-server, as in production.
#
#   bench/journal/run.sh            prints the table for bench/RESULTS.md
#   QOPS_BIN_DIR=DIR                use the tools built in DIR (default: build/release/bin)
#   QOPS_BENCH_RUNS=N               timed runs per command (default 30)
#   QOPS_BENCH_SIZES="100000 1000000"
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
here="$root/bench/journal"
data="$here/data" # gitignored; regenerated on every run because the window is relative to now
bin=${QOPS_BIN_DIR:-$root/build/release/bin}
runs=${QOPS_BENCH_RUNS:-30}
sizes=${QOPS_BENCH_SIZES:-100000 1000000}
entries_per_day=1000000

for tool in hyperfine /usr/bin/time redis-server journalctl /lib/systemd/systemd-journal-remote; do
    command -v "$tool" >/dev/null || { echo "bench: $tool is missing (scripts/install-deps.sh)"; exit 1; }
done
if [ ! -x "$bin/exit-owner-watch" ]; then
    echo "bench: building a Release exit-owner-watch in $root/build/release"
    # -Werror off: GCC 12 at -O3 warns falsely (-Wrestrict) inside libstdc++ on this tree.
    cmake -S "$root" -B "$root/build/release" -G Ninja -DCMAKE_BUILD_TYPE=Release -DQOPS_WERROR=OFF >/dev/null
    cmake --build "$root/build/release" -j2 --target exit-owner-watch >/dev/null
    bin="$root/build/release/bin"
fi
watch="$bin/exit-owner-watch"

work=$(mktemp -d)
. "$root/scripts/lib/throwaway-redis.sh"
start_throwaway_redis "$work"
redis_url=$QUANTUM_REDIS_URL

# median_ms JSON INDEX: median of a hyperfine export, in ms.
median_ms() { python3 -c 'import json,sys; print("%.1f" % (json.load(open(sys.argv[1]))["results"][int(sys.argv[2])]["median"] * 1000))' "$1" "$2"; }
# peak_rss_kib CMD...: the largest max-RSS over 10 runs (children included), in KiB.
peak_rss_kib() {
    local peak=0 rss
    for _ in $(seq 1 10); do
        rss=$(/usr/bin/time -f '%M' "$@" 2>&1 >/dev/null | tail -n 1)
        [ "$rss" -gt "$peak" ] && peak=$rss
    done
    echo "$peak"
}

declare -A ours theirs floor rss_ours rss_theirs size_mb count_ours count_theirs gen_s
for n in $sizes; do
    dir="$data/$n"
    rm -rf "$dir"
    mkdir -p "$dir"
    span=$((n * 86400 / entries_per_day))
    start=$(date +%s.%N)
    python3 "$here/gen_journal.py" "$dir/bench.journal" "$n" "$span" 2>/dev/null
    gen_s[$n]=$(python3 -c "import sys; print('%.0f' % ($(date +%s.%N) - $start))")
    size_mb[$n]=$(du -sm "$dir" | cut -f1)

    ours_cmd="$watch --no-state --window 5min --journal-dir $dir --redis $redis_url"
    pipe_cmd="journalctl -D $dir -u quantum-apply-layer --since '5 minutes ago' | grep -c DENY_NOT_EXIT_OWNER"
    count_ours[$n]=$($ours_cmd --json 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["deny_count"])' || true)
    count_theirs[$n]=$(bash -c "$pipe_cmd" || true)

    hyperfine -N -i --style none --warmup 3 --runs "$runs" --export-json "$work/h-$n.json" \
        "$ours_cmd" "bash -c \"$pipe_cmd\"" "$watch --version" >/dev/null 2>&1
    ours[$n]=$(median_ms "$work/h-$n.json" 0)
    theirs[$n]=$(median_ms "$work/h-$n.json" 1)
    floor[$n]=$(median_ms "$work/h-$n.json" 2)
    rss_ours[$n]=$(peak_rss_kib $ours_cmd)
    rss_theirs[$n]=$(peak_rss_kib bash -c "$pipe_cmd")
done

echo "| journal | files on disk | generated in | DENY in window (watch / pipeline) | exit-owner-watch median | pipeline median | speed-up | watch peak RSS | pipeline peak RSS | process start (--version) |"
echo "|---|---|---|---|---|---|---|---|---|---|"
for n in $sizes; do
    speed=$(python3 -c "print('%.2fx' % (${theirs[$n]} / ${ours[$n]}))")
    echo "| $n entries | ${size_mb[$n]} MiB | ${gen_s[$n]} s | ${count_ours[$n]} / ${count_theirs[$n]} | ${ours[$n]} ms | ${theirs[$n]} ms | $speed | $((rss_ours[$n] / 1024)).$(((rss_ours[$n] % 1024) * 10 / 1024)) MiB | $((rss_theirs[$n] / 1024)).$(((rss_theirs[$n] % 1024) * 10 / 1024)) MiB | ${floor[$n]} ms |"
done
set -- $sizes
if [ $# -ge 2 ]; then
    python3 -c "print('time at %s / time at %s: exit-owner-watch %.2f, pipeline %.2f' % ('$2', '$1', ${ours[$2]} / ${ours[$1]}, ${theirs[$2]} / ${theirs[$1]}))"
fi
