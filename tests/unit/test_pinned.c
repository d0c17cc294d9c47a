// SPDX-License-Identifier: GPL-2.0
/*
 * The pinned names against the BPF object this build embeds: every map the
 * skeleton has is pinned under the name pinned.h gives it, and every program
 * is reachable through one pinned link (names are not repeated by hand
 * elsewhere: attach.c reads skel->maps.<name> and skel->links.<prog>).
 */
#include <bpf/libbpf.h>

#include "pinned.h"
#include "vw_test.h"
#include "vw_tph_rev.h"	/* the skeleton's read-only data holds one */
#include "warden.skel.h"

static int silent(enum libbpf_print_level l, const char *f, va_list ap)
{
	return 0;
}

int main(void)
{
	struct warden *skel;
	struct bpf_map *map;
	struct bpf_program *prog;
	int i, n = 0;

	libbpf_set_print(silent);
	skel = warden__open();	/* parses the embedded object; loads nothing */
	CHECK(skel != NULL, "warden__open");
	if (!skel)
		return vw_test_done();
	bpf_object__for_each_map(map, skel->obj) {
		int found = 0;

		if (strchr(bpf_map__name(map), '.'))
			continue;	/* .rodata, .bss: the object's own data, not pinned */
#define VW_PRIVATE(name) if (!strcmp(bpf_map__name(map), #name)) continue;
		VW_PRIVATE_MAPS(VW_PRIVATE)
#undef VW_PRIVATE
		for (i = 0; i < VW_MAP_COUNT; i++)
			found |= !strcmp(vw_map_names[i], bpf_map__name(map));
		CHECK(found, "map %s is neither pinned nor private (VW_MAPS or VW_PRIVATE_MAPS in pinned.h)",
		      bpf_map__name(map));
		n++;
	}
	CHECK_EQ(n, VW_MAP_COUNT);
	for (i = 0; i < VW_MAP_COUNT; i++) {
		CHECK(vw_skel_map(skel, i) != NULL, "id %d", i);
		CHECK_STR(bpf_map__name(vw_skel_map(skel, i)), vw_map_names[i]);
	}
	bpf_object__for_each_program(prog, skel->obj) {
		const char *name = bpf_program__name(prog);
		int found = 0;

#define VW_LINK_HAS(id, pin, p, alt) found |= !strcmp(name, #p) || !strcmp(name, #alt);
		VW_LINKS(VW_LINK_HAS)
#undef VW_LINK_HAS
		CHECK(found, "program %s has no pinned link (add it to VW_LINKS in pinned.h)", name);
	}
	for (i = 0; i < VW_LINK_COUNT; i++)
		CHECK(!strncmp(vw_link_names[i], "link_", 5), "%s", vw_link_names[i]);
	CHECK_STR(vw_link_names[VW_LINK_COUNT - 1], "link_config_rw");	/* the marker is pinned last */
	CHECK(strstr(VW_ATTACHED_MARKER, vw_link_names[VW_LINK_COUNT - 1]) != NULL, "marker path");
	warden__destroy(skel);
	return vw_test_done();
}
