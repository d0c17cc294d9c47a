// SPDX-License-Identifier: GPL-2.0
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <microhttpd.h>

#include "metrics.h"
#include "metrics_http.h"
#include "msg.h"

struct vw_metrics_http {
	struct MHD_Daemon *d;
	struct sockaddr_storage sa;
};

int vw_parse_listen(const char *spec, struct sockaddr_storage *sa, char *err, size_t errlen)
{
	struct sockaddr_in *in4 = (struct sockaddr_in *)sa;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)sa;
	char host[64] = "127.0.0.1";
	const char *port = spec, *colon;
	unsigned long p;
	char *end;

	memset(sa, 0, sizeof(*sa));
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
	snprintf(err, errlen, "--metrics-listen: '%s' is not ADDR:PORT, [IPV6]:PORT or PORT "
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

struct vw_metrics_http *vw_metrics_http_start(const char *spec)
{
	struct vw_metrics_http *h = calloc(1, sizeof(*h));
	char err[256];
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD;	/* errors: said below, once */

	if (!h)
		return NULL;
	if (vw_parse_listen(spec, &h->sa, err, sizeof(err))) {
		vw_msg(VW_ERR, "vfio-warden: %s\n", err);
		free(h);
		return NULL;
	}
	if (h->sa.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	/* one request at a time is plenty for a scraper; bounded so no client can pile up work */
	h->d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, NULL, MHD_OPTION_SOCK_ADDR, &h->sa,
				MHD_OPTION_CONNECTION_LIMIT, 8U, MHD_OPTION_CONNECTION_TIMEOUT, 10U, MHD_OPTION_END);
	if (!h->d) {
		vw_msg(VW_ERR, "vfio-warden: cannot listen on %s for metrics: %s\n", spec, strerror(errno));
		free(h);
		return NULL;
	}
	return h;
}

void vw_metrics_http_stop(struct vw_metrics_http *h)
{
	if (!h)
		return;
	MHD_stop_daemon(h->d);
	free(h);
}
