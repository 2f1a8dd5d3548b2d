// SPDX-License-Identifier: MIT
/*
 * The kernel's loaded-module list, shaped like Linux 6.1 (kernel/module/):
 * `static LIST_HEAD(modules)` of struct module, each with its sysfs section
 * attributes (mod->sect_attrs), which record where every SHF_ALLOC section of
 * the module was placed. A debugger relocates a module's symbols with them.
 * Members the reader does not use are kept so that the offsets it needs are
 * not the first ones (it must read them from DWARF).
 */
#include "kernel_types.h"

#define LIST_HEAD_INIT(name) { &(name), &(name) }
#define MODULE_NAME_LEN (64 - sizeof(unsigned long))

enum module_state {
	MODULE_STATE_LIVE,
	MODULE_STATE_COMING,
	MODULE_STATE_GOING,
	MODULE_STATE_UNFORMED,
};

struct lock_class_key { char __one_byte; };

struct attribute {
	const char *name;
	unsigned short mode;
	bool ignore_lockdep;
	struct lock_class_key *key;
	struct lock_class_key skey;
};

struct bin_attribute {
	struct attribute attr;
	unsigned long size;
	void *private;
	void *(*f_mapping)(void);
	long (*read)(void);
	long (*write)(void);
	int (*mmap)(void);
};

struct attribute_group {
	const char *name;
	unsigned short (*is_visible)(void);
	unsigned short (*is_bin_visible)(void);
	struct attribute **attrs;
	struct bin_attribute **bin_attrs;
};

struct module_sect_attr {
	struct bin_attribute battr;
	unsigned long address;
};

struct module_sect_attrs {
	struct attribute_group grp;
	unsigned int nsections;
	struct module_sect_attr attrs[];
};

struct module_layout {
	void *base;
	unsigned int size;
	unsigned int text_size;
	unsigned int ro_size;
	unsigned int ro_after_init_size;
};

struct module {
	enum module_state state;
	struct list_head list;
	char name[MODULE_NAME_LEN];
	struct kobject mkobj;
	const char *version;
	const char *srcversion;
	struct module_layout core_layout;
	struct module_layout init_layout;
	unsigned int num_syms;
	struct module_sect_attrs *sect_attrs;
	void *notes_attrs;
	char *args;
};

static struct list_head modules __used = LIST_HEAD_INIT(modules);

/* Keeps the types in the DWARF: nothing else in the fake kernel uses them. */
struct module *__used csd_module_for_dwarf(struct module *mod, struct module_sect_attrs *attrs)
{
	mod->sect_attrs = attrs;
	return mod;
}
