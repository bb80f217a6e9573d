#!/usr/bin/env bash
# Benchmark: audit-summary of one day on a 10-million-line (~1.5 GB, one year) log, as a
# whole process, side by side with a full scan (grep -c '^\[YYYY-MM-DD' FILE); and
# audit-log stats on the same file. Prints medians and peak RSS.
#   bench/audit/run.sh [LINES] [stray]   (default 10000000; the log is kept in $QOPS_BENCH_DATA)
# With "stray" the log also holds 30 undated lines after every 2,000th entry (the shape of
# issue 20) and one run of 200,000 undated lines at noon of 2025-07-15, which the
# search reads through: the cost of stray lines. QOPS_BENCH_DAY asks for another day.
set -euo pipefail
cd "$(dirname "$0")/../.."
LINES=${1:-10000000}
SHAPE=${2:-plain}
BIN=${QOPS_BIN_DIR:-build/release/bin}
DATA=${QOPS_BENCH_DATA:-/tmp/qops-bench}
DAY=${QOPS_BENCH_DAY:-2025-07-15} # the stray log's long run stays at noon of 2025-07-15
[ -x "$BIN/audit-summary" ] || { echo "build first: cmake --build build/release"; exit 2; }
mkdir -p "$DATA"
case $SHAPE in
plain) LOG="$DATA/audit-$LINES.log"; GEN_ARGS=() ;;
stray) LOG="$DATA/audit-stray-$LINES.log"; GEN_ARGS=(2000 30 2025-07-15 200000) ;;
*) echo "usage: $0 [LINES] [plain|stray]"; exit 2 ;;
esac
if [ ! -s "$LOG" ]; then
    t0=$(date +%s)
    /usr/bin/python3 bench/audit/gen_log.py "$LOG" "$LINES" "${GEN_ARGS[@]}"
    echo "generated $LOG in $(( $(date +%s) - t0 )) s"
fi
echo "log: $(wc -c <"$LOG" | awk '{printf "%.2f GB", $1/1e9}'), $LINES entries ($SHAPE, $(wc -l <"$LOG") lines); day $DAY"
cat "$LOG" >/dev/null # page cache warm for both sides

hyperfine -N --style none --warmup 5 --runs 50 --export-json /tmp/qops-audit-sum.json \
    "$BIN/audit-summary --log $LOG --date $DAY" >/dev/null 2>&1
hyperfine -N --style none --warmup 5 --runs 50 --export-json /tmp/qops-audit-start.json \
    "$BIN/audit-summary --version" >/dev/null 2>&1
hyperfine --style none --warmup 1 --runs 5 --export-json /tmp/qops-audit-grep.json \
    "grep -c '^\[$DAY' $LOG" >/dev/null 2>&1
hyperfine -N --style none --warmup 1 --runs 5 --export-json /tmp/qops-audit-stats.json \
    "$BIN/audit-log --log $LOG stats" >/dev/null 2>&1
rss=0
for _ in $(seq 10); do
    v=$(/usr/bin/time -f %M "$BIN/audit-summary" --log "$LOG" --date "$DAY" 2>&1 >/dev/null | tail -n 1)
    [ "$v" -gt "$rss" ] && rss=$v
done
# CPU time (perf stat task-clock, 30 runs): unlike elapsed time it does not grow with the
# load of a shared machine, so the cost of the search shows beside the start-up's.
cpu() { perf stat -r 30 -x, -e task-clock "$@" 2>&1 >/dev/null | awk -F, '/task-clock/ {print $1}'; }
if command -v perf >/dev/null; then
    cpu_sum=$(cpu "$BIN/audit-summary" --log "$LOG" --date "$DAY")
    cpu_start=$(cpu "$BIN/audit-summary" --version)
else
    cpu_sum=nan cpu_start=nan
fi
ours=$("$BIN/audit-summary" --log "$LOG" --date "$DAY" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])')
theirs=$(grep -c "^\[$DAY" "$LOG")
python3 - "$rss" "$ours" "$theirs" "$cpu_sum" "$cpu_start" <<'PY'
import json, sys
load = lambda p: json.load(open(p))["results"][0]
s, g, st = load("/tmp/qops-audit-sum.json"), load("/tmp/qops-audit-grep.json"), load("/tmp/qops-audit-stats.json")
v = load("/tmp/qops-audit-start.json")
rss, ours, theirs = int(sys.argv[1]), sys.argv[2], sys.argv[3]
cpu_sum, cpu_start = float(sys.argv[4]), float(sys.argv[5])
print(f"{'':36} {'median':>10} {'min':>10}")
print(f"{'audit-summary --date (seek)':36} {s['median']*1000:8.2f} ms {s['min']*1000:7.2f} ms   peak RSS {rss/1024:.1f} MiB   day total {ours}")
print(f"{'audit-summary --version (start-up)':36} {v['median']*1000:8.2f} ms {v['min']*1000:7.2f} ms")
print(f"{'grep -c (full scan)':36} {g['median']*1000:8.2f} ms {g['min']*1000:7.2f} ms   day total {theirs}")
print(f"{'audit-log stats (whole file)':36} {st['median']*1000:8.2f} ms {st['min']*1000:7.2f} ms")
print(f"CPU time: audit-summary {cpu_sum:.2f} ms, of which start-up (--version) {cpu_start:.2f} ms")
print(f"speed-up of the summary over the full scan: {g['median']/s['median']:.0f}x")
ok = s['median'] <= 0.020 and g['median'] / s['median'] >= 20 and rss < 16 * 1024 and st['median'] <= 1.0 and ours == theirs
print("targets (summary <= 20 ms, >= 20x, RSS < 16 MiB, stats <= 1 s, same count):", "met" if ok else "NOT met")
PY
