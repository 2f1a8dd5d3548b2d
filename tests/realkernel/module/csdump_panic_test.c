// SPDX-License-Identifier: GPL-2.0
/*
 * csdump_panic_test: the kernel side of the CoreSight panic-dump series v2
 * ("coresight: support panic dump functionality", Nov 2017) rebuilt as an
 * out-of-tree module for a stock Debian arm64 or armhf kernel, with fake devices and
 * deterministic buffer contents, so that real vmcores carry a
 * coresight_dump_list whose every byte a test can predict.
 *
 * As in the series:
 *  - a file-static list head coresight_dump_list of struct coresight_dump_node
 *    (same members in the same order);
 *  - one PRE_PANIC node per online CPU whose buffer is that CPU's ETMv4
 *    metadata (perf cs_etm version-0 block, 9 x u64), written on the owning CPU
 *    through a cross-CPU call at load time;
 *  - PANIC nodes for the sinks, whose buffers a panic notifier on
 *    panic_notifier_list fills.
 * Every node points at a real struct coresight_device named with dev_set_name.
 *
 * Unlike the series, the sink buffers are registered (buf, buf_size) and filled
 * with a PRE-panic pattern at load time, so that a dump taken without the
 * panic notifiers (kdump without crash_kexec_post_notifiers) still holds a
 * known pattern; the notifier overwrites them with the PANIC pattern.
 *
 * Buffer contents (tests/realkernel/patterns.py recomputes them):
 *  - ETM metadata for CPU c: magic 0x4040404040404040, c, TRCCONFIGR =
 *    0x1 | (c & 1) << 3 | (c & 2) << 10, TRCTRACEIDR = 0x10 + 2c,
 *    TRCIDR0 0x28000ea1, TRCIDR1 0x4100f403, TRCIDR2 0x488, TRCIDR8 0,
 *    TRCAUTHSTATUS 0xcc (little-endian u64 words).
 *  - Sink s (0 = ETF, 1 = ETR) in phase p (0 = pre-panic, 1 = panic): 16-byte
 *    CoreSight formatter frames. Frame f starts with the ID byte of trace ID
 *    0x10 + 2 * (f % nr_etm); bytes 1..14 are data bytes d(s, offset, p)
 *    where even-positioned bytes keep their low bit in the frame's flag byte
 *    (byte 15, bit i/2); in the panic phase the ETF's first frame is the
 *    barrier packet (4 x 0x7fffffff), as a TMC that wrapped leaves it.
 */

#include <linux/coresight.h>
#include <linux/cpumask.h>
#include <linux/device.h>
#include <linux/kernel.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/notifier.h>
#include <linux/panic_notifier.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/types.h>
#include <linux/vmalloc.h>

#define CORESIGHT_DUMP_TYPE_PRE_PANIC 0
#define CORESIGHT_DUMP_TYPE_PANIC 1

/**
 * struct coresight_dump_node - Node information for dump (as in the series)
 * @cpu:	The cpu this node is affined to.
 * @type:	Dump type for pre or post panic dump.
 * @csdev:	Handler for coresight device.
 * @buf:	Pointer for dump buffer.
 * @buf_size:	Length of dump buffer.
 * @list:	Hook to the list.
 */
struct coresight_dump_node {
	int cpu;
	int type;
	struct coresight_device *csdev;
	char *buf;
	unsigned int buf_size;
	struct list_head list;
};

static DEFINE_MUTEX(coresight_dump_lock);
static LIST_HEAD(coresight_dump_list);

/* ETMv4 metadata block: perf cs_etm version 0, 9 little-endian u64 words. */
#define CSDUMP_ETM4_MAGIC 0x4040404040404040ULL
#define CSDUMP_ETM4_WORDS 9
#define CSDUMP_TRCIDR0 0x28000ea1ULL
#define CSDUMP_TRCIDR1 0x4100f403ULL
#define CSDUMP_TRCIDR2 0x00000488ULL
#define CSDUMP_TRCIDR8 0x0ULL
#define CSDUMP_TRCAUTHSTATUS 0xccULL

#define CSDUMP_PHASE_PRE_PANIC 0
#define CSDUMP_PHASE_PANIC 1
#define CSDUMP_FRAME 16

struct csdump_sink {
	const char *name;
	int cpu;	/* the node's cpu field: the series stored 0 or -1 */
	bool vmalloced;
	unsigned int size;
	u32 subtype;
	struct coresight_dump_node *node;
};

static struct csdump_sink csdump_sinks[] = {
	{ .name = "tmc_etf0", .cpu = 0, .vmalloced = false, .size = 64 * 1024,
	  .subtype = CORESIGHT_DEV_SUBTYPE_SINK_BUFFER },
	{ .name = "tmc_etr0", .cpu = -1, .vmalloced = true, .size = 1024 * 1024,
	  .subtype = CORESIGHT_DEV_SUBTYPE_SINK_SYSMEM },
};

