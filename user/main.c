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

const char *argp_program_version = "vfio-warden 0.1";
const char *argp_program_bug_address = "the project's issue tracker";

enum { OPT_KEEP = 0x100, OPT_RINGBUF, OPT_JSON, OPT_DEVICE, OPT_LOCKDOWN, OPT_METRICS_LISTEN, OPT_LINUX_AUDIT, OPT_JOURNAL,
       OPT_MATCH, OPT_ELSE, OPT_DIFF, OPT_DURATION };

static struct vw_cli cli = { .format = VW_FMT_JSON };

static const struct argp_option options[] = {
	{ "policy", 'p', "FILE", 0, "Policy file (run/attach/reload; default: built-in default policy)", 0 },
	{ "format", 'f', "json|text", 0, "Event format (run/log; default json)", 0 },
	{ "output", 'o', "FILE", 0, "Append events to FILE instead of stdout; reopened on SIGHUP (run/log); "
	  "metrics: replace FILE atomically (node_exporter textfile collector)", 0 },
	{ "metrics-listen", OPT_METRICS_LISTEN, "[ADDR:]PORT", 0, "run: serve Prometheus metrics on "
	  "http://ADDR:PORT/metrics (ADDR defaults to 127.0.0.1; [::1]:PORT for IPv6)", 0 },
	{ "keep", OPT_KEEP, NULL, 0, "run: leave enforcement attached (pinned) on exit, and adopt "
	  "enforcement already pinned (applying -p or the default policy, as reload does)", 0 },
	{ "ringbuf-size", OPT_RINGBUF, "BYTES", 0, "Event ring buffer size, power of two >= 4096 (run/attach)", 0 },
	{ "linux-audit", OPT_LINUX_AUDIT, "deny|all", 0, "run/log: also send denials (deny) or every "
	  "event (all) to the kernel audit log (type TRUSTED_APP; ausearch -m TRUSTED_APP)", 0 },
	{ "journal", OPT_JOURNAL, NULL, 0, "run/log: also send every event to the systemd journal, with "
	  "VFIO_WARDEN_* fields", 0 },
	{ "json", OPT_JSON, NULL, 0, "JSON output (status/map)", 0 },
	{ "device", OPT_DEVICE, "BDF", 0, "map: which device of a multi-device lspci dump; learn: learn this "
	  "device, keyed by its bdf", 0 },
	{ "match", OPT_MATCH, "VENDOR:DEVICE", 0, "learn: learn the devices with these IDs, keyed by vendor:device", 0 },
	{ "else", OPT_ELSE, "audit|deny", 0, "learn: what the learned policy does with bytes not seen (default audit)", 0 },
	{ "diff", OPT_DIFF, "POLICY", 0, "learn: report what POLICY would audit or deny of the recorded run, "
	  "write no policy", 0 },
	{ "duration", OPT_DURATION, "SECONDS", 0, "learn: stop after SECONDS (default: at SIGINT/SIGTERM)", 0 },
	{ "lockdown", OPT_LOCKDOWN, "none|integrity|confidentiality", 0, "map: show the verdicts a host in "
	  "this kernel lockdown mode applies (default: this host's)", 0 },
	{ "quiet", 'q', NULL, 0, "Fewer messages on stderr", 0 },
	{},
};

