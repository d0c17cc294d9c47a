// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "msg.h"

int vw_msg_to_journal(void)
{
	static int decided = -1;
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (decided < 0)
		decided = js && sscanf(js, "%llu:%llu", &dev, &ino) == 2 && !fstat(2, &st) &&
			  (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
	return decided;
}

void vw_vmsg(enum vw_prio prio, const char *fmt, va_list ap)
{
	static int at_start = 1;	/* a message may end mid-line and the next one continue it */
	char *text = NULL, *line, *nl;

	if (!vw_msg_to_journal()) {
		vfprintf(stderr, fmt, ap);
		return;
	}
	if (vasprintf(&text, fmt, ap) < 0)
		return;
	/* one prefix per line: the journal reads the stream line by line */
	for (line = text; *line; line = nl + 1) {
		nl = strchrnul(line, '\n');
		fprintf(stderr, "%s%.*s%s", at_start ? (char[]){ '<', (char)('0' + prio), '>', 0 } : "",
			(int)(nl - line), line, *nl ? "\n" : "");
		at_start = *nl == '\n';
		if (!*nl)
			break;
		if (!nl[1])
			break;
	}
	free(text);
}

void vw_msg(enum vw_prio prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vw_vmsg(prio, fmt, ap);
	va_end(ap);
}