static unsigned int csdump_nr_etm;

static void csdump_csdev_release(struct device *dev)
{
	kfree(container_of(dev, struct coresight_device, dev));
}

static struct coresight_device *csdump_csdev_create(enum coresight_dev_type type,
						    union coresight_dev_subtype subtype,
						    const char *name)
{
	struct coresight_device *csdev = kzalloc(sizeof(*csdev), GFP_KERNEL);

	if (!csdev)
		return NULL;
	csdev->type = type;
	csdev->subtype = subtype;
	device_initialize(&csdev->dev);
	csdev->dev.release = csdump_csdev_release;
	if (dev_set_name(&csdev->dev, "%s", name)) {
		put_device(&csdev->dev);
		return NULL;
	}
	return csdev;
}

/* The series' coresight_dump_add(): a node per device, appended to the list. */
static struct coresight_dump_node *coresight_dump_add(struct coresight_device *csdev, int cpu,
						      int type)
{
	struct coresight_dump_node *node = kzalloc(sizeof(*node), GFP_KERNEL);

	if (!node)
		return NULL;
	node->cpu = cpu;
	node->type = type;
	node->csdev = csdev;
	mutex_lock(&coresight_dump_lock);
	list_add_tail(&node->list, &coresight_dump_list);
	mutex_unlock(&coresight_dump_lock);
	return node;
}

/* The series' coresight_dump_update(): record the buffer a device dumped. */
static void coresight_dump_update(struct coresight_dump_node *node, char *buf,
				  unsigned int buf_size)
{
	node->buf = buf;
	node->buf_size = buf_size;
}

/* Runs on the node's CPU, like the series' late_initcall dump of ETM metadata. */
static void csdump_etm_fill_metadata(void *info)
{
	struct coresight_dump_node *node = info;
	u64 *m = (u64 *)node->buf;
	u64 cpu = smp_processor_id();

	m[0] = CSDUMP_ETM4_MAGIC;
	m[1] = cpu;
	m[2] = 0x1 | (cpu & 1) << 3 | (cpu & 2) << 10;	/* TRCCONFIGR */
	m[3] = 0x10 + 2 * cpu;				/* TRCTRACEIDR */
	m[4] = CSDUMP_TRCIDR0;
	m[5] = CSDUMP_TRCIDR1;
	m[6] = CSDUMP_TRCIDR2;
	m[7] = CSDUMP_TRCIDR8;
	m[8] = CSDUMP_TRCAUTHSTATUS;
}

/* Data byte of sink s at byte offset off in phase p (a 32-bit mix). */
static u8 csdump_data_byte(u32 s, u32 off, u32 p)
{
	u32 v = off * 0x9e3779b1u + (s + 1) * 0x85ebca77u + (p + 1) * 0xc2b2ae3du;

	v ^= v >> 15;
	v *= 0x2c1b3c6du;
	v ^= v >> 12;
	return v & 0xff;
}

static void csdump_fill_sink(u32 s, char *buf, unsigned int size, u32 phase)
{
	unsigned int off, i;

	for (off = 0; off + CSDUMP_FRAME <= size; off += CSDUMP_FRAME) {
		u8 *frame = (u8 *)buf + off;
		u32 trace_id = 0x10 + 2 * ((off / CSDUMP_FRAME) % csdump_nr_etm);
		u8 flags = 0;

		frame[0] = (trace_id << 1) | 1;	/* ID byte, effective at once */
		for (i = 1; i < CSDUMP_FRAME - 1; i++) {
			u8 d = csdump_data_byte(s, off + i, phase);

			if (i % 2 == 0) {	/* even byte: bit 0 lives in the flags */
				flags |= (d & 1) << (i / 2);
				d &= 0xfe;
			}
			frame[i] = d;
		}
		frame[CSDUMP_FRAME - 1] = flags;
	}
	if (s == 0 && phase == CSDUMP_PHASE_PANIC && size >= CSDUMP_FRAME) {
		for (i = 0; i < CSDUMP_FRAME; i += 4)
			*(u32 *)(buf + i) = 0x7fffffff;	/* barrier: the TMC wrapped */
	}
}

static int csdump_panic_notify(struct notifier_block *nb, unsigned long event, void *unused)
{
	struct coresight_dump_node *node;
	unsigned int s;

	/* No lock: the list is not changed after load, and this is panic context. */
	for (s = 0; s < ARRAY_SIZE(csdump_sinks); s++) {
		node = csdump_sinks[s].node;
		if (!node)
			continue;
		csdump_fill_sink(s, node->buf, node->buf_size, CSDUMP_PHASE_PANIC);
		coresight_dump_update(node, node->buf, node->buf_size);
	}
	pr_emerg("csdump_panic_test: panic notifier wrote the PANIC pattern to %zu sinks\n",
		 ARRAY_SIZE(csdump_sinks));
	return NOTIFY_DONE;
}

