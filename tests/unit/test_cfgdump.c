// SPDX-License-Identifier: GPL-2.0
/*
 * Dump parsing: lspci text (single and multi-device, device selection,
 * truncated and broken dumps), raw dumps and sysfs (a fake tree). BDFs: test_bdf.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "cfgdump.h"
#include "vw_test.h"

static char tmpdir[] = "/tmp/vw-test-cfgdump-XXXXXX";
static uint8_t buf[VW_CFG_SIZE];
static size_t size;
static char bdf[VW_NAME_LEN], err[512];

/* ---- helpers ------------------------------------------------------------ */

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *p;
	long n;

	CHECK(f != NULL, "cannot open %s", path);
	if (!f)
		exit(1);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	p = malloc((size_t)n + 1);
	if (!p || fread(p, 1, (size_t)n, f) != (size_t)n)
		exit(1);
	p[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return p;
}

/* A file under tmpdir holding len bytes of data; returns its path. */
static const char *put_file(const char *name, const void *data, size_t len)
{
	static char path[4][512];
	static int next;
	char *p = path[next++ % 4];
	FILE *f;

	snprintf(p, sizeof(path[0]), "%s/%s", tmpdir, name);
	f = fopen(p, "wb");
	if (!f || fwrite(data, 1, len, f) != len)
		exit(1);
	fclose(f);
	return p;
}

static int load(const char *path, const char *want)
{
	err[0] = '\0';
	return vw_cfg_load(path, want, buf, &size, bdf, err, sizeof(err));
}

static int parse_text(const char *text, const char *want)
{
	err[0] = '\0';
	return vw_cfg_parse_lspci(text, strlen(text), want, buf, &size, bdf, err, sizeof(err));
}

#define CHECK_ERR(call, rc, needle) do { \
	int _rc = (call); \
	CHECK(_rc == (rc), "%s = %d, expected %d (%s)", #call, _rc, rc, err); \
	CHECK(strstr(err, needle) != NULL, "message \"%s\" lacks \"%s\"", err, needle); \
} while (0)

/* text with every line starting with prefix removed */
static char *without_line(const char *text, const char *prefix)
{
	char *out = malloc(strlen(text) + 1), *o = out;
	const char *p = text;

	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) + 1 : strlen(p);

		if (strncmp(p, prefix, strlen(prefix))) {
			memcpy(o, p, n);
			o += n;
		}
		p += n;
	}
	*o = '\0';
	return out;
}

/* text cut just before the line starting with prefix (after a newline) */
static char *cut_before(const char *text, const char *prefix)
{
	char needle[32], *out = strdup(text), *at;

	snprintf(needle, sizeof(needle), "\n%s", prefix);
	at = strstr(out, needle);
	if (at)
		at[1] = '\0';
	return out;
}

/* ---- lspci -------------------------------------------------------------- */

static void test_qemu_files(void)
{
	static const struct { const char *file, *bdf; uint16_t vendor, device; } t[] = {
		{ "tests/data/qemu-e1000e.lspci", "0000:00:0a.0", 0x8086, 0x10d3 },
		{ "tests/data/qemu-igb.lspci", "0000:00:0b.0", 0x8086, 0x10c9 },
		{ "tests/data/qemu-nvme.lspci", "0000:00:0c.0", 0x1b36, 0x0010 },
		{ "tests/data/qemu-vmxnet3.lspci", "0000:00:0d.0", 0x15ad, 0x07b0 },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		CHECK(load(t[i].file, NULL) == 0, "%s", err);
		CHECK_EQ(size, 4096);
		CHECK_STR(bdf, t[i].bdf);
		CHECK_EQ(buf[0] | buf[1] << 8, t[i].vendor);
		CHECK_EQ(buf[2] | buf[3] << 8, t[i].device);
	}
	/* the last byte of e1000e's DSN, and an all-zero tail */
	CHECK(load("tests/data/qemu-e1000e.lspci", "00:0a.0") == 0, "%s", err);
	CHECK_EQ(buf[0x14b], 0x52);
	CHECK_EQ(buf[0xfff], 0);
}

