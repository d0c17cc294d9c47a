// SPDX-License-Identifier: GPL-2.0
/* Prometheus output: names, labels, escaping, promtool's verdict, the atomic file, the endpoint. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "metrics.h"
#include "metrics_http.h"
#include "vw_test.h"

static struct vw_snap_device devs[2];

static void fill(struct vw_snapshot *s)
{
	memset(s, 0, sizeof(*s));
	memset(devs, 0, sizeof(devs));
	s->attached = 1;
	s->generation = 3;
	s->ringbuf_size = 1 << 20;
	s->scrub_active = 1;
	s->lockdown = "none";
	s->g.lost = 7;
	strcpy(s->progs[0].name, "vw_config_rw");
	s->progs[0].skipped = 11;
	s->nprogs = 1;
	strcpy(devs[0].bdf, "0000:00:0b.0");
	strcpy(devs[0].vendor, "8086");
	strcpy(devs[0].device_id, "10d3");
	strcpy(devs[0].vm, "tenant \"a\"\\x\ny");	/* every character the format escapes */
	devs[0].c.judged[1][3] = 5;	/* write deny */
	devs[0].c.judged[0][1] = 9;	/* read audit */
	devs[0].c.tph[3] = 1;
	devs[0].c.inexact[1] = 2;	/* a pwritev */
	devs[0].c.ioctl[1][1] = 4;	/* hot_reset audit */
	strcpy(devs[1].bdf, "0000:00:0c.0");	/* not compiled yet: empty IDs, no VM */
	s->dev = devs;
	s->ndev = 2;
}

static int promtool_ok(const char *text, char *out, size_t outlen)
{
	char path[] = "/tmp/vw-metrics-XXXXXX", cmd[256];
	int fd = mkstemp(path), rc;
	FILE *p;
	size_t n;

	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		return -1;
	close(fd);
	snprintf(cmd, sizeof(cmd), "promtool check metrics < %s 2>&1", path);
	p = popen(cmd, "r");
	n = p ? fread(out, 1, outlen - 1, p) : 0;
	out[n] = 0;
	rc = p ? pclose(p) : -1;
	unlink(path);
	return rc;
}

