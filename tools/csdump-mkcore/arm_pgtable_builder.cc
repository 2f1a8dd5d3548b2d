// SPDX-License-Identifier: MIT
#include "csdump-mkcore/arm_pgtable_builder.h"

#include <fmt/format.h>

#include <array>

#include "base/byte_reader.h"

namespace csd::mkcore {
namespace {

constexpr uint64_t kSection = 1ull << 20;  // short-descriptor section
constexpr uint64_t kBlock = 2ull << 20;    // LPAE level-2 block
// Short descriptors (ARM ARM B3.5.1): section = 0b10 | C | B | AP[0] (bit 10,
// kernel RW); small page = 0b10 | C | B | AP[0] (bit 4); page table = 0b01.
constexpr uint32_t kShortSection = 0x2 | 0xc | (1u << 10);
constexpr uint32_t kShortSmallPage = 0x2 | 0xc | (1u << 4);
constexpr uint32_t kShortPageTable = 0x1;
// Linux's software PTE bits (pgtable-2level.h): L_PTE_PRESENT | L_PTE_YOUNG | L_PTE_DIRTY.
constexpr uint32_t kLinuxPte = 0x1 | 0x2 | 0x40;
// LPAE (B3.6.1): valid | AF | inner shareable; table/page set bit 1.
constexpr uint64_t kLpaeBlock = 0x1 | (1ull << 10) | (3ull << 8);
constexpr uint64_t kLpaePage = kLpaeBlock | 0x2;
constexpr uint64_t kLpaeTable = 0x3;
constexpr uint64_t kLpaeAddr = 0x000000fffffff000ull;

}  // namespace

Expected<ArmPgtableBuilder> ArmPgtableBuilder::Create(PhysImage& image, bool lpae, uint64_t root_pa,
                                                      TableAllocator alloc) {
  ArmPgtableBuilder b(image, lpae, root_pa, std::move(alloc));
  CSD_RETURN_IF_ERROR(image.Zero(root_pa, b.root_bytes()));
  if (lpae) {
    for (uint64_t i = 0; i < 4; ++i) {
      CSD_RETURN_IF_ERROR(
          image.WriteUnsigned(root_pa + i * 8, (root_pa + 0x1000 * (i + 1)) | kLpaeTable, 8));
    }
  }
  return b;
}

Expected<uint64_t> ArmPgtableBuilder::Read(uint64_t pa, size_t width) const {
  std::array<std::byte, 8> bytes{};
  CSD_RETURN_IF_ERROR(image_->ReadPhysical(pa, std::span(bytes.data(), width)));
  return LoadUnsigned(std::span(bytes.data(), width), Endian::kLittle);
}

Status ArmPgtableBuilder::MapLeaf(uint64_t va, uint64_t pa, bool big) {
  if (va > 0xffffffffu)
    return Error(ErrorCode::kInvalidArgument, fmt::format("VA {:#x} is not 32-bit", va));
  if (!lpae_) {
    const uint64_t l1 = root_pa_ + (va >> 20) * 4;
    CSD_ASSIGN_OR_RETURN(uint64_t d1, Read(l1, 4));
    if (big) {
      if (d1 != 0)
        return Error(ErrorCode::kInvalidArgument, fmt::format("VA {:#x} is already mapped", va));
      return image_->WriteUnsigned(l1, (pa & 0xfff00000u) | kShortSection, 4);
    }
    if ((d1 & 3) == 2)
      return Error(ErrorCode::kInvalidArgument, fmt::format("VA {:#x} is inside a section", va));
    if (d1 == 0) {
      // One page serves the even/odd MiB pair, as pgd_alloc/pte_alloc do.
      CSD_ASSIGN_OR_RETURN(uint64_t page, alloc_(4096));
      CSD_RETURN_IF_ERROR(image_->Zero(page, 4096));
      const uint64_t pair = root_pa_ + ((va >> 20) & ~1ull) * 4;
      CSD_RETURN_IF_ERROR(image_->WriteUnsigned(pair, (page + 2048) | kShortPageTable, 4));
      CSD_RETURN_IF_ERROR(image_->WriteUnsigned(pair + 4, (page + 3072) | kShortPageTable, 4));
      d1 = ((va >> 20) & 1) ? page + 3072 : page + 2048;
    }
    const uint64_t hw = d1 & 0xfffffc00u;
    const uint64_t index = (va >> 12) & 0xff;
    // Linux PTE table n sits 2048 bytes below hardware table n.
    CSD_RETURN_IF_ERROR(
        image_->WriteUnsigned(hw - 2048 + index * 4, (pa & 0xfffff000u) | kLinuxPte, 4));
    return image_->WriteUnsigned(hw + index * 4, (pa & 0xfffff000u) | kShortSmallPage, 4);
  }
  const uint64_t pmd = root_pa_ + 0x1000 * ((va >> 30) + 1) + ((va >> 21) & 0x1ff) * 8;
  CSD_ASSIGN_OR_RETURN(uint64_t d2, Read(pmd, 8));
  if (big) {
    if (d2 != 0)
      return Error(ErrorCode::kInvalidArgument, fmt::format("VA {:#x} is already mapped", va));
    return image_->WriteUnsigned(pmd, (pa & kLpaeAddr & ~(kBlock - 1)) | kLpaeBlock, 8);
  }
  if (d2 != 0 && (d2 & 3) != 3)
    return Error(ErrorCode::kInvalidArgument, fmt::format("VA {:#x} is inside a block", va));
  if (d2 == 0) {
    CSD_ASSIGN_OR_RETURN(uint64_t page, alloc_(4096));
    CSD_RETURN_IF_ERROR(image_->Zero(page, 4096));
    CSD_RETURN_IF_ERROR(image_->WriteUnsigned(pmd, page | kLpaeTable, 8));
    d2 = page | kLpaeTable;
  }
  const uint64_t pte = (d2 & kLpaeAddr) + ((va >> 12) & 0x1ff) * 8;
  return image_->WriteUnsigned(pte, (pa & kLpaeAddr) | kLpaePage, 8);
}

Status ArmPgtableBuilder::MapPage(uint64_t va, uint64_t pa) {
  return MapLeaf(va, pa, false);
}

Status ArmPgtableBuilder::MapRange(uint64_t va, uint64_t pa, uint64_t size) {
  const uint64_t big = lpae_ ? kBlock : kSection;
  for (uint64_t done = 0; done < size;) {
    const uint64_t v = va + done;
    const uint64_t p = pa + done;
    if (v % big == 0 && p % big == 0 && size - done >= big) {
      CSD_RETURN_IF_ERROR(MapLeaf(v, p, true));
      done += big;
    } else {
      CSD_RETURN_IF_ERROR(MapLeaf(v, p, false));
      done += 4096;
    }
  }
  return OkStatus();
}

Status ArmPgtableBuilder::CorruptLeaf(uint64_t va, bool invalid) {
  const std::vector<uint64_t> walk = WalkDescriptorAddresses(va);
  // A page mapping has a leaf below the root: two levels short, three LPAE.
  if (walk.size() != (lpae_ ? 3u : 2u)) {
    return Error(ErrorCode::kInvalidArgument, fmt::format("VA {:#x} is not mapped by a page", va));
  }
  if (!lpae_) {
    return image_->WriteUnsigned(walk.back(), invalid ? 0 : (0xfff00000u | kShortSmallPage), 4);
  }
  return image_->WriteUnsigned(walk.back(), invalid ? 0 : (0xfff0000000ull | kLpaePage), 8);
}

std::vector<uint64_t> ArmPgtableBuilder::WalkDescriptorAddresses(uint64_t va) const {
  std::vector<uint64_t> out;
  if (!lpae_) {
    const uint64_t l1 = root_pa_ + ((va >> 20) & 0xfff) * 4;
    out.push_back(l1);
    auto d1 = Read(l1, 4);
    if (d1.ok() && (*d1 & 3) == 1) out.push_back((*d1 & 0xfffffc00u) + ((va >> 12) & 0xff) * 4);
    return out;
  }
  uint64_t table = root_pa_;
  for (unsigned shift : {30u, 21u, 12u}) {
    const uint64_t desc_pa = table + ((va >> shift) & (shift == 30 ? 3 : 0x1ff)) * 8;
    out.push_back(desc_pa);
    auto d = Read(desc_pa, 8);
    if (!d.ok() || (*d & 3) != 3 || shift == 12) break;
    table = *d & kLpaeAddr;
  }
  return out;
}

}  // namespace csd::mkcore
