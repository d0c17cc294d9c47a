/* SPDX-License-Identifier: GPL-2.0 */
/* `run --metrics-listen`: the metrics on http://ADDR:PORT/metrics (or a Unix socket),
 * served by libmicrohttpd. */
#ifndef VW_METRICS_HTTP_H
#define VW_METRICS_HTTP_H

#include <sys/socket.h>

struct vw_metrics_http;

/*
 * ADDR:PORT, [IPv6]:PORT or PORT alone (loopback: 127.0.0.1), or unix:/ABSOLUTE/PATH
 * (sa then holds a sockaddr_un). Never all interfaces unless asked (0.0.0.0 or [::]).
 * Returns 0 or -EINVAL with a message in err.
 */
int vw_parse_listen(const char *spec, struct sockaddr_storage *sa, char *err, size_t errlen);

/*
 * What one client can hold: the listener serves what the root-only pins keep private
 * and must stay scrapeable while someone trickles bytes at it.
 */
struct vw_metrics_http_limits {
	unsigned total;		/* connections at once */
	unsigned per_ip;	/* connections at once from one address (TCP) */
	unsigned idle_s;	/* silence that closes a connection (libmicrohttpd's timeout) */
	unsigned deadline_ms;	/* a connection's whole life, however many bytes trickle in */
};
extern const struct vw_metrics_http_limits vw_metrics_http_defaults;

/* Start serving (a thread of our own runs libmicrohttpd); NULL after printing why.
 * A Unix socket is created 0600 (root's, as run is); a stale socket there is replaced,
 * anything else at the path is refused. */
struct vw_metrics_http *vw_metrics_http_start(const char *spec);
struct vw_metrics_http *vw_metrics_http_start_limits(const char *spec, const struct vw_metrics_http_limits *lim);
/* Stop; removes the Unix socket it created. */
void vw_metrics_http_stop(struct vw_metrics_http *h);

#endif
