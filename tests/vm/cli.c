// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "../../user/loader/pinned.h"

#define MAX_ARGS 24

static const char *cli_bin(void)
{
	const char *b = getenv("VW_BIN");

	return b ? b : "build/vfio-warden";
}

static int collect(const char **argv, const char *first, va_list ap)
{
	const char *a;
	int n = 0;

	argv[n++] = cli_bin();
	for (a = first; a && n < MAX_ARGS - 1; a = va_arg(ap, const char *))
		argv[n++] = a;
	argv[n] = NULL;
	return n;
}

int cli_run(char *out, size_t outlen, const char *arg, ...)
{
	const char *argv[MAX_ARGS];
	int pipefd[2], status = 0;
	size_t got = 0;
	ssize_t n;
	va_list ap;
	pid_t pid;

	va_start(ap, arg);
	collect(argv, arg, ap);
	va_end(ap);
	if (pipe(pipefd))
		return -1;
	pid = fork();
	if (pid == 0) {
		dup2(pipefd[1], 1);
		dup2(pipefd[1], 2);
		close(pipefd[0]);
		execv(argv[0], (char **)argv);
		_exit(127);
	}
	close(pipefd[1]);
	while (out && got + 1 < outlen && (n = read(pipefd[0], out + got, outlen - got - 1)) > 0)
		got += n;
	if (out)
		out[got] = 0;
	/* drain anything beyond the buffer so the child never blocks */
	{
		char sink[4096];

		while (read(pipefd[0], sink, sizeof(sink)) > 0)
			;
	}
	close(pipefd[0]);
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

pid_t cli_spawn(const char *arg, ...)
{
	const char *argv[MAX_ARGS];
	va_list ap;
	pid_t pid;

	va_start(ap, arg);
	collect(argv, arg, ap);
	va_end(ap);
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);

		dup2(null, 0);
		execv(argv[0], (char **)argv);
		_exit(127);
	}
	return pid;
}

double vw_now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void short_pause(void)
{
	struct timespec ts = { 0, 50 * 1000 * 1000 };

	nanosleep(&ts, NULL);	/* polling interval of a bounded wait, not a fixed delay */
}

int cli_wait_attached(int attached, int timeout_s)
{
	double end = vw_now_s() + timeout_s;

	while (vw_now_s() < end) {
		if ((access(VW_ATTACHED_MARKER, F_OK) == 0) == attached)
			return 0;
		short_pause();
	}
	return -1;
}

json_object *cli_status(void)
{
	static char out[1 << 20];

	cli_run(out, sizeof(out), "status", "--json", NULL);
	return json_tokener_parse(out);
}

long long status_global(json_object *st, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(st, key, &v) ? json_object_get_int64(v) : 0;
}

long long status_skipped_runs(json_object *st, const char *prog)
{
	json_object *o;

	return json_object_object_get_ex(st, "skipped_runs", &o) ? status_global(o, prog) : 0;
}

long long status_counter(json_object *st, const char *bdf, const char *path)
{
	json_object *devs, *d, *c, *v;
	char buf[64], *dot;
	size_t i;

	if (!st || !json_object_object_get_ex(st, "devices", &devs))
		return -1;
	for (i = 0; i < json_object_array_length(devs); i++) {
		d = json_object_array_get_idx(devs, i);
		if (strcmp(json_object_get_string(json_object_object_get(d, "device")), bdf))
			continue;
		if (!json_object_object_get_ex(d, "counters", &c))
			return -1;
		snprintf(buf, sizeof(buf), "%s", path);
		dot = strchr(buf, '.');
		if (dot) {
			*dot = 0;
			if (!json_object_object_get_ex(c, buf, &c))
				return -1;
			path = dot + 1;
		} else {
			path = buf;
		}
		return json_object_object_get_ex(c, path, &v) ? json_object_get_int64(v) : -1;
	}
	return -1;
}

