// SPDX-License-Identifier: MIT
// 32-bit ARM Linux kernel address translation: the lowmem linear map by
// PAGE_OFFSET/PHYS_OFFSET arithmetic, and a walk of swapper_pg_dir for
// everything else (highmem kmaps, vmalloc, modules below PAGE_OFFSET). Both
// table formats: the VMSAv7 short descriptors (ARM ARM B3.5) of a classic
// kernel and the long descriptors (ARM ARM B3.6) of CONFIG_ARM_LPAE.
// There is no KASLR on 32-bit ARM, so no kernel-image offset.
#pragma once

#include <cstdint>
#include <memory>

#include "memory/physical_memory.h"
#include "memory/translator.h"

namespace csd {

struct ArmParams {
  uint32_t page_offset = 0xC0000000;  // CONFIG_PAGE_OFFSET (the VM split)
  uint64_t phys_offset = 0;           // PA of PAGE_OFFSET; may exceed 4 GiB with LPAE
  // The kernel's high_memory: lowmem is [page_offset, high_memory). 0 when
  // unknown; every VA is then walked (swapper_pg_dir maps lowmem by sections
  // or blocks too), because guessing the end of lowmem would silently send
  // vmalloc addresses through the linear formula.
  uint64_t high_memory = 0;
  bool lpae = false;    // CONFIG_ARM_LPAE: long-descriptor tables
  uint64_t pgd_pa = 0;  // physical address of swapper_pg_dir
};

// End of the vmalloc area: VMALLOC_END in arch/arm/include/asm/pgtable.h.
// Above it sit the fixmap and vectors, which dumps rarely need.
inline constexpr uint64_t kArmVmallocEnd = 0xff800000;

// The translator keeps a reference to `physical`. Invalid parameters (a
// misaligned pgd_pa, high_memory outside (page_offset, 4 GiB]) do not fail
// here: every Translate() then returns kInvalidArgument saying why. Not
// thread-safe: the walker caches descriptors.
std::unique_ptr<Translator> MakeArmTranslator(const ArmParams& params,
                                              const PhysicalMemory& physical);

}  // namespace csd
