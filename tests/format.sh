#!/bin/sh
# Checks that every C source and header follows .clang-format: lists the
# files clang-format would change and exits 1 if there are any. With --fix,
# formats them in place instead. Needs clang-format (Debian: clang-format).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
fix=false
[ "${1:-}" = "--fix" ] && fix=true
cf=$(command -v clang-format || command -v clang-format-14 || true)
[ -n "$cf" ] || { echo "format.sh: clang-format not found (apt-get install clang-format)" >&2; exit 2; }
bad=0
for f in $(git ls-files '*.c' '*.h' 2>/dev/null || find src tests bench -name '*.[ch]'); do
	if $fix; then
		"$cf" -i "$f"
	elif ! "$cf" "$f" | cmp -s - "$f"; then
		echo "not formatted: $f (run sh tests/format.sh --fix)"
		bad=1
	fi
done
exit $bad
