// SPDX-License-Identifier: GPL-2.0
/*
 * vfio-warden: audit and veto guest PCI config-space accesses to VFIO devices.
 * One binary, subcommands; argp parses the options of each.
 */
#include <argp.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apply.h"
#include "attach.h"
#include "commands.h"
#include "events.h"
#include "pinned.h"
#include "policy.h"
#include "status.h"
#include "stream.h"
#include "msg.h"
#include "tph.h"

const char *argp_program_version = "vfio-warden 0.1";
const char *argp_program_bug_address = "the project's issue tracker";

enum { OPT_KEEP = 0x100, OPT_RINGBUF, OPT_JSON, OPT_DEVICE, OPT_LOCKDOWN, OPT_METRICS_LISTEN, OPT_LINUX_AUDIT,
       OPT_JOURNAL, OPT_MATCH, OPT_ELSE, OPT_DIFF, OPT_DURATION, OPT_TPH_UAPI, OPT_HELP, OPT_VERSION };
#define OPT_LAST_TABLED OPT_TPH_UAPI	/* the table spells OPT_KEEP..this as \x01.. */

static struct vw_cli cli = { .format = VW_FMT_JSON };

static const struct argp_option options[] = {
	{ "policy", 'p', "FILE", 0, "Policy file (default: the built-in default policy)", 0 },
	{ "format", 'f', "json|text", 0, "Event format (default json)", 0 },
	{ "output", 'o', "FILE", 0, "run/log: append events to FILE instead of stdout, reopened on SIGHUP; "
	  "metrics: replace FILE atomically (node_exporter's textfile collector); learn/import: write the "
	  "policy to FILE (atomically; default stdout)", 0 },
	{ "keep", OPT_KEEP, NULL, 0, "Leave enforcement attached (pinned) on exit, and adopt "
	  "enforcement already pinned (applying -p or the default policy, as reload does)", 0 },
	{ "ringbuf-size", OPT_RINGBUF, "BYTES", 0, "Event ring buffer size, power of two >= 4096", 0 },
	{ "metrics-listen", OPT_METRICS_LISTEN, "[ADDR:]PORT|unix:PATH", 0, "Serve Prometheus metrics on "
	  "http://ADDR:PORT/metrics (ADDR defaults to 127.0.0.1; [::1]:PORT for IPv6), or on a Unix socket "
	  "created 0600 at PATH", 0 },
	{ "linux-audit", OPT_LINUX_AUDIT, "deny|all", 0, "Also send denials (deny) or every event (all) to "
	  "the kernel audit log (type TRUSTED_APP; ausearch -m TRUSTED_APP)", 0 },
	{ "journal", OPT_JOURNAL, NULL, 0, "Also send every event to the systemd journal, with "
	  "VFIO_WARDEN_* fields", 0 },
	{ "json", OPT_JSON, NULL, 0, "JSON output", 0 },
	{ "device", OPT_DEVICE, "BDF", 0, "map: which device of a multi-device lspci dump; learn: learn this "
	  "device, keyed by its bdf", 0 },
	{ "match", OPT_MATCH, "VENDOR:DEVICE", 0, "Learn the devices with these IDs, keyed by vendor:device", 0 },
	{ "else", OPT_ELSE, "audit|deny", 0, "What the learned policy does with bytes not seen (default audit)", 0 },
	{ "diff", OPT_DIFF, "POLICY", 0, "Report what POLICY would audit or deny of the recorded run; write "
	  "no policy", 0 },
	{ "duration", OPT_DURATION, "SECONDS", 0, "Stop recording after SECONDS (default: at SIGINT/SIGTERM)", 0 },
	{ "lockdown", OPT_LOCKDOWN, "none|integrity|confidentiality", 0, "Show the verdicts a host in "
	  "this kernel lockdown mode applies (default: this host's)", 0 },
	{ "tph-uapi", OPT_TPH_UAPI, "REVISION", 0, "Which TPH uAPI revision to judge (default 1, v1; "
	  "README: TPH steering tags); fixed until detach", 0 },
	{ "quiet", 'q', NULL, 0, "Fewer messages on stderr", 0 },
	{ "help", OPT_HELP, NULL, 0, "This help; after a command, that command's", -1 },
	{ "version", OPT_VERSION, NULL, 0, "Print the version", -1 },
	{ "usage", OPT_HELP, NULL, OPTION_HIDDEN, NULL, -1 },	/* argp's error hint names it */
	{},
};

/*
 * The commands: what each takes and which options apply to it. The global
 * help, `COMMAND --help` and the refusal of an option that does nothing for
 * a command all come from this table.
 */
