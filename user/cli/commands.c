// SPDX-License-Identifier: GPL-2.0
/* The subcommands that manage attachment and stream events. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apply.h"
#include "attach.h"
#include "lockdown.h"
#include "commands.h"
#include "metrics_http.h"
#include "pinned.h"
#include "policy.h"
#include "status.h"
#include "stream.h"
#include "msg.h"

static volatile sig_atomic_t stop_flag, reopen_flag;

static void on_stop(int sig) { (void)sig; stop_flag = 1; }
static void on_hup(int sig) { (void)sig; reopen_flag = 1; }

static void install_signals(void)
{
	struct sigaction sa = {};

	sa.sa_handler = on_stop;	/* no SA_RESTART: poll returns EINTR at once */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = on_hup;
	sigaction(SIGHUP, &sa, NULL);
}

/*
 * Parse the policy named by -p (or the built-in default) and adapt it to the running
 * kernel's lockdown mode, saying what that changed (even with -q: enforcement differs
 * from the file). On error print it.
 */
static int load_policy(const struct vw_cli *cli, struct vw_policy *p)
{
	char err[512];
	int rc = cli->policy_path ? vw_policy_load_file(cli->policy_path, p, err, sizeof(err))
				  : vw_policy_load_default(p, err, sizeof(err));

	if (rc) {
		vw_msg(VW_ERR, "%s\n", err);
		return VW_EXIT_USAGE;
	}
	if (vw_policy_adapt_lockdown(p, vw_lockdown_current())) {
		vw_msg(VW_WARNING, "vfio-warden: kernel lockdown (%s) forbids rewriting the DSN serial "
			"(bpf_probe_write_user); degraded:\n", vw_lockdown_name(p->lockdown));
		vw_policy_say_degraded(p, "  ");
	}
	return 0;
}

/* confidentiality forbids what every program needs: refuse before loading anything. */
static int lockdown_allows_attach(const char *what)
{
	enum vw_lockdown mode = vw_lockdown_current();

	if (mode != VW_LOCKDOWN_CONFIDENTIALITY)
		return 0;
	vw_msg(VW_ERR, "vfio-warden %s: kernel lockdown is in %s mode (/sys/kernel/security/lockdown), "
		"which forbids the BPF helper bpf_probe_read_kernel and kprobes that every vfio-warden "
		"program needs; vfio-warden cannot attach. lockdown=integrity (what Secure Boot enables) "
		"is supported.\n", what, vw_lockdown_name(mode));
	return VW_EXIT_NO_SUPPORT;
}

/*
 * Write a policy into the pinned maps the way `reload` always has: the idle
 * generation in full, then one flip, so no access is judged by a half-written
 * policy. The caller holds the lock. On failure the previous policy stays in
 * force. what: the command named in messages; verb: what the success message
 * says happened.
 */
static int apply_pinned_locked(const struct vw_policy *policy, const char *what, const char *verb,
			       int quiet)
{
	struct vw_apply_report *rep = calloc(1, sizeof(*rep));	/* large: not on the stack */
	struct vw_maps m;
	unsigned gen;
	int rc, err;

	if (!rep)
		return VW_EXIT_ERROR;
	rc = vw_maps_open_pinned(&m);
	if (rc) {
		free(rep);
		return rc;
	}
	err = vw_read_active_gen(&m, &gen);
	if (!err)
		err = vw_apply_policy(&m, policy, gen ^ 1, rep);
	if (!err)
		err = vw_flip_gen(&m, gen ^ 1);
	if (err) {
		vw_msg(VW_ERR, "vfio-warden %s: %s; the previous policy stays in force\n", what, strerror(-err));
		rc = VW_EXIT_ERROR;
	} else {
		vw_write_policy_info(policy, rep);
		if (!quiet)
			vw_msg(VW_INFO, "vfio-warden: %s, policy %s (generation %u), %d vfio device%s\n",
				verb, policy->source, gen ^ 1, rep->ndevs, rep->ndevs == 1 ? "" : "s");
	}
	vw_maps_close(&m);
	free(rep);
	return rc;
}

/* Adopting pinned programs keeps the TPH revision they were loaded with: a
 * --tph-uapi asking for another is refused, not silently ignored. */
