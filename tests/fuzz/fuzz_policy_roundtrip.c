// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: a policy the parser accepts, written back by the policy
 * writer (what `learn` and `import pciback` write), must parse again into the
 * same layers, and its second write must be the same bytes as the first. A
 * rule the parser takes but the writer drops (ext:0x0000 did) is a crash.
 *
 * Build and run: tests/fuzz/run.sh SECONDS
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "policy.h"
#include "policy_write.h"

#define REQUIRE(cond, ...) do { if (!(cond)) { fprintf(stderr, __VA_ARGS__); __builtin_trap(); } } while (0)

/* large: static, not on libFuzzer's stack */
static struct vw_policy a, b;

static char *write_policy(const struct vw_policy *p, size_t *len)
{
	char *t = NULL;
	FILE *m = open_memstream(&t, len);

	REQUIRE(m, "open_memstream\n");
	REQUIRE(vw_policy_write(m, p, "fuzz", NULL) == 0, "write failed\n");
	fclose(m);
	return t;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[512], why[256], *t1, *t2;
	size_t l1 = 0, l2 = 0;
	/* an exactly-sized copy, not NUL-terminated, so over-reads are caught */
	char *copy = malloc(size ? size : 1);

	if (!copy)
		return 0;
	memcpy(copy, data, size);
	if (vw_policy_parse("fuzz", copy, size, &a, err, sizeof(err))) {
		free(copy);
		return 0;
	}
	free(copy);
	t1 = write_policy(&a, &l1);
	REQUIRE(!vw_policy_parse("written", t1, l1, &b, err, sizeof(err)),
		"written back, it does not parse: %s\n%s", err, t1);
	REQUIRE(vw_policy_same(&a, &b, why, sizeof(why)), "written back, it differs: %s\n%s", why, t1);
	t2 = write_policy(&b, &l2);
	REQUIRE(l1 == l2 && !memcmp(t1, t2, l1), "a second write differs:\n%s\n---\n%s", t1, t2);
	free(t1);
	free(t2);
	return 0;
}
