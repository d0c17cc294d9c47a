// SPDX-License-Identifier: GPL-2.0
/*
 * The flood's JSON (config and bypass records set into a json-c object kept per
 * shape, user/lib/events.c) against the same record built field by field: byte
 * for byte, over random records of every shape (value, capability, TPH reason,
 * aggregated count and first time). Then hostile names: comms, cgroup paths
 * and VM names with newlines, ESC sequences and ill-formed UTF-8, through
 * both serializers (the same bytes, valid UTF-8 JSON to json-c's strict
 * parser and to Python's) and the text format (one line, no control bytes).
 */
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>
#include <json-c/json.h>
#include "vw_test.h"
#include "escape.h"
#include "events.h"

static const char *const comms[] = {
	"qemu\n{\"type\":1}", "\x1b[2J\x1b]0;x\x07", "\xff\xfe\xc3", "caf\xc3\xa9\xe2\x82", "a\"b\\c\x7f\xc2\x9b",
	"CPU 0/KVM",
};
/* cgroup paths as /sys/fs/cgroup could hold them; the scope ones name a VM */
static const char *const cgroups[] = {
	"/user.slice/user-1000.slice/user@1000.service/app.slice/machine-qemu\\x2d1\\x2d\\x0aevil\\x1b[31m.scope",
	"/machine.slice/machine-qemu\\x2d2\\x2dt\\xc3\\xa9nant\\xff.scope/libvirt/vcpu0",
	"/system.slice/x\n2026-01-01T00:00:00Z deny fake\x1b[0m\xff.service",
	"/machine.slice/machine-qemu\\x2d3\\x2d\\x7f\\x0d.scope",
};

/* A child whose command line names it name (-name guest=NAME); its start time in ns. */
static pid_t spawn_named(const char *name, uint64_t *start)
{
	char arg[256], path[64], buf[1024], *p;
	unsigned long long ticks = 0;
	pid_t pid;
	FILE *f;

	snprintf(arg, sizeof(arg), "guest=%s", name);
	pid = fork();
	if (pid == 0) {
		execl("/bin/sh", "sh", "-c", "sleep 30; :", "-name", arg, NULL);
		_exit(127);
	}
	for (int i = 0; i < 2000; i++) {	/* until it has exec'd */
		size_t n = 0;

		snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
		f = fopen(path, "r");
		if (f) {
			n = fread(buf, 1, sizeof(buf) - 1, f);
			fclose(f);
		}
		buf[n] = 0;
		if (!strcmp(buf, "/bin/sh"))
			break;
		usleep(1000);
	}
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (f) {
		if (fgets(buf, sizeof(buf), f) && (p = strrchr(buf, ')'))) {
			for (int fld = 2; p && fld < 22; fld++)
				p = strchr(p + 1, ' ');
			if (p)
				ticks = strtoull(p + 1, NULL, 10);
		}
		fclose(f);
	}
	*start = ticks * (1000000000ULL / (unsigned long long)sysconf(_SC_CLK_TCK));
	return pid;
}

/* json-c's strict parser, validating UTF-8: the line is one JSON object */
static int strict_ok(const char *line)
{
	struct json_tokener *tok = json_tokener_new();
	json_object *o;
	int ok;

	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	o = json_tokener_parse_ex(tok, line, (int)strlen(line));
	ok = o && json_tokener_get_error(tok) == json_tokener_success && json_object_is_type(o, json_type_object);
	json_object_put(o);
	json_tokener_free(tok);
	return ok;
}

/* a text line: one newline, at its end; no other C0, DEL or C1; valid UTF-8 */
static int text_ok(const char *t, size_t n)
{
	char rep[8192];
	size_t k;

	if (!n || t[n - 1] != '\n')
		return 0;
	for (k = 0; k + 1 < n; k++)
		if ((unsigned char)t[k] < 0x20 || t[k] == 0x7f ||
		    ((unsigned char)t[k] == 0xc2 && (unsigned char)t[k + 1] < 0xa0))
			return 0;
	return vw_utf8_sanitize(t, n, rep, sizeof(rep)) == n;
}

/* the text line names the comm and VM as escaped, and who chose the name */
static int has_who(const char *text, const struct vw_event *e, const char *name, const char *source)
{
	char want[700], esc[600];

	vw_text_escape(e->comm, sizeof(e->comm), esc, sizeof(esc));
	snprintf(want, sizeof(want), " comm=%s cgroup=", esc);
	if (!strstr(text, want))
		return 0;
	if (!source)	/* no name: no vm= at all */
		return !strstr(text, " vm=") && !strstr(text, "vm_source");
	if (name)
		vw_text_escape(name, 128, esc, sizeof(esc));
	snprintf(want, sizeof(want), "%s%s vm_source=%s", name ? " vm=" : "", name ? esc : "", source);
	return strstr(text, want) != NULL;
}

