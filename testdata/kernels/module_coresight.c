// SPDX-License-Identifier: MIT
/*
 * A fake kernel module (a relocatable ELF, like a .ko) that owns the seed's
 * panic-dump list, as distribution kernels that build CoreSight as modules
 * would: `static LIST_HEAD(coresight_dump_list)` in the module's .data, its
 * symbol section-relative, its DWARF only correct once relocated. A variable
 * in .bss and one in .data ahead of the list make the section offsets
 * non-zero.
 */
#include "kernel_types.h"

#define LIST_HEAD_INIT(name) { &(name), &(name) }

struct coresight_dump_node {
	int cpu;
	int type;
	struct coresight_device *csdev;
	char *buf;
	unsigned int buf_size;
	struct list_head list;
};

static int csd_dump_nodes __used;
static unsigned long csd_module_cookie[5] __used = { 0x636f726573696768ul, 1, 2, 3, 4 };
static struct list_head coresight_dump_list __used = LIST_HEAD_INIT(coresight_dump_list);

int __used coresight_dump_add(struct coresight_dump_node *node, struct coresight_device *csdev,
			      int cpu)
{
	node->cpu = cpu;
	node->type = 0;
	node->csdev = csdev;
	node->buf = 0;
	node->buf_size = 0;
	node->list.next = &coresight_dump_list;
	node->list.prev = coresight_dump_list.prev;
	coresight_dump_list.prev->next = &node->list;
	coresight_dump_list.prev = &node->list;
	return ++csd_dump_nodes;
}
