# Argument checks of the bench/perf scripts (sourced). Each exits 2 with
# the script's name, the argument's name and the value quoted, unless the
# value is in range:
#   whole_arg SCRIPT NAME VALUE LO HI    a whole number in [LO, HI]
#   number_arg SCRIPT NAME VALUE LO HI   a decimal number in [LO, HI]
#   word_arg SCRIPT NAME VALUE WORD...   one of the WORDs

whole_arg() {
	# digits only, no leading zero, at most 6 of them (the shell's
	# arithmetic reads 08 as octal and overflows past a long)
	case $3 in
	'' | *[!0-9]* | 0?*) args_ok=0 ;;
	*) [ ${#3} -le 6 ] && args_ok=$(($3 >= $4 && $3 <= $5)) || args_ok=0 ;;
	esac
	[ "$args_ok" = 1 ] && return 0
	echo "$1: $2 must be a whole number in [$4, $5], got '$3'" >&2
	exit 2
}

number_arg() {
	# digits with at most one point; compared by awk, not the shell
	case $3 in
	'' | . | *[!0-9.]* | *.*.*) args_ok=0 ;;
	*) args_ok=$(awk -v v="$3" -v lo="$4" -v hi="$5" \
		'BEGIN { print (v + 0 >= lo + 0 && v + 0 <= hi + 0) ? 1 : 0 }') ;;
	esac
	[ "$args_ok" = 1 ] && return 0
	echo "$1: $2 must be a number in [$4, $5], got '$3'" >&2
	exit 2
}

word_arg() {
	args_s=$1 args_n=$2 args_v=$3
	shift 3
	for args_w in "$@"; do
		[ "$args_v" = "$args_w" ] && return 0
	done
	echo "$args_s: $args_n must be one of $*, got '$args_v'" >&2
	exit 2
}
