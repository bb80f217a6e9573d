#!/usr/bin/env bash
# Benchmark of a checkpointed exit-owner-watch run over a fleet directory (CONTRACT.md,
# "Exit-owner watch, second edition"), against the original pipeline
#   journalctl -D DIR -u quantum-apply-layer --since '5 minutes ago' | grep -c DENY_NOT_EXIT_OWNER
# on HOSTS hosts' journals written by systemd-journal-remote (bench/journal/gen_fleet.py,
# one remote-HOST.journal per host), at the rate of 10M entries a day for the fleet, so
# that the last 5 minutes hold ~35k entries at every size.
#
# For each size: the fleet's history is written and a first run takes the checkpoint (one
# position per host); then 5 minutes of entries are appended to every host's journal,
# and each timed run starts from a copy of that checkpoint (hyperfine --prepare), so it
# examines exactly those 5 minutes, as a timer run does. The alerts go to a local
# redis-server, as in production.
#
#   bench/journal/run_fleet.sh      prints the table for bench/RESULTS.md
#   QOPS_BIN_DIR=DIR                use the tools built in DIR (default: build/release/bin)
#   QOPS_BENCH_RUNS=N               timed runs per command (default 20)
#   QOPS_BENCH_HOSTS=N              hosts (default 50)
#   QOPS_BENCH_SIZES="1000000 10000000"   total entries in the directory
#   QOPS_BENCH_JOBS=N               journal-remote processes writing at once (default 2)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
here="$root/bench/journal"
data="$here/data" # gitignored; regenerated on every run because the window is relative to now
bin=${QOPS_BIN_DIR:-$root/build/release/bin}
runs=${QOPS_BENCH_RUNS:-20}
hosts=${QOPS_BENCH_HOSTS:-50}
sizes=${QOPS_BENCH_SIZES:-1000000 10000000}
entries_per_day=10000000
window_s=300
py=/usr/bin/python3

for tool in hyperfine /usr/bin/time redis-server journalctl /lib/systemd/systemd-journal-remote; do
    command -v "$tool" >/dev/null || { echo "bench: $tool is missing (scripts/install-deps.sh)"; exit 1; }
done
watch="$bin/exit-owner-watch"
[ -x "$watch" ] || { echo "bench: build exit-owner-watch first ($watch)"; exit 1; }

work=$(mktemp -d)
. "$root/scripts/lib/throwaway-redis.sh"
start_throwaway_redis "$work"
redis_url=$QUANTUM_REDIS_URL

median_ms() { $py -c 'import json,sys; print("%.1f" % (json.load(open(sys.argv[1]))["results"][int(sys.argv[2])]["median"] * 1000))' "$1" "$2"; }
mib() { echo "$(($1 / 1024)).$((($1 % 1024) * 10 / 1024)) MiB"; }

declare -A ours theirs rss_ours rss_theirs size_mb files count_ours count_theirs gen_s examined
for n in $sizes; do
    dir="$data/fleet-$n"
    state="$work/state-$n"
    rm -rf "$dir" "$state" "$state.saved"
    mkdir -p "$dir" "$state"
    per_host=$((n / hosts))
    span=$((n * 86400 / entries_per_day))
    start=$(date +%s.%N)
    # Ending 5 minutes ago, so that the last 5 minutes hold only what is appended below.
    $py "$here/gen_fleet.py" "$dir" "$hosts" "$per_host" "$span" "$(($(date +%s%6N) - window_s * 1000000))"
    gen_s[$n]=$($py -c "import sys; print('%.0f' % ($(date +%s.%N) - $start))")
    # The first run: one position per host, at its last apply-layer entry.
    "$watch" --journal-dir "$dir" --state-dir "$state" --window 30d --redis "$redis_url" >/dev/null 2>&1 || true
    # Five minutes of the fleet's entries since.
    $py "$here/gen_fleet.py" "$dir" "$hosts" $((entries_per_day * window_s / 86400 / hosts)) "$window_s" "$(date +%s%6N)"
    cp -a "$state" "$state.saved"
    size_mb[$n]=$(du -sm "$dir" | cut -f1)
    files[$n]=$(find "$dir" -name '*.journal' | wc -l)
    printf '#!/bin/sh\nrm -rf %s && cp -a %s %s\n' "$state" "$state.saved" "$state" >"$work/restore-$n.sh"
    chmod +x "$work/restore-$n.sh"

    ours_cmd="$watch --journal-dir $dir --state-dir $state --redis $redis_url"
    pipe_cmd="journalctl -D $dir -u quantum-apply-layer --since '5 minutes ago' | grep -c DENY_NOT_EXIT_OWNER"
    "$work/restore-$n.sh"
    $ours_cmd --json 2>/dev/null >"$work/out-$n.json" || true
    count_ours[$n]=$($py -c 'import json,sys; print(json.load(open(sys.argv[1]))["deny_count"])' "$work/out-$n.json")
    examined[$n]=$($py -c 'import json,sys; print(json.load(open(sys.argv[1]))["examined"])' "$work/out-$n.json")
    count_theirs[$n]=$(bash -c "$pipe_cmd" || true)

    hyperfine -N -i --style none --warmup 2 --runs "$runs" --export-json "$work/h-$n.json" \
        --prepare "$work/restore-$n.sh" "$ours_cmd" --prepare "$work/restore-$n.sh" "bash -c \"$pipe_cmd\"" >/dev/null 2>&1
    ours[$n]=$(median_ms "$work/h-$n.json" 0)
    theirs[$n]=$(median_ms "$work/h-$n.json" 1)
    peak=0
    for _ in 1 2 3 4 5; do
        "$work/restore-$n.sh"
        rss=$( (/usr/bin/time -f "%M" $ours_cmd 2>&1 >/dev/null || true) | tail -n 1)
        if [ "$rss" -gt "$peak" ]; then peak=$rss; fi
    done
    rss_ours[$n]=$peak
    rss_theirs[$n]=$( (/usr/bin/time -f '%M' bash -c "$pipe_cmd" 2>&1 >/dev/null || true) | tail -n 1)
done

echo "| fleet directory | files | on disk | generated in | apply entries examined | DENY (watch / pipeline) | exit-owner-watch median | pipeline median | speed-up | watch peak RSS | pipeline peak RSS |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
for n in $sizes; do
    speed=$($py -c "print('%.2fx' % (${theirs[$n]} / ${ours[$n]}))")
    echo "| $hosts hosts x $((n / hosts)) = $n entries | ${files[$n]} | ${size_mb[$n]} MiB | ${gen_s[$n]} s | ${examined[$n]} | ${count_ours[$n]} / ${count_theirs[$n]} | ${ours[$n]} ms | ${theirs[$n]} ms | $speed | $(mib "${rss_ours[$n]}") | $(mib "${rss_theirs[$n]}") |"
done
set -- $sizes
if [ $# -ge 2 ]; then
    $py -c "print('time at %s / time at %s: exit-owner-watch %.2f, pipeline %.2f' % ('$2', '$1', ${ours[$2]} / ${ours[$1]}, ${theirs[$2]} / ${theirs[$1]}))"
fi