static void test_render(void)
{
	struct vw_snapshot s;
	char out[4096];
	size_t len;
	char *text;

	fill(&s);
	text = vw_metrics_text(&s, &len);
	CHECK(text != NULL, "rendered");
	if (!text)
		return;
	CHECK_EQ(strlen(text), len);
	CHECK(strstr(text, "vfio_warden_attached 1\n"), "attached");
	CHECK(strstr(text, "# TYPE vfio_warden_config_accesses_total counter\n"), "counter type");
	CHECK(strstr(text, "vfio_warden_config_accesses_total{device=\"0000:00:0b.0\",vendor=\"8086\","
			   "device_id=\"10d3\",vm=\"tenant \\\"a\\\"\\\\x\\ny\",direction=\"write\",action=\"deny\"} 5\n"),
	      "write deny sample with escaped vm label:\n%s", text);
	CHECK(strstr(text, "direction=\"read\",action=\"audit\"} 9\n"), "read audit");
	CHECK(strstr(text, "vfio_warden_config_accesses_total{device=\"0000:00:0c.0\",vendor=\"\",device_id=\"\","
			   "vm=\"\",direction=\"read\",action=\"allow\"} 0\n"), "uncompiled device");
	CHECK(strstr(text, "vfio_warden_tph_ioctls_total{device=\"0000:00:0b.0\""), "tph");
	CHECK(strstr(text, "vfio_warden_vfio_ioctls_total{device=\"0000:00:0b.0\",vendor=\"8086\",device_id=\"10d3\","
			   "vm=\"tenant \\\"a\\\"\\\\x\\ny\",ioctl=\"hot_reset\",action=\"audit\"} 4\n"),
	      "ioctl sample:\n%s", text);
	CHECK(!strstr(text, "ioctl=\"reset\",action=\"scrub\""), "no scrub for ioctls");
	CHECK(strstr(text, "vfio_warden_events_lost_total 7\n"), "lost");
	CHECK(strstr(text, "vfio_warden_config_inexact_total{device=\"0000:00:0b.0\"") &&
	      strstr(text, "direction=\"write\"} 2\n"), "inexact");
	CHECK(strstr(text, "vfio_warden_program_skipped_runs_total{program=\"vw_config_rw\"} 11\n"), "skipped");
	CHECK(strstr(text, "vfio_warden_kernel_lockdown{mode=\"none\"} 1\n"), "lockdown");
	/* each family announced once, however many devices */
	{
		const char *t = strstr(text, "# TYPE vfio_warden_bypass_total");

		CHECK(t && !strstr(t + 1, "# TYPE vfio_warden_bypass_total"), "bypass family once");
	}
	CHECK_EQ(promtool_ok(text, out, sizeof(out)), 0);
	if (out[0])
		fprintf(stderr, "promtool: %s\n", out);
	free(text);

	/* a detach killed after it stood the vetoes down: not "attached", and said why */
	fill(&s);
	s.retired = 1;
	text = vw_metrics_text(&s, &len);
	CHECK(text && strstr(text, "vfio_warden_attached 0\n") && strstr(text, "vfio_warden_detach_interrupted 1\n"),
	      "retired: %s", text ? text : "");
	free(text);
	s.retired = 0;
	text = vw_metrics_text(&s, &len);
	CHECK(text && strstr(text, "vfio_warden_detach_interrupted 0\n"), "enforcing: %s", text ? text : "");
	free(text);

	/* detached: the one gauge that says so, and promtool still content */
	memset(&s, 0, sizeof(s));
	text = vw_metrics_text(&s, &len);
	CHECK(text && !strcmp(text, "# HELP vfio_warden_attached 1 while vfio-warden's programs are attached and enforcing.\n"
			"# TYPE vfio_warden_attached gauge\nvfio_warden_attached 0\n"), "detached: %s", text);
	CHECK_EQ(promtool_ok(text, out, sizeof(out)), 0);
	free(text);

	/* promtool can fail: a counter without _total is what it reports */
	CHECK(promtool_ok("# HELP x_bytes y\n# TYPE x_bytes counter\nx_bytes 1\n", out, sizeof(out)) != 0,
	      "promtool accepted a counter without _total: %s", out);
}

/*
 * VM names are the VMM's command line, bytes of its choosing (QEMU -name guest=bad\xff\xfe):
 * one ill-formed name used to make promtool, and Prometheus, reject the whole scrape.
 * Each name with what its label must read (the exposition's own escapes included).
 */