static int tph_rev_kept(const struct vw_cli *cli, const char *what)
{
	unsigned id = 0;

	if (!cli->tph_rev || (!vw_pinned_tph_rev(&id) && id == cli->tph_rev->id))
		return 0;
	vw_msg(VW_ERR, "vfio-warden %s: --tph-uapi %s: the pinned programs judge TPH uAPI revision %u, fixed "
		"until detach; `vfio-warden detach` first to change it\n", what, cli->tph_rev->name, id);
	return VW_EXIT_USAGE;
}

/*
 * Attach under the lock. With adopt (run --keep), enforcement already pinned
 * (by an earlier run --keep that was stopped or killed, or by attach) is taken
 * over instead: the policy is applied to the pinned maps as by reload, and the
 * caller streams from the pinned ring buffer. Without adopt, an attachment
 * that exists is an error (exit 4): a run that detaches on exit must not take
 * over, and then remove, enforcement it did not create.
 */
static int attach_locked_with(const struct vw_cli *cli, const char *what, int adopt, struct vw_policy *policy)
{
	struct vw_attach_opts o = { .policy = policy, .ringbuf_size = cli->ringbuf_size, .quiet = cli->quiet,
				    .tph_rev = cli->tph_rev ? cli->tph_rev->rev : NULL };
	int rc, lock;

	rc = vw_require_root(what);
	if (!rc)
		rc = lockdown_allows_attach(what);
	if (rc)
		return rc;
	rc = load_policy(cli, policy);
	if (rc)
		return rc;	/* a bad policy changes nothing, attached or not */
	o.lockdown = policy->lockdown;
	/* a service's `run --keep` restarting during a reload waits its turn rather than
	 * exiting busy; attach/reload/detach from people keep failing fast (exit 7) */
	lock = adopt ? vw_lock_wait(what, 30) : vw_lock(what);
	if (lock < 0)
		return -lock;
	if (vw_pinned_retired()) {
		/* a killed detach left the programs pinned and standing down: an attach or a
		 * run --keep re-arms them (they keep their counters); a run that detaches on
		 * exit must own what it removes, so it finishes that detach and attaches anew */
		rc = vw_recover_detach(what, adopt || !strcmp(what, "attach"));
		if (rc < 0) {
			vw_unlock(lock);
			return -rc;
		}
		if (rc == VW_RECOVER_REARMED && !adopt) {
			rc = apply_pinned_locked(policy, what, "re-armed", cli->quiet);
			vw_unlock(lock);
			return rc;
		}
	}
	if (adopt && vw_is_attached()) {
		if (cli->ringbuf_size && !cli->quiet)
			vw_msg(VW_WARNING, "vfio-warden %s: --ringbuf-size ignored: the pinned ring buffer keeps "
				"the size it was attached with\n", what);
		/* said even with -q: the log should show a restart took over, not attached anew */
		rc = tph_rev_kept(cli, what);
		if (!rc)
			rc = apply_pinned_locked(policy, what, "adopted the enforcement pinned at " VW_PIN_DIR, 0);
	} else {
		rc = vw_attach(&o);
	}
	vw_unlock(lock);
	return rc;
}

static int attach_locked(const struct vw_cli *cli, const char *what, int adopt)
{
	struct vw_policy *policy = calloc(1, sizeof(*policy));	/* large: not on the stack */
	int rc = policy ? attach_locked_with(cli, what, adopt, policy) : VW_EXIT_ERROR;

	free(policy);
	return rc;
}

int vw_cmd_attach(const struct vw_cli *cli)
{
	return attach_locked(cli, "attach", 0);
}

int vw_attach_as(const struct vw_cli *cli, const char *what)
{
	return attach_locked(cli, what, 0);
}

