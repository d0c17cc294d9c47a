// SPDX-License-Identifier: GPL-2.0
/*
 * Untrusted strings for the sinks (user/lib/escape.c): the UTF-8 repair
 * against Python's bytes.decode('utf-8', 'replace') on random and hostile
 * bytes, and the text escape on newlines, ESC sequences, C1 and ill-formed bytes.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "escape.h"
#include "vw_test.h"

static const char *const hostile[] = {
	"qemu\nFAKE line",
	"\x1b[2J\x1b]0;owned\x07",
	"\xff\xfe",
	"caf\xc3\xa9",			/* valid: kept */
	"trunc\xe2\x82",			/* a cut 3-byte sequence: one U+FFFD */
	"\xc0\xaf",			/* overlong '/': two */
	"\xed\xa0\x80",			/* a surrogate: three */
	"\xf4\x90\x80\x80",		/* past U+10FFFF */
	"\xf0\x9f\x98\x80 ok",		/* valid 4-byte */
	"\xc2\x9b" "31m",		/* C1 CSI as UTF-8 */
	"a\x7f" "b\\x0a\r\t",
	"",
};

static void hexs(const char *s, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", (unsigned char)s[i]);
	out[2 * n] = 0;
}

/* Every input, hex, one a line, through Python; its repaired bytes, hex, back. */
static void against_python(void)
{
	enum { N = 3000 };
	static char in[N][24];
	static const unsigned char pick[] = { 0x00, 0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1,
					      0xc2, 0xdf, 0xe0, 0xe1, 0xec, 0xed, 0xee, 0xef, 0xf0, 0xf1, 0xf3,
					      0xf4, 0xf5, 0xff, 0x0a, 0x1b };
	char tmp[] = "/tmp/vw-utf8-XXXXXX", cmd[256], line[VW_UTF8_MAX(24) * 2 + 2], got[VW_UTF8_MAX(24)],
	     gothex[VW_UTF8_MAX(24) * 2 + 2], h[64];
	uint64_t r = 7;
	int fd = mkstemp(tmp), i, same = 0;
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL, *p;

	CHECK(f != NULL, "mkstemp");
	if (!f)
		return;
	for (i = 0; i < N; i++) {
		size_t len = 1 + i % 23, k;

		for (k = 0; k < len; k++) {
			r = r * 6364136223846793005ULL + 1442695040888963407ULL;
			in[i][k] = (char)((r >> 40) % 3 ? pick[(r >> 20) % sizeof(pick)] : (r >> 50));
			if (!in[i][k])
				in[i][k] = 'z';	/* C strings: the sinks see up to the NUL */
		}
		in[i][len] = 0;
		hexs(in[i], len, h);
		fprintf(f, "%s\n", h);
	}
	fclose(f);
	snprintf(cmd, sizeof(cmd), "python3 -c 'import sys\nfor l in open(sys.argv[1]): "
		 "print(bytes.fromhex(l.strip()).decode(\"utf-8\", \"replace\").encode().hex())' %s", tmp);
	p = popen(cmd, "r");
	for (i = 0; p && i < N && fgets(line, sizeof(line), p); i++) {
		size_t n = vw_utf8_sanitize(in[i], sizeof(in[i]), got, sizeof(got));

		line[strcspn(line, "\n")] = 0;
		hexs(got, n, gothex);
		if (!strcmp(gothex, line))
			same++;
		else if (i - same < 5)
			CHECK_STR(gothex, line);
	}
	CHECK(p && pclose(p) == 0, "python3");
	unlink(tmp);
	CHECK_EQ(same, N);
}

static void test_sanitize(void)
{
	char out[64];

	CHECK_EQ(vw_utf8_sanitize("caf\xc3\xa9", 64, out, sizeof(out)), 5);
	CHECK_STR(out, "caf\xc3\xa9");
	vw_utf8_sanitize("a\xff" "b", 64, out, sizeof(out));
	CHECK_STR(out, "a\xef\xbf\xbd" "b");
	vw_utf8_sanitize("trunc\xe2\x82", 64, out, sizeof(out));
	CHECK_STR(out, "trunc\xef\xbf\xbd");
	vw_utf8_sanitize("\xed\xa0\x80", 64, out, sizeof(out));
	CHECK_STR(out, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	/* n bounds the input; never a character cut by the output's size */
	CHECK_EQ(vw_utf8_sanitize("abc", 2, out, sizeof(out)), 2);
	CHECK_EQ(vw_utf8_sanitize("a\xc3\xa9", 64, out, 3), 1);
	CHECK_STR(out, "a");
	CHECK_EQ(vw_utf8_sanitize("\xff\xff", 64, out, 6), 3);
}

static void test_text(void)
{
	char out[128];
	size_t i, k;

	vw_text_escape("qemu\nFAKE line", 64, out, sizeof(out));
	CHECK_STR(out, "qemu\\x0aFAKE line");
	vw_text_escape("\x1b[2J\x1b]0;owned\x07", 64, out, sizeof(out));
	CHECK_STR(out, "\\x1b[2J\\x1b]0;owned\\x07");
	vw_text_escape("caf\xc3\xa9 \xf0\x9f\x98\x80", 64, out, sizeof(out));
	CHECK_STR(out, "caf\xc3\xa9 \xf0\x9f\x98\x80");	/* valid UTF-8 as is */
	vw_text_escape("\xc2\x9b" "31m", 64, out, sizeof(out));
	CHECK_STR(out, "\\xc2\\x9b31m");
	vw_text_escape("a\x7f\xff\xe2\x82", 64, out, sizeof(out));
	CHECK_STR(out, "a\\x7f\\xff\\xe2\\x82");
	vw_text_escape("machine-qemu\\x2d1.scope\r\t", 64, out, sizeof(out));
	CHECK_STR(out, "machine-qemu\\x2d1.scope\\x0d\\x09");
	/* an escape is never cut */
	CHECK_EQ(vw_text_escape("ab\n", 64, out, 6), 2);
	CHECK_STR(out, "ab");
	/* nothing below 0x20, no DEL, no C1 and valid UTF-8 out of any hostile input */
	for (i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
		char rep[128];
		size_t n = vw_text_escape(hostile[i], 64, out, sizeof(out)), bad = 0;

		for (k = 0; k < n; k++)
			bad += (unsigned char)out[k] < 0x20 || out[k] == 0x7f ||
			       ((unsigned char)out[k] == 0xc2 && (unsigned char)out[k + 1] < 0xa0);
		CHECK(bad == 0 && vw_utf8_sanitize(out, n, rep, sizeof(rep)) == n && !strcmp(rep, out),
		      "hostile %zu: %s", i, out);
	}
}

int main(void)
{
	test_sanitize();
	test_text();
	against_python();
	return vw_test_done();
}
