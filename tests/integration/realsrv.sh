# The real engine for tests and benchmarks: llama.cpp's llama-server with
# the tiny random-weights model. Source this after lib.sh (or on its own
# with SC_SRCDIR set). It looks for the binary in $SERVECAL_LLAMA_SERVER,
# then in ../shared/realsrv/ beside the source tree; the model is
# $SERVECAL_LLAMA_MODEL or tiny-llama.gguf beside the binary.
#
#   realsrv_require NAME      exit 77 (skipped), saying so by NAME, when
#                             there is no llama-server
#   realsrv_start VAR [FLAGS] start one on 127.0.0.1 with a free port
#                             (default flags: --parallel 4 --threads 1);
#                             sets VAR to its base URL, REALSRV_PID, and
#                             REALSRV_LOG; waits for /health
#   realsrv_stop [PID]        SIGTERM, then SIGKILL after 5 s
#   realsrv_stop_all          every server this script started
#   realsrv_free_port         prints a loopback port nothing listens on
#
# Their own variables are named realsrv_* so that a caller's i, pid or
# port survives a call.

realsrv_find() {
	if [ -n "${SERVECAL_LLAMA_SERVER:-}" ]; then
		REALSRV_BIN=$SERVECAL_LLAMA_SERVER
	else
		REALSRV_BIN="${SC_SRCDIR:-.}/../shared/realsrv/llama-server"
	fi
	REALSRV_MODEL=${SERVECAL_LLAMA_MODEL:-$(dirname "$REALSRV_BIN")/tiny-llama.gguf}
	[ -x "$REALSRV_BIN" ] && [ -f "$REALSRV_MODEL" ]
}

realsrv_require() {
	if ! realsrv_find; then
		echo "SKIP: $1: no real engine (set SERVECAL_LLAMA_SERVER to a llama-server binary, or provide ../shared/realsrv/)"
		exit 77
	fi
}

realsrv_free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

REALSRV_PIDS=""

realsrv_start() {
	realsrv_var=$1
	shift
	[ $# -gt 0 ] || set -- --parallel 4 --threads 1
	realsrv_find || { echo "realsrv_start: no llama-server" >&2; return 1; }
	realsrv_tries=0
	while [ $realsrv_tries -lt 5 ]; do
		realsrv_tries=$((realsrv_tries + 1))
		realsrv_port=$(realsrv_free_port)
		REALSRV_LOG="${TMP:-/tmp}/llama-$realsrv_port.log"
		# --ctx-size 16384 unless the flags give one (the last wins)
		"$REALSRV_BIN" -m "$REALSRV_MODEL" --alias tiny-llama \
			--host 127.0.0.1 --port "$realsrv_port" --cont-batching \
			--ctx-size 16384 --metrics "$@" >"$REALSRV_LOG" 2>&1 &
		REALSRV_PID=$!
		REALSRV_PIDS="$REALSRV_PIDS $REALSRV_PID"
		realsrv_i=0
		while [ $realsrv_i -lt 100 ]; do
			if curl -sf "http://127.0.0.1:$realsrv_port/health" >/dev/null 2>&1; then
				eval "$realsrv_var=http://127.0.0.1:$realsrv_port"
				return 0
			fi
			kill -0 "$REALSRV_PID" 2>/dev/null || break
			sleep 0.1
			realsrv_i=$((realsrv_i + 1))
		done
		realsrv_stop "$REALSRV_PID"
	done
	echo "realsrv_start: llama-server did not become healthy: $(tail -n 5 "$REALSRV_LOG")" >&2
	return 1
}

realsrv_stop() {
	realsrv_pid=${1:-$REALSRV_PID}
	kill "$realsrv_pid" 2>/dev/null || return 0
	realsrv_i=0
	while kill -0 "$realsrv_pid" 2>/dev/null && [ $realsrv_i -lt 50 ]; do
		sleep 0.1
		realsrv_i=$((realsrv_i + 1))
	done
	kill -9 "$realsrv_pid" 2>/dev/null || true
	wait "$realsrv_pid" 2>/dev/null || true
	return 0
}

realsrv_stop_all() {
	for realsrv_p in $REALSRV_PIDS; do realsrv_stop "$realsrv_p"; done
	REALSRV_PIDS=""
}
