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
  unsigned page_shift = 12;           // 12, 14 or 16
  unsigned va_bits = 48;              // NUMBER(VA_BITS): compile-time, places PAGE_OFFSET
  unsigned translation_va_bits = 48;  // bits the TTBR1 walk resolves (64 - T1SZ, or VA_BITS)
  // v5.4+ layout (b6d00d47e81a "arm64: mm: Introduce 52-bit Kernel VAs"):
  // linear map at the bottom of the kernel half. Older kernels: top half.
  bool flipped_layout = true;
  uint64_t phys_offset = 0;     // memstart_addr; may be "negative" (randomised linear map)
  uint64_t kimage_voffset = 0;  // kimage VA - PA
  uint64_t kimage_start = 0;    // runtime [_text, _end): translated with kimage_voffset
  uint64_t kimage_end = 0;      //   (0,0: kernel image goes through the page tables)
  uint64_t pgd_pa = 0;          // physical address of swapper_pg_dir
  // Output-address format of the descriptors: 48, or 52 for the 52-bit forms
  // (64K: FEAT_LPA, PA[51:48] in desc[15:12]; 4K/16K: LPA2, PA[51:50] in
  // desc[9:8], which are shareability bits otherwise). A 4K/16K walk of more
  // than 48 VA bits implies LPA2 (v6.9, 352b0395b505).
  unsigned pa_bits = 48;
};

// Derived constants, exposed for `info` and tests.
uint64_t Arm64PageOffset(const Arm64Params& params);
// VA_BITS_MIN: the smallest VA size the kernel may fall back to at boot,
// which places PAGE_END and the kernel image. VA_BITS up to 48; above it 48,
// or 47 with 16K pages (where 48 bits would need a 2-entry fourth level).
unsigned Arm64VaBitsMin(const Arm64Params& params);
// End of the linear region (exclusive); 0 stands for 2^64 (the pre-5.4 layout).
uint64_t Arm64PageEnd(const Arm64Params& params);
// Levels of the TTBR1 walk (from page_shift and translation_va_bits); 0 when
// those are not a valid arm64 geometry.
unsigned Arm64Levels(const Arm64Params& params);

// The translator keeps a reference to `physical`. Invalid parameters (granule,
// VA sizes, pa_bits, a misaligned pgd_pa) do not fail here: every Translate()
// then returns kInvalidArgument saying why. Not thread-safe: a translator
// caches descriptors, so use it from one thread at a time.
std::unique_ptr<Translator> MakeArm64Translator(const Arm64Params& params,
                                                const PhysicalMemory& physical);

}  // namespace csd