static const struct vw_command commands[] = {
	{ "run", vw_cmd_run, 0, 0, "", "attach and stream events until SIGINT/SIGTERM; detach on exit "
	  "unless --keep", "pfo\x01\x02\x06\x07\x08\x0dq" },
	{ "attach", vw_cmd_attach, 0, 0, "", "attach and pin under " VW_PIN_DIR "; enforcement persists",
	  "p\x02\x0dq" },
	{ "reload", vw_cmd_reload, 0, 0, "", "swap the policy of the attached programs atomically (-p required)",
	  "pq" },
	{ "detach", vw_cmd_detach, 0, 0, "", "remove the programs and pinned state; returns when the kernel "
	  "has released them", "q" },
	{ "status", vw_cmd_status, 0, 0, "", "attachment, policy per device, counters, lost events", "\x03q" },
	{ "log", vw_cmd_log, 0, 0, "", "stream events from the pinned ring buffer", "fo\x07\x08q" },
	{ "check", vw_cmd_check, 1, 1, "POLICY", "validate a policy file", "q" },
	{ "map", vw_cmd_map, 1, 1, "TARGET", "config-space layout and verdicts of a device (BDF), an lspci "
	  "-xxxx dump or a raw dump", "p\x03\x04\x05q" },
	{ "dsn", vw_cmd_dsn, 2, 3, "get|set|clear BDF [SERIAL]", "the virtual Device Serial Number readers "
	  "of a scrubbed device see", "q" },
	{ "metrics", vw_cmd_metrics, 0, 0, "", "counters in the Prometheus text format", "oq" },
	{ "learn", vw_cmd_learn, 0, 0, "", "record which config bytes guests touch, then write a least-privilege "
	  "policy (-o) layered on -p, or with --diff report what a policy would audit or deny of it",
	  "po\x04\x09\x0a\x0b\x0cq" },
	{ "import", vw_cmd_import, 2, 2, "pciback FILE", "Xen pciback quirk lines to allowed-write ranges, "
	  "layered on -p", "poq" },
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

/* Option keys as the table spells them: letters for short options, \x01.. for the rest. */
static int table_key(int key)
{
	return key >= OPT_KEEP && key <= OPT_LAST_TABLED ? key - OPT_KEEP + 1 : key;
}

static const struct vw_command *command_named(const char *name)
{
	size_t i;

	for (i = 0; name && i < NCOMMANDS; i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

static int applies(const struct vw_command *c, int key)
{
	int k = table_key(key);

	return k > 0 && k < 128 && strchr(c->options, k) != NULL;
}

static void global_help(FILE *out)
{
	size_t i;

	fprintf(out, "Usage: vfio-warden COMMAND [OPTION...] [ARG...]\n"
		"Audit and veto guest PCI config-space accesses to VFIO devices, from the host, with BPF.\n\n"
		"Commands (vfio-warden COMMAND --help for a command's options):\n");
	for (i = 0; i < NCOMMANDS; i++) {
		char what[64];

		snprintf(what, sizeof(what), "%s %s", commands[i].name, commands[i].args);
		fprintf(out, "  %-30s %s\n", what, commands[i].summary);
	}
	fprintf(out, "\nExit codes: 0 ok, 1 error, 2 bad usage or policy, 3 not root, 4 already attached,\n"
		"5 not attached, 6 kernel support missing, 7 busy (another attach/reload/detach).\n");
}

/* One command's usage and only its options, formatted by argp. */
static void command_help(FILE *out, const struct vw_command *c)
{
	struct argp_option mine[sizeof(options) / sizeof(options[0])] = {};
	char usage[160], doc[256];
	size_t i, n = 0;

	for (i = 0; options[i].name; i++)
		if (applies(c, options[i].key))
			mine[n++] = options[i];
	snprintf(usage, sizeof(usage), "%s", c->args);
	snprintf(doc, sizeof(doc), "vfio-warden %s: %s.", c->name, c->summary);
	{
		const struct argp sub = { mine, NULL, usage, doc, NULL, NULL, NULL };
		char prog[64];

		snprintf(prog, sizeof(prog), "vfio-warden %s", c->name);
		argp_help(&sub, out, ARGP_HELP_USAGE | ARGP_HELP_PRE_DOC | ARGP_HELP_LONG, prog);
	}
}

static unsigned long given[2];	/* option keys seen (table_key), as a bitmap */
static int want_help;

/* A bad option value: said, then exit 2 as every usage error (argp's own would be 64). */
static void bad_value(const char *fmt, const char *arg)
{
	vw_msg(VW_ERR, "vfio-warden: ");
	vw_msg(VW_ERR, fmt, arg);
	vw_msg(VW_ERR, " (see vfio-warden --help)\n");
	exit(VW_EXIT_USAGE);
}

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	char *end;

	if (key >= 0 && key < 128)
		given[key / 64] |= 1UL << (key % 64);
	else if (key >= OPT_KEEP && key <= OPT_LAST_TABLED)
		given[0] |= 1UL << table_key(key);
	switch (key) {
	case 'p': cli.policy_path = arg; break;
	case 'o': cli.output = arg; break;
	case 'q': cli.quiet = 1; break;
	case OPT_KEEP: cli.keep = 1; break;
	case OPT_JSON: cli.json = 1; break;
	case OPT_DEVICE: cli.device = arg; break;
	case OPT_LOCKDOWN: cli.lockdown = arg; break;
	case OPT_METRICS_LISTEN: cli.metrics_listen = arg; break;
	case OPT_JOURNAL: cli.journal = 1; break;
	case OPT_MATCH: cli.match = arg; break;
	case OPT_DIFF: cli.diff = arg; break;
	case OPT_TPH_UAPI:
		cli.tph_rev = vw_tph_revision_lookup(arg);
		if (!cli.tph_rev) {
			vw_msg(VW_ERR, "vfio-warden: --tph-uapi: unknown or undecoded TPH uAPI revision '%s'; "
				"this build decodes: %s\n", arg, vw_tph_revision_names());
			exit(VW_EXIT_USAGE);
		}
		break;
	case OPT_ELSE:
		if (!strcmp(arg, "audit"))
			cli.else_action = VW_AUDIT;
		else if (!strcmp(arg, "deny"))
			cli.else_action = VW_DENY;
		else
			bad_value("--else takes audit or deny, got '%s'", arg);
		break;
	case OPT_DURATION:
		errno = 0;
		cli.duration = strtod(arg, &end);
		if (errno || *end || !(cli.duration > 0))
			bad_value("--duration takes a positive number of seconds, got '%s'", arg);
		break;
	case OPT_HELP:	/* answered once the command is known: options come first in argp */
		want_help = 1;
		break;
	case OPT_VERSION:
		printf("%s\n", argp_program_version);
		exit(VW_EXIT_OK);
	case OPT_LINUX_AUDIT:
		if (vw_parse_audit_mode(arg, &cli.linux_audit))
			bad_value("--linux-audit takes deny or all, got '%s'", arg);
		break;
	case 'f':
		if (vw_parse_format(arg, &cli.format))
			bad_value("unknown format '%s' (json or text)", arg);
		break;
	case OPT_RINGBUF:
		errno = 0;
		cli.ringbuf_size = strtoul(arg, &end, 0);
		if (errno || *end || cli.ringbuf_size < 4096 || (cli.ringbuf_size & (cli.ringbuf_size - 1)))
			bad_value("--ringbuf-size must be a power of two >= 4096, got '%s'", arg);
		break;
	case ARGP_KEY_ARG:
		if (!cli.command)
			cli.command = arg;
		else if (cli.nargs < 4)
			cli.args[cli.nargs++] = arg;
		else
			argp_error(state, "too many arguments");
		break;
	case ARGP_KEY_END:
		if (!cli.command && !want_help) {
			global_help(stderr);
			exit(VW_EXIT_USAGE);
		}
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp argp = { options, parse_opt, "COMMAND [ARG...]", NULL, NULL, NULL, NULL };

/* An option that does nothing for this command is an error, not silently ignored. */
static int check_options(const struct vw_command *c)
{
	size_t i;
	int k;

	for (i = 0; options[i].name; i++) {
		k = table_key(options[i].key);
		if (k < 128 && (given[k / 64] >> (k % 64) & 1) && !applies(c, options[i].key)) {
			vw_msg(VW_ERR, "vfio-warden %s: --%s does not apply to %s (see vfio-warden %s --help)\n",
				c->name, options[i].name, c->name, c->name);
			return VW_EXIT_USAGE;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	const struct vw_command *c;

	/* our own --help: argp's would list every command's options for each */
	argp_err_exit_status = VW_EXIT_USAGE;	/* an unknown option is a usage error: 2 */
	if (argp_parse(&argp, argc, argv, ARGP_NO_HELP, NULL, NULL))
		return VW_EXIT_USAGE;
	c = command_named(cli.command);
	if (want_help) {
		if (c)
			command_help(stdout, c);
		else
			global_help(stdout);
		return VW_EXIT_OK;
	}
	if (!c) {
		vw_msg(VW_ERR, "vfio-warden: unknown command '%s' (see --help)\n", cli.command);
		return VW_EXIT_USAGE;
	}
	if (check_options(c))
		return VW_EXIT_USAGE;
	if (cli.nargs < c->min_args || cli.nargs > c->max_args) {
		if (c->min_args == c->max_args)
			vw_msg(VW_ERR, "vfio-warden %s: expected %d argument%s, got %d (see vfio-warden %s --help)\n",
				c->name, c->max_args, c->max_args == 1 ? "" : "s", cli.nargs, c->name);
		else
			vw_msg(VW_ERR, "vfio-warden %s: expected %d to %d arguments, got %d (see vfio-warden %s "
				"--help)\n", c->name, c->min_args, c->max_args, cli.nargs, c->name);
		return VW_EXIT_USAGE;
	}
	return c->fn(&cli);
}