static char *multi;	/* the four QEMU dumps, one after another */

static void make_multi(void)
{
	static const char *const files[] = {
		"tests/data/qemu-e1000e.lspci", "tests/data/qemu-igb.lspci",
		"tests/data/qemu-nvme.lspci", "tests/data/qemu-vmxnet3.lspci",
	};
	size_t total = 0, len;

	multi = calloc(1, 1);
	for (size_t i = 0; i < 4; i++) {
		char *t = slurp(files[i], &len);

		multi = realloc(multi, total + len + 2);
		memcpy(multi + total, t, len);
		total += len;
		multi[total++] = '\n';	/* lspci separates devices with a blank line */
		multi[total] = '\0';
		free(t);
	}
}

static void test_multi_device(void)
{
	const char *path = put_file("multi.lspci", multi, strlen(multi));
	char names[8][VW_NAME_LEN];

	CHECK(load(path, NULL) == 0, "%s", err);
	CHECK_STR(bdf, "0000:00:0a.0");
	CHECK_EQ(buf[2] | buf[3] << 8, 0x10d3);

	CHECK(load(path, "00:0c.0") == 0, "%s", err);
	CHECK_STR(bdf, "0000:00:0c.0");
	CHECK_EQ(buf[0] | buf[1] << 8, 0x1b36);
	CHECK_EQ(size, 4096);

	CHECK(load(path, "0000:00:0D.0") == 0, "%s", err);
	CHECK_STR(bdf, "0000:00:0d.0");
	CHECK_EQ(buf[0] | buf[1] << 8, 0x15ad);

	CHECK_ERR(load(path, "00:1f.0"), -ENOENT, "device 0000:00:1f.0 not in the dump");
	CHECK(strstr(err, "0000:00:0a.0, 0000:00:0b.0, 0000:00:0c.0, 0000:00:0d.0"),
	      "devices not listed: %s", err);
	CHECK(strstr(err, path) == err, "message does not start with the file: %s", err);
	CHECK_ERR(load(path, "bogus"), -EINVAL, "not a PCI address");

	CHECK_EQ(vw_cfg_list_lspci(multi, strlen(multi), names, 8, err, sizeof(err)), 4);
	CHECK_STR(names[1], "0000:00:0b.0");
	CHECK_STR(names[3], "0000:00:0d.0");
	CHECK_EQ(vw_cfg_list_lspci(multi, strlen(multi), names, 2, err, sizeof(err)), 4);
}

static void test_truncated_and_broken(void)
{
	size_t len;
	char *e1000e = slurp("tests/data/qemu-e1000e.lspci", &len), *t;

	/* lspci -xxx: 256 bytes */
	t = cut_before(e1000e, "100:");
	CHECK(parse_text(t, NULL) == 0, "%s", err);
	CHECK_EQ(size, 256);
	free(t);

	/* lspci -x: 64 bytes */
	t = cut_before(e1000e, "40:");
	CHECK(parse_text(t, NULL) == 0, "%s", err);
	CHECK_EQ(size, 64);
	free(t);

	/* cut in the middle of extended space */
	t = cut_before(e1000e, "800:");
	CHECK_ERR(parse_text(t, NULL), -EINVAL, "ends at 0x800");
	free(t);

	/* a line missing inside */
	t = without_line(e1000e, "150:");
	CHECK_ERR(parse_text(t, NULL), -EINVAL, "offset 0x160 where 0x150 was expected");
	CHECK(strstr(err, "line "), "no line number: %s", err);
	free(t);

	/* no hex dump at all (lspci -vvv without -x) */
	t = cut_before(e1000e, "00:");
	CHECK_ERR(parse_text(t, NULL), -ENODATA, "has no hex dump");
	free(t);

	/* non-hex garbage in a hex line, and a foreign line */
	CHECK_ERR(parse_text("00:0a.0 x\n00: 86 80 zz 10\n", NULL), -EINVAL, "line 2: not a hex byte");
	CHECK_ERR(parse_text("00:0a.0 x\n00: 868010\n", NULL), -EINVAL, "not a hex byte");
	CHECK_ERR(parse_text("00:0a.0 x\n00: 86 80 \x01\n", NULL), -EINVAL, "not a hex byte");
	CHECK_ERR(parse_text("00:0a.0 x\n00:\n", NULL), -EINVAL, "without bytes");
	CHECK_ERR(parse_text("00:0a.0 x\n00: 00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f 10\n", NULL),
		  -EINVAL, "more than 16 bytes");
	CHECK_ERR(parse_text("00:0a.0 x\nhello world\n", NULL), -EINVAL, "line 2: neither");
	CHECK_ERR(parse_text("", NULL), -ENOENT, "no device");
	CHECK_ERR(parse_text("\n\n   \n", NULL), -ENOENT, "no device");
	free(e1000e);
}

