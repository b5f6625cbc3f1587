/* A campaign step that runs `servecal CMD DIR` on the campaign directory
 * (plot, report). */
#ifndef SC_RUNNER_TOOL_H
#define SC_RUNNER_TOOL_H
#include "camp/runner_state.h"

/* Runs `servecal cmd DIR` as step cmd unless done earlier. */
void runner_tool(struct runner *r, const char *cmd);

#endif
