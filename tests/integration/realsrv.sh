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
	var=$1
	shift
	[ $# -gt 0 ] || set -- --parallel 4 --threads 1
	realsrv_find || { echo "realsrv_start: no llama-server" >&2; return 1; }
	tries=0
	while [ $tries -lt 5 ]; do
		tries=$((tries + 1))
		port=$(realsrv_free_port)
		REALSRV_LOG="${TMP:-/tmp}/llama-$port.log"
		# --ctx-size 16384 unless the flags give one (the last wins)
		"$REALSRV_BIN" -m "$REALSRV_MODEL" --alias tiny-llama \
			--host 127.0.0.1 --port "$port" --cont-batching \
			--ctx-size 16384 --metrics "$@" >"$REALSRV_LOG" 2>&1 &
		REALSRV_PID=$!
		REALSRV_PIDS="$REALSRV_PIDS $REALSRV_PID"
		i=0
		while [ $i -lt 100 ]; do
			if curl -sf "http://127.0.0.1:$port/health" >/dev/null 2>&1; then
				eval "$var=http://127.0.0.1:$port"
				return 0
			fi
			kill -0 "$REALSRV_PID" 2>/dev/null || break
			sleep 0.1
			i=$((i + 1))
		done
		realsrv_stop "$REALSRV_PID"
	done
	echo "realsrv_start: llama-server did not become healthy: $(tail -n 5 "$REALSRV_LOG")" >&2
	return 1
}

realsrv_stop() {
	pid=${1:-$REALSRV_PID}
	kill "$pid" 2>/dev/null || return 0
	i=0
	while kill -0 "$pid" 2>/dev/null && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	kill -9 "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	return 0
}

realsrv_stop_all() {
	for p in $REALSRV_PIDS; do realsrv_stop "$p"; done
	REALSRV_PIDS=""
}
