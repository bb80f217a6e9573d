#!/usr/bin/env bash
# Fails (and names the files) when a C++ source is not formatted as .clang-format says.
# scripts/test.sh runs it; `clang-format -i FILE` fixes a file.
set -uo pipefail
cd "$(dirname "$0")/.."
format=$(command -v clang-format-14 || command -v clang-format) || { echo "format: clang-format is not installed"; exit 2; }
mapfile -t files < <(git ls-files -- '*.cpp' '*.hpp' '*.h' 2>/dev/null || find lib tools tests fuzz -name '*.[ch]pp')
bad=()
for f in "${files[@]}"; do
    [ -f "$f" ] || continue
    "$format" --dry-run --Werror "$f" >/dev/null 2>&1 || bad+=("$f")
done
if [ "${#bad[@]}" -gt 0 ]; then
    printf 'format: not formatted as .clang-format says: %s\n' "${bad[@]}"
    echo "format: ${#bad[@]} of ${#files[@]} files; fix with clang-format -i"
    exit 1
fi
echo "format: all ${#files[@]} C++ files follow .clang-format"
