/* The stub server as a process, for shell tests of `servecal bench`
 * before/without the emulator: prints its URL on the first stdout line and
 * serves until SIGTERM or SIGINT. Usage: test_stub_server [TOKEN_GAP_US
 * [MAX_REQUESTS [IDLE_CLOSE_MS [unannounced]]]]: the last three close
 * kept-alive connections like real servers (see struct stub_opts). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "stubserver.h"

static volatile sig_atomic_t done;
static void on_sig(int s)
{
	(void)s;
	done = 1;
}

int main(int argc, char **argv)
{
	struct stub_opts o = {
	    .token_gap_us = argc > 1 ? strtol(argv[1], NULL, 10) : 1000,
	    .max_requests = argc > 2 ? strtol(argv[2], NULL, 10) : 0,
	    .idle_close_ms = argc > 3 ? strtol(argv[3], NULL, 10) : 0,
	    .unannounced = argc > 4 && !strcmp(argv[4], "unannounced"),
	};
	struct stubserver *s = stub_start_opts(&o);
	signal(SIGTERM, on_sig);
	signal(SIGINT, on_sig);
	printf("http://127.0.0.1:%d\n", stub_port(s));
	fflush(stdout);
	while (!done)
		pause();
	fprintf(stderr,
		"requests %ld connections %ld max_inflight %ld dropped %ld\n",
		stub_requests(s), stub_connections(s), stub_max_inflight(s),
		stub_dropped(s));
	stub_stop(s);
	return 0;
}
