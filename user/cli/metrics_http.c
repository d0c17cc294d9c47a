// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <microhttpd.h>

#include "metrics.h"
#include "metrics_http.h"
#include "msg.h"

/*
 * 8 connections in all, each kept by a byte every 10 s, used to shut every scrape out.
 * Now one address holds at most 4, and a connection lives 10 s whatever trickles in
 * (one request each: Connection: close), so a scraper waits at most that long even
 * behind clients on its own address.
 */
const struct vw_metrics_http_limits vw_metrics_http_defaults = {
	.total = 64, .per_ip = 4, .idle_s = 5, .deadline_ms = 10000,
};

/* A connection, from accept to close: when it was accepted, its socket. */
struct conn {
	struct conn *next;
	int fd;
	int cut;		/* shut down at its deadline; libmicrohttpd closes it next */
	long long born_ms;
};

struct vw_metrics_http {
	struct MHD_Daemon *d;
	struct sockaddr_storage sa;
	struct vw_metrics_http_limits lim;
	pthread_t thread;
	atomic_int stop;
	struct conn *conns;	/* touched only by the thread running libmicrohttpd */
	struct stat sock_st;	/* the Unix socket we bound, removed at stop if still ours */
};

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static int parse_unix(const char *path, struct sockaddr_storage *sa)
{
	struct sockaddr_un *un = (struct sockaddr_un *)sa;

	if (path[0] != '/' || strlen(path) >= sizeof(un->sun_path))
		return -EINVAL;
	un->sun_family = AF_UNIX;
	strcpy(un->sun_path, path);
	return 0;
}

int vw_parse_listen(const char *spec, struct sockaddr_storage *sa, char *err, size_t errlen)
{
	struct sockaddr_in *in4 = (struct sockaddr_in *)sa;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)sa;
	char host[64] = "127.0.0.1";
	const char *port = spec, *colon;
	unsigned long p;
	char *end;

	memset(sa, 0, sizeof(*sa));
	if (!strncmp(spec, "unix:", 5)) {
		if (!parse_unix(spec + 5, sa))
			return 0;
		snprintf(err, errlen, "--metrics-listen: '%s': unix: needs an absolute path shorter than %zu bytes",
			 spec, sizeof(((struct sockaddr_un *)0)->sun_path));
		return -EINVAL;
	}
	if (spec[0] == '[') {
		colon = strstr(spec, "]:");
		if (!colon || colon - spec - 1 >= (long)sizeof(host))
			goto bad;
		snprintf(host, sizeof(host), "%.*s", (int)(colon - spec - 1), spec + 1);
		port = colon + 2;
	} else if ((colon = strrchr(spec, ':'))) {
		if (colon - spec >= (long)sizeof(host) || colon == spec)
			goto bad;
		snprintf(host, sizeof(host), "%.*s", (int)(colon - spec), spec);
		port = colon + 1;
	}
	errno = 0;
	p = strtoul(port, &end, 10);
	if (errno || *end || !*port || p == 0 || p > 65535)
		goto bad;
	if (inet_pton(AF_INET, host, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons((unsigned short)p);
		return 0;
	}
	if (spec[0] == '[' && inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((unsigned short)p);
		return 0;
	}
bad:
	snprintf(err, errlen, "--metrics-listen: '%s' is not ADDR:PORT, [IPV6]:PORT, PORT or unix:PATH "
		 "(a numeric address; PORT alone listens on 127.0.0.1)", spec);
	return -EINVAL;
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, const char *type, char *body,
			     size_t len, enum MHD_ResponseMemoryMode mode)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, body, mode);
	enum MHD_Result ret;

	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	/* one request per connection: the deadline below is then a request's */
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONNECTION, "close");
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
				  const char *version, const char *upload, size_t *upload_len, void **state)
{
	static const char not_found[] = "vfio-warden: metrics are at /metrics\n";
	static const char failed[] = "vfio-warden: reading the pinned state failed\n";
	struct vw_snapshot s;
	size_t len = 0;
	char *text;

	(void)cls; (void)version; (void)upload; (void)upload_len; (void)state;
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain", (char *)not_found,
			     sizeof(not_found) - 1, MHD_RESPMEM_PERSISTENT);
	if (strcmp(url, "/metrics"))
		return reply(c, MHD_HTTP_NOT_FOUND, "text/plain", (char *)not_found, sizeof(not_found) - 1,
			     MHD_RESPMEM_PERSISTENT);
	if (vw_snapshot_take(&s))
		return reply(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "text/plain", (char *)failed, sizeof(failed) - 1,
			     MHD_RESPMEM_PERSISTENT);
	text = vw_metrics_text(&s, &len);
	vw_snapshot_free(&s);
	if (!text)
		return reply(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "text/plain", (char *)failed, sizeof(failed) - 1,
			     MHD_RESPMEM_PERSISTENT);
	return reply(c, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8", text, len, MHD_RESPMEM_MUST_FREE);
}

/* Connections as libmicrohttpd accepts and closes them: the deadline needs their birth. */
static void on_connection(void *cls, struct MHD_Connection *c, void **ctx, enum MHD_ConnectionNotificationCode what)
{
	struct vw_metrics_http *h = cls;
	struct conn *n, **pp;

	if (what == MHD_CONNECTION_NOTIFY_STARTED) {
		const union MHD_ConnectionInfo *fd = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);

		n = calloc(1, sizeof(*n));
		if (!n || !fd) {
			free(n);
			return;	/* untracked: still closed by the idle timeout */
		}
		n->fd = fd->connect_fd;
		n->born_ms = now_ms();
		n->next = h->conns;
		h->conns = n;
		*ctx = n;
		return;
	}
	for (pp = &h->conns; *pp; pp = &(*pp)->next)
		if (*pp == *ctx) {
			n = *pp;
			*pp = n->next;
			free(n);
			break;
		}
	*ctx = NULL;
}

