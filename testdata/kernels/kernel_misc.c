// SPDX-License-Identifier: MIT
/* The other half of the symbol-table edge cases in kernel_common.c. */
#include "kernel_types.h"

int csd_shadowed __used = 3;         /* global: wins over the static in kernel_common.c */
static int csd_dup_local __used = 4; /* second static of that name: ambiguous */

/* A device instance, so the supporting types are used the way drivers use them. */
struct coresight_device csd_example_etf __used = {
	.type = CORESIGHT_DEV_TYPE_LINKSINK,
	.sink_subtype = CORESIGHT_DEV_SUBTYPE_SINK_BUFFER,
	.dev = { .init_name = "f6402000.etf", .kobj = { .name = "f6402000.etf" } },
};

int __used csd_misc_touch(void)
{
	return csd_shadowed + csd_dup_local;
}

/*
 * Not a kernel type: shapes the kernel-like ones above do not cover. Expected
 * offsets: a 0; named 8 (size 16: x 8, y/z 16 via its anonymous union); p 24
 * (anonymous struct, flattened); flags 28 bits 0..2; level 28 bits 3..7
 * (signed); tail 29 (flexible); sizeof 32.
 */
struct csd_layout_probe {
	int a;
	struct {
		int x;
		union {
			long y;
			char z; /* plain char is unsigned on AArch64 */
		};
	} named;
	struct {
		int p;
	};
	unsigned int flags : 3;
	int level : 5;
	char tail[];
};

struct csd_layout_probe csd_probe __used;
