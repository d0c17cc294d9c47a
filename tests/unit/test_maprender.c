// SPDX-License-Identifier: GPL-2.0
/*
 * `map` rendering: regions cover config space exactly once and merge only
 * what is the same; the text table lines up; JSON has exactly the agreed
 * shape and types. Actions and rules are fabricated here the way the policy
 * compiler fills them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "cfgdump.h"
#include "layout.h"
#include "maprender.h"
#include "vfiorules.h"
#include "vw_test.h"

static struct vw_layout L;
static uint8_t act[VW_CFG_SIZE];
static int rule[VW_CFG_SIZE];
static struct vw_region R[VW_CFG_SIZE];
static const char *const rules[] = {
	"default.unassigned", "default.caps.dsn", "devices[0].ranges[0]",
};

static void load(const char *path, size_t size)
{
	static uint8_t buf[VW_CFG_SIZE];
	size_t got;
	char bdf[VW_NAME_LEN], err[256];

	CHECK(vw_cfg_load(path, NULL, buf, &got, bdf, err, sizeof(err)) == 0, "%s", err);
	CHECK_EQ(vw_walk(buf, size ? size : got, &L), 0);
}

/*
 * Like a policy would: header allowed, unassigned bytes write-denied by
 * rule 0, the DSN scrubbed by rule 1, and a range rule (2) that covers
 * 0xe4..0xe7 inside the PCIe capability.
 */
static void fabricate(void)
{
	for (unsigned b = 0; b < VW_CFG_SIZE; b++) {
		act[b] = VW_ACT(VW_AUDIT, VW_ALLOW);
		rule[b] = -1;
		if (b < VW_HEADER_SIZE) {
			act[b] = VW_ACT(VW_ALLOW, VW_ALLOW);
		} else if (L.capmap[b] == VW_CAP_UNASSIGNED) {
			act[b] = VW_ACT(VW_AUDIT, VW_DENY);
			rule[b] = 0;
		} else if (b >= 0x100 && L.capmap[b] == 0x03) {
			act[b] = VW_ACT(VW_SCRUB, VW_DENY);
			rule[b] = 1;
		}
		if (b >= 0xe4 && b < 0xe8) {
			act[b] = VW_ACT(VW_AUDIT, VW_DENY);
			rule[b] = 2;
		}
	}
}

static struct vw_map_input input(bool with_policy)
{
	struct vw_map_input in = { .target = "0000:00:0a.0", .layout = &L };

	if (with_policy) {
		in.act = act;
		in.rule = rule;
		in.rules = rules;
		in.nrules = 3;
	}
	return in;
}

/* Every byte once, in order, and no two neighbours that should have merged. */
static void check_coverage(const struct vw_map_input *in, int n)
{
	unsigned next = 0;

	CHECK(n > 0, "no regions");
	for (int i = 0; i < n; i++) {
		CHECK(R[i].start == next, "region %d starts at 0x%x, expected 0x%x", i, R[i].start, next);
		CHECK(R[i].length > 0, "region %d is empty", i);
		next = R[i].start + R[i].length;
		if (i && R[i].kind == R[i - 1].kind && R[i].cap == R[i - 1].cap &&
		    R[i].read == R[i - 1].read && R[i].write == R[i - 1].write &&
		    R[i].rule == R[i - 1].rule)
			CHECK(0, "regions %d and %d should have merged", i - 1, i);
	}
	CHECK(next == in->layout->size, "regions end at 0x%x, size 0x%x", next, in->layout->size);
}

static void expect_region(int i, unsigned start, unsigned len, enum vw_region_kind kind, int id)
{
	CHECK(R[i].start == start && R[i].length == len && R[i].kind == kind,
	      "region %d: 0x%x+%u kind %d, expected 0x%x+%u kind %d", i, R[i].start,
	      R[i].length, R[i].kind, start, len, kind);
	if (id >= 0)
		CHECK(R[i].id == id, "region %d: id 0x%x, expected 0x%x", i, R[i].id, id);
}

