// SPDX-License-Identifier: MIT
/*
 * Objects every fake vmlinux has, whatever its CoreSight dump layout: the
 * image head at _text, init_uts_ns (for release matching against the dump's
 * VMCOREINFO OSRELEASE), swapper_pg_dir (the page tables a synthetic dump
 * fills in), and a few symbols that exercise the symbol-table rules.
 */
#include "kernel_types.h"

#ifndef CSD_UTS_RELEASE
#error "CSD_UTS_RELEASE must be defined by the build (e.g. -DCSD_UTS_RELEASE=\"6.1.0-csdump-test\")"
#endif

/*
 * The arm64 Image header lives at _text; a real one starts with a branch and
 * has the "ARM\x64" magic at offset 56. Only the magic matters to anyone.
 */
const u32 _head[16] __used __attribute__((section(".head.text"))) = {
	0x14000000u + 16u, /* b +64: skip the header */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0x644d5241u,       /* offset 56: "ARM\x64" */
	0,
};

struct uts_namespace init_uts_ns __used = {
	.kref = { { 2 } },
	.name = {
		.sysname = "Linux",
		.nodename = "(none)",
		.release = CSD_UTS_RELEASE,
		.version = "#1 SMP PREEMPT csdump fake kernel",
		.machine = "aarch64",
		.domainname = "(none)",
	},
	.ns = { .inum = 0xEFFFFFFEu },
};

/*
 * Page-aligned in .bss, as in kernels where the linker script does not carve it out.
 * 16K/64K-granule variants pass the granule and the top-level table size.
 */
#ifndef CSD_PGD_ALIGN
#define CSD_PGD_ALIGN 4096
#endif
#ifndef CSD_PGD_BYTES
#define CSD_PGD_BYTES 4096
#endif
unsigned long swapper_pg_dir[CSD_PGD_BYTES / 8] __used __aligned(CSD_PGD_ALIGN)
	__attribute__((section(".bss..page_aligned")));

/*
 * Symbol-table edge cases: a static with the same name as a global elsewhere
 * (the global must win) and two statics with one name (ambiguous).
 */
static int csd_shadowed __used = 1;
static int csd_dup_local __used = 2;

/* Keeps .text non-empty and references the objects above. */
int __used start_kernel(void)
{
	return csd_shadowed + csd_dup_local + (int)swapper_pg_dir[0] + init_uts_ns.name.release[0];
}