static int stream_pinned(const struct vw_cli *cli, int settle)
{
	struct vw_sinks sinks = { .audit = cli->linux_audit, .journal = cli->journal };
	struct vw_stream_opts so = { .fmt = cli->format, .out_path = cli->output,
				     .stop = &stop_flag, .reopen = &reopen_flag, .sinks = &sinks, .settle = settle };
	struct vw_maps m;
	int rc;

	rc = vw_sinks_open(&sinks);
	if (rc)
		return rc;
	rc = vw_maps_open_pinned(&m);
	if (rc) {
		vw_sinks_close(&sinks);
		return rc;
	}
	if (!cli->quiet)
		vw_msg(VW_INFO, "vfio-warden: streaming events (SIGINT/SIGTERM to stop)\n");
	rc = vw_stream(&m, &so);
	vw_maps_close(&m);
	vw_sinks_close(&sinks);
	return rc;
}

int vw_cmd_run(const struct vw_cli *cli)
{
	struct vw_metrics_http *http = NULL;
	struct sockaddr_storage sa;
	char err[256];
	int rc, lock;

	/* a bad address is a usage error before anything is attached */
	if (cli->metrics_listen && vw_parse_listen(cli->metrics_listen, &sa, err, sizeof(err))) {
		vw_msg(VW_ERR, "vfio-warden run: %s\n", err);
		return VW_EXIT_USAGE;
	}
	/* before attaching: a SIGTERM right after the pins appear must still detach */
	install_signals();
	/* --keep never detaches, so it can take over what an earlier run --keep left
	 * pinned: a service manager can restart it after a crash or a stop */
	rc = attach_locked(cli, "run", cli->keep);
	if (rc)
		return rc;
	if (cli->metrics_listen) {
		http = vw_metrics_http_start(cli->metrics_listen);
		if (!http)
			stop_flag = 1;	/* asked for metrics and cannot serve them: stop as any failed run does */
		else if (!cli->quiet)
			vw_msg(VW_INFO, "vfio-warden: metrics on %s%s/metrics\n",
			       strncmp(cli->metrics_listen, "unix:", 5) ? "http://" : "", cli->metrics_listen);
	}
	rc = http || !cli->metrics_listen ? stream_pinned(cli, !cli->keep) : VW_EXIT_ERROR;
	vw_metrics_http_stop(http);
	if (cli->keep) {
		if (!cli->quiet)
			vw_msg(VW_INFO, "vfio-warden: --keep: enforcement stays attached\n");
		return rc;
	}
	lock = vw_lock("run (detach on exit)");
	if (lock < 0)
		return -lock;
	if (vw_is_attached())
		vw_detach(cli->quiet);
	vw_unlock(lock);
	return rc;
}

int vw_cmd_log(const struct vw_cli *cli)
{
	int rc = vw_require_root("log");

	install_signals();
	return rc ? rc : stream_pinned(cli, 0);
}

int vw_cmd_reload(const struct vw_cli *cli)
{
	struct vw_policy *policy;
	int rc, lock;

	if (!cli->policy_path) {
		vw_msg(VW_ERR, "vfio-warden reload: -p POLICY is required\n");
		return VW_EXIT_USAGE;
	}
	rc = vw_require_root("reload");
	if (rc)
		return rc;
	policy = calloc(1, sizeof(*policy));	/* large: not on the stack */
	if (!policy)
		return VW_EXIT_ERROR;
	rc = load_policy(cli, policy);
	if (!rc) {	/* a bad policy changes nothing */
		lock = vw_lock("reload");
		rc = lock < 0 ? -lock : apply_pinned_locked(policy, "reload", "reloaded", cli->quiet);
		if (!rc && vw_pinned_retired()) {
			/* the policy is in; the programs still judge nothing: said, and exit 8 */
			vw_msg(VW_ERR, "vfio-warden reload: NOT enforcing: a detach was interrupted after it "
				"stood the programs down; `vfio-warden attach` re-arms them\n");
			rc = VW_EXIT_NOT_ENFORCING;
		}
		vw_unlock(lock);
	}
	free(policy);
	return rc;
}

int vw_cmd_detach(const struct vw_cli *cli)
{
	int rc = vw_require_root("detach"), lock;

	if (rc)
		return rc;
	lock = vw_lock("detach");
	if (lock < 0)
		return -lock;
	rc = vw_detach(cli->quiet);
	vw_unlock(lock);
	return rc;
}

int vw_cmd_status(const struct vw_cli *cli)
{
	int rc = vw_require_root("status");

	return rc ? rc : vw_status(cli->json);
}