static const struct { const char *name, *label; } hostile[] = {
	{ "bad\xff\xfe", "bad\xef\xbf\xbd\xef\xbf\xbd" },		/* bytes never in UTF-8 */
	{ "\xc0\xaf", "\xef\xbf\xbd\xef\xbf\xbd" },			/* overlong '/' */
	{ "\xe0\x80\xaf", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" },	/* overlong, 3 bytes */
	{ "\xf0\x80\x80\xaf", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" },
	{ "\xed\xa0\x80x", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbdx" },	/* surrogate U+D800 */
	{ "\xed\xbf\xbf", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" },	/* surrogate U+DFFF */
	{ "\xf4\x90\x80\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" },	/* > U+10FFFF */
	{ "\xf8\x88\x80\x80\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" },
	{ "\x80lone", "\xef\xbf\xbdlone" },				/* a continuation byte alone */
	{ "\xe2\x82z", "\xef\xbf\xbdz" },				/* a cut sequence: one U+FFFD */
	{ "cut\xf0\x9f\x98", "cut\xef\xbf\xbd" },			/* cut at the end (the 128-byte copy) */
	{ "\x01\x1b[2J\t\r\x7f", "\\\\x01\\\\x1b[2J\\\\x09\\\\x0d\\\\x7f" },	/* C0 and DEL */
	{ "c1\xc2\x85\xc2\x9b", "c1\\\\xc2\\\\x85\\\\xc2\\\\x9b" },		/* C1: NEL, CSI */
	{ "q\"} 1\nfake_metric 9\n", "q\\\"} 1\\nfake_metric 9\\n" },	/* a forged sample */
	{ "back\\slash\\", "back\\\\slash\\\\" },
	{ "\xd1\x82\xc3\xbc\xe2\x82\xac\xf0\x9d\x84\x9e\xef\xbf\xbd", "\xd1\x82\xc3\xbc\xe2\x82\xac\xf0\x9d\x84\x9e\xef\xbf\xbd" },	/* valid: kept */
};
#define NHOSTILE (sizeof(hostile) / sizeof(hostile[0]))

static void test_hostile_names(void)
{
	static struct vw_snap_device d[NHOSTILE];
	struct vw_snapshot s;
	char out[4096], want[512];
	size_t i, len;
	char *text;

	fill(&s);
	memset(d, 0, sizeof(d));
	for (i = 0; i < NHOSTILE; i++) {
		snprintf(d[i].bdf, sizeof(d[i].bdf), "0000:00:%02zx.0", i + 1);
		strcpy(d[i].vendor, "1b36");
		strcpy(d[i].device_id, "0010");
		snprintf(d[i].vm, sizeof(d[i].vm), "%s", hostile[i].name);
		d[i].c.judged[1][3] = 100 + i;
	}
	s.dev = d;
	s.ndev = NHOSTILE;
	s.lockdown = "in\xfftegrity";	/* every label goes through the one escaper */
	text = vw_metrics_text(&s, &len);
	CHECK(text != NULL, "rendered");
	if (!text)
		return;
	for (i = 0; i < NHOSTILE; i++) {
		snprintf(want, sizeof(want), "{device=\"0000:00:%02zx.0\",vendor=\"1b36\",device_id=\"0010\",vm=\"%s\","
			 "direction=\"write\",action=\"deny\"} %zu\n", i + 1, hostile[i].label, 100 + i);
		CHECK(strstr(text, want), "name %zu: no %s", i, want);
	}
	CHECK(strstr(text, "vfio_warden_kernel_lockdown{mode=\"in\xef\xbf\xbdtegrity\"} 1\n"), "lockdown label");
	CHECK(!strstr(text, "\nfake_metric"), "a name forged a line");
	CHECK_EQ(promtool_ok(text, out, sizeof(out)), 0);
	if (out[0])
		fprintf(stderr, "promtool: %s\n", out);
	/* and each name alone: no one of them may break a scrape */
	s.lockdown = "none";
	for (i = 0; i < NHOSTILE; i++) {
		s.dev = &d[i];
		s.ndev = 1;
		free(text);
		text = vw_metrics_text(&s, &len);
		CHECK(text && promtool_ok(text, out, sizeof(out)) == 0, "name %zu: promtool: %s", i, out);
	}
	free(text);
}

static void test_file(void)
{
	char dir[] = "/tmp/vw-textfile-XXXXXX", path[128], tmp[160], buf[64];
	struct vw_snapshot s;
	struct stat st;
	FILE *f;
	size_t n;

	CHECK(mkdtemp(dir) != NULL, "mkdtemp");
	snprintf(path, sizeof(path), "%s/vfio_warden.prom", dir);
	memset(&s, 0, sizeof(s));
	CHECK_EQ(vw_metrics_write_file(path, &s), 0);
	f = fopen(path, "r");
	n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
	buf[n] = 0;
	if (f)
		fclose(f);
	CHECK(strstr(buf, "# HELP vfio_warden_attached"), "file content: %s", buf);
	snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, getpid());
	CHECK(stat(tmp, &st) != 0, "temporary file left behind");
	unlink(path);
	rmdir(dir);
	CHECK_EQ(vw_metrics_write_file("/nonexistent-dir/x.prom", &s), -ENOENT);
}

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static int file_is(const char *path, const char *text)
{
	char buf[256];
	FILE *f = fopen(path, "r");
	size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;

	if (f)
		fclose(f);
	buf[n] = 0;
	return f && !strcmp(buf, text);
}

/*
 * `metrics -o FILE` runs as root into a directory others may write (node_exporter's
 * textfile directory): the temporary file was FILE.tmp.PID, opened O_CREAT|O_TRUNC, so a
 * symlink planted there made root truncate and overwrite its target. Symlinks at that
 * name and at other likely ones must stay untouched, their target too; a symlink at
 * FILE itself is replaced by the file, never written through.
 */
static void test_file_symlinks(void)
{
	char dir[] = "/tmp/vw-test-textfile-XXXXXX", vdir[] = "/tmp/vw-test-victim-XXXXXX";
	char path[128], victim[128], link[192], sfx[64];
	const char *const likely[] = { ".tmp", ".tmp.%d", ".tmp.%d1", ".new", "~", ".tmp.0" };
	struct vw_snapshot s;
	struct dirent *e;
	struct stat st;
	size_t i;
	int rc, n;
	DIR *dp;

	vw_test_mkdtemp(dir);
	vw_test_mkdtemp(vdir);
	snprintf(path, sizeof(path), "%s/vfio_warden.prom", dir);
	snprintf(victim, sizeof(victim), "%s/shadow", vdir);
	write_text(victim, "root:precious\n");
	for (i = 0; i < sizeof(likely) / sizeof(likely[0]); i++) {
		snprintf(sfx, sizeof(sfx), likely[i], getpid());
		snprintf(link, sizeof(link), "%s%s", path, sfx);
		CHECK(symlink(victim, link) == 0, "planting %s", link);
	}
	memset(&s, 0, sizeof(s));
	rc = vw_metrics_write_file(path, &s);
	CHECK_EQ(rc, 0);
	CHECK(file_is(victim, "root:precious\n"), "the symlinks' target was written through");
	for (i = 0; i < sizeof(likely) / sizeof(likely[0]); i++) {
		snprintf(sfx, sizeof(sfx), likely[i], getpid());
		snprintf(link, sizeof(link), "%s%s", path, sfx);
		CHECK(lstat(link, &st) == 0 && S_ISLNK(st.st_mode), "planted %s replaced or removed", link);
	}
	CHECK(lstat(path, &st) == 0 && S_ISREG(st.st_mode), "FILE is not a regular file");
	CHECK_EQ(st.st_mode & 07777, 0644);	/* node_exporter reads it as another user */
	CHECK(file_is(path, "# HELP vfio_warden_attached 1 while vfio-warden's programs are attached and enforcing.\n"
		      "# TYPE vfio_warden_attached gauge\nvfio_warden_attached 0\n"), "FILE content");
	/* nothing else left in the directory: FILE and the 6 planted links */
	n = 0;
	dp = opendir(dir);
	while (dp && (e = readdir(dp)))
		n += e->d_name[0] != '.';
	if (dp)
		closedir(dp);
	CHECK_EQ(n, 1 + (int)(sizeof(likely) / sizeof(likely[0])));

	/* FILE itself a symlink to the victim: replaced by the file, the victim untouched */
	unlink(path);
	CHECK(symlink(victim, path) == 0, "planting FILE");
	CHECK_EQ(vw_metrics_write_file(path, &s), 0);
	CHECK(file_is(victim, "root:precious\n"), "FILE's symlink was written through");
	CHECK(lstat(path, &st) == 0 && S_ISREG(st.st_mode), "FILE still a symlink");
	vw_test_rmtree(dir);
	vw_test_rmtree(vdir);
}

static void test_listen_specs(void)
{
	struct sockaddr_storage sa;
	struct sockaddr_in *in4 = (struct sockaddr_in *)&sa;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&sa;
	char err[256];

	CHECK_EQ(vw_parse_listen("9101", &sa, err, sizeof(err)), 0);
	CHECK_EQ(sa.ss_family, AF_INET);
	CHECK_EQ(ntohl(in4->sin_addr.s_addr), INADDR_LOOPBACK);	/* a port alone: loopback, never all */
	CHECK_EQ(ntohs(in4->sin_port), 9101);
	CHECK_EQ(vw_parse_listen("0.0.0.0:80", &sa, err, sizeof(err)), 0);
	CHECK_EQ(in4->sin_addr.s_addr, 0);
	CHECK_EQ(vw_parse_listen("[::1]:9101", &sa, err, sizeof(err)), 0);
	CHECK_EQ(sa.ss_family, AF_INET6);
	CHECK_EQ(ntohs(in6->sin6_port), 9101);
	CHECK_EQ(vw_parse_listen("localhost:9101", &sa, err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "localhost:9101"), "message names the input: %s", err);
	CHECK_EQ(vw_parse_listen("127.0.0.1:0", &sa, err, sizeof(err)), -EINVAL);
	CHECK_EQ(vw_parse_listen("127.0.0.1:65536", &sa, err, sizeof(err)), -EINVAL);
	CHECK_EQ(vw_parse_listen("127.0.0.1:", &sa, err, sizeof(err)), -EINVAL);
	CHECK_EQ(vw_parse_listen(":9101", &sa, err, sizeof(err)), -EINVAL);
	CHECK_EQ(vw_parse_listen("::1:9101", &sa, err, sizeof(err)), -EINVAL);	/* IPv6 needs brackets */
	CHECK_EQ(vw_parse_listen("[::1]", &sa, err, sizeof(err)), -EINVAL);
	CHECK_EQ(vw_parse_listen("", &sa, err, sizeof(err)), -EINVAL);
}

/* One GET over a plain socket: status line and body. */
static int http_get(int port, const char *path, char *resp, size_t len)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	size_t o = 0;
	ssize_t n;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)))
		return -1;
	dprintf(fd, "GET %s HTTP/1.0\r\nHost: x\r\n\r\n", path);
	while (o + 1 < len && (n = read(fd, resp + o, len - 1 - o)) > 0)
		o += n;
	resp[o] = 0;
	close(fd);
	return 0;
}

