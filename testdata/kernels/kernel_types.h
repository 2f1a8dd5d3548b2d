// SPDX-License-Identifier: MIT
/*
 * Supporting kernel types shared by every fake vmlinux. The layouts follow the
 * AArch64 LP64 ABI and are shaped like the real ones (4.14-era struct device,
 * with kobj NOT at offset 0) so that tests catch code that assumes offsets
 * instead of reading them from DWARF. Expected offsets are written by hand in
 * tests/unit/debuginfo/dwarf_index_test.cc; keep the comments below in sync.
 */
#ifndef CSD_FAKE_KERNEL_TYPES_H
#define CSD_FAKE_KERNEL_TYPES_H

#define __used __attribute__((used))
#define __aligned(x) __attribute__((aligned(x)))

typedef unsigned char u8;
typedef unsigned int u32;
typedef unsigned long long u64;
typedef _Bool bool;

struct list_head {          /* size 16 */
	struct list_head *next; /* 0 */
	struct list_head *prev; /* 8 */
};

typedef struct {
	int counter;
} atomic_t;

struct kref {               /* size 4 */
	atomic_t refcount;
};

struct kset;
struct kobj_type;
struct kernfs_node;

struct kobject {                          /* size 64 */
	const char *name;                     /* 0 */
	struct list_head entry;               /* 8 */
	struct kobject *parent;               /* 24 */
	struct kset *kset;                    /* 32 */
	const struct kobj_type *ktype;        /* 40 */
	struct kernfs_node *sd;               /* 48 */
	struct kref kref;                     /* 56 */
	/* Bit-fields: storage unit at 60, bits 0..4 (little-endian). */
	unsigned int state_initialized : 1;
	unsigned int state_in_sysfs : 1;
	unsigned int state_add_uevent_sent : 1;
	unsigned int state_remove_uevent_sent : 1;
	unsigned int uevent_suppress : 1;
};

struct device_private;  /* deliberately incomplete, as in the kernel */
struct device_type;
struct bus_type;
struct device_driver;

struct device {                               /* size 160 */
	struct device *parent;                    /* 0 */
	struct device_private *p;                 /* 8 */
	struct kobject kobj;                      /* 16 (64 bytes) */
	const char *init_name;                    /* 80 */
	const struct device_type *type;           /* 88 */
	struct bus_type *bus;                     /* 96 */
	struct device_driver *driver;             /* 104 */
	void *platform_data;                      /* 112 */
	void *driver_data;                        /* 120 */
	u64 *dma_mask;                            /* 128 */
	u64 coherent_dma_mask;                    /* 136 */
	int numa_node;                            /* 144 */
	u32 id;                                   /* 148 */
	void (*release)(struct device *dev);      /* 152 */
};

enum coresight_dev_type {
	CORESIGHT_DEV_TYPE_NONE,
	CORESIGHT_DEV_TYPE_SINK,
	CORESIGHT_DEV_TYPE_LINK,
	CORESIGHT_DEV_TYPE_LINKSINK,
	CORESIGHT_DEV_TYPE_SOURCE,
};

enum coresight_dev_subtype_sink {
	CORESIGHT_DEV_SUBTYPE_SINK_NONE,
	CORESIGHT_DEV_SUBTYPE_SINK_PORT,
	CORESIGHT_DEV_SUBTYPE_SINK_BUFFER,
};

struct coresight_connection;
struct coresight_ops;

struct coresight_device {                             /* size 216 */
	struct coresight_connection *conns;               /* 0 */
	int nr_inport;                                    /* 8 */
	int nr_outport;                                   /* 12 */
	int type;                                         /* 16: enum coresight_dev_type value */
	union {                                           /* 20, anonymous: flattened */
		enum coresight_dev_subtype_sink sink_subtype; /* 20 */
		int source_subtype;                           /* 20 */
	};
	const struct coresight_ops *ops;                  /* 24 */
	struct device dev;                                /* 32 (160 bytes) */
	atomic_t *refcnt;                                 /* 192 */
	bool orphan;                                      /* 200 */
	bool enable;                                      /* 201 */
	bool activated;                                   /* 202 */
	struct coresight_device *def_sink;                /* 208 (203 padded to 8) */
};

#define __NEW_UTS_LEN 64

struct new_utsname {                     /* size 390 */
	char sysname[__NEW_UTS_LEN + 1];     /* 0 */
	char nodename[__NEW_UTS_LEN + 1];    /* 65 */
	char release[__NEW_UTS_LEN + 1];     /* 130 */
	char version[__NEW_UTS_LEN + 1];     /* 195 */
	char machine[__NEW_UTS_LEN + 1];     /* 260 */
	char domainname[__NEW_UTS_LEN + 1];  /* 325 */
};

struct user_namespace;

struct ns_common {                       /* size 24 */
	void *stashed;                       /* 0 */
	const void *ops;                     /* 8 */
	unsigned int inum;                   /* 16 */
};

struct uts_namespace {                   /* size 440 */
	struct kref kref;                    /* 0 */
	struct new_utsname name;             /* 4 */
	struct user_namespace *user_ns;      /* 400 */
	void *ucounts;                       /* 408 */
	struct ns_common ns;                 /* 416 */
};

#endif /* CSD_FAKE_KERNEL_TYPES_H */
