// SPDX-License-Identifier: GPL-2.0
/*
 * Config space from sysfs, from `lspci -xxxx` text or from raw dumps.
 *
 * lspci prints one block per device: a device line ("00:0a.0 Ethernet
 * controller: ..." or with a domain, "0002:01:00.0 ..."), indented -v decode
 * lines, then hex lines "00: 86 80 ..." (offsets below 0x100 in 2 digits,
 * above in 3), 16 bytes each, and a blank line. Dumps come from users and
 * bug reports, so the parser is strict about what it takes (contiguous hex
 * lines, whole bytes) and says exactly which line it did not like.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "bdf.h"
#include "cfgdump.h"

#define BYTES_PER_LINE	16
#define LIST_MAX	16	/* devices named in a "not found" message */

static int fail(char *err, size_t errlen, int rc, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(char *err, size_t errlen, int rc, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return rc;
}

static size_t hex_run(const char *s, size_t n)
{
	size_t i = 0;

	while (i < n && vw_hexval(s[i]) >= 0)
		i++;
	return i;
}

/* ---- lspci text ------------------------------------------------------- */

struct line {
	const char *p;
	size_t n;		/* without newline and trailing blanks */
	unsigned no;		/* 1-based */
};

static bool next_line(const char *text, size_t len, size_t *pos, struct line *ln)
{
	const char *s, *nl;
	size_t n;

	if (*pos >= len)
		return false;
	s = text + *pos;
	nl = memchr(s, '\n', len - *pos);
	n = nl ? (size_t)(nl - s) : len - *pos;
	*pos += n + (nl ? 1 : 0);
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	ln->p = s;
	ln->n = n;
	ln->no++;
	return true;
}

enum line_kind { L_BLANK, L_TEXT, L_DEVICE, L_HEX, L_OTHER };

/* A hex line starts with a 2- or 3-digit offset, a colon, then a space or EOL. */
static bool is_hex_line(const struct line *ln)
{
	size_t run = hex_run(ln->p, ln->n);

	return (run == 2 || run == 3) && run < ln->n && ln->p[run] == ':' &&
	       (run + 1 == ln->n || ln->p[run + 1] == ' ');
}

static enum line_kind classify(const struct line *ln, char bdf[VW_NAME_LEN])
{
	const char *why;
	size_t k;

	if (!ln->n)
		return L_BLANK;
	if (ln->p[0] == ' ' || ln->p[0] == '\t')
		return L_TEXT;
	if (is_hex_line(ln))
		return L_HEX;
	/* a device line: a BDF, then a blank or the end */
	for (k = 0; k < ln->n && ln->p[k] != ' ' && ln->p[k] != '\t'; k++)
		;
	return vw_bdf_parse(ln->p, k, bdf, &why) ? L_OTHER : L_DEVICE;
}

bool vw_cfg_is_lspci(const char *text, size_t len)
{
	struct line ln = { 0 };
	size_t pos = 0;
	char bdf[VW_NAME_LEN];

	while (next_line(text, len, &pos, &ln)) {
		enum line_kind k = classify(&ln, bdf);

		if (k != L_BLANK)
			return k == L_DEVICE || k == L_HEX;
	}
	return false;
}

struct scan {
	const char *want;	/* canonical BDF, or NULL for the first device */
	int ndev;
	int chosen;		/* index of the wanted device, -1 until seen */
	unsigned cur_bytes;	/* bytes of the current device so far */
	unsigned chosen_bytes;
	char chosen_bdf[VW_NAME_LEN];
	char names[LIST_MAX][VW_NAME_LEN];	/* first devices, for messages */
	uint8_t *buf;		/* the chosen device's bytes; NULL: just list */
};

static void start_device(struct scan *sc, const char *bdf)
{
	int i = sc->ndev++;

	if (i < LIST_MAX)
		snprintf(sc->names[i], VW_NAME_LEN, "%s", bdf);
	sc->cur_bytes = 0;
	if (sc->chosen < 0 && (sc->want ? !strcmp(bdf, sc->want) : i == 0)) {
		sc->chosen = i;
		snprintf(sc->chosen_bdf, VW_NAME_LEN, "%s", bdf);
	}
}

/* "1a0: 00 11 ..." at the offset the device has reached. */
static int hex_line(struct scan *sc, const struct line *ln, char *err, size_t errlen)
{
	size_t run = hex_run(ln->p, ln->n), i = run + 1;
	unsigned off = 0, nb = 0;
	uint8_t bytes[BYTES_PER_LINE];

	for (size_t k = 0; k < run; k++)
		off = off * 16 + (unsigned)vw_hexval(ln->p[k]);
	if (off != sc->cur_bytes)
		return fail(err, errlen, -EINVAL,
			    "line %u: offset 0x%x where 0x%x was expected (missing or reordered lines)",
			    ln->no, off, sc->cur_bytes);
	while (i < ln->n) {
		if (ln->n - i < 3 || ln->p[i] != ' ' || hex_run(ln->p + i + 1, 2) != 2)
			return fail(err, errlen, -EINVAL, "line %u: not a hex byte at column %zu: \"%.*s\"",
				    ln->no, i + 2, (int)(ln->n > 60 ? 60 : ln->n), ln->p);
		if (nb == BYTES_PER_LINE)
			return fail(err, errlen, -EINVAL, "line %u: more than %d bytes on a hex line",
				    ln->no, BYTES_PER_LINE);
		bytes[nb++] = (uint8_t)(vw_hexval(ln->p[i + 1]) * 16 + vw_hexval(ln->p[i + 2]));
		i += 3;
	}
	if (!nb)
		return fail(err, errlen, -EINVAL, "line %u: hex line without bytes", ln->no);
	if (off + nb > VW_CFG_SIZE)
		return fail(err, errlen, -EINVAL, "line %u: dump runs past 4096 bytes", ln->no);
	if (sc->buf && sc->chosen == sc->ndev - 1)
		memcpy(sc->buf + off, bytes, nb);
	sc->cur_bytes = off + nb;
	if (sc->chosen == sc->ndev - 1)
		sc->chosen_bytes = sc->cur_bytes;
	return 0;
}

static int scan_lspci(const char *text, size_t len, struct scan *sc, char *err, size_t errlen)
{
	struct line ln = { 0 };
	size_t pos = 0;
	char bdf[VW_NAME_LEN];
	int rc;

	while (next_line(text, len, &pos, &ln)) {
		switch (classify(&ln, bdf)) {
		case L_BLANK:
		case L_TEXT:	/* lspci -v decode */
			break;
		case L_DEVICE:
			start_device(sc, bdf);
			break;
		case L_HEX:
			if (!sc->ndev)	/* bare hex lines: one unnamed device */
				start_device(sc, "");
			rc = hex_line(sc, &ln, err, errlen);
			if (rc)
				return rc;
			break;
		case L_OTHER:
			return fail(err, errlen, -EINVAL,
				    "line %u: neither an lspci device line nor a hex line: \"%.*s\"",
				    ln.no, (int)(ln.n > 60 ? 60 : ln.n), ln.p);
		}
	}
	if (!sc->ndev)
		return fail(err, errlen, -ENOENT, "no device in the dump");
	return 0;
}

/* "0000:00:0a.0, 0000:00:0b.0 (and 3 more)" */
static void list_names(const struct scan *sc, char *out, size_t outlen)
{
	size_t used = 0;
	int n = sc->ndev < LIST_MAX ? sc->ndev : LIST_MAX;

	out[0] = '\0';
	for (int i = 0; i < n && used < outlen; i++)
		used += (size_t)snprintf(out + used, outlen - used, "%s%s", i ? ", " : "",
					 sc->names[i][0] ? sc->names[i] : "(unnamed)");
	if (sc->ndev > n && used < outlen)
		snprintf(out + used, outlen - used, " and %d more", sc->ndev - n);
}

static int chosen_size(const struct scan *sc, size_t *size, char *err, size_t errlen)
{
	const char *name = sc->chosen_bdf[0] ? sc->chosen_bdf : "(unnamed)";

	switch (sc->chosen_bytes) {
	case 0:
		return fail(err, errlen, -ENODATA,
			    "device %s has no hex dump (lspci needs -xxx or -xxxx)", name);
	case VW_HEADER_SIZE:
	case VW_STD_CFG_SIZE:
	case VW_CFG_SIZE:
		*size = sc->chosen_bytes;
		return 0;
	default:
		return fail(err, errlen, -EINVAL,
			    "device %s: hex dump ends at 0x%x; expected 64, 256 or 4096 bytes (missing lines?)",
			    name, sc->chosen_bytes);
	}
}

int vw_cfg_parse_lspci(const char *text, size_t len, const char *want_bdf,
		       uint8_t buf[VW_CFG_SIZE], size_t *size, char bdf_out[VW_NAME_LEN],
		       char *err, size_t errlen)
{
	struct scan sc = { .chosen = -1, .buf = buf };
	char want[VW_NAME_LEN], names[256];
	int rc;

	if (want_bdf) {
		if (vw_bdf_canon(want_bdf, want))
			return fail(err, errlen, -EINVAL, "\"%s\" is not a PCI address", want_bdf);
		sc.want = want;
	}
	memset(buf, 0, VW_CFG_SIZE);
	rc = scan_lspci(text, len, &sc, err, errlen);
	if (rc)
		return rc;
	if (sc.chosen < 0) {
		list_names(&sc, names, sizeof(names));
		return fail(err, errlen, -ENOENT, "device %s not in the dump; it has %s",
			    want, names);
	}
	rc = chosen_size(&sc, size, err, errlen);
	if (rc)
		return rc;
	snprintf(bdf_out, VW_NAME_LEN, "%s", sc.chosen_bdf);
	return 0;
}

int vw_cfg_list_lspci(const char *text, size_t len, char (*bdfs)[VW_NAME_LEN], int max,
		      char *err, size_t errlen)
{
	struct scan sc = { .chosen = -1 };
	int rc = scan_lspci(text, len, &sc, err, errlen);

	if (rc)
		return rc;
	for (int i = 0; i < sc.ndev && i < max && i < LIST_MAX; i++)
		snprintf(bdfs[i], VW_NAME_LEN, "%s", sc.names[i]);
	return sc.ndev;
}

/* ---- raw, files, sysfs ---------------------------------------------- */

int vw_cfg_parse(const uint8_t *data, size_t len, const char *want_bdf,
		 uint8_t buf[VW_CFG_SIZE], size_t *size, char bdf_out[VW_NAME_LEN],
		 char *err, size_t errlen)
{
	if (!len)
		return fail(err, errlen, -ENODATA, "empty file");
	if (vw_cfg_is_lspci((const char *)data, len))
		return vw_cfg_parse_lspci((const char *)data, len, want_bdf, buf, size,
					  bdf_out, err, errlen);
	if (len != VW_STD_CFG_SIZE && len != VW_CFG_SIZE)
		return fail(err, errlen, -EINVAL,
			    "neither lspci -xxxx text nor a raw dump (%zu bytes; raw dumps are 256 or 4096)",
			    len);
	if (want_bdf)
		return fail(err, errlen, -EINVAL,
			    "a raw dump holds one device; a device cannot be selected in it");
	memset(buf, 0, VW_CFG_SIZE);
	memcpy(buf, data, len);
	*size = len;
	bdf_out[0] = '\0';
	return 0;
}

/* Whole stream into a malloc'd buffer (files, pipes, stdin alike). */
static int read_stream(FILE *f, uint8_t **out, size_t *outlen)
{
	size_t cap = 1 << 16, len = 0, n;
	uint8_t *p = malloc(cap), *q;

	if (!p)
		return -ENOMEM;
	while ((n = fread(p + len, 1, cap - len, f)) > 0) {
		len += n;
		if (len > VW_CFG_MAX_FILE) {
			free(p);
			return -EFBIG;
		}
		if (len == cap) {
			q = realloc(p, cap * 2);
			if (!q) {
				free(p);
				return -ENOMEM;
			}
			p = q;
			cap *= 2;
		}
	}
	if (ferror(f)) {
		free(p);
		return -EIO;
	}
	*out = p;
	*outlen = len;
	return 0;
}

static int load_stream(FILE *f, const char *name, const char *want_bdf,
		       uint8_t buf[VW_CFG_SIZE], size_t *size, char bdf_out[VW_NAME_LEN],
		       char *err, size_t errlen)
{
	uint8_t *data;
	size_t len;
	char msg[384];
	int rc = read_stream(f, &data, &len);

	if (rc)
		return fail(err, errlen, rc, "%s: %s", name,
			    rc == -EFBIG ? "too large for a config-space dump" : strerror(-rc));
	rc = vw_cfg_parse(data, len, want_bdf, buf, size, bdf_out, msg, sizeof(msg));
	free(data);
	if (rc)
		return fail(err, errlen, rc, "%s: %s", name, msg);
	return 0;
}

static int load_file(const char *path, const char *want_bdf, uint8_t buf[VW_CFG_SIZE],
		     size_t *size, char bdf_out[VW_NAME_LEN], char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	int rc;

	if (!f)
		return fail(err, errlen, -errno, "%s: %s", path, strerror(errno));
	rc = load_stream(f, path, want_bdf, buf, size, bdf_out, err, errlen);
	fclose(f);
	return rc;
}

/* read() until EOF or a full buffer: sysfs may hand out less per call. */
static ssize_t read_full(int fd, uint8_t *p, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = read(fd, p + got, len - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (!n)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

int vw_cfg_read_sysfs_at(const char *root, const char *bdf, uint8_t buf[VW_CFG_SIZE],
			 size_t *size, char bdf_out[VW_NAME_LEN], char *err, size_t errlen)
{
	char canon[VW_NAME_LEN], path[4096];
	ssize_t n;
	int fd;

	if (vw_bdf_canon(bdf, canon))
		return fail(err, errlen, -EINVAL, "\"%s\" is not a PCI address", bdf ? bdf : "");
	snprintf(path, sizeof(path), "%s/%s/config", root, canon);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return fail(err, errlen, -ENODEV, "%s: no such PCI device (%s not found)", canon, path);
	if (fd < 0)
		return fail(err, errlen, -errno, "%s: %s", path, strerror(errno));
	memset(buf, 0, VW_CFG_SIZE);
	n = read_full(fd, buf, VW_CFG_SIZE);
	close(fd);
	if (n < 0)
		return fail(err, errlen, (int)n, "%s: %s", path, strerror((int)-n));
	/* Without CAP_SYS_ADMIN sysfs returns only the 64-byte header. */
	if (n < VW_STD_CFG_SIZE)
		return fail(err, errlen, -EACCES,
			    "%s: only %zd bytes readable; config space past the header needs root",
			    path, n);
	*size = n >= VW_CFG_SIZE ? VW_CFG_SIZE : VW_STD_CFG_SIZE;
	if (bdf_out)
		snprintf(bdf_out, VW_NAME_LEN, "%s", canon);
	return 0;
}

int vw_cfg_read_sysfs(const char *bdf, uint8_t buf[VW_CFG_SIZE], size_t *size,
		      char *err, size_t errlen)
{
	return vw_cfg_read_sysfs_at(VW_CFG_SYSFS_ROOT, bdf, buf, size, NULL, err, errlen);
}

static int load_sysfs(const char *target, const char *want_bdf, uint8_t buf[VW_CFG_SIZE],
		      size_t *size, char bdf_out[VW_NAME_LEN], char *err, size_t errlen)
{
	char a[VW_NAME_LEN], b[VW_NAME_LEN];

	if (want_bdf && (vw_bdf_canon(want_bdf, b) || vw_bdf_canon(target, a) ||
			 strcmp(a, b)))
		return fail(err, errlen, -EINVAL, "%s: --device %s names another device",
			    target, want_bdf);
	return vw_cfg_read_sysfs_at(VW_CFG_SYSFS_ROOT, target, buf, size, bdf_out, err, errlen);
}

int vw_cfg_load(const char *target, const char *want_bdf, uint8_t buf[VW_CFG_SIZE],
		size_t *size, char bdf_out[VW_NAME_LEN], char *err, size_t errlen)
{
	char canon[VW_NAME_LEN];
	struct stat st;

	if (!target || !*target)
		return fail(err, errlen, -EINVAL, "no device or dump given");
	if (!strcmp(target, "-"))
		return load_stream(stdin, "<stdin>", want_bdf, buf, size, bdf_out, err, errlen);
	if (!stat(target, &st)) {
		if (S_ISDIR(st.st_mode))
			return fail(err, errlen, -EISDIR, "%s: is a directory", target);
		return load_file(target, want_bdf, buf, size, bdf_out, err, errlen);
	}
	if (errno == ENOENT && !vw_bdf_canon(target, canon))
		return load_sysfs(target, want_bdf, buf, size, bdf_out, err, errlen);
	return fail(err, errlen, -errno, "%s: %s", target, strerror(errno));
}
