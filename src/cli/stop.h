/* Ctrl-C and SIGTERM as a flag that long runs poll, so a command stops
 * cleanly (finished work kept, a resume possible) instead of dying. */
#ifndef SC_CLI_STOP_H
#define SC_CLI_STOP_H
#include <signal.h>
#include <stdbool.h>

/* Set by the handlers; the only thing they do. */
extern volatile sig_atomic_t cli_stop_flag;

/* Installs handlers of SIGINT and SIGTERM that set cli_stop_flag. With
 * once, the first signal also restores the default action, so a second
 * one ends the process at once. */
void cli_stop_on_signals(bool once);

#endif
