/* SPDX-License-Identifier: GPL-2.0 */
/* Subcommands: parsed options in, enum vw_exit out. */
#ifndef VW_COMMANDS_H
#define VW_COMMANDS_H

#include "events.h"
#include "sinks.h"
#include "tph.h"

struct vw_cli {
	const char *command;
	const char *args[4];
	int nargs;
	const char *policy_path;
	const char *output;
	const char *device;
	const char *lockdown;	/* map: the lockdown mode to show verdicts for */
	const char *metrics_listen;	/* run: ADDR:PORT to serve /metrics on */
	enum vw_audit_mode linux_audit;	/* run/log: events to the kernel audit log */
	int journal;			/* run/log: events to the systemd journal */
	enum vw_format format;
	unsigned long ringbuf_size;
	int keep, json, quiet;
	const struct vw_tph_revision *tph_rev;	/* run/attach --tph-uapi; NULL: revision 1 */
	/* learn */
	const char *match;	/* --match vendor:device */
	const char *diff;	/* --diff POLICY */
	int else_action;	/* --else: VW_AUDIT (default) or VW_DENY */
	double duration;	/* --duration SECONDS, 0: until SIGINT/SIGTERM */
};

struct vw_command {
	const char *name;
	int (*fn)(const struct vw_cli *cli);
	int min_args, max_args;
	const char *args;	/* the arguments' synopsis */
	const char *summary;
	const char *options;	/* the option keys that apply (main.c: table_key) */
};

int vw_cmd_run(const struct vw_cli *cli);
int vw_cmd_attach(const struct vw_cli *cli);
int vw_cmd_reload(const struct vw_cli *cli);
int vw_cmd_detach(const struct vw_cli *cli);
int vw_cmd_status(const struct vw_cli *cli);
int vw_cmd_log(const struct vw_cli *cli);
int vw_cmd_check(const struct vw_cli *cli);
int vw_cmd_map(const struct vw_cli *cli);
int vw_cmd_dsn(const struct vw_cli *cli);
int vw_cmd_learn(const struct vw_cli *cli);
int vw_cmd_import(const struct vw_cli *cli);
/* attach as `attach` does (the lock, -p or the default policy), named what in messages */
int vw_attach_as(const struct vw_cli *cli, const char *what);
int vw_cmd_metrics(const struct vw_cli *cli);

#endif
