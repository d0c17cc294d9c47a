// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <string.h>

#include "kmsg.h"

/*
 * Notices the kernel prints, rate-limited, every time vfio-warden loads: expected, not a
 * fault. kernel/trace/bpf_trace.c prints the first whenever a program that may use
 * bpf_probe_write_user is loaded (the DSN scrub).
 */
static const char *const expected_notices[] = {
	"is installing a program with bpf_probe_write_user helper that may corrupt user memory",
	NULL,
};

/* A BPF line is a problem unless it is one of the notices above (a verifier or BTF
 * error, a lockdown refusal of a BPF helper, a BPF frame in a trace). */
static const char *const problems[] = {
	"WARNING:", "BUG:", "Oops", "general protection", "Call Trace", "UBSAN:", "KASAN:",
	"refcount_t:", "list_add corruption", "list_del corruption", "bpf", "BPF", NULL,
};

int kmsg_line_is_problem(const char *line)
{
	int i;

	for (i = 0; expected_notices[i]; i++)
		if (strstr(line, expected_notices[i]))
			return 0;
	for (i = 0; problems[i]; i++)
		if (strstr(line, problems[i]))
			return 1;
	return 0;
}

int kmsg_problems(long from, long *now, int quiet)
{
	FILE *f = popen("dmesg 2>/dev/null", "r");
	char line[1024];
	long n = 0;
	int bad = 0;

	while (f && fgets(line, sizeof(line), f)) {
		if (n++ < from || !kmsg_line_is_problem(line))
			continue;
		if (!quiet && bad < 5)
			printf("  dmesg: %s", line);
		bad++;
	}
	if (f)
		pclose(f);
	*now = n;
	return bad;
}