static void test_regions_plain(void)
{
	struct vw_map_input in = input(false);
	int n;

	load("tests/data/qemu-e1000e.lspci", 0);
	n = vw_map_regions(&in, R, VW_CFG_SIZE);
	CHECK_EQ(n, 15);
	check_coverage(&in, n);
	expect_region(0, 0x000, 64, VW_REGION_HEADER, -1);
	expect_region(1, 0x040, 0x60, VW_REGION_UNASSIGNED, -1);
	expect_region(2, 0x0a0, 12, VW_REGION_CAPABILITY, 0x11);
	expect_region(4, 0x0c8, 8, VW_REGION_CAPABILITY, 0x01);
	expect_region(5, 0x0d0, 14, VW_REGION_CAPABILITY, 0x05);
	/* as vfio-pci shows them: 0xc bytes of a v1 RCiEP's PCIe capability, 0x2c of AER;
	 * the rest of each is unassigned to the guest, and says whose it is */
	expect_region(7, 0x0e0, 0x0c, VW_REGION_CAPABILITY, 0x10);
	expect_region(8, 0x0ec, 8, VW_REGION_UNASSIGNED, 0x10);
	expect_region(9, 0x0f4, 12, VW_REGION_UNASSIGNED, -1);
	expect_region(10, 0x100, 0x2c, VW_REGION_CAPABILITY, 0x01);
	expect_region(11, 0x12c, 12, VW_REGION_UNASSIGNED, 0x01);
	expect_region(13, 0x140, 12, VW_REGION_CAPABILITY, 0x03);
	expect_region(14, 0x14c, 0x1000 - 0x14c, VW_REGION_UNASSIGNED, -1);
	CHECK(R[10].extended && R[10].version == 2 && R[10].cap_offset == 0x100 &&
	      R[10].cap_length == 0x2c && R[10].length_known && !R[10].hidden, "AER region fields");
	CHECK(R[11].hidden && R[11].cap == R[10].cap && R[11].cap_offset == 0x100 && R[11].cap_length == 0x38,
	      "AER bytes vfio-pci hides");
	CHECK(!R[9].hidden && R[9].cap == -1, "plain unassigned");
	CHECK_STR(R[13].name, "Device Serial Number");
	CHECK(!R[2].extended, "MSI-X extended");
	CHECK_EQ(R[0].cap, -1);
	CHECK_EQ(R[0].rule, -1);
	CHECK_EQ(R[0].read, VW_ALLOW);

	CHECK_EQ(vw_map_regions(&in, R, 14), -ENOSPC);
}

static void test_regions_policy(void)
{
	struct vw_map_input in = input(true);
	int n;

	load("tests/data/qemu-e1000e.lspci", 0);
	fabricate();
	n = vw_map_regions(&in, R, VW_CFG_SIZE);
	check_coverage(&in, n);
	/* PCIe capability split by the range rule: e0..e3, e4..e7, e8..eb (vfio-pci shows 0xc) */
	for (int i = 0; i < n; i++) {
		if (R[i].start == 0xe0) {
			CHECK(R[i].length == 4 && R[i + 1].length == 4 && R[i + 2].length == 4,
			      "PCIe split as %u/%u/%u", R[i].length, R[i + 1].length, R[i + 2].length);
			CHECK(R[i + 1].rule == 2 && R[i + 1].write == VW_DENY, "range region");
			CHECK(R[i].cap == R[i + 2].cap && R[i].cap_offset == 0xe0 &&
			      R[i + 2].cap_offset == 0xe0, "split parts are one capability");
		}
		if (R[i].start == 0x140)
			CHECK(R[i].read == VW_SCRUB && R[i].write == VW_DENY && R[i].rule == 1,
			      "DSN region %d/%d/%d", R[i].read, R[i].write, R[i].rule);
	}

	/* out-of-range rule indexes count as "no rule" */
	rule[0] = 7;
	rule[1] = -5;
	n = vw_map_regions(&in, R, VW_CFG_SIZE);
	CHECK_EQ(R[0].rule, -1);
	CHECK_EQ(R[0].length, 64);

	/* 256 bytes: regions stop at 0xff */
	load("tests/data/qemu-e1000e.lspci", 256);
	in = input(false);
	n = vw_map_regions(&in, R, VW_CFG_SIZE);
	check_coverage(&in, n);
	CHECK_EQ(R[n - 1].start + R[n - 1].length, 256);
}

