// SPDX-License-Identifier: MIT
// Builds a 32-bit ARM kernel's swapper_pg_dir in a PhysImage the way Linux
// lays it out, so a reader is tested against the real shape:
//  - short descriptors (arch/arm/include/asm/pgtable-2level.h): a 16 KiB L1
//    of 4096 u32; lowmem as 1 MiB sections; each L2 page holds Linux's
//    software PTEs at +0/+1024 and the hardware tables at +2048/+3072, and
//    two consecutive L1 entries point at the hardware halves;
//  - LPAE (pgtable-3level.h): swapper_pg_dir is a 4-entry PGD page followed
//    by four PMD pages (0x5000 bytes); lowmem as 2 MiB blocks.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "base/error.h"
#include "csdump-mkcore/phys_image.h"

namespace csd::mkcore {

class ArmPgtableBuilder {
 public:
  // Returns the PA of a fresh 4 KiB-aligned page for an L2/L3 table.
  using TableAllocator = std::function<Expected<uint64_t>(uint64_t size)>;

  // Zeroes the root (0x4000 or 0x5000 bytes at `root_pa`) and, with LPAE,
  // points the four PGD entries at the PMD pages that follow it.
  static Expected<ArmPgtableBuilder> Create(PhysImage& image, bool lpae, uint64_t root_pa,
                                            TableAllocator alloc);

  // Maps one 4 KiB page; kInvalidArgument if `va` lies in a section/block.
  Status MapPage(uint64_t va, uint64_t pa);
  // Maps [va, va+size) with sections (1 MiB) or blocks (2 MiB) where both
  // addresses are aligned, pages elsewhere (how map_lowmem() does it).
  Status MapRange(uint64_t va, uint64_t pa, uint64_t size);
  // The PAs of the descriptors a walk of `va` reads, root first (for the
  // expected-output oracle).
  std::vector<uint64_t> WalkDescriptorAddresses(uint64_t va) const;
  // "corrupt": {"pte": ...} on ARM: the leaf (hardware) descriptor of `va`
  // becomes invalid (0), or a small page far above any RAM laid out.
  Status CorruptLeaf(uint64_t va, bool invalid);

  uint64_t root_pa() const { return root_pa_; }
  uint64_t root_bytes() const { return lpae_ ? 0x5000 : 0x4000; }

 private:
  ArmPgtableBuilder(PhysImage& image, bool lpae, uint64_t root_pa, TableAllocator alloc)
      : image_(&image), lpae_(lpae), root_pa_(root_pa), alloc_(std::move(alloc)) {}
  Expected<uint64_t> Read(uint64_t pa, size_t width) const;
  Status MapLeaf(uint64_t va, uint64_t pa, bool big);

  PhysImage* image_;
  bool lpae_;
  uint64_t root_pa_;
  TableAllocator alloc_;
};

}  // namespace csd::mkcore
