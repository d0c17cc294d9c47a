/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VW_EXIT_H
#define VW_EXIT_H

/* Exit codes every subcommand uses. */
enum vw_exit {
	VW_EXIT_OK = 0,
	VW_EXIT_ERROR = 1,	/* runtime failure */
	VW_EXIT_USAGE = 2,	/* bad arguments or bad policy */
	VW_EXIT_NOT_ROOT = 3,
	VW_EXIT_ATTACHED = 4,	/* already attached */
	VW_EXIT_NOT_ATTACHED = 5,
	VW_EXIT_NO_SUPPORT = 6,	/* kernel lacks BTF, module or symbol */
	VW_EXIT_BUSY = 7,	/* another attach/reload/detach holds the lock */
	VW_EXIT_NOT_ENFORCING = 8,	/* status: pinned, but an interrupted detach stood the vetoes down */
};

#endif
