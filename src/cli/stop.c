/* The stop flag of the commands and the handlers that set it. */
#include "cli/stop.h"

#include <stddef.h>

volatile sig_atomic_t cli_stop_flag;

static void on_signal(int sig)
{
	cli_stop_flag = 1;
	signal(sig, SIG_DFL);
}

static void on_signal_keep(int sig)
{
	(void)sig;
	cli_stop_flag = 1;
}

void cli_stop_on_signals(bool once)
{
	struct sigaction sa = {0};
	sa.sa_handler = once ? on_signal : on_signal_keep;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}
