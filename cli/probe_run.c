/*
 * probe_run — the probes around a command (see probe_run.h): what `rabench
 * probe` always did, split out so that `rabench advise -- CMD` runs the very
 * same path.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "probe_run.h"
#include "lib/clock.h"

int probe_run__start(struct rb_probes **out, char *why, size_t whylen)
{
	struct rb_probes *p = NULL;
	int rc;

	*out = NULL;
	rc = probes__open(&p, why, whylen);
	if (rc)
		return rc;
	rc = probes__set_targets(p, NULL, 0);
	if (!rc)
		rc = probes__start(p);
	if (rc) {
		snprintf(why, whylen, "%s", probes__last_error(p));
		probes__destroy(p);
		return rc;
	}
	*out = p;
	return 0;
}

pid_t probe_run__spawn(char **cmd, const char *who)
{
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "%s: fork: %s\n", who, strerror(errno));
		return -1;
	}
	if (pid == 0) {
		signal(SIGPIPE, SIG_DFL);	/* rabench ignores it; the command must not */
		execvp(cmd[0], cmd);
		fprintf(stderr, "%s: cannot run '%s': %s\n", who, cmd[0], strerror(errno));
		_exit(127);
	}
	return pid;
}

static int decode(int status)
{
	return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
}

bool probe_run__wait(pid_t pid, double max_s, int *status)
{
	/* as the C library's system does: ^C is for the command; we still report when it exits */
	struct sigaction ign = { .sa_handler = SIG_IGN }, old_int, old_quit;
	struct timespec tick = { 0, 20 * 1000 * 1000 };
	double end = clock__now_s() + max_s;
	bool exited = false;
	pid_t got;
	int st = 0;

	sigaction(SIGINT, &ign, &old_int);
	sigaction(SIGQUIT, &ign, &old_quit);
	for (;;) {
		got = waitpid(pid, &st, max_s > 0 ? WNOHANG : 0);
		if (got == pid) {
			exited = true;
			break;
		}
		if (got < 0 && errno != EINTR)
			break;
		if (max_s > 0) {
			if (clock__now_s() >= end)
				break;
			nanosleep(&tick, NULL);
		}
	}
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGQUIT, &old_quit, NULL);
	if (exited)
		*status = decode(st);
	return exited;
}
