// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: arbitrary bytes through the dump parser (lspci text or
 * raw, as `map FILE` would see them) and the capability walker, plus the
 * walker straight on the bytes as config space. Besides the sanitizers, the
 * layout's invariants are checked, and a broken one is a crash.
 *
 * Build and run: tests/fuzz/run.sh SECONDS
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "cfgdump.h"
#include "layout.h"

#define REQUIRE(cond) do { if (!(cond)) __builtin_trap(); } while (0)

static void check_layout(const struct vw_layout *l)
{
	REQUIRE(l->ncaps >= 0 && l->ncaps <= VW_MAX_CAPS);
	REQUIRE(l->nwarnings >= 0 && l->nwarnings <= VW_MAX_WARNINGS);
	for (int i = 0; i < l->nwarnings; i++)
		REQUIRE(memchr(l->warnings[i], '\0', sizeof(l->warnings[i])));
	for (int i = 0; i < l->ncaps; i++) {
		const struct vw_cap *c = &l->caps[i];
		unsigned end = (unsigned)c->offset + c->length;

		REQUIRE(c->length > 0 && end <= l->size);
		if (c->extended)
			REQUIRE(c->offset >= 0x100 && l->size == VW_CFG_SIZE);
		else
			REQUIRE(c->offset >= 0x40 && end <= 0x100);
	}
	for (unsigned b = 0; b < VW_CFG_SIZE; b++) {
		if (b >= l->size)
			REQUIRE(l->capmap[b] == VW_CAP_UNASSIGNED);
		else if (b < VW_HEADER_SIZE)
			REQUIRE(l->capmap[b] == VW_CAP_HEADER);
	}
}

static void walk(const uint8_t *cfg, size_t size)
{
	static struct vw_layout l;

	if (!vw_walk(cfg, size, &l))
		check_layout(&l);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t cfg[VW_CFG_SIZE];
	char bdf[VW_NAME_LEN], err[256], names[4][VW_NAME_LEN];
	size_t got;
	/* an exactly-sized copy, not NUL-terminated, so over-reads are caught */
	uint8_t *copy = malloc(size ? size : 1);

	if (!copy)
		return 0;
	memcpy(copy, data, size);

	if (!vw_cfg_parse(copy, size, NULL, cfg, &got, bdf, err, sizeof(err))) {
		REQUIRE(got == 64 || got == 256 || got == VW_CFG_SIZE);
		REQUIRE(memchr(bdf, '\0', sizeof(bdf)));
		walk(cfg, got);
	}
	if (!vw_cfg_parse_lspci((const char *)copy, size, "00:0b.0", cfg, &got, bdf, err, sizeof(err)))
		walk(cfg, got);
	vw_cfg_list_lspci((const char *)copy, size, names, 4, err, sizeof(err));

	/* the bytes themselves as config space of their own size */
	if (size >= VW_HEADER_SIZE)
		walk(copy, size < VW_CFG_SIZE ? size : VW_CFG_SIZE);
	free(copy);
	return 0;
}
