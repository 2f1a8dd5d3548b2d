/* SPDX-License-Identifier: MIT */
/*
 * arch/arm/mm/mmu.c's pgprot_kernel: pgprot_t is pteval_t, u64 with LPAE
 * (pgtable-3level-types.h) and u32 without (pgtable-2level-types.h). Its size
 * is what a dump without VMCOREINFO (no CONFIG_ARM_LPAE=y line) leaves to
 * tell the page-table format by.
 */
#ifdef CSD_ARM_LPAE
typedef unsigned long long pteval_t;
#else
typedef unsigned int pteval_t;
#endif
typedef pteval_t pgprot_t;

pgprot_t pgprot_kernel __attribute__((used));