static const char doc[] =
	"Audit and veto guest PCI config-space accesses to VFIO devices, from the host, with BPF.\n\n"
	"Commands:\n"
	"  run [-p POLICY] [-f json|text] [-o FILE] [--keep]   attach and stream events until SIGINT/SIGTERM\n"
	"                           --keep: stay attached on exit; adopt what is pinned\n"
	"      [--metrics-listen [ADDR:]PORT] [--linux-audit deny|all] [--journal]\n"
	"                           serve /metrics; events also to the audit log, the journal\n"
	"  attach [-p POLICY]       attach and pin under " VW_PIN_DIR "; enforcement persists\n"
	"  reload -p POLICY         swap the policy of the attached programs atomically\n"
	"  detach                   remove the programs and pinned state\n"
	"  status [--json]          attachment, policy per device, counters, lost events\n"
	"  log [-f json|text] [-o FILE] [--linux-audit deny|all] [--journal]\n"
	"                           stream events from the pinned ring buffer\n"
	"  check POLICY             validate a policy file\n"
	"  map [-p POLICY] [--json] [--device BDF] [--lockdown MODE] TARGET   config-space layout and verdicts\n"
	"  dsn get|set|clear BDF [SERIAL]   the virtual Device Serial Number readers see\n"
	"  learn [-p BASE] [--device BDF|--match V:D] [-o POLICY] [--else audit|deny] [--duration S]\n"
	"                           record which config bytes guests touch, write a least-privilege policy\n"
	"  learn --diff POLICY      record, then report what POLICY would audit or deny of it\n"
	"  import pciback FILE [-p BASE] [-o POLICY]   Xen pciback quirk lines to allowed-write ranges\n"
	"  metrics [-o FILE]        counters in the Prometheus text format\n"
	"\nExit codes: 0 ok, 1 error, 2 bad usage or policy, 3 not root, 4 already attached,\n"
	"5 not attached, 6 kernel support missing, 7 busy (another attach/reload/detach).";

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	char *end;

	switch (key) {
	case 'p': cli.policy_path = arg; break;
	case 'o': cli.output = arg; break;
	case 'q': cli.quiet = 1; break;
	case OPT_KEEP: cli.keep = 1; break;
	case OPT_JSON: cli.json = 1; break;
	case OPT_DEVICE: cli.device = arg; break;
	case OPT_LOCKDOWN: cli.lockdown = arg; break;
	case OPT_MATCH: cli.match = arg; break;
	case OPT_DIFF: cli.diff = arg; break;
	case OPT_ELSE:
		if (!strcmp(arg, "audit"))
			cli.else_action = VW_AUDIT;
		else if (!strcmp(arg, "deny"))
			cli.else_action = VW_DENY;
		else
			argp_error(state, "--else takes audit or deny, got '%s'", arg);
		break;
	case OPT_DURATION:
		errno = 0;
		cli.duration = strtod(arg, &end);
		if (errno || *end || !(cli.duration > 0))
			argp_error(state, "--duration takes a positive number of seconds, got '%s'", arg);
		break;
	case OPT_METRICS_LISTEN: cli.metrics_listen = arg; break;
	case OPT_JOURNAL: cli.journal = 1; break;
	case OPT_LINUX_AUDIT:
		if (vw_parse_audit_mode(arg, &cli.linux_audit))
			argp_error(state, "--linux-audit takes deny or all, got '%s'", arg);
		break;
	case 'f':
		if (vw_parse_format(arg, &cli.format))
			argp_error(state, "unknown format '%s' (json or text)", arg);
		break;
	case OPT_RINGBUF:
		errno = 0;
		cli.ringbuf_size = strtoul(arg, &end, 0);
		if (errno || *end || cli.ringbuf_size < 4096 || (cli.ringbuf_size & (cli.ringbuf_size - 1)))
			argp_error(state, "--ringbuf-size must be a power of two >= 4096, got '%s'", arg);
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
		if (!cli.command)
			argp_error(state, "no command given");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp argp = { options, parse_opt, "COMMAND [ARG...]", doc, NULL, NULL, NULL };

static const struct vw_command commands[] = {
	{ "run", vw_cmd_run, 0, 0 },
	{ "attach", vw_cmd_attach, 0, 0 },
	{ "reload", vw_cmd_reload, 0, 0 },
	{ "detach", vw_cmd_detach, 0, 0 },
	{ "status", vw_cmd_status, 0, 0 },
	{ "log", vw_cmd_log, 0, 0 },
	{ "check", vw_cmd_check, 1, 1 },
	{ "map", vw_cmd_map, 1, 1 },
	{ "dsn", vw_cmd_dsn, 2, 3 },
	{ "learn", vw_cmd_learn, 0, 0 },
	{ "import", vw_cmd_import, 2, 2 },
	{ "metrics", vw_cmd_metrics, 0, 0 },
};

int main(int argc, char **argv)
{
	size_t i;

	if (argp_parse(&argp, argc, argv, 0, NULL, NULL))
		return VW_EXIT_USAGE;
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		const struct vw_command *c = &commands[i];

		if (strcmp(c->name, cli.command))
			continue;
		if (cli.nargs < c->min_args || cli.nargs > c->max_args) {
			if (c->min_args == c->max_args)
				fprintf(stderr, "vfio-warden %s: expected %d argument%s, got %d (see --help)\n",
					c->name, c->max_args, c->max_args == 1 ? "" : "s", cli.nargs);
			else
				fprintf(stderr, "vfio-warden %s: expected %d to %d arguments, got %d (see --help)\n",
					c->name, c->min_args, c->max_args, cli.nargs);
			return VW_EXIT_USAGE;
		}
		return c->fn(&cli);
	}
	fprintf(stderr, "vfio-warden: unknown command '%s' (see --help)\n", cli.command);
	return VW_EXIT_USAGE;
}