/* Two adjacent capabilities with one ID are two regions. */
static void test_same_id_neighbours(void)
{
	static uint8_t cfg[VW_CFG_SIZE];
	struct vw_map_input in = { .target = "x", .layout = &L };
	int n;

	cfg[0] = 0xf4;
	cfg[1] = 0x1a;
	cfg[0x06] = 0x10;	/* a PCIe capability: vfio-pci walks extended space only with one */
	cfg[0x34] = 0x40;
	cfg[0x40] = 0x10;
	cfg[0x42] = 0x02;
	cfg[0x100] = 0x0b;
	cfg[0x102] = 0x01;
	cfg[0x103] = 0x11;	/* VSEC at 0x100, next 0x110 */
	cfg[0x107] = 0x01;	/* length 0x10 */
	cfg[0x110] = 0x0b;
	cfg[0x112] = 0x01;
	cfg[0x117] = 0x01;
	CHECK_EQ(vw_walk(cfg, VW_CFG_SIZE, &L), 0);
	n = vw_map_regions(&in, R, VW_CFG_SIZE);
	check_coverage(&in, n);
	CHECK_EQ(n, 7);
	expect_region(1, 0x040, 0x34, VW_REGION_CAPABILITY, 0x10);
	expect_region(4, 0x100, 16, VW_REGION_CAPABILITY, 0x0b);
	expect_region(5, 0x110, 16, VW_REGION_CAPABILITY, 0x0b);
}

/* ---- text ------------------------------------------------------------------ */

static char *render_text(const struct vw_map_input *in)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	CHECK_EQ(vw_map_print_text(f, in), 0);
	fclose(f);
	return out;
}

static void test_text(void)
{
	struct vw_map_input in = input(true);
	char *out, *line, *save = NULL;
	int rows = 0, col_read = -1, col_rule = -1;

	load("tests/data/qemu-e1000e.lspci", 0);
	fabricate();
	out = render_text(&in);
	CHECK(strstr(out, "0000:00:0a.0: 8086:10d3, class 020000, 4096 bytes") == out,
	      "header line: %.80s", out);
	CHECK(strstr(out, "Device Serial Number (ext 0x0003 v1)") != NULL, "DSN row");
	CHECK(strstr(out, "PCI Express (cap 0x10) +0x4") != NULL, "split row offset");
	CHECK(strstr(out, "default.caps.dsn") != NULL, "rule text");
	CHECK(strstr(out, "warnings:") == NULL, "warnings section without warnings");

	/* every row has READ and RULE at the header's columns */
	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(line, "START", 5)) {
			col_read = (int)(strstr(line, "READ") - line);
			col_rule = (int)(strstr(line, "RULE") - line);
			CHECK(strstr(line, "START  END    LEN   KIND        CAPABILITY") == line,
			      "column header: %s", line);
			continue;
		}
		if (strncmp(line, "0x", 2))
			continue;
		rows++;
		CHECK(col_read > 0 && line[col_read - 1] == ' ' && line[col_read] != ' ',
		      "READ column misaligned: %s", line);
		CHECK(col_rule > 0 && (int)strlen(line) > col_rule && line[col_rule - 1] == ' ',
		      "RULE column misaligned: %s", line);
	}
	CHECK_EQ(rows, vw_map_regions(&in, R, VW_CFG_SIZE));
	free(out);

	/* warnings are listed after the table */
	load("tests/data/qemu-e1000e.lspci", 64);
	in = input(false);
	out = render_text(&in);
	CHECK(strstr(out, "\nwarnings:\n  standard capability pointer at 0x34") != NULL,
	      "warnings section: %s", out);
	free(out);
}

/* ---- JSON ------------------------------------------------------------------ */

/* The object's keys, comma-separated, in order. */
static void keys_of(struct json_object *o, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	json_object_object_foreach(o, k, v) {
		(void)v;
		n += (size_t)snprintf(buf + n, len - n, "%s%s", n ? "," : "", k);
	}
}

static struct json_object *get(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	json_object_object_get_ex(o, key, &v);
	return v;
}

