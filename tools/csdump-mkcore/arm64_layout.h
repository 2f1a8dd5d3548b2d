// SPDX-License-Identifier: MIT
// The synthetic machine's kernel virtual address map (formats.md §4.1): where
// the linear map, the kernel image and our vmalloc area sit for a given
// VA_BITS and layout, and the VA -> PA truth that the page tables encode and
// the expected-output oracle reads back.
//
//   flipped (v5.4+): PAGE_OFFSET = -2^VA_BITS, linear map [PAGE_OFFSET, PAGE_END),
//                    PAGE_END = -2^(VA_BITS-1); kernel image and vmalloc above PAGE_END.
//   legacy (<5.4):   PAGE_OFFSET = -2^(VA_BITS-1), linear map up to 2^64;
//                    kernel image and vmalloc in [-2^VA_BITS, PAGE_OFFSET).
// In both, linear VA = PA - PHYS_OFFSET + PAGE_OFFSET (mod 2^64).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "base/error.h"
#include "csdump-mkcore/kernel_model.h"
#include "csdump-mkcore/spec.h"
#include "memory/physical_memory.h"

namespace csd::mkcore {

struct PaPiece {
  uint64_t pa = 0;
  uint64_t size = 0;
};

class Arm64Layout {
 public:
  // Validates that the spec's geometry and the vmlinux agree (the image lies
  // in the kimage region of this layout, RAM fits the linear map, the image
  // fits in RAM) with errors naming the spec keys to change.
  static Expected<Arm64Layout> Create(const Spec& spec, const KernelModel& kernel);
  // The same map for a 32-bit ARM spec ("arch": "arm"; defined in
  // arm_layout.cc): lowmem [PAGE_OFFSET, high_memory) is the linear map and
  // holds the kernel image (kimage_voffset = PAGE_OFFSET - PHYS_OFFSET, no
  // KASLR); vmalloc starts 8 MiB above high_memory (arch/arm/include/asm/pgtable.h).
  static Expected<Arm64Layout> CreateArm(const Spec& spec, const KernelModel& kernel);
  uint64_t high_memory() const { return linear_last_ + 1; }

  uint64_t page_size() const { return page_size_; }
  uint64_t page_offset() const { return page_offset_; }
  uint64_t phys_offset() const { return phys_offset_; }
  uint64_t kaslr_offset() const { return kaslr_; }
  uint64_t kimage_voffset() const { return kimage_voffset_; }
  uint64_t kernel_phys() const { return kernel_phys_; }
  uint64_t text() const { return text_; }              // runtime _text
  uint64_t image_size() const { return image_size_; }  // _end - _text, page-aligned
  uint64_t Runtime(uint64_t link_address) const { return link_address + kaslr_; }
  uint64_t KimagePa(uint64_t runtime_va) const { return runtime_va - kimage_voffset_; }
  uint64_t LinearVa(uint64_t pa) const { return pa - phys_offset_ + page_offset_; }
  const std::vector<PhysicalRange>& ram() const { return ram_; }

  // Reserves `pages` pages of vmalloc VA (plus a guard page, as vmalloc does).
  uint64_t ReserveVmalloc(uint64_t pages);
  // Reserves `pages` pages of module space (arm64 MODULES_VADDR..MODULES_END:
  // the 128 MiB below the runtime _text), plus a guard page; kLimit when full.
  Expected<uint64_t> ReserveModule(uint64_t pages);
  uint64_t module_base() const { return module_base_; }
  // Maps one page of vmalloc or module space (the page tables map every one).
  void MapVmallocPage(uint64_t va, uint64_t pa) { vmalloc_pages_[va] = pa; }
  const std::map<uint64_t, uint64_t>& vmalloc_pages() const { return vmalloc_pages_; }
  // A distinct kernel VA that nothing maps (a hole in our vmalloc area), for
  // "unmapped" corruptions; a page-table walk of it finds an invalid entry.
  uint64_t NextUnmapped();

  // The physical pieces behind [va, va+size), or nullopt if any byte has no
  // mapping (the truth the page tables are built from).
  std::optional<std::vector<PaPiece>> Resolve(uint64_t va, uint64_t size) const;
  // Whether `va` lies in the vmalloc or module area, which only the page
  // tables map (no linear or kimage shortcut).
  bool IsPageMapped(uint64_t va) const;

 private:
  std::optional<uint64_t> ResolveOne(uint64_t va, uint64_t* contiguous) const;

  uint64_t page_size_ = 4096;
  unsigned va_bits_ = 48;
  bool flipped_ = true;
  uint64_t page_offset_ = 0, linear_last_ = 0;  // linear region [page_offset_, linear_last_]
  uint64_t phys_offset_ = 0, kaslr_ = 0, kimage_voffset_ = 0, kernel_phys_ = 0;
  uint64_t text_ = 0, image_size_ = 0;
  uint64_t vmalloc_base_ = 0, vmalloc_next_ = 0, vmalloc_limit_ = 0, unmapped_next_ = 0;
  uint64_t module_base_ = 0, module_next_ = 0, module_limit_ = 0;  // module_limit_ 0: none
  std::vector<PhysicalRange> ram_;
  std::map<uint64_t, uint64_t> vmalloc_pages_;  // page VA -> PA
};

}  // namespace csd::mkcore
