// SPDX-License-Identifier: MIT
/*
 * The kernel's loaded-module list, shaped like Linux 6.1 (kernel/module/),
 * or with -DCSD_MODULES_V614 like 6.14 and later (7.x): `static
 * LIST_HEAD(modules)` of struct module, each with its sysfs section and notes
 * attributes (mod->sect_attrs, mod->notes_attrs), which record where every
 * SHF_ALLOC section and every note of the module was placed, its memory
 * regions and its kallsyms. A debugger relocates a module's symbols with them.
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

#ifndef CSD_MODULES_V614
/* Linux 6.1 (kernel/module/sysfs.c, include/linux/sysfs.h), lockdep on. */
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

/* The address is a member of its own; battr.private stays NULL. */
struct module_sect_attr {
	struct bin_attribute battr;
	unsigned long address;
};

struct module_sect_attrs {
	struct attribute_group grp;
	unsigned int nsections;
	struct module_sect_attr attrs[];
};

struct module_notes_attrs {
	struct kobject *dir;
	unsigned int notes;
	struct bin_attribute attrs[];
};

struct module_layout {
	void *base;
	unsigned int size;
	unsigned int text_size;
	unsigned int ro_size;
	unsigned int ro_after_init_size;
};
#else
/*
 * Linux 6.14 and later, as Debian's 7.2 arm64 kernel has them: no
 * nsections and no struct module_sect_attr, each entry a bare bin_attribute
 * whose `private` is the address; the notes a NULL-terminated attribute group
 * too (upstream d8959b947a8d, 4b2c11e4aaf7, 34f5ec0f8252, 4723f16de64e).
 * The attribute groups wrap members in anonymous unions.
 */
struct attribute {
	const char *name;
	unsigned short mode;
};

struct bin_attribute {
	struct attribute attr;
	unsigned long size;
	void *private;
	void *(*f_mapping)(void);
	long (*read)(void);
	long (*write)(void);
	long long (*llseek)(void);
	int (*mmap)(void);
};

struct attribute_group {
	const char *name;
	union {
		unsigned short (*is_visible)(void);
		unsigned short (*is_visible_const)(void);
	};
	unsigned short (*is_bin_visible)(void);
	unsigned long (*bin_size)(void);
	union {
		struct attribute **attrs;
		const struct attribute *const *attrs_const;
	};
	const struct bin_attribute *const *bin_attrs;
};

struct module_sect_attrs {
	struct attribute_group grp;
	struct bin_attribute attrs[];
};

struct module_notes_attrs {
	struct attribute_group grp;
	struct bin_attribute attrs[];
};

/* 6.4+: one region per memory type instead of core_layout/init_layout. */
enum mod_mem_type {
	MOD_TEXT = 0,
	MOD_DATA,
	MOD_RODATA,
	MOD_RO_AFTER_INIT,
	MOD_INIT_TEXT,
	MOD_INIT_DATA,
	MOD_INIT_RODATA,
	MOD_MEM_NUM_TYPES,
};

struct module_memory {
	void *base;
	bool is_rox;
	unsigned int size;
	struct module *mtn_mod;
	void *mtn_node[6];
};
#endif

/* kernel/module/kallsyms.c: the module's own symbols, st_value relocated. */
typedef struct elf64_sym {
	unsigned int st_name;
	unsigned char st_info;
	unsigned char st_other;
	unsigned short st_shndx;
	unsigned long st_value;
	unsigned long st_size;
} Elf64_Sym;

struct mod_kallsyms {
	Elf64_Sym *symtab;
	unsigned int num_symtab;
	char *strtab;
	char *typetab;
};

struct module {
	enum module_state state;
	struct list_head list;
	char name[MODULE_NAME_LEN];
	struct kobject mkobj;
	const char *version;
	const char *srcversion;
#ifndef CSD_MODULES_V614
	struct module_layout core_layout;
	struct module_layout init_layout;
#else
	int (*init)(void);
	struct module_memory mem[MOD_MEM_NUM_TYPES];
#endif
	unsigned int num_syms;
	struct mod_kallsyms *kallsyms;
	struct mod_kallsyms core_kallsyms;
	struct module_sect_attrs *sect_attrs;
	struct module_notes_attrs *notes_attrs;
	char *args;
};

static struct list_head modules __used = LIST_HEAD_INIT(modules);

/* Keeps the types in the DWARF: nothing else in the fake kernel uses them. */
struct module *__used csd_module_for_dwarf(struct module *mod, struct module_sect_attrs *attrs,
					  struct module_notes_attrs *notes)
{
	mod->sect_attrs = attrs;
	mod->notes_attrs = notes;
	return mod;
}
