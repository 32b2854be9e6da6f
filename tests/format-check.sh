#!/bin/sh
# SPDX-License-Identifier: MIT
# Every C file in the repository is as clang-format (.clang-format) writes it. TAP, one line per
# file; skipped ("1..0 # SKIP") without clang-format or outside a git checkout.
cd "${RRDD_SOURCE_ROOT:?}" || exit 1
command -v clang-format >/dev/null 2>&1 || { echo "1..0 # SKIP no clang-format"; exit 0; }
files=$(git ls-files '*.c' '*.h' 2>/dev/null) || { echo "1..0 # SKIP not a git checkout"; exit 0; }
n=0 bad=0
for f in $files; do
        n=$((n + 1))
        if clang-format --dry-run -Werror "$f" >/dev/null 2>&1; then
                echo "ok $n - $f"
        else
                echo "not ok $n - $f (run: clang-format -i $f)"
                bad=$((bad + 1))
        fi
done
echo "1..$n"
[ "$bad" -eq 0 ]