static void test_endpoint(void)
{
	struct vw_metrics_http *h = NULL;
	char spec[32], resp[4096];
	int port;

	/* a free port: try a few from a pid-derived start */
	for (port = 20000 + getpid() % 20000; !h && port < 65000; port += 97) {
		snprintf(spec, sizeof(spec), "127.0.0.1:%d", port);
		h = vw_metrics_http_start(spec);
	}
	port -= 97;
	CHECK(h != NULL, "listening");
	if (!h)
		return;
	CHECK_EQ(http_get(port, "/metrics", resp, sizeof(resp)), 0);
	CHECK(!strncmp(resp, "HTTP/1.0 200", 12) || !strncmp(resp, "HTTP/1.1 200", 12), "status: %.40s", resp);
	CHECK(strstr(resp, "text/plain; version=0.0.4"), "content type");
	CHECK(strstr(resp, "vfio_warden_attached"), "body: %s", resp);
	CHECK_EQ(http_get(port, "/", resp, sizeof(resp)), 0);
	CHECK(strstr(resp, " 404 "), "other paths: %.40s", resp);
	/* the same port twice: the second cannot listen and says so (NULL) */
	CHECK(vw_metrics_http_start(spec) == NULL, "a second server on %s", spec);
	vw_metrics_http_stop(h);
	CHECK(http_get(port, "/metrics", resp, sizeof(resp)) != 0, "stopped");
}

