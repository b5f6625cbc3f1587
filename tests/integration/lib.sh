# Shared shell helpers for integration tests: the binary, a temp dir that is
# removed on exit, and assertions that say what was expected.
set -u
SC_BUILDDIR=${SC_BUILDDIR:-$(pwd)}
SC_SRCDIR=${SC_SRCDIR:-$(pwd)}
SERVECAL="$SC_BUILDDIR/servecal"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/sctest.XXXXXX")
# A test's fits go to its own perf database, never to the catalog's
# calib/db in the source tree (a campaign or fit --db without $SERVECAL_DB
# writes there); a test that sets SERVECAL_DB itself overrides this.
SERVECAL_DB="$TMP/db"
export SERVECAL_DB
FAILS=0
PASSES=0
cleanup_hooks=""
on_exit() {
	for h in $cleanup_hooks; do "$h" || true; done
	rm -rf "$TMP"
}
trap on_exit EXIT

fail() { echo "FAIL: $*" >&2; FAILS=$((FAILS + 1)); }
pass() { PASSES=$((PASSES + 1)); }

# expect_rc WANT DESCRIPTION -- CMD...: runs CMD, checks its exit code;
# stdout in $TMP/out, stderr in $TMP/err.
expect_rc() {
	want=$1 desc=$2
	shift 3
	"$@" >"$TMP/out" 2>"$TMP/err"
	got=$?
	if [ "$got" -ne "$want" ]; then
		fail "$desc: exit $got, want $want; stderr: $(head -c 400 "$TMP/err")"
	else
		pass
	fi
}

# expect_grep FILE PATTERN DESCRIPTION
expect_grep() {
	if grep -q -- "$2" "$1"; then pass; else
		fail "$3: '$2' not in $(basename "$1"): $(head -c 400 "$1")"
	fi
}

finish() {
	echo "$PASSES passed, $FAILS failed"
	[ "$FAILS" -eq 0 ]
}
