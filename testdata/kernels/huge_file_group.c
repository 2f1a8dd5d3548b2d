// SPDX-License-Identifier: MIT
/*
 * A hostile symbol table for DebugInfo::UnitOf: the static coresight_dump_list
 * of this file sits between two runs of CSD_FILLERS local data labels, and
 * the file's only code (csd_huge_group_add, static) comes after them, so the
 * walk over this file's local symbols must give up at its cap without finding
 * the unit; anchored lookups then fall back to the scan. The seed's node
 * layout, so the layouts can be compared with seed-flipped's.
 */
#include "kernel_types.h"

#ifndef CSD_FILLERS
#define CSD_FILLERS 500000
#endif
#define CSD_STR2(x) #x
#define CSD_STR(x) CSD_STR2(x)

/* CSD_FILLERS local labels named <prefix><n>, all at one .data address. */
#define CSD_FILLER_LABELS(prefix)                      \
	__asm__("	.pushsection .data\n"              \
		"	.altmacro\n"                       \
		"	.macro csd_filler_" prefix " n\n"  \
		prefix "\\n:\n"                            \
		"	.endm\n"                           \
		"	.set csd_filler_i, 0\n"            \
		"	.rept " CSD_STR(CSD_FILLERS) "\n"  \
		"	csd_filler_" prefix " %csd_filler_i\n" \
		"	.set csd_filler_i, csd_filler_i + 1\n" \
		"	.endr\n"                           \
		"	.noaltmacro\n"                     \
		"	.popsection\n")

#define LIST_HEAD_INIT(name) { &(name), &(name) }
#define LIST_HEAD(name) struct list_head name __used = LIST_HEAD_INIT(name)

struct coresight_dump_node {
	int cpu;
	int type;
	struct coresight_device *csdev;
	char *buf;
	unsigned int buf_size;
	struct list_head list;
};

CSD_FILLER_LABELS("csd_before_");
static LIST_HEAD(coresight_dump_list);
CSD_FILLER_LABELS("csd_after_");

static int __used csd_huge_group_add(struct coresight_dump_node *node)
{
	node->list.next = &coresight_dump_list;
	node->list.prev = coresight_dump_list.prev;
	coresight_dump_list.prev = &node->list;
	return 0;
}
