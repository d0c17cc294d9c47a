// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <string.h>

#include "kallsyms.h"

int vw_kallsyms_has(const char *sym, const char *module)
{
	char line[512], name[256], mod[128];
	FILE *f = fopen("/proc/kallsyms", "re");
	int found = 0;

	/* "ADDRESS TYPE NAME" or "ADDRESS TYPE NAME\t[MODULE]" */
	while (f && !found && fgets(line, sizeof(line), f)) {
		mod[0] = 0;
		if (sscanf(line, "%*s %*s %255s [%127[^]]", name, mod) < 1 || strcmp(name, sym))
			continue;
		found = !module || !strcmp(mod, module);
	}
	if (f)
		fclose(f);
	return found;
}
