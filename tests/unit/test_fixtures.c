// SPDX-License-Identifier: GPL-2.0
/*
 * The walker against lspci on every dump in the shared fixtures (QEMU
 * devices and real hardware from pciutils' test data): both must find
 * capabilities at the same offsets, with names that agree. lspci's view
 * comes from the "Capabilities: [xx] Name" lines in the dump; dumps that are
 * hex only are decoded by running `lspci -vvv -F FILE` when lspci exists.
 *
 * The fixtures live outside the repository: VW_FIXTURES, else
 * ../shared/fixtures from the repository root. Without them this test says
 * so and checks nothing (the QEMU dumps are also in tests/data, which
 * test_layout covers unconditionally).
 */
#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include "cfgdump.h"
#include "layout.h"
#include "vw_test.h"

#define MAX_FILES 64
#define MAX_LSPCI_CAPS 128

struct lspci_cap {
	unsigned offset;
	char name[112];
};

/* lspci names that differ from vw_cap_name() but mean the same capability */
static const struct { bool ext; uint16_t id; const char *prefix; } aliases[] = {
	{ false, 0x10, "Express" },
	{ false, 0x0d, "Subsystem:" },
	{ true, 0x05, "Root Complex Link" },
	{ true, 0x06, "Root Complex Internal Link" },
	{ true, 0x07, "Root Complex Event Collector" },
	{ true, 0x09, "Virtual Channel" },
	{ true, 0x0a, "Root Complex Register Block" },
	{ true, 0x15, "Physical Resizable BAR" },
	{ true, 0x20, "PCI Express over M_PHY" },
	{ true, 0x30, "Integrity & Data Encryption" },
};