/* Hex-only dumps, domains, CRLF, indentation variants. */
static void test_variants(void)
{
	static char text[16384];
	size_t n = 0;

	/* bare hex lines: one unnamed device, 3-digit offsets from 0x100 */
	for (unsigned off = 0; off < 4096; off += 16) {
		n += (size_t)snprintf(text + n, sizeof(text) - n, off < 0x100 ? "%02x:" : "%03x:", off);
		for (int i = 0; i < 16; i++)
			n += (size_t)snprintf(text + n, sizeof(text) - n, " %02x",
					      off == 0 && i < 2 ? (i ? 0x10 : 0xec) : 0);
		n += (size_t)snprintf(text + n, sizeof(text) - n, "\r\n");
	}
	CHECK(vw_cfg_is_lspci(text, n), "hex-only text not recognised");
	CHECK(vw_cfg_parse_lspci(text, n, NULL, buf, &size, bdf, err, sizeof(err)) == 0, "%s", err);
	CHECK_EQ(size, 4096);
	CHECK_STR(bdf, "");
	CHECK_EQ(buf[0], 0xec);
	CHECK_ERR(vw_cfg_parse_lspci(text, n, "00:01.0", buf, &size, bdf, err, sizeof(err)),
		  -ENOENT, "it has (unnamed)");

	/* domains, indented decode, trailing blanks */
	CHECK(parse_text("0002:01:00.0 Ethernet controller: Cavium\n"
			 "        Subsystem: x\n"
			 "\tCapabilities: [40] Express\n"
			 "00: 7d 17 1e a0 06 04 10 00 08 00 00 02 00 00 80 00  \n"
			 "10: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00\n"
			 "20: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00\n"
			 "30: 00 00 00 00 40 00 00 00 00 00 00 00 00 00 00 00\n",
			 "0002:01:00.0") == 0, "%s", err);
	CHECK_STR(bdf, "0002:01:00.0");
	CHECK_EQ(size, 64);
	CHECK_EQ(buf[0], 0x7d);

	/* a VMD-style 5-digit domain */
	CHECK(parse_text("10000:e0:06.0 x\n00: 86 80 00 00 00 00 00 00 00 00 00 00 00 00 00 00\n"
			 "10: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00\n"
			 "20: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00\n"
			 "30: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00\n", NULL) == 0, "%s", err);
	CHECK_STR(bdf, "10000:e0:06.0");

	CHECK(!vw_cfg_is_lspci("\x86\x80\xd3\x10", 4), "binary taken for lspci");
	CHECK(!vw_cfg_is_lspci("", 0), "empty taken for lspci");
	CHECK(!vw_cfg_is_lspci("hello\n00: 00\n", 13), "prose taken for lspci");
	CHECK(vw_cfg_is_lspci("\n\n00:1f.3 Audio\n", 16), "device line not recognised");
}

/* ---- raw and files ------------------------------------------------------- */