static void test_hostile(void)
{
	static const char *const names[] = { "evil\n2026 deny\x1b[31m", "\xff\xfe t\xc3\xa9nant", "ok" };
	static const int types[] = { VW_EV_CONFIG, VW_EV_BYPASS, VW_EV_TPH, VW_EV_IOCTL, VW_EV_DEVICE };
	static char fast[8192], slow[8192];
	char tmp[] = "/tmp/vw-hostile-XXXXXX", cmd[256], out[256] = "";
	int fd = mkstemp(tmp), lines = 0, same = 0, strict = 0, texts = 0, escaped = 0;
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL, *p;
	pid_t kids[3];
	uint64_t starts[3];
	size_t i, c, t, k;

	CHECK(f != NULL, "mkstemp");
	if (!f)
		return;
	for (k = 0; k < 3; k++)
		kids[k] = spawn_named(names[k], &starts[k]);
	for (c = 0; c < sizeof(cgroups) / sizeof(cgroups[0]); c++)
		vw_cgroup_path_seed(0xdead0000 + c, cgroups[c]);
	for (i = 0; i < sizeof(comms) / sizeof(comms[0]); i++)
		for (c = 0; c < sizeof(cgroups) / sizeof(cgroups[0]); c++)
			for (k = 0; k < 4; k++)
				for (t = 0; t < sizeof(types) / sizeof(types[0]); t++) {
					struct vw_event e = { .type = types[t], .action = VW_DENY, .dir = VW_DIR_WRITE,
							      .offset = 4, .size = 2, .at = 4, .value = 0x1234,
							      .value_len = 2, .err = 1, .vendor = 0x1b36,
							      .device_id = 0x10, .cgroup_id = 0xdead0000 + c };
					char *text = NULL;
					size_t tl = 0;
					FILE *m;

					/* k < 3: a VMM named on its command line; 3: no name there, the scope's */
					e.pid = e.tid = k < 3 ? (uint32_t)kids[k] : (uint32_t)getpid();
					e.start_ns = k < 3 ? starts[k] : 0;
					e.tid += i;	/* a new who-cache entry per comm */
					strcpy(e.bdf, "0000:00:0e.0");
					memcpy(e.comm, comms[i], strnlen(comms[i], sizeof(e.comm) - 1));
					vw_event_json(&e, 0, fast, sizeof(fast));
					vw_event_json(&e, 1, slow, sizeof(slow));
					if (!strcmp(fast, slow))
						same++;
					else if (lines - same < 3)
						CHECK_STR(fast, slow);
					strict += strict_ok(fast);
					fprintf(f, "%s\n", fast);
					lines++;
					m = open_memstream(&text, &tl);
					vw_print_event(m, VW_FMT_TEXT, &e);
					fclose(m);
					if (text_ok(text, tl))
						texts++;
					else if (lines - texts < 3)
						CHECK(0, "text line: %s", text);
					escaped += e.type == VW_EV_DEVICE || has_who(text, &e, k < 3 ? names[k] : NULL,
										   k < 3 ? "qemu-cmdline" : c == 0 ? "user-cgroup" :
										   c == 2 ? NULL : "libvirt-scope");
					free(text);
				}
	fclose(f);
	CHECK_EQ(same, lines);
	CHECK_EQ(strict, lines);
	CHECK_EQ(texts, lines);
	CHECK_EQ(escaped, lines);
	/* Python's json, strict about UTF-8 and control characters, on every line */
	snprintf(cmd, sizeof(cmd), "python3 -c 'import json,sys\nn=0\nfor l in open(sys.argv[1],\"rb\"): "
		 "json.loads(l.decode(\"utf-8\")); n+=1\nprint(n)' %s 2>&1", tmp);
	p = popen(cmd, "r");
	if (p && !fgets(out, sizeof(out), p))
		out[0] = 0;
	CHECK(p && pclose(p) == 0 && atoi(out) == lines, "python3 json: %s (want %d lines)", out, lines);
	unlink(tmp);
	for (k = 0; k < 3; k++) {
		kill(kids[k], SIGKILL);
		waitpid(kids[k], NULL, 0);
	}
}

int main(void)
{
	static char fast[4096], slow[4096];
	static const uint8_t caps[] = { 0x00, 0x01, 0x05, 0x10, 0x11, 0xff, 0xfe, 0x01, 0x18, 0x23 };
	uint64_t r = 42;
	int i, same = 0, n = 20000, counted = 0, firsts = 0;

	for (i = 0; i < n; i++) {
		struct vw_event e = {};

		r = r * 6364136223846793005ULL + 1442695040888963407ULL;
		e.type = (r >> 60) % 5 ? VW_EV_CONFIG : VW_EV_BYPASS;
		e.action = (r >> 10) % 4;
		e.ts_boot_ns = (r >> 8) % (1ULL << 50);
		e.pid = getpid();
		e.tid = (r >> 13) % 100000;
		e.dir = (r >> 17) & 1;
		e.offset = (r >> 18) % 4096;
		e.size = 1 + (r >> 30) % 8;
		e.at = e.offset < 256 && (r >> 33) % 2 ? e.offset : (r >> 34) % 4096;
		e.cap = caps[(r >> 45) % sizeof(caps)];
		e.value = r;
		e.value_len = (r >> 50) % 9;
		e.extent = (r >> 5) % 4;
		e.path = (r >> 54) % 11;
		e.err = e.action == VW_DENY;
		e.tph_reason = (r >> 57) % 3 == 0 ? (r >> 40) % 5 : 0;
		e.count = (r >> 20) % 3 ? 1 : (r >> 22) % 100000;
		e.first_ns = (r >> 24) % 2 ? 0 : e.ts_boot_ns - (r >> 30) % 1000000000;
		e.vendor = 0x8086;
		e.device_id = (r >> 36) & 0xffff;
		snprintf(e.comm, sizeof(e.comm), "%s", (r >> 26) % 2 ? "qemu-system-x86" : "a\"b\\c");
		snprintf(e.bdf, sizeof(e.bdf), "0000:00:%02x.0", (unsigned)(r >> 28) % 32);
		vw_event_json(&e, 0, fast, sizeof(fast));
		vw_event_json(&e, 1, slow, sizeof(slow));
		if (!strcmp(fast, slow))
			same++;
		else if (same + 5 > i)
			CHECK_STR(fast, slow);
		counted += strstr(fast, "\"count\":") != NULL;
		firsts += strstr(fast, "\"first\":") != NULL;
	}
	CHECK_EQ(same, n);
	CHECK(counted > n / 2 && firsts > n / 4, "shapes covered: %d with count, %d with first", counted, firsts);
	test_hostile();
	return vw_test_done();
}