static bool starts_with(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

static bool name_consistent(const char *lspci, bool ext, uint16_t id)
{
	const char *ours = vw_cap_name(ext, id);
	size_t n = strlen(ours);

	/* our name, then the end of lspci's: "MSI" matches "MSI: ...", not "MSI-X" */
	if (!strncmp(lspci, ours, n) && !isalnum((unsigned char)lspci[n]) && lspci[n] != '-')
		return true;
	if (lspci[0] == '#')	/* old lspci: "#19" */
		return strtoul(lspci + 1, NULL, 16) == id;
	if (starts_with(lspci, "Extended Capability ID "))
		return strtoul(lspci + 23, NULL, 16) == id;
	for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
		if (aliases[i].ext == ext && aliases[i].id == id && starts_with(lspci, aliases[i].prefix))
			return true;
	return false;
}

static bool is_hex_line(const char *s)
{
	size_t n = strspn(s, "0123456789abcdef");

	return (n == 2 || n == 3) && s[n] == ':' && (s[n + 1] == ' ' || s[n + 1] == '\n');
}

/*
 * "Capabilities: [1bc v1] Lane Margining at the Receiver" lines of the first
 * device, up to its hex dump. lspci's own markers ("<chain looped>") and
 * Null capabilities are not capabilities. *decoded says whether there was
 * any -v decode text at all.
 */
static int parse_caps(FILE *f, struct lspci_cap *caps, int max, bool *decoded)
{
	char line[1024];
	int n = 0;

	*decoded = false;
	while (fgets(line, sizeof(line), f)) {
		char *p = line, *end;
		unsigned off;

		if (is_hex_line(line))
			break;
		if (*p == ' ' || *p == '\t')
			*decoded = true;
		p += strspn(p, " \t");
		if (!starts_with(p, "Capabilities: ["))
			continue;
		off = (unsigned)strtoul(p + 15, &end, 16);
		p = strchr(end, ']');
		if (!p || n == max)
			continue;
		p += 1 + strspn(p + 1, " ");
		p[strcspn(p, "\n")] = '\0';
		if (*p == '<' || starts_with(p, "Null"))
			continue;
		caps[n].offset = off;
		snprintf(caps[n].name, sizeof(caps[n].name), "%s", p);
		n++;
	}
	return n;
}

/* lspci's capabilities for a dump: from its text, else from running lspci. */
static int lspci_caps(const char *path, struct lspci_cap *caps, int max, const char **how)
{
	FILE *f = fopen(path, "r");
	char cmd[1200];
	bool decoded;
	int n, status;

	if (!f)
		return -1;
	n = parse_caps(f, caps, max, &decoded);
	fclose(f);
	*how = "dump text";
	if (decoded || strchr(path, '\''))
		return n;
	snprintf(cmd, sizeof(cmd), "lspci -vvv -F '%s' 2>/dev/null", path);
	f = popen(cmd, "r");
	if (!f)
		return -1;
	n = parse_caps(f, caps, max, &decoded);
	status = pclose(f);
	*how = "lspci -F";
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 && decoded ? n : -1;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* *.lspci in dir, sorted, appended to files[]. */
static int list_dumps(const char *dir, char **files, int n)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int first = n;

	if (!d)
		return n;
	while ((e = readdir(d)) && n < MAX_FILES) {
		size_t len = strlen(e->d_name);
		char *p;

		if (len < 7 || strcmp(e->d_name + len - 6, ".lspci"))
			continue;
		p = malloc(strlen(dir) + len + 2);
		sprintf(p, "%s/%s", dir, e->d_name);
		files[n++] = p;
	}
	closedir(d);
	qsort(files + first, (size_t)(n - first), sizeof(*files), cmp_str);
	return n;
}

static const struct vw_cap *cap_at(const struct vw_layout *l, unsigned off)
{
	for (int i = 0; i < l->ncaps; i++)
		if (l->caps[i].offset == off && l->caps[i].extended == (off >= 0x100))
			return &l->caps[i];
	return NULL;
}

static bool lspci_has(const struct lspci_cap *caps, int n, unsigned off)
{
	for (int i = 0; i < n; i++)
		if (caps[i].offset == off)
			return true;
	return false;
}

/* Compare one dump; prints its table row and returns true on a match. */
static bool compare(const char *path)
{
	static uint8_t buf[VW_CFG_SIZE];
	static struct vw_layout l;
	struct lspci_cap caps[MAX_LSPCI_CAPS];
	char bdf[VW_NAME_LEN], err[512], notes[1024] = "";
	const char *how = "", *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	size_t size, used = 0;
	int n, bad = 0;

	if (vw_cfg_load(path, NULL, buf, &size, bdf, err, sizeof(err)) || vw_walk(buf, size, &l)) {
		printf("  %-52s ERROR     %s\n", base, err);
		return false;
	}
	n = lspci_caps(path, caps, MAX_LSPCI_CAPS, &how);
	if (n < 0) {
		printf("  %-52s skipped   hex only and no lspci to decode it\n", base);
		return true;
	}
	for (int i = 0; i < n; i++) {
		const struct vw_cap *c = cap_at(&l, caps[i].offset);

		if (!c) {
			used += (size_t)snprintf(notes + used, sizeof(notes) - used,
						 " missing [%x] %s;", caps[i].offset, caps[i].name);
			bad++;
		} else if (!name_consistent(caps[i].name, c->extended, c->id)) {
			used += (size_t)snprintf(notes + used, sizeof(notes) - used,
						 " [%x] lspci \"%s\" vs id 0x%x \"%s\";", caps[i].offset,
						 caps[i].name, c->id, vw_cap_name(c->extended, c->id));
			bad++;
		}
		if (used >= sizeof(notes))
			used = sizeof(notes) - 1;
	}
	for (int i = 0; i < l.ncaps; i++)
		if (!lspci_has(caps, n, l.caps[i].offset)) {
			used += (size_t)snprintf(notes + used, sizeof(notes) - used, " extra [%x] %s;",
						 l.caps[i].offset, vw_cap_name(l.caps[i].extended, l.caps[i].id));
			bad++;
			if (used >= sizeof(notes))
				used = sizeof(notes) - 1;
		}
	printf("  %-52s %-9s %d caps (%s), %d walker warnings%s\n", base, bad ? "MISMATCH" : "match",
	       n, how, l.nwarnings, notes);
	for (int i = 0; i < l.nwarnings; i++)
		printf("  %52s   warning: %s\n", "", l.warnings[i]);
	CHECK(bad == 0, "%s:%s", base, notes);
	CHECK_EQ(l.ncaps, n);

	/*
	 * The host bridge whose extended space aliases its header must warn;
	 * every other dump is well formed, so a warning there (an overlap, an
	 * unknown length) means a length rule is wrong. The x16 devices are
	 * what pins Secondary PCIe at 2 bytes per lane.
	 */
	if (strstr(base, "broken-ecaps"))
		CHECK(l.nwarnings > 0 && l.ncaps == 0, "%s: %d warnings, %d caps", base,
		      l.nwarnings, l.ncaps);
	else
		CHECK(l.nwarnings == 0, "%s: %s", base, l.warnings[0]);
	return !bad;
}

/* The matcher itself must tell capabilities apart. */
static void test_name_matcher(void)
{
	CHECK(name_consistent("MSI: Enable- Count=1/1", false, 0x05), "MSI");
	CHECK(!name_consistent("MSI-X: Enable+ Count=5", false, 0x05), "MSI-X taken for MSI");
	CHECK(name_consistent("MSI-X: Enable+ Count=5", false, 0x11), "MSI-X");
	CHECK(name_consistent("Express (v2) Endpoint, MSI 00", false, 0x10), "Express");
	CHECK(!name_consistent("Express (v2) Endpoint, MSI 00", true, 0x10), "Express as SR-IOV");
	CHECK(name_consistent("#19", true, 0x19), "#19");
	CHECK(!name_consistent("#19", true, 0x18), "#19 as 0x18");
	CHECK(!name_consistent("Device Serial Number 00-11", true, 0x01), "DSN as AER");
	CHECK(name_consistent("Virtual Channel", true, 0x09), "VC9");
}

int main(void)
{
	const char *root = getenv("VW_FIXTURES") ? getenv("VW_FIXTURES") : "../shared/fixtures";
	char *files[MAX_FILES], sub[1024];
	int n, matched = 0;
	DIR *d = opendir(root);

	test_name_matcher();
	if (!d) {
		printf("note: fixtures directory %s is absent; fixture comparison skipped\n", root);
		return vw_test_done();
	}
	closedir(d);
	snprintf(sub, sizeof(sub), "%s/pciutils", root);
	n = list_dumps(root, files, 0);
	n = list_dumps(sub, files, n);
	CHECK(n > 0, "no *.lspci under %s", root);
	printf("walker vs lspci, %s:\n", root);
	for (int i = 0; i < n; i++) {
		matched += compare(files[i]);
		free(files[i]);
	}
	printf("%d of %d dumps match\n", matched, n);
	return vw_test_done();
}
