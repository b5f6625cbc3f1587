#!/bin/sh
# Sets everything up and runs the whole test suite: installs the Debian
# packages, builds, runs `make check`, then the unit and integration tests
# again under AddressSanitizer + UBSan in build-asan/, and checks that the
# sources are formatted (tests/format.sh).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
sh tests/install-deps.sh
[ -x configure ] || autoreconf -fi
# Both builds live outside the source tree (build/, build-asan/); an in-tree
# configuration would block them, so it is cleaned first.
[ ! -f config.status ] || make distclean >/dev/null
status=0
build() { # DIR CONFIGURE-ARGS...
	d=$1
	shift
	mkdir -p "$d"
	(cd "$d" && { [ -f Makefile ] || ../configure -q "$@"; } &&
		make -j2 && make -j2 check) || status=1
}
build build
build build-asan --enable-sanitizers
# Source layout: every C file as .clang-format says (sh tests/format.sh --fix
# formats them).
sh tests/format.sh || status=1
# One closing line over both runs, from automake's trs files.
trs=$(find build build-asan -name '*.trs' 2>/dev/null)
pass=$(cat $trs /dev/null | grep -c '^:test-result: PASS' || true)
fail=$(cat $trs /dev/null | grep -c -E '^:test-result: (FAIL|ERROR)' || true)
echo "$pass passed, $fail failed"
exit $status
