/*
 * stop_signals — the signals after which a command that changed something stops
 * between two steps and puts everything back (cmds.h). SIGPIPE is not one: main
 * ignores it, so a write to a closed pipe fails with EPIPE instead of killing us.
 */
#include <signal.h>

#include "cmds.h"

const int rb_stop_signals[RB_N_STOP_SIGNALS] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