static long long mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* A client that never finishes its request: connected from src, headers left open. */
static int slow_open(int port, const char *src)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) }, b = { .sin_family = AF_INET };
	static const char start[] = "GET /metrics HTTP/1.1\r\nHost: x\r\nX-Slow: ";
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	inet_pton(AF_INET, src, &b.sin_addr);
	if (fd < 0 || bind(fd, (struct sockaddr *)&b, sizeof(b)) || connect(fd, (struct sockaddr *)&a, sizeof(a)) ||
	    send(fd, start, sizeof(start) - 1, MSG_NOSIGNAL) != sizeof(start) - 1) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* One more byte from each slow client still open; one the server closed reads EOF
 * (or a reset): its time goes in closed_ms and its fd is closed here. Returns how many
 * are still open. */
static int trickle(int *fds, long long *closed_ms, int n)
{
	int i, open = 0;
	char c;

	for (i = 0; i < n; i++) {
		struct pollfd p = { .fd = fds[i], .events = POLLIN };

		if (fds[i] < 0)
			continue;
		if ((poll(&p, 1, 0) == 1 && recv(fds[i], &c, 1, MSG_DONTWAIT) <= 0) ||
		    send(fds[i], "a", 1, MSG_NOSIGNAL) != 1) {
			close(fds[i]);
			fds[i] = -1;
			closed_ms[i] = mono_ms();
			continue;
		}
		open++;
	}
	return open;
}

