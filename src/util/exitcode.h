/* The exit codes of the servecal program (documented in README.md). The
 * command layer picks them; the campaign runner reads them from the steps it
 * runs as child processes. */
#ifndef SC_EXITCODE_H
#define SC_EXITCODE_H

enum cli_exit {
	EXIT_OK_ = 0,
	EXIT_RUNTIME = 1, /* runtime failure: I/O, network, library */
	EXIT_USAGE = 2,	  /* bad command line */
	EXIT_INPUT = 3,	  /* bad input file */
	EXIT_NOFIT = 4,	  /* no configuration meets the SLA / feasibility */
};

#endif