static struct notifier_block csdump_panic_nb = {
	.notifier_call = csdump_panic_notify,
};

static void csdump_free_all(void)
{
	struct coresight_dump_node *node, *tmp;
	unsigned int s;

	mutex_lock(&coresight_dump_lock);
	list_for_each_entry_safe(node, tmp, &coresight_dump_list, list) {
		bool vmalloced = false;

		for (s = 0; s < ARRAY_SIZE(csdump_sinks); s++) {
			if (csdump_sinks[s].node == node) {
				vmalloced = csdump_sinks[s].vmalloced;
				csdump_sinks[s].node = NULL;
			}
		}
		list_del(&node->list);
		if (vmalloced)
			vfree(node->buf);
		else
			kfree(node->buf);
		if (node->csdev)
			put_device(&node->csdev->dev);
		kfree(node);
	}
	mutex_unlock(&coresight_dump_lock);
}

static int __init csdump_add_etms(void)
{
	union coresight_dev_subtype subtype = {
		.source_subtype = CORESIGHT_DEV_SUBTYPE_SOURCE_PROC
	};
	struct coresight_dump_node *node;
	struct coresight_device *csdev;
	unsigned int cpu;
	char name[16];
	int ret;

	for_each_online_cpu(cpu) {
		snprintf(name, sizeof(name), "etm%u", cpu);
		csdev = csdump_csdev_create(CORESIGHT_DEV_TYPE_SOURCE, subtype, name);
		if (!csdev)
			return -ENOMEM;
		node = coresight_dump_add(csdev, cpu, CORESIGHT_DUMP_TYPE_PRE_PANIC);
		if (!node) {
			put_device(&csdev->dev);
			return -ENOMEM;
		}
		node->buf = kzalloc(CSDUMP_ETM4_WORDS * sizeof(u64), GFP_KERNEL);
		if (!node->buf)
			return -ENOMEM;
		ret = smp_call_function_single(cpu, csdump_etm_fill_metadata, node, 1);
		if (ret)
			return ret;
		coresight_dump_update(node, node->buf, CSDUMP_ETM4_WORDS * sizeof(u64));
		csdump_nr_etm++;
	}
	return 0;
}

static int __init csdump_add_sinks(void)
{
	struct coresight_dump_node *node;
	struct coresight_device *csdev;
	unsigned int s;
	char *buf;

	for (s = 0; s < ARRAY_SIZE(csdump_sinks); s++) {
		struct csdump_sink *sink = &csdump_sinks[s];
		union coresight_dev_subtype subtype = { .sink_subtype = sink->subtype };

		csdev = csdump_csdev_create(CORESIGHT_DEV_TYPE_SINK, subtype, sink->name);
		if (!csdev)
			return -ENOMEM;
		node = coresight_dump_add(csdev, sink->cpu, CORESIGHT_DUMP_TYPE_PANIC);
		if (!node) {
			put_device(&csdev->dev);
			return -ENOMEM;
		}
		sink->node = node;
		buf = sink->vmalloced ? vmalloc(sink->size) : kmalloc(sink->size, GFP_KERNEL);
		if (!buf)
			return -ENOMEM;
		node->buf = buf;
		csdump_fill_sink(s, buf, sink->size, CSDUMP_PHASE_PRE_PANIC);
		coresight_dump_update(node, buf, sink->size);
	}
	return 0;
}

static int __init csdump_panic_test_init(void)
{
	struct coresight_dump_node *node;
	int ret;

	ret = csdump_add_etms();
	if (!ret)
		ret = csdump_add_sinks();
	if (ret) {
		csdump_free_all();
		return ret;
	}
	atomic_notifier_chain_register(&panic_notifier_list, &csdump_panic_nb);

	/* The node layout as this ABI has it (arm64: size 40, list at 32; arm: 28, 20). */
	pr_info("csdump_panic_test: coresight_dump_list at %px, node size %zu, list offset %zu\n",
		&coresight_dump_list, sizeof(struct coresight_dump_node),
		offsetof(struct coresight_dump_node, list));
	list_for_each_entry(node, &coresight_dump_list, list)
		pr_info("csdump_panic_test: node cpu=%d type=%d name=%s size=%u buf=%px\n",
			node->cpu, node->type, dev_name(&node->csdev->dev), node->buf_size,
			node->buf);
	return 0;
}

static void __exit csdump_panic_test_exit(void)
{
	atomic_notifier_chain_unregister(&panic_notifier_list, &csdump_panic_nb);
	csdump_free_all();
}

module_init(csdump_panic_test_init);
module_exit(csdump_panic_test_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("CoreSight panic-dump list (series v2) with deterministic buffers, for tests");