/* One scrape over fd (connected): 1 if a 200 with the metrics came back within 1 s. */
static int scrape_fd(int fd)
{
	char resp[8192];
	size_t o = 0;
	ssize_t n;
	long long end = mono_ms() + 1000;

	if (fd < 0)
		return 0;
	if (dprintf(fd, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n") < 0) {
		close(fd);
		return 0;
	}
	while (o + 1 < sizeof(resp) && mono_ms() < end) {
		struct pollfd p = { .fd = fd, .events = POLLIN };

		if (poll(&p, 1, 100) != 1)
			continue;
		n = read(fd, resp + o, sizeof(resp) - 1 - o);
		if (n <= 0)
			break;
		o += n;
	}
	resp[o] = 0;
	close(fd);
	return !strncmp(resp, "HTTP/1.1 200", 12) && strstr(resp, "vfio_warden_attached");
}

static int scrape_tcp(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a))) {
		close(fd);
		fd = -1;
	}
	return scrape_fd(fd);
}

/* A listener on a free loopback port (tried from a pid-derived start). */
static struct vw_metrics_http *listen_free(const struct vw_metrics_http_limits *lim, int *port)
{
	struct vw_metrics_http *h = NULL;
	char spec[32];

	for (*port = 20000 + (getpid() * 7) % 20000; *port < 65000; *port += 89) {
		snprintf(spec, sizeof(spec), "127.0.0.1:%d", *port);
		h = lim ? vw_metrics_http_start_limits(spec, lim) : vw_metrics_http_start(spec);
		if (h)
			return h;
	}
	return NULL;
}

/*
 * 8 clients, each sending a byte every few seconds, used to hold the listener shut
 * (8 connections in all, a 10 s timeout restarted by every byte). Now: 16 of them from
 * one address get 4 slots, and a scrape from another address is served at once.
 */
static void test_slow_clients_other_address(void)
{
	int fds[16], i, port, open = 0, ok = 0;
	long long closed[16], t0;
	struct vw_metrics_http *h = listen_free(NULL, &port);

	CHECK(h != NULL, "listening");
	if (!h)
		return;
	for (i = 0; i < 16; i++)
		fds[i] = slow_open(port, "127.0.0.2");
	for (i = 0; i < 5; i++) {	/* 0.5 s of trickling: the server has taken or refused each */
		open = trickle(fds, closed, 16);
		usleep(100000);
	}
	CHECK_EQ(open, 4);	/* the per-address limit */
	t0 = mono_ms();
	while (!(ok = scrape_tcp(port)) && mono_ms() - t0 < 3000)
		trickle(fds, closed, 16);
	printf("slow clients elsewhere: %d held, scrape %s after %lld ms\n", open, ok ? "served" : "refused",
	       mono_ms() - t0);
	CHECK(ok && mono_ms() - t0 < 1000, "scrape with 16 slow clients on 127.0.0.2: %s after %lld ms",
	      ok ? "served" : "refused", mono_ms() - t0);
	for (i = 0; i < 16; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	vw_metrics_http_stop(h);
}

/*
 * Slow clients on the scraper's own address (loopback is one address for every local
 * user) take its slots: each connection then lives at most the deadline however many
 * bytes it trickles, and the scrape gets through right after.
 */
static void test_slow_clients_deadline(void)
{
	const struct vw_metrics_http_limits lim = { .total = 64, .per_ip = 4, .idle_s = 5, .deadline_ms = 2000 };
	int fds[4], i, port, ok = 0;
	long long closed[4], t0;
	struct vw_metrics_http *h = listen_free(&lim, &port);

	CHECK(h != NULL, "listening");
	if (!h)
		return;
	t0 = mono_ms();
	for (i = 0; i < 4; i++) {
		fds[i] = slow_open(port, "127.0.0.1");
		closed[i] = 0;
	}
	usleep(200000);
	/* bounds with slack for a loaded host (the unit tests run beside VM guests) */
	while (!(ok = scrape_tcp(port)) && mono_ms() - t0 < 8000) {
		trickle(fds, closed, 4);
		usleep(100000);
	}
	printf("slow clients on the scraper's address: scrape %s after %lld ms\n", ok ? "served" : "refused",
	       mono_ms() - t0);
	CHECK(ok && mono_ms() - t0 < lim.deadline_ms + 2500, "scrape behind 4 slow clients on its address: "
	      "%s after %lld ms", ok ? "served" : "refused", mono_ms() - t0);
	while (trickle(fds, closed, 4) && mono_ms() - t0 < 8000)
		usleep(100000);
	for (i = 0; i < 4; i++) {
		printf("slow client %d: closed by the server %lld ms after connecting\n", i,
		       closed[i] ? closed[i] - t0 : -1);
		CHECK(closed[i] && closed[i] - t0 >= lim.deadline_ms - 300 && closed[i] - t0 < lim.deadline_ms + 2000,
		      "slow client %d closed after %lld ms (deadline %u ms)", i, closed[i] ? closed[i] - t0 : -1,
		      lim.deadline_ms);
		if (fds[i] >= 0)
			close(fds[i]);
	}
	vw_metrics_http_stop(h);
}

static int scrape_unix(const char *path)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a))) {
		close(fd);
		fd = -1;
	}
	return scrape_fd(fd);
}