static void test_raw_and_files(void)
{
	static uint8_t raw[VW_CFG_SIZE];
	const char *path;

	CHECK(load("tests/data/qemu-igb.lspci", NULL) == 0, "%s", err);
	memcpy(raw, buf, sizeof(raw));

	path = put_file("igb.bin", raw, 4096);
	CHECK(load(path, NULL) == 0, "%s", err);
	CHECK_EQ(size, 4096);
	CHECK_STR(bdf, "");
	CHECK(!memcmp(buf, raw, 4096), "raw 4096 bytes differ");

	path = put_file("igb256.bin", raw, 256);
	CHECK(load(path, NULL) == 0, "%s", err);
	CHECK_EQ(size, 256);
	CHECK_EQ(buf[0x100], 0);

	path = put_file("odd.bin", raw, 300);
	CHECK_ERR(load(path, NULL), -EINVAL, "300 bytes; raw dumps are 256 or 4096");
	path = put_file("igb.bin", raw, 4096);
	CHECK_ERR(load(path, "00:0b.0"), -EINVAL, "raw dump holds one device");

	path = put_file("empty", "", 0);
	CHECK_ERR(load(path, NULL), -ENODATA, "empty file");

	CHECK_ERR(load("tests/data/no-such-dump.lspci", NULL), -ENOENT, "no-such-dump.lspci: No such file");
	CHECK_ERR(load(tmpdir, NULL), -EISDIR, "is a directory");
	CHECK_ERR(load("", NULL), -EINVAL, "no device or dump given");
	/* a BDF with no such device in sysfs (bus ff, device 1f, function 7) */
	CHECK_ERR(load("0000:ff:1f.7", NULL), -ENODEV, "no such PCI device");
	CHECK_ERR(load("ff:1f.7", "00:01.0"), -EINVAL, "names another device");
}

/* A fake /sys/bus/pci/devices with one device whose config has len bytes. */
static void fake_sysfs(size_t len)
{
	static uint8_t data[VW_CFG_SIZE];
	char path[512];

	snprintf(path, sizeof(path), "%s/sys", tmpdir);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/sys/0000:00:03.0", tmpdir);
	mkdir(path, 0755);
	memset(data, 0x5a, sizeof(data));
	data[0] = 0xf4;
	data[1] = 0x1a;
	put_file("sys/0000:00:03.0/config", data, len);
}

static void test_sysfs(void)
{
	char root[512];

	snprintf(root, sizeof(root), "%s/sys", tmpdir);
	fake_sysfs(4096);
	CHECK(vw_cfg_read_sysfs_at(root, "00:03.0", buf, &size, bdf, err, sizeof(err)) == 0, "%s", err);
	CHECK_EQ(size, 4096);
	CHECK_STR(bdf, "0000:00:03.0");
	CHECK_EQ(buf[0], 0xf4);
	CHECK_EQ(buf[0xfff], 0x5a);

	fake_sysfs(256);
	CHECK(vw_cfg_read_sysfs_at(root, "0000:00:03.0", buf, &size, NULL, err, sizeof(err)) == 0,
	      "%s", err);
	CHECK_EQ(size, 256);
	CHECK_EQ(buf[0x100], 0);

	fake_sysfs(64);		/* what an unprivileged read returns */
	CHECK_ERR(vw_cfg_read_sysfs_at(root, "0000:00:03.0", buf, &size, bdf, err, sizeof(err)),
		  -EACCES, "needs root");
	CHECK_ERR(vw_cfg_read_sysfs_at(root, "0000:00:04.0", buf, &size, bdf, err, sizeof(err)),
		  -ENODEV, "no such PCI device");
	CHECK_ERR(vw_cfg_read_sysfs_at(root, "junk", buf, &size, bdf, err, sizeof(err)),
		  -EINVAL, "not a PCI address");
	CHECK_ERR(vw_cfg_read_sysfs("0000:ff:1f.7", buf, &size, err, sizeof(err)),
		  -ENODEV, "/sys/bus/pci/devices/0000:ff:1f.7/config");
}

int main(void)
{
	vw_test_mkdtemp(tmpdir);
	make_multi();
	test_qemu_files();
	test_multi_device();
	test_truncated_and_broken();
	test_variants();
	test_raw_and_files();
	test_sysfs();
	free(multi);
	vw_test_rmtree(tmpdir);
	return vw_test_done();
}
