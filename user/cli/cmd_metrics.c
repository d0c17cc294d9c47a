// SPDX-License-Identifier: GPL-2.0
/* `metrics [-o FILE]`: the counters in Prometheus' text format, once. */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "metrics.h"
#include "pinned.h"
#include "msg.h"

int vw_cmd_metrics(const struct vw_cli *cli)
{
	struct vw_snapshot s;
	int rc = vw_require_root("metrics");

	if (rc)
		return rc;
	rc = vw_snapshot_take(&s);	/* not attached: vfio_warden_attached 0, exit 0 */
	if (rc)
		return rc;
	if (cli->output) {
		int err = vw_metrics_write_file(cli->output, &s);

		if (err)
			vw_msg(VW_ERR, "vfio-warden metrics: cannot write %s: %s\n", cli->output, strerror(-err));
		rc = err ? VW_EXIT_ERROR : VW_EXIT_OK;
	} else {
		rc = vw_metrics_render(stdout, &s) || fflush(stdout) ? VW_EXIT_ERROR : VW_EXIT_OK;
	}
	vw_snapshot_free(&s);
	return rc;
}
