// SPDX-License-Identifier: MIT
// Builds arm64 stage-1 kernel (TTBR1) page tables in a PhysImage, rooted at
// swapper_pg_dir, with real VMSAv8-64 descriptors. A real kernel maps the
// kernel image, the linear map and every vmalloc area; so do we, so that a
// reader which only walks tables works as well as one using the linear-map
// and kimage shortcuts (formats.md §4.2).
//
// Geometry is computed from the granule and VA size, never assumed 4K/4-level:
//   levels = ceil((va_bits - page_shift) / (page_shift - 3)), level 0 = last
// (so a 4K/52-bit LPA2 walk has levels 4..0, the ARM ARM's -1..3).
//
// Output addresses follow pa_bits: 48 puts PA[47:page_shift] in place; 52
// with 64K pages (FEAT_LPA) adds PA[51:48] in desc[15:12]; 52 with 4K/16K
// pages (LPA2, TCR_EL1.DS = 1) puts PA[49:page_shift] in place and PA[51:50]
// in desc[9:8], which then no longer hold shareability.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "base/error.h"
#include "csdump-mkcore/phys_image.h"

namespace csd::mkcore {

struct Arm64PgtableGeometry {
  unsigned page_shift = 12;
  unsigned va_bits = 48;
  unsigned pa_bits = 48;  // 48, or 52 (FEAT_LPA with 64K pages, LPA2 with 4K/16K)

  unsigned bits_per_level() const { return page_shift - 3; }
  unsigned levels() const {
    return (va_bits - page_shift + bits_per_level() - 1) / bits_per_level();
  }
  unsigned shift(unsigned level) const { return page_shift + level * bits_per_level(); }
  uint64_t entries(unsigned level) const;  // top level may have fewer
  uint64_t page_size() const { return 1ull << page_shift; }
  // Block mapped by one entry at level 1 (2 MiB with 4K pages, 32 MiB 16K, 512 MiB 64K).
  uint64_t block_size() const { return 1ull << shift(1); }
  uint64_t index(uint64_t va, unsigned level) const {
    return (va >> shift(level)) & (entries(level) - 1);
  }
  // Bytes of the top-level table (swapper_pg_dir must be at least this big).
  uint64_t root_bytes() const { return entries(levels() - 1) * 8; }
  // The 4K/16K 52-bit descriptor format (TCR_EL1.DS = 1).
  bool lpa2() const { return pa_bits == 52 && page_shift != 16; }
  // A page-aligned PA as the output-address bits of a descriptor, and back.
  uint64_t EncodeAddress(uint64_t pa) const;
  uint64_t DecodeAddress(uint64_t desc) const;
  // Block and page attributes: with LPA2 desc[9:8] are address bits, and
  // shareability comes from TCR_EL1.SH1 instead (the kernel's PTE_MAYBE_SHARED).
  uint64_t leaf_attrs() const;
};

// Descriptor bits (ARM ARM D8.3). Attributes are those of kernel normal
// memory: access flag set (a clear AF would fault), inner shareable,
// AttrIndx 0, unprivileged-execute-never.
namespace arm64_desc {
inline constexpr uint64_t kValid = 1ull << 0;
inline constexpr uint64_t kTableOrPage = 1ull
                                         << 1;  // with kValid: table (levels > 0) or page (level 0)
inline constexpr uint64_t kAf = 1ull << 10;
inline constexpr uint64_t kShInner = 3ull << 8;
inline constexpr uint64_t kUxn = 1ull << 54;
inline constexpr uint64_t kLeafAttrs = kAf | kShInner | kUxn;
inline constexpr uint64_t kAddrMask = 0x0000fffffffff000ull;      // 48-bit output addresses
inline constexpr uint64_t kLpa2AddrMask = 0x0003fffffffff000ull;  // LPA2: desc[49:12]
}  // namespace arm64_desc

class Arm64PgtableBuilder {
 public:
  // Returns the PA of a fresh page_size-aligned page for a table.
  using TableAllocator = std::function<Expected<uint64_t>(uint64_t size)>;

  // Zeroes the root table at `root_pa` (the vmlinux's bytes there must not
  // leave stray entries behind). kUnsupported for a geometry the architecture
  // has no format for (52-bit VAs with 4K/16K pages need pa_bits 52).
  static Expected<Arm64PgtableBuilder> Create(PhysImage& image, Arm64PgtableGeometry geometry,
                                              uint64_t root_pa, TableAllocator alloc);

  // Maps one page. kInvalidArgument if `va` is not a TTBR1 address, if it is
  // already mapped elsewhere, or if it lies inside an existing block;
  // kUnsupported if `pa` needs more than pa_bits.
  Status MapPage(uint64_t va, uint64_t pa);
  // Maps [va, va+size) to [pa, pa+size); with `use_blocks`, level-1 blocks
  // wherever both addresses are block-aligned (how the kernel maps the linear map).
  Status MapRange(uint64_t va, uint64_t pa, uint64_t size, bool use_blocks);

  // The physical addresses of the descriptors a walk of `va` reads, root first,
  // stopping at the leaf or the first invalid entry. Lets the expected-output
  // oracle check that a walk's table pages survived truncation.
  std::vector<uint64_t> WalkDescriptorAddresses(uint64_t va) const;

  const Arm64PgtableGeometry& geometry() const { return geometry_; }
  uint64_t root_pa() const { return root_pa_; }
  size_t tables_allocated() const { return tables_allocated_; }

 private:
  Arm64PgtableBuilder(PhysImage& image, Arm64PgtableGeometry geometry, uint64_t root_pa,
                      TableAllocator alloc)
      : image_(&image), geometry_(geometry), root_pa_(root_pa), alloc_(std::move(alloc)) {}
  Expected<uint64_t> ReadDesc(uint64_t desc_pa) const;
  // The table at `level` for `va`, creating intermediate tables on the way.
  Expected<uint64_t> TableFor(uint64_t va, unsigned level);
  Status SetLeaf(uint64_t va, uint64_t pa, unsigned level);

  PhysImage* image_;
  Arm64PgtableGeometry geometry_;
  uint64_t root_pa_;
  TableAllocator alloc_;
  size_t tables_allocated_ = 0;
};

}  // namespace csd::mkcore
