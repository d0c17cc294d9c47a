// SPDX-License-Identifier: GPL-2.0
/* Message priorities: "<N>" per line only when stderr is the journal's stream. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "msg.h"
#include "vw_test.h"

/* Run the messages in a child whose stderr is a file; journal: JOURNAL_STREAM names it. */
static void run(int journal, char *out, size_t len)
{
	char path[] = "/tmp/vw-msg-XXXXXX";
	int fd = mkstemp(path);
	pid_t pid;
	ssize_t n;

	pid = fork();
	if (pid == 0) {
		struct stat st;
		char env[64];

		dup2(fd, 2);
		fstat(2, &st);
		snprintf(env, sizeof(env), "%llu:%llu", (unsigned long long)st.st_dev,
			 journal == 1 ? (unsigned long long)st.st_ino : (unsigned long long)st.st_ino + 1);
		if (journal)
			setenv("JOURNAL_STREAM", env, 1);
		else
			unsetenv("JOURNAL_STREAM");
		vw_msg(VW_ERR, "vfio-warden: failed: %s\n", "why");
		vw_msg(VW_INFO, "vfio-warden: attached\n  dev 1\n  dev 2\n");
		vw_msg(VW_WARNING, "a list:");	/* continued by the next call on the same line */
		vw_msg(VW_WARNING, " a b");
		vw_msg(VW_WARNING, "\n");
		_exit(0);
	}
	waitpid(pid, NULL, 0);
	n = pread(fd, out, len - 1, 0);
	out[n > 0 ? n : 0] = 0;
	close(fd);
	unlink(path);
}

int main(void)
{
	char out[1024];

	run(1, out, sizeof(out));
	CHECK_STR(out, "<3>vfio-warden: failed: why\n<6>vfio-warden: attached\n<6>  dev 1\n<6>  dev 2\n"
		       "<4>a list: a b\n");
	run(0, out, sizeof(out));
	CHECK_STR(out, "vfio-warden: failed: why\nvfio-warden: attached\n  dev 1\n  dev 2\na list: a b\n");
	run(2, out, sizeof(out));	/* JOURNAL_STREAM names another file: a terminal's plain text */
	CHECK(out[0] == 'v', "no prefix when stderr is not the journal's stream: %s", out);
	return vw_test_done();
}
