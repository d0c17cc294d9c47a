// SPDX-License-Identifier: GPL-2.0
/*
 * The built-in default policy: policies/default.yaml, embedded at build time
 * (the assembler resolves the path from the repository root, where the
 * Makefile compiles) and NUL-terminated.
 */
#include "policy.h"

__asm__(".pushsection .rodata\n"
	".balign 8\n"
	".globl vw_default_policy_text\n"
	".hidden vw_default_policy_text\n"
	".type vw_default_policy_text, @object\n"
	"vw_default_policy_text:\n"
	".incbin \"policies/default.yaml\"\n"
	".globl vw_default_policy_end\n"
	".hidden vw_default_policy_end\n"
	"vw_default_policy_end:\n"
	".byte 0\n"
	".size vw_default_policy_text, . - vw_default_policy_text\n"
	".popsection\n");

extern const char vw_default_policy_text[] __attribute__((visibility("hidden")));
extern const char vw_default_policy_end[] __attribute__((visibility("hidden")));

const char *vw_policy_default_text(size_t *len)
{
	if (len)
		*len = (size_t)(vw_default_policy_end - vw_default_policy_text);
	return vw_default_policy_text;
}

int vw_policy_load_default(struct vw_policy *out, char *err, size_t errlen)
{
	size_t len;
	const char *text = vw_policy_default_text(&len);

	return vw_policy_parse("<built-in default>", text, len, out, err, errlen);
}
