// SPDX-License-Identifier: MIT
/*
 * A different dump-node layout, so that an extractor hard-coding the seed's
 * offsets fails here: list first, csdev before cpu, an extra flags word, a
 * 64-bit buf_size, type moved to the end and a v1-style name pointer. The list
 * head is static, as in the seed patch, so it is only a LOCAL .symtab entry.
 * Expected AArch64 offsets: list 0, csdev 16, cpu 24, flags 28, buf 32,
 * buf_size 40, type 48, name 56; sizeof 64.
 */
#include "kernel_types.h"

#define LIST_HEAD_INIT(name) { &(name), &(name) }
#define LIST_HEAD(name) struct list_head name __used = LIST_HEAD_INIT(name)

struct coresight_dump_node {
	struct list_head list;
	struct coresight_device *csdev;
	int cpu;
	unsigned int flags;
	char *buf;
	unsigned long buf_size;
	int type;
	const char *name;
};

static LIST_HEAD(coresight_dump_list);

int __used coresight_dump_add(struct coresight_dump_node *node, struct coresight_device *csdev,
			      int cpu)
{
	struct list_head *head = &coresight_dump_list;

	node->csdev = csdev;
	node->cpu = cpu;
	node->list.next = head;
	node->list.prev = head->prev;
	head->prev->next = &node->list;
	head->prev = &node->list;
	return 0;
}