/* A field by dotted path ("vm.name"); 0 if absent. */
static int get_path(json_object *o, const char *path, json_object **v)
{
	char part[64];
	const char *dot;

	for (;;) {
		dot = strchr(path, '.');
		snprintf(part, sizeof(part), "%.*s", dot ? (int)(dot - path) : (int)strlen(path), path);
		if (!json_object_object_get_ex(o, part, v))
			return 0;
		if (!dot)
			return 1;
		o = *v;
		path = dot + 1;
	}
}

static int event_matches(json_object *ev, const char **kv, int n)
{
	json_object *v;
	int i;

	for (i = 0; i + 1 < n; i += 2) {
		if (!get_path(ev, kv[i], &v))
			return 0;
		if (json_object_is_type(v, json_type_int)) {
			if (json_object_get_int64(v) != strtoll(kv[i + 1], NULL, 0))
				return 0;
		} else if (strcmp(json_object_get_string(v), kv[i + 1])) {
			return 0;
		}
	}
	return 1;
}

/* How many accesses a record stands for: an audit/deny config record's count
 * (identical accesses are counted in the kernel in a flood: README "Floods"), else 1. */
static int accesses_of(json_object *ev)
{
	json_object *t, *a, *c;

	if (json_object_object_get_ex(ev, "type", &t) && !strcmp(json_object_get_string(t), "config") &&
	    json_object_object_get_ex(ev, "action", &a) &&
	    (!strcmp(json_object_get_string(a), "audit") || !strcmp(json_object_get_string(a), "deny")) &&
	    json_object_object_get_ex(ev, "count", &c))
		return (int)json_object_get_int64(c);
	return 1;
}

/* Count the matches (accesses: accesses_of); *found gets the first (last: the newest) of them. */
static int scan_pick(const char *file, const char **kv, int n, json_object **found, int last)
{
	char *line = NULL;
	size_t cap = 0;
	int count = 0;
	FILE *f = fopen(file, "re");

	if (!f)
		return 0;
	while (getline(&line, &cap, f) > 0) {
		json_object *ev = json_tokener_parse(line);

		if (!ev)
			continue;
		if (event_matches(ev, kv, n)) {
			count += accesses_of(ev);
			if (found && (last || !*found)) {
				if (*found)
					json_object_put(*found);
				*found = ev;
				continue;
			}
		}
		json_object_put(ev);
	}
	free(line);
	fclose(f);
	return count;
}

static int scan(const char *file, const char **kv, int n, json_object **first)
{
	return scan_pick(file, kv, n, first, 0);
}

static int collect_kv(const char **kv, const char *key, va_list ap)
{
	const char *a;
	int n = 0;

	for (a = key; a && n < 30; a = va_arg(ap, const char *))
		kv[n++] = a;
	return n;
}

/* The NULL-terminated key, value pairs after 'key' into kv[], count in n. */
#define KV_ARGS(kv, n, key) do { va_list ap_; va_start(ap_, key); n = collect_kv(kv, key, ap_); va_end(ap_); } while (0)

int events_count(const char *file, const char *key, ...)
{
	const char *kv[32];
	int n;

	KV_ARGS(kv, n, key);
	return scan(file, kv, n, NULL);
}

int events_wait(const char *file, int want, int timeout_s, const char *key, ...)
{
	const char *kv[32];
	double end = vw_now_s() + timeout_s;
	int n, got;

	KV_ARGS(kv, n, key);
	while ((got = scan(file, kv, n, NULL)) < want && vw_now_s() < end)
		short_pause();
	return got;
}

json_object *events_find(const char *file, const char *key, ...)
{
	json_object *first = NULL;
	const char *kv[32];
	int n;

	KV_ARGS(kv, n, key);
	scan(file, kv, n, &first);
	return first;
}

json_object *events_find_last(const char *file, const char *key, ...)
{
	json_object *last = NULL;
	const char *kv[32];
	int n;

	KV_ARGS(kv, n, key);
	scan_pick(file, kv, n, &last, 1);
	return last;
}

int file_lines(const char *file)
{
	FILE *f = fopen(file, "re");
	int c, n = 0;

	if (!f)
		return 0;
	while ((c = fgetc(f)) != EOF)
		n += c == '\n';
	fclose(f);
	return n;
}
