/* SPDX-License-Identifier: GPL-2.0 */
/* `run --metrics-listen`: the metrics on http://ADDR:PORT/metrics, served by libmicrohttpd. */
#ifndef VW_METRICS_HTTP_H
#define VW_METRICS_HTTP_H

#include <sys/socket.h>

struct vw_metrics_http;

/*
 * ADDR:PORT, [IPv6]:PORT or PORT alone (loopback: 127.0.0.1). Never all
 * interfaces unless asked (0.0.0.0 or [::]). Returns 0 or -EINVAL with a
 * message in err.
 */
int vw_parse_listen(const char *spec, struct sockaddr_storage *sa, char *err, size_t errlen);

/* Start serving (a thread of libmicrohttpd's); NULL after printing why. */
struct vw_metrics_http *vw_metrics_http_start(const char *spec);
void vw_metrics_http_stop(struct vw_metrics_http *h);

#endif