static void check_region_json(struct json_object *r, const struct vw_region *want)
{
	char keys[256], expect[256];

	snprintf(expect, sizeof(expect), "start,length,kind%s%s%s,read,write%s",
		 want->hidden ? ",hidden_by" : "",
		 want->cap >= 0 ? ",extended,id,name" : "",
		 want->cap >= 0 && want->extended ? ",version" : "",
		 want->rule >= 0 ? ",rule" : "");
	keys_of(r, keys, sizeof(keys));
	CHECK(!strcmp(keys, expect), "region 0x%x keys \"%s\", expected \"%s\"", want->start, keys, expect);
	CHECK(json_object_is_type(get(r, "start"), json_type_int), "start not int");
	CHECK(json_object_is_type(get(r, "length"), json_type_int), "length not int");
	CHECK_EQ(json_object_get_int(get(r, "start")), want->start);
	CHECK_EQ(json_object_get_int(get(r, "length")), want->length);
	if (want->hidden)
		CHECK_STR(json_object_get_string(get(r, "hidden_by")), "vfio-pci");
	if (want->cap >= 0) {
		CHECK(json_object_is_type(get(r, "extended"), json_type_boolean), "extended not bool");
		CHECK(json_object_is_type(get(r, "id"), json_type_int), "id not int");
		CHECK_EQ(json_object_get_int(get(r, "id")), want->id);
		CHECK_STR(json_object_get_string(get(r, "name")), want->name);
		if (want->extended)
			CHECK(json_object_is_type(get(r, "version"), json_type_int), "version not int");
	}
}

static void test_json(void)
{
	struct vw_map_input in = input(true);
	struct json_object *o, *regions, *r, *parsed;
	char keys[256], *text = NULL;
	size_t len = 0;
	FILE *f;
	int n;

	load("tests/data/qemu-e1000e.lspci", 0);
	fabricate();
	n = vw_map_regions(&in, R, VW_CFG_SIZE);
	o = vw_map_json(&in);
	CHECK(o != NULL, "no JSON");
	if (!o)
		return;
	keys_of(o, keys, sizeof(keys));
	CHECK_STR(keys, "target,vendor,device_id,size,regions,warnings");
	CHECK_STR(json_object_get_string(get(o, "target")), "0000:00:0a.0");
	CHECK_STR(json_object_get_string(get(o, "vendor")), "8086");
	CHECK_STR(json_object_get_string(get(o, "device_id")), "10d3");
	CHECK(json_object_is_type(get(o, "size"), json_type_int), "size not int");
	CHECK_EQ(json_object_get_int(get(o, "size")), 4096);
	CHECK(json_object_is_type(get(o, "warnings"), json_type_array), "warnings not array");
	regions = get(o, "regions");
	CHECK_EQ(json_object_array_length(regions), n);
	for (int i = 0; i < n && i < (int)json_object_array_length(regions); i++)
		check_region_json(json_object_array_get_idx(regions, i), &R[i]);
	r = json_object_array_get_idx(regions, 0);
	CHECK_STR(json_object_get_string(get(r, "kind")), "header");
	CHECK_STR(json_object_get_string(get(r, "read")), "allow");
	for (int i = 0; i < n; i++)
		if (R[i].start == 0x140) {
			r = json_object_array_get_idx(regions, i);
			CHECK_STR(json_object_get_string(get(r, "read")), "scrub");
			CHECK_STR(json_object_get_string(get(r, "write")), "deny");
			CHECK_STR(json_object_get_string(get(r, "rule")), "default.caps.dsn");
			CHECK_EQ(json_object_get_int(get(r, "version")), 1);
			CHECK(json_object_get_boolean(get(r, "extended")), "DSN not extended");
		}
	json_object_put(o);

	/* the printed form parses back to the same document */
	f = open_memstream(&text, &len);
	CHECK_EQ(vw_map_print_json(f, &in, true), 0);
	fclose(f);
	parsed = json_tokener_parse(text);
	CHECK(parsed != NULL, "printed JSON does not parse: %.80s", text);
	o = vw_map_json(&in);
	CHECK(parsed && json_object_equal(parsed, o), "printed JSON differs");
	json_object_put(parsed);
	json_object_put(o);
	free(text);

	/* warnings come through as strings */
	load("tests/data/qemu-e1000e.lspci", 64);
	in = input(false);
	o = vw_map_json(&in);
	CHECK_EQ(json_object_array_length(get(o, "warnings")), L.nwarnings);
	CHECK(L.nwarnings > 0, "no warnings on a 64-byte dump");
	CHECK_EQ(json_object_get_int(get(o, "size")), 64);
	json_object_put(o);
}

int main(void)
{
	/* vfio-pci's rules of one kernel, not the host's: a v2 PCIe endpoint is 0x34 bytes */
	vw_vfio_rules_use(vw_vfio_rules_for("7.0"));
	test_regions_plain();
	test_regions_policy();
	test_same_id_neighbours();
	test_text();
	test_json();
	return vw_test_done();
}
