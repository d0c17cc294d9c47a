// SPDX-License-Identifier: GPL-2.0
/*
 * `vfio-warden dsn get|set|clear BDF [SERIAL]`: the virtual Device Serial
 * Number a scrubbed device shows its readers. Takes effect on the next read;
 * kept in a pinned map by BDF, so it survives device reset, reopen and reload.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>

#include "cfgdump.h"
#include "commands.h"
#include "layout.h"
#include "lockdown.h"
#include "pinned.h"
#include "serial.h"
#include "sysdev.h"
#include "vw_dsn.h"
#include "msg.h"

/* The device must exist, be bound to a vfio driver and have a DSN capability. */
static int check_device_with(const char *bdf_in, char bdf[VW_NAME_LEN], struct vw_layout *lay)
{
	struct vw_sysdev sys;
	uint8_t cfg[VW_CFG_SIZE];
	char err[256];
	size_t size;
	int i;

	if (vw_cfg_bdf_canon(bdf_in, bdf) || vw_sysdev_get(bdf, &sys)) {
		vw_msg(VW_ERR, "vfio-warden dsn: no PCI device %s\n", bdf_in);
		return VW_EXIT_USAGE;
	}
	if (!strstr(sys.driver, "vfio")) {
		vw_msg(VW_ERR, "vfio-warden dsn: %s is not bound to vfio-pci (driver: %s)\n", bdf,
			sys.driver[0] ? sys.driver : "none");
		return VW_EXIT_USAGE;
	}
	if (vw_cfg_read_sysfs(bdf, cfg, &size, err, sizeof(err)) || vw_walk(cfg, size, lay)) {
		vw_msg(VW_ERR, "vfio-warden dsn: cannot read the config space of %s: %s\n", bdf, err);
		return VW_EXIT_ERROR;
	}
	for (i = 0; i < lay->ncaps; i++)
		if (lay->caps[i].extended && lay->caps[i].id == VW_EXT_CAP_DSN)
			return 0;
	vw_msg(VW_ERR, "vfio-warden dsn: %s has no Device Serial Number capability\n", bdf);
	return VW_EXIT_USAGE;
}

static int check_device(const char *bdf_in, char bdf[VW_NAME_LEN])
{
	struct vw_layout *lay = calloc(1, sizeof(*lay));	/* large: not on the stack */
	int rc = lay ? check_device_with(bdf_in, bdf, lay) : VW_EXIT_ERROR;

	free(lay);
	return rc;
}

int vw_cmd_dsn(const struct vw_cli *cli)
{
	const char *op = cli->args[0];
	char bdf[VW_NAME_LEN] = {}, text[24];
	struct vw_maps m;
	uint64_t serial = 0;
	int rc, fd;

	if (cli->nargs < 2 || (!strcmp(op, "set") ? cli->nargs != 3 : cli->nargs != 2) ||
	    (strcmp(op, "get") && strcmp(op, "set") && strcmp(op, "clear"))) {
		vw_msg(VW_ERR, "usage: vfio-warden dsn get BDF | dsn set BDF SERIAL | dsn clear BDF\n");
		return VW_EXIT_USAGE;
	}
	if (!strcmp(op, "set") && vw_serial_parse(cli->args[2], &serial)) {
		vw_msg(VW_ERR, "vfio-warden dsn: '%s' is not a serial: write it as lspci prints it, "
			"e.g. 00-11-22-33-44-55-66-77\n", cli->args[2]);
		return VW_EXIT_USAGE;
	}
	rc = vw_require_root("dsn");
	if (!rc && !strcmp(op, "set") && vw_lockdown_current() != VW_LOCKDOWN_NONE) {
		vw_msg(VW_ERR, "vfio-warden dsn set: kernel lockdown (%s) forbids bpf_probe_write_user, so "
			"vfio-warden cannot rewrite the serial readers see; on this host DSN scrub rules apply "
			"as audit (README: Secure Boot)\n", vw_lockdown_name(vw_lockdown_current()));
		return VW_EXIT_NO_SUPPORT;
	}
	if (!rc)
		rc = check_device(cli->args[1], bdf);
	if (!rc)
		rc = vw_maps_open_pinned(&m);
	if (rc)
		return rc;
	fd = m.fd[VW_MAP_SERIALS];
	if (!strcmp(op, "set")) {
		rc = bpf_map_update_elem(fd, bdf, &serial, BPF_ANY);
	} else if (!strcmp(op, "clear")) {
		rc = bpf_map_delete_elem(fd, bdf);
		if (rc && errno == ENOENT)
			rc = 0;
	} else if (bpf_map_lookup_elem(fd, bdf, &serial) == 0) {
		vw_serial_format(serial, text);
		printf("%s %s\n", bdf, text);
	} else {
		printf("%s none (readers see zeros where the policy scrubs)\n", bdf);
	}
	if (rc)
		vw_msg(VW_ERR, "vfio-warden dsn %s: %s\n", op, strerror(errno));
	vw_maps_close(&m);
	return rc ? VW_EXIT_ERROR : VW_EXIT_OK;
}
