#!/usr/bin/env bash
# Benchmark: ops-ledger-append appending to a ledger of 1,000 entries and verifying one of
# 10,000, as whole processes, side by side with the original way (Python + PyYAML,
# bench/ledger/original_append.py). Prints medians, and what yaml-cpp alone takes to read
# the 10,000 entries in-process (bench/ledger/yaml_cpp_parse.cpp) and the tool's start-up
# alone (--version), which is part of every whole-process figure.
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${QOPS_BIN_DIR:-build/release/bin}
[ -x "$BIN/ops-ledger-append" ] || { echo "build first: cmake --build build/release"; exit 2; }
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
/usr/bin/python3 bench/ledger/gen_ledger.py "$W/L1000.md" 1000
/usr/bin/python3 bench/ledger/gen_ledger.py "$W/L10000.md" 10000
args="--name Maintenance --risk-class LOW_RISK_CONFIG --blast-radius repository --summary change --outcome SUCCESS"
# Signed as in production: a throwaway key, and its verifier key for --verify.
openssl genpkey -algorithm ed25519 -out "$W/key" 2>/dev/null && chmod 600 "$W/key"
export QUANTUM_LEDGER_SIGNING_KEY_FILE="$W/key" QUANTUM_VERIFIER_STATE_DIR="$W/verifier"
"$BIN/ops-ledger-append" --verifier-key >"$W/verifier-keys"
export QUANTUM_VERIFIER_KEYS="$W/verifier-keys"
# A generated ledger has no checkpoint yet: one append stores it (as on an upgraded host),
# so the timed runs append to and verify a checkpointed ledger.
for l in "$W/L1000.md" "$W/L10000.md"; do
    # shellcheck disable=SC2086
    "$BIN/ops-ledger-append" --ledger "$l" $args >/dev/null 2>&1 || { echo "bench: cannot append to $l"; exit 1; }
done
"$BIN/ops-ledger-append" --ledger "$W/L10000.md" --verify
/usr/bin/python3 bench/ledger/original_append.py "$W/L10000.md" --verify
hyperfine -N --style none --warmup 3 --runs 30 --prepare "sh -c 'cp $W/L1000.md $W/a.md && cp $W/L1000.md.checkpoint $W/a.md.checkpoint && sync'" --export-json "$W/a.json" \
    "$BIN/ops-ledger-append --ledger $W/a.md $args" >/dev/null 2>&1
hyperfine -N --style none --warmup 2 --runs 15 --prepare "sh -c 'cp $W/L1000.md $W/b.md && sync'" --export-json "$W/b.json" \
    "/usr/bin/python3 bench/ledger/original_append.py $W/b.md" >/dev/null 2>&1
hyperfine -N --style none --warmup 2 --runs 15 --export-json "$W/c.json" \
    "$BIN/ops-ledger-append --ledger $W/L10000.md --verify" >/dev/null 2>&1
hyperfine -N --style none --warmup 1 --runs 5 --export-json "$W/d.json" \
    "/usr/bin/python3 bench/ledger/original_append.py $W/L10000.md --verify" >/dev/null 2>&1
hyperfine -N --style none --warmup 3 --runs 30 --export-json "$W/e.json" "$BIN/ops-ledger-append --version" >/dev/null 2>&1
c++ -O2 -std=c++20 bench/ledger/yaml_cpp_parse.cpp -lyaml-cpp -o "$W/yaml_cpp_parse"
"$W/yaml_cpp_parse" "$W/L10000.md" >"$W/yaml.txt"
python3 - "$W" <<'PY'
import json, sys
w = sys.argv[1]
n, all_ms, chain_ms = open(f"{w}/yaml.txt").read().split()
m = lambda f: json.load(open(f"{w}/{f}.json"))["results"][0]["median"] * 1000
a, b, c, d, e = m("a"), m("b"), m("c"), m("d"), m("e")
print(f"{'':44} {'median ms':>10}")
print(f"{'append to 1,000 entries: ops-ledger-append':44} {a:10.1f}")
print(f"{'append to 1,000 entries: Python + PyYAML':44} {b:10.1f}   ({b/a:.0f}x)")
print(f"{'verify 10,000 entries: ops-ledger-append':44} {c:10.1f}")
print(f"{'verify 10,000 entries: Python + PyYAML':44} {d:10.1f}   ({d/c:.0f}x)")
print(f"{'start-up alone: ops-ledger-append --version':44} {e:10.1f}")
print(f"{'yaml-cpp, in-process: Load of every block':44} {float(all_ms):10.1f}")
print(f"{'yaml-cpp, in-process: Load of the chain lines':44} {float(chain_ms):10.1f}")
ok = a <= 30 and c <= 200
print("targets (append to 1,000 <= 30 ms, verify of 10,000 <= 200 ms):", "met" if ok else "NOT met")
PY
