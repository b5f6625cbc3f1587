#!/bin/sh
# The bench/perf scripts' argument checks (bench/perf/args.sh): a value
# out of range or not a number is refused with exit 2, naming the script
# and the argument and quoting the value, before any server starts.
. "${SC_SRCDIR:-.}/tests/integration/lib.sh"
args="$SC_SRCDIR/bench/perf/args.sh"

whole() { sh -c '. "$1"; whole_arg t.sh N "$2" 1 100; echo accepted' sh "$args" "$1"; }
number() { sh -c '. "$1"; number_arg t.sh X "$2" 0.001 600; echo accepted' sh "$args" "$1"; }

for v in 1 7 100; do
	expect_rc 0 "whole $v" -- whole "$v"
	expect_grep "$TMP/out" "^accepted" "whole $v accepted"
done
for v in '' abc 0 101 08 -3 1.5 ' 5' 1234567 99999999999999999999; do
	expect_rc 2 "whole '$v'" -- whole "$v"
	expect_grep "$TMP/err" "^t.sh: N must be a whole number in \[1, 100\], got '$v'\$" \
		"whole '$v' refused by name, value quoted"
done
for v in 600 0.5 .5 12 0.001; do
	expect_rc 0 "number $v" -- number "$v"
done
for v in '' . 1.2.3 600e3 -1 abc 600.01 0 1e300 99999999999999999999999; do
	expect_rc 2 "number '$v'" -- number "$v"
	expect_grep "$TMP/err" "^t.sh: X must be a number in \[0.001, 600\], got '$v'\$" \
		"number '$v' refused by name, value quoted"
done
word() { sh -c '. "$1"; word_arg t.sh O "$2" per-gpu users; echo accepted' sh "$args" "$1"; }
for v in per-gpu users; do
	expect_rc 0 "word $v" -- word "$v"
	expect_grep "$TMP/out" "^accepted" "word $v accepted"
done
for v in '' user USERS 'users ' per-gpu,users '*'; do
	expect_rc 2 "word '$v'" -- word "$v"
	if grep -qxF "t.sh: O must be one of per-gpu users, got '$v'" "$TMP/err"; then
		pass
	else
		fail "word '$v' not refused by name with the value quoted: $(cat "$TMP/err")"
	fi
done

# The scripts check before they look for a server or a build.
expect_rc 2 "closure_real.sh TTFT_MS" -- \
	sh "$SC_SRCDIR/bench/perf/closure_real.sh" "$TMP/nobuild" "$TMP/o" 6x0
expect_grep "$TMP/err" "closure_real.sh: TTFT_MS must be a number" "closure_real.sh names TTFT_MS"
expect_rc 2 "closure_real.sh ROUNDS" -- \
	sh "$SC_SRCDIR/bench/perf/closure_real.sh" "$TMP/nobuild" "$TMP/o" 600 12 08
expect_grep "$TMP/err" "ROUNDS must be a whole number in \[1, 10000\], got '08'" "closure_real.sh names ROUNDS"
expect_rc 2 "closure_real.sh OBJECTIVE" -- \
	sh "$SC_SRCDIR/bench/perf/closure_real.sh" "$TMP/nobuild" "$TMP/o" 600 12 30 most
expect_grep "$TMP/err" "closure_real.sh: OBJECTIVE must be one of per-gpu total users, got 'most'" "closure_real.sh names OBJECTIVE"
expect_rc 2 "engine_spread.sh RUNS" -- \
	sh "$SC_SRCDIR/bench/perf/engine_spread.sh" "$TMP/nobuild" "$TMP/o" 1
expect_grep "$TMP/err" "engine_spread.sh: RUNS must be a whole number in \[2, 100\], got '1'" "engine_spread.sh names RUNS"
expect_rc 2 "real_engine.sh MIN" -- \
	sh "$SC_SRCDIR/bench/perf/real_engine.sh" "$TMP/nobuild" "$TMP/o" 4 0
expect_grep "$TMP/err" "real_engine.sh: MIN must be a whole number in \[1, 100000\], got '0'" "real_engine.sh names MIN"
[ ! -e "$TMP/o" ] && pass || fail "a refused argument still made the output directory"
finish