/* --metrics-listen unix:PATH: a socket only root can open, whatever the umask. */
static void test_unix_socket(void)
{
	char dir[] = "/tmp/vw-test-sock-XXXXXX", spec[128], path[96], other[96];
	struct sockaddr_storage sa;
	struct vw_metrics_http *h;
	char err[256];
	struct stat st;
	mode_t um;
	int fd;

	vw_test_mkdtemp(dir);
	snprintf(path, sizeof(path), "%s/metrics.sock", dir);
	snprintf(spec, sizeof(spec), "unix:%s", path);
	CHECK_EQ(vw_parse_listen(spec, &sa, err, sizeof(err)), 0);
	CHECK_EQ(sa.ss_family, AF_UNIX);
	CHECK_EQ(vw_parse_listen("unix:metrics.sock", &sa, err, sizeof(err)), -EINVAL);	/* relative */
	CHECK_EQ(vw_parse_listen("unix:", &sa, err, sizeof(err)), -EINVAL);
	CHECK_EQ(vw_parse_listen("unix:/xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
				 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", &sa, err, sizeof(err)), -EINVAL);

	um = umask(0);	/* the mode must not come from the umask */
	h = vw_metrics_http_start(spec);
	umask(um);
	CHECK(h != NULL, "listening on %s", spec);
	CHECK(lstat(path, &st) == 0 && S_ISSOCK(st.st_mode), "no socket at %s", path);
	CHECK_EQ(st.st_mode & 07777, 0600);
	CHECK_EQ(st.st_uid, getuid());
	CHECK(scrape_unix(path), "scrape over %s", path);
	vw_metrics_http_stop(h);
	CHECK(lstat(path, &st) != 0 && errno == ENOENT, "socket left after stop");

	/* a socket an earlier run left (killed): replaced */
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	{
		struct sockaddr_un a = { .sun_family = AF_UNIX };

		snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
		CHECK(bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0, "stale socket");
		close(fd);
	}
	h = vw_metrics_http_start(spec);
	CHECK(h != NULL && scrape_unix(path), "over a stale socket");
	vw_metrics_http_stop(h);

	/* anything else at the path is not ours: refused, left as it was */
	write_text(path, "operator's\n");
	CHECK(vw_metrics_http_start(spec) == NULL, "listening over a regular file");
	CHECK(file_is(path, "operator's\n"), "the file was touched");
	unlink(path);
	snprintf(other, sizeof(other), "%s/target", dir);
	write_text(other, "target\n");
	CHECK(symlink(other, path) == 0, "symlink");
	CHECK(vw_metrics_http_start(spec) == NULL, "listening over a symlink");
	CHECK(lstat(path, &st) == 0 && S_ISLNK(st.st_mode) && file_is(other, "target\n"), "the symlink was touched");
	vw_test_rmtree(dir);
}

int main(void)
{
	test_render();
	test_hostile_names();
	test_file();
	test_file_symlinks();
	test_listen_specs();
	test_endpoint();
	test_slow_clients_other_address();
	test_slow_clients_deadline();
	test_unix_socket();
	return vw_test_done();
}
