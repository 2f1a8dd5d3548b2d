// SPDX-License-Identifier: MIT
#include "csdump-mkcore/arm64_pgtable_builder.h"

#include <fmt/format.h>

#include "base/byte_reader.h"

namespace csd::mkcore {

using namespace arm64_desc;

uint64_t Arm64PgtableGeometry::entries(unsigned level) const {
  if (level + 1 < levels()) return 1ull << bits_per_level();
  // The top level resolves whatever bits are left over.
  return 1ull << (va_bits - page_shift - (levels() - 1) * bits_per_level());
}

uint64_t Arm64PgtableGeometry::EncodeAddress(uint64_t pa) const {
  if (pa_bits != 52) return pa & kAddrMask;
  // FEAT_LPA: the 64K granule leaves desc[15:12] free for PA[51:48].
  if (!lpa2()) return (pa & kAddrMask) | ((pa >> 48) & 0xf) << 12;
  // LPA2: PA[49:48] in place, PA[51:50] in desc[9:8] (__phys_to_pte_val).
  return (pa & kLpa2AddrMask) | ((pa >> 50) & 0x3) << 8;
}

uint64_t Arm64PgtableGeometry::DecodeAddress(uint64_t desc) const {
  const uint64_t page_mask = ~(page_size() - 1);
  if (pa_bits != 52) return desc & kAddrMask & page_mask;
  if (!lpa2()) return (desc & kAddrMask & page_mask) | ((desc >> 12) & 0xf) << 48;
  return (desc & kLpa2AddrMask & page_mask) | ((desc >> 8) & 0x3) << 50;
}

uint64_t Arm64PgtableGeometry::leaf_attrs() const {
  return lpa2() ? kLeafAttrs & ~kShInner : kLeafAttrs;
}

Expected<Arm64PgtableBuilder> Arm64PgtableBuilder::Create(PhysImage& image,
                                                          Arm64PgtableGeometry geometry,
                                                          uint64_t root_pa, TableAllocator alloc) {
  if (geometry.page_shift != 12 && geometry.page_shift != 14 && geometry.page_shift != 16) {
    return Error(ErrorCode::kInvalidArgument,
                 fmt::format("page shift {} is not 12, 14 or 16", geometry.page_shift));
  }
  if (geometry.va_bits < 36 || geometry.va_bits > 52) {
    return Error(
        ErrorCode::kUnsupported,
        fmt::format("{}-bit VAs are not supported by the table builder", geometry.va_bits));
  }
  if (geometry.pa_bits != 48 && geometry.pa_bits != 52) {
    return Error(ErrorCode::kUnsupported,
                 fmt::format("{}-bit PAs are not 48 or 52", geometry.pa_bits));
  }
  // With 4K and 16K pages the architecture resolves more than 48 VA bits only
  // with TCR_EL1.DS = 1, which also switches the descriptors to LPA2.
  if (geometry.page_shift != 16 && geometry.va_bits > 48 && geometry.pa_bits != 52) {
    return Error(ErrorCode::kUnsupported,
                 fmt::format("{}-bit VAs with {} KiB pages need LPA2 (52-bit PAs)",
                             geometry.va_bits, geometry.page_size() >> 10));
  }
  if (root_pa % 8 != 0)
    return Error(ErrorCode::kInvalidArgument, fmt::format("root {:#x} is not 8-aligned", root_pa));
  CSD_RETURN_IF_ERROR(image.Zero(root_pa, geometry.root_bytes()));
  return Arm64PgtableBuilder(image, geometry, root_pa, std::move(alloc));
}

Expected<uint64_t> Arm64PgtableBuilder::ReadDesc(uint64_t desc_pa) const {
  std::byte bytes[8];
  CSD_RETURN_IF_ERROR(image_->ReadPhysical(desc_pa, bytes));
  return LoadUnsigned(bytes, Endian::kLittle);
}

Expected<uint64_t> Arm64PgtableBuilder::TableFor(uint64_t va, unsigned level) {
  uint64_t table = root_pa_;
  for (unsigned l = geometry_.levels() - 1; l > level; --l) {
    const uint64_t desc_pa = table + geometry_.index(va, l) * 8;
    CSD_ASSIGN_OR_RETURN(uint64_t desc, ReadDesc(desc_pa));
    if (!(desc & kValid)) {
      CSD_ASSIGN_OR_RETURN(uint64_t fresh, alloc_(geometry_.page_size()));
      if (fresh >> geometry_.pa_bits) {
        return Error(ErrorCode::kUnsupported, fmt::format("table PA {:#x} needs more than {} bits",
                                                          fresh, geometry_.pa_bits));
      }
      CSD_RETURN_IF_ERROR(image_->Zero(fresh, geometry_.page_size()));
      ++tables_allocated_;
      CSD_RETURN_IF_ERROR(image_->WriteUnsigned(
          desc_pa, geometry_.EncodeAddress(fresh) | kValid | kTableOrPage, 8));
      table = fresh;
    } else if (!(desc & kTableOrPage)) {
      return Error(ErrorCode::kInvalidArgument,
                   fmt::format("VA {:#x}: level {} already holds a block mapping", va, l));
    } else {
      table = geometry_.DecodeAddress(desc);
    }
  }
  return table;
}

Status Arm64PgtableBuilder::SetLeaf(uint64_t va, uint64_t pa, unsigned level) {
  const uint64_t leaf = level == 0 ? geometry_.page_size() : (1ull << geometry_.shift(level));
  if (va % leaf || pa % leaf) {
    return Error(ErrorCode::kInvalidArgument,
                 fmt::format("VA {:#x} / PA {:#x} not aligned to {:#x}", va, pa, leaf));
  }
  if (pa >> geometry_.pa_bits) {
    return Error(ErrorCode::kUnsupported,
                 fmt::format("PA {:#x} needs more than {} bits", pa, geometry_.pa_bits));
  }
  const uint64_t top = ~0ull << geometry_.va_bits;
  if ((va & top) != top) {
    return Error(ErrorCode::kInvalidArgument,
                 fmt::format("VA {:#x} is not a kernel (TTBR1) address for {}-bit VAs", va,
                             geometry_.va_bits));
  }
  CSD_ASSIGN_OR_RETURN(uint64_t table, TableFor(va, level));
  const uint64_t desc_pa = table + geometry_.index(va, level) * 8;
  const uint64_t desc = geometry_.EncodeAddress(pa) | kValid | (level == 0 ? kTableOrPage : 0) |
                        geometry_.leaf_attrs();
  CSD_ASSIGN_OR_RETURN(uint64_t old, ReadDesc(desc_pa));
  if (old & kValid) {
    if (old == desc) return OkStatus();
    return Error(
        ErrorCode::kInvalidArgument,
        fmt::format("VA {:#x} is already mapped (descriptor {:#x}, wanted {:#x})", va, old, desc));
  }
  return image_->WriteUnsigned(desc_pa, desc, 8);
}

Status Arm64PgtableBuilder::MapPage(uint64_t va, uint64_t pa) {
  return SetLeaf(va, pa, 0);
}

Status Arm64PgtableBuilder::MapRange(uint64_t va, uint64_t pa, uint64_t size, bool use_blocks) {
  const uint64_t page = geometry_.page_size(), block = geometry_.block_size();
  // Blocks at level 1 need a level above it to hold the table.
  use_blocks = use_blocks && geometry_.levels() >= 2;
  if (va % page || pa % page || size % page) {
    return Error(
        ErrorCode::kInvalidArgument,
        fmt::format("range VA {:#x} PA {:#x} size {:#x} is not page-aligned", va, pa, size));
  }
  for (uint64_t done = 0; done < size;) {
    const uint64_t v = va + done, p = pa + done;
    if (use_blocks && v % block == 0 && p % block == 0 && size - done >= block) {
      CSD_RETURN_IF_ERROR(SetLeaf(v, p, 1));
      done += block;
    } else {
      CSD_RETURN_IF_ERROR(SetLeaf(v, p, 0));
      done += page;
    }
  }
  return OkStatus();
}

std::vector<uint64_t> Arm64PgtableBuilder::WalkDescriptorAddresses(uint64_t va) const {
  std::vector<uint64_t> out;
  uint64_t table = root_pa_;
  for (unsigned l = geometry_.levels(); l-- > 0;) {
    const uint64_t desc_pa = table + geometry_.index(va, l) * 8;
    out.push_back(desc_pa);
    auto desc = ReadDesc(desc_pa);
    if (!desc.ok() || !(*desc & kValid) || l == 0 || !(*desc & kTableOrPage)) break;
    table = geometry_.DecodeAddress(*desc);
  }
  return out;
}

}  // namespace csd::mkcore
