// SPDX-License-Identifier: MIT
/*
 * The v2 "coresight panic dump" layout exactly as in the seed review text
 * (field order cpu, type, csdev, buf, buf_size, list) with a static
 * coresight_dump_list, as the seed declares it: an STB_LOCAL symbol in this
 * file's run of .symtab entries, next to the static list_add_tail.
 * -DCSD_GLOBAL_DUMP_LIST makes it global (the seed-global variant).
 * Expected AArch64 offsets: cpu 0, type 4, csdev 8, buf 16, buf_size 24,
 * list 32; sizeof 48.
 */
#include "kernel_types.h"

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

#ifdef CSD_GLOBAL_DUMP_LIST
LIST_HEAD(coresight_dump_list);
#else
static LIST_HEAD(coresight_dump_list);
#endif

static void list_add_tail(struct list_head *entry, struct list_head *head)
{
	struct list_head *prev = head->prev;

	entry->next = head;
	entry->prev = prev;
	prev->next = entry;
	head->prev = entry;
}

int __used coresight_dump_add(struct coresight_dump_node *node, struct coresight_device *csdev,
			      int cpu)
{
	node->cpu = cpu;
	node->type = 0;
	node->csdev = csdev;
	node->buf = 0;
	node->buf_size = 0;
	list_add_tail(&node->list, &coresight_dump_list);
	return 0;
}
