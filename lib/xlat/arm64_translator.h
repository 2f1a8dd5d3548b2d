// SPDX-License-Identifier: MIT
// arm64 Linux kernel address translation: the linear map, the kernel image,
// and a stage-1 page-table walk from swapper_pg_dir for everything else
// (vmalloc, modules). Geometry (granule, VA size, levels) is computed, not
// hard-coded; one walker serves every granule.
#pragma once

#include <cstdint>
#include <memory>

#include "memory/physical_memory.h"
#include "memory/translator.h"

namespace csd {

struct Arm64Params {
  unsigned page_shift = 12;         // 12, 14 or 16
  unsigned va_bits = 48;            // NUMBER(VA_BITS): compile-time, places PAGE_OFFSET
  unsigned translation_va_bits = 48;  // bits the TTBR1 walk resolves (64 - T1SZ, or VA_BITS)
  // v5.4+ layout (b6d00d47e81a "arm64: mm: Introduce 52-bit Kernel VAs"):
  // linear map at the bottom of the kernel half. Older kernels: top half.
  bool flipped_layout = true;
  uint64_t phys_offset = 0;         // memstart_addr; may be "negative" (randomised linear map)
  uint64_t kimage_voffset = 0;      // kimage VA - PA
  uint64_t kimage_start = 0;        // runtime [_text, _end): translated with kimage_voffset
  uint64_t kimage_end = 0;          //   (0,0: kernel image goes through the page tables)
  uint64_t pgd_pa = 0;              // physical address of swapper_pg_dir
};

// Derived constants, exposed for `info` and tests.
uint64_t Arm64PageOffset(const Arm64Params& params);
uint64_t Arm64PageEnd(const Arm64Params& params);  // end of the linear region (exclusive)
unsigned Arm64Levels(const Arm64Params& params);

std::unique_ptr<Translator> MakeArm64Translator(const Arm64Params& params,
                                                const PhysicalMemory& physical);

}  // namespace csd
