// SPDX-License-Identifier: MIT
#include "csdump-mkcore/arm64_layout.h"

#include <fmt/format.h>

#include <algorithm>

#include "base/byte_reader.h"

namespace csd::mkcore {
namespace {

constexpr uint64_t kGiB = 1ull << 30;

uint64_t AlignUp(uint64_t v, uint64_t a) {
  return (v + a - 1) / a * a;
}

Error LayoutError(std::string message) {
  return Error(ErrorCode::kInvalidArgument, std::move(message));
}

}  // namespace

Expected<Arm64Layout> Arm64Layout::Create(const Spec& spec, const KernelModel& kernel) {
  Arm64Layout l;
  l.page_size_ = spec.page_size;
  l.va_bits_ = spec.va_bits;
  l.flipped_ = spec.layout == VaLayout::kFlipped;
  const unsigned vb = spec.va_bits;
  const char* layout_name = l.flipped_ ? "flipped" : "legacy";
  uint64_t kimage_lo;
  if (l.flipped_) {
    // 52-bit kernels keep the kernel image and vmalloc where the smallest
    // VA size they fall back to has them: PAGE_END = _PAGE_END(VA_BITS_MIN),
    // VA_BITS_MIN = 48, or 47 with 16K pages (a 48-bit 16K walk would need
    // a fourth level of 2 entries; at 47 bits the kernel folds it away).
    const unsigned vmin = vb > 48 ? (spec.page_size == 16384 ? 47u : 48u) : vb;
    l.page_offset_ = ~0ull << vb;
    l.linear_last_ = (~0ull << (vmin - 1)) - 1;
    kimage_lo = l.linear_last_ + 1;
    // Stay clear of vmemmap/PCI/fixmap at the top of the address space.
    l.vmalloc_limit_ = ~0ull << (vmin - 5);
  } else {
    l.page_offset_ = ~0ull << (vb - 1);
    l.linear_last_ = ~0ull;
    kimage_lo = ~0ull << vb;
    l.vmalloc_limit_ = l.page_offset_ - (1ull << (vb - 4));
  }
  l.kaslr_ = spec.kaslr_offset;
  if (kernel.text % spec.page_size) {
    return LayoutError(fmt::format("vmlinux _text {:#x} is not aligned to page_size {:#x}",
                                   kernel.text, spec.page_size));
  }
  const auto text = CheckedAdd(kernel.text, spec.kaslr_offset);
  l.image_size_ = AlignUp(kernel.end - kernel.text, spec.page_size);
  if (!text || *text < kimage_lo || *text >= l.vmalloc_limit_ ||
      *text + l.image_size_ + 3 * kGiB > l.vmalloc_limit_) {
    return LayoutError(
        fmt::format("the kernel image (vmlinux _text {:#x} + kaslr_offset {:#x}) is not in the "
                    "kernel-image region "
                    "[{:#x}, {:#x}) of a {}-bit \"{}\" layout; check spec.va_bits, spec.layout and "
                    "spec.kaslr_offset "
                    "against this vmlinux",
                    kernel.text, spec.kaslr_offset, kimage_lo, l.vmalloc_limit_, vb, layout_name));
  }
  l.text_ = *text;

  l.ram_.reserve(spec.ram.size());
  for (const RamRange& r : spec.ram) l.ram_.push_back({r.start, r.size});
  l.kernel_phys_ = spec.kernel_phys_or_default();
  bool image_in_ram = false;
  for (const auto& r : l.ram_) {
    if (l.kernel_phys_ >= r.start && l.kernel_phys_ + l.image_size_ <= r.start + r.size)
      image_in_ram = true;
  }
  if (!image_in_ram) {
    return LayoutError(
        fmt::format("spec.kernel_phys: the kernel image [{:#x}, {:#x}) is not inside one RAM range",
                    l.kernel_phys_, l.kernel_phys_ + l.image_size_));
  }
  l.kimage_voffset_ = l.text_ - l.kernel_phys_;

  l.phys_offset_ = spec.phys_offset_or_default();
  const uint64_t linear_span = l.linear_last_ - l.page_offset_;  // bytes - 1
  for (const auto& r : l.ram_) {
    const uint64_t off = r.start - l.phys_offset_;  // mod 2^64, as the kernel computes it
    if (off > linear_span || r.size - 1 > linear_span - off) {
      return LayoutError(fmt::format(
          "spec.phys_offset {:#x}: RAM [{:#x}, {:#x}) would not fit the {}-bit \"{}\" linear map "
          "(linear VA = PA - phys_offset + {:#x})",
          l.phys_offset_, r.start, r.start + r.size, vb, layout_name, l.page_offset_));
    }
  }

  // Module space: MODULES_END = KIMAGE_VADDR, 128 MiB below it; with KASLR
  // the module region moves with the image (module_alloc_base).
  constexpr uint64_t kModulesSize = 128ull << 20;
  if (l.text_ - kimage_lo >= kModulesSize) {
    l.module_base_ = l.text_ - kModulesSize;
    l.module_next_ = l.module_base_;
    l.module_limit_ = l.text_;
  }

  l.vmalloc_base_ = AlignUp(l.text_ + l.image_size_, kGiB) + kGiB;
  l.vmalloc_next_ = l.vmalloc_base_;
  l.unmapped_next_ = l.vmalloc_base_ + 2 * kGiB;
  return l;
}

uint64_t Arm64Layout::ReserveVmalloc(uint64_t pages) {
  const uint64_t va = vmalloc_next_;
  vmalloc_next_ += (pages + 1) * page_size_;
  return va;
}

uint64_t Arm64Layout::NextUnmapped() {
  // Not page-aligned on purpose: it looks like an object pointer.
  const uint64_t va = unmapped_next_ + 0x40;
  unmapped_next_ += 0x10000;
  return va;
}

Expected<uint64_t> Arm64Layout::ReserveModule(uint64_t pages) {
  if (module_limit_ == 0) {
    return LayoutError(fmt::format(
        "no module space: the 128 MiB below _text {:#x} are not kernel-image space in this layout",
        text_));
  }
  const uint64_t free_pages = (module_limit_ - module_next_) / page_size_;
  if (pages >= free_pages) {  // the guard page needs one more
    return Error(ErrorCode::kLimit,
                 fmt::format("module space [{:#x}, {:#x}) is full", module_base_, module_limit_));
  }
  const uint64_t va = module_next_;
  module_next_ += (pages + 1) * page_size_;
  return va;
}

bool Arm64Layout::IsPageMapped(uint64_t va) const {
  return (va >= vmalloc_base_ && va < vmalloc_next_) || (va >= module_base_ && va < module_next_);
}

std::optional<uint64_t> Arm64Layout::ResolveOne(uint64_t va, uint64_t* contiguous) const {
  if (va >= page_offset_ && va <= linear_last_) {
    const uint64_t pa = va - page_offset_ + phys_offset_;
    for (const auto& r : ram_) {
      if (pa >= r.start && pa - r.start < r.size) {
        *contiguous = std::min(r.start + r.size - pa, linear_last_ - va + 1);
        if (*contiguous == 0) *contiguous = r.start + r.size - pa;  // linear_last_ = 2^64-1 wrap
        return pa;
      }
    }
    return std::nullopt;
  }
  if (va >= text_ && va - text_ < image_size_) {
    *contiguous = image_size_ - (va - text_);
    return va - kimage_voffset_;
  }
  const uint64_t page_va = va & ~(page_size_ - 1);
  auto it = vmalloc_pages_.find(page_va);
  if (it == vmalloc_pages_.end()) return std::nullopt;
  *contiguous = page_va + page_size_ - va;
  return it->second + (va - page_va);
}

std::optional<std::vector<PaPiece>> Arm64Layout::Resolve(uint64_t va, uint64_t size) const {
  std::vector<PaPiece> pieces;
  for (uint64_t done = 0; done < size;) {
    uint64_t contiguous = 0;
    const auto pa = ResolveOne(va + done, &contiguous);
    if (!pa || va + done < va) return std::nullopt;
    const uint64_t n = std::min(contiguous, size - done);
    if (!pieces.empty() && pieces.back().pa + pieces.back().size == *pa) {
      pieces.back().size += n;
    } else {
      pieces.push_back({*pa, n});
    }
    done += n;
  }
  return pieces;
}

}  // namespace csd::mkcore