/*
 * libmicrohttpd's timeout restarts on every byte, so a client sending one a second
 * keeps its slot for ever. A connection past its deadline is shut down here; the
 * socket then reads as closed and libmicrohttpd closes it in its next run. This runs in
 * the thread that runs libmicrohttpd, so no descriptor is closed (and reused) under it.
 */
static void cut_overdue(struct vw_metrics_http *h)
{
	long long now = now_ms();
	struct conn *n;

	for (n = h->conns; n; n = n->next)
		if (!n->cut && now - n->born_ms >= h->lim.deadline_ms) {
			shutdown(n->fd, SHUT_RDWR);
			n->cut = 1;
		}
}

static void *serve(void *arg)
{
	struct vw_metrics_http *h = arg;
	/* a tenth of the deadline: the cut comes at most that late */
	int32_t tick = h->lim.deadline_ms / 10 ? h->lim.deadline_ms / 10 : 1;

	while (!atomic_load(&h->stop)) {
		if (MHD_run_wait(h->d, tick) != MHD_YES)
			break;
		cut_overdue(h);
	}
	return NULL;
}

/*
 * A Unix socket 0600: fchmod before bind sets the mode the socket file is created with
 * (Linux), so it is never reachable by others, not even between bind and a chmod. A
 * socket left by an earlier run is replaced; anything else at the path is an error.
 */
static int unix_listen(struct vw_metrics_http *h)
{
	const struct sockaddr_un *un = (const struct sockaddr_un *)&h->sa;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct stat st;
	int err;

	if (fd < 0)
		return -errno;
	if (fchmod(fd, 0600))
		goto fail;
	if (!lstat(un->sun_path, &st)) {
		if (!S_ISSOCK(st.st_mode)) {
			errno = EEXIST;	/* not ours to remove */
			goto fail;
		}
		unlink(un->sun_path);
	}
	if (bind(fd, (const struct sockaddr *)un, sizeof(*un)) || listen(fd, 64) || lstat(un->sun_path, &h->sock_st))
		goto fail;
	return fd;
fail:
	err = -errno;
	close(fd);
	return err;
}

static void unix_unlink(struct vw_metrics_http *h)
{
	const struct sockaddr_un *un = (const struct sockaddr_un *)&h->sa;
	struct stat st;

	/* only the socket we made: a later run may have replaced it */
	if (!lstat(un->sun_path, &st) && st.st_ino == h->sock_st.st_ino && st.st_dev == h->sock_st.st_dev)
		unlink(un->sun_path);
}

struct vw_metrics_http *vw_metrics_http_start_limits(const char *spec, const struct vw_metrics_http_limits *lim)
{
	struct vw_metrics_http *h = calloc(1, sizeof(*h));
	/* our own thread runs it (serve): the deadline needs a hand in its loop */
	unsigned flags = MHD_USE_AUTO;	/* errors: said below, once */
	int lfd = -1, err;
	char msg[256];

	if (!h)
		return NULL;
	h->lim = *lim;
	if (vw_parse_listen(spec, &h->sa, msg, sizeof(msg))) {
		vw_msg(VW_ERR, "vfio-warden: %s\n", msg);
		free(h);
		return NULL;
	}
	if (h->sa.ss_family == AF_UNIX) {
		lfd = unix_listen(h);
		if (lfd < 0) {
			vw_msg(VW_ERR, "vfio-warden: cannot listen on %s for metrics: %s\n", spec, strerror(-lfd));
			free(h);
			return NULL;
		}
	} else if (h->sa.ss_family == AF_INET6) {
		flags |= MHD_USE_IPv6;
	}
	/* a Unix socket's peers have no address: the per-address limit is for TCP */
	if (lfd >= 0)
		h->d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, NULL, MHD_OPTION_LISTEN_SOCKET, lfd,
					MHD_OPTION_CONNECTION_LIMIT, lim->total, MHD_OPTION_CONNECTION_TIMEOUT, lim->idle_s,
					MHD_OPTION_NOTIFY_CONNECTION, on_connection, h, MHD_OPTION_END);
	else
		h->d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, NULL, MHD_OPTION_SOCK_ADDR, &h->sa,
					MHD_OPTION_CONNECTION_LIMIT, lim->total, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
					lim->per_ip, MHD_OPTION_CONNECTION_TIMEOUT, lim->idle_s,
					MHD_OPTION_NOTIFY_CONNECTION, on_connection, h, MHD_OPTION_END);
	if (h->d) {
		err = pthread_create(&h->thread, NULL, serve, h);
		if (!err)
			return h;
		MHD_stop_daemon(h->d);	/* closes lfd too */
		errno = err;
	}
	/* lfd is left open if the daemon did not start: whether libmicrohttpd closed it
	 * on its way out is its business, and closing it twice could close another's */
	vw_msg(VW_ERR, "vfio-warden: cannot listen on %s for metrics: %s\n", spec, strerror(errno));
	if (lfd >= 0)
		unix_unlink(h);
	free(h);
	return NULL;
}

struct vw_metrics_http *vw_metrics_http_start(const char *spec)
{
	return vw_metrics_http_start_limits(spec, &vw_metrics_http_defaults);
}

void vw_metrics_http_stop(struct vw_metrics_http *h)
{
	if (!h)
		return;
	atomic_store(&h->stop, 1);
	pthread_join(h->thread, NULL);
	MHD_stop_daemon(h->d);	/* closes the connections left (on_connection frees them) */
	if (h->sa.ss_family == AF_UNIX)
		unix_unlink(h);
	free(h);
}
