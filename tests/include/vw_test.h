/* SPDX-License-Identifier: GPL-2.0 */
/* Minimal unit-test harness: CHECK records a failure and goes on; each test
 * binary ends with "N passed, N failed" and exits non-zero on any failure. */
#ifndef VW_TEST_H
#define VW_TEST_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Several files of one test binary share the tally (VW_TEST_EXTERN; one defines it). */
#ifdef VW_TEST_EXTERN
extern int vw_t_pass, vw_t_fail;
#else
static int vw_t_pass, vw_t_fail;
#endif

#define CHECK(cond, ...) do { \
	if (cond) { vw_t_pass++; } else { vw_t_fail++; \
		fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond); \
		fprintf(stderr, __VA_ARGS__); fputc('\n', stderr); } \
} while (0)
#define CHECK_EQ(a, b) do { long long _a = (long long)(a), _b = (long long)(b); \
	CHECK(_a == _b, "%s = %lld, expected %lld", #a, _a, _b); } while (0)
#define CHECK_STR(a, b) do { const char *_a = (a), *_b = (b); \
	CHECK(_a && _b && !strcmp(_a, _b), "%s = \"%s\", expected \"%s\"", #a, _a ? _a : "(null)", _b); } while (0)

/* A scratch directory from a "/tmp/vw-test-NAME-XXXXXX" template, and its removal. */
static inline void vw_test_mkdtemp(char *tmpl)
{
	if (!mkdtemp(tmpl)) {
		perror("mkdtemp");
		exit(1);
	}
}

static inline void vw_test_rmtree(const char *dir)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd))
		fprintf(stderr, "could not remove %s\n", dir);
}

static inline int vw_test_done(void)
{
	printf("%d passed, %d failed\n", vw_t_pass, vw_t_fail);
	return vw_t_fail ? 1 : 0;
}
#endif
