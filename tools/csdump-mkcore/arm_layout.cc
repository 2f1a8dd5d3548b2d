// SPDX-License-Identifier: MIT
// Arm64Layout::CreateArm: the 32-bit ARM kernel map (formats.md §4.3) in the
// same shape as the arm64 one, so the kernel-structure writer and the
// expected-output oracle serve both architectures unchanged.
#include <fmt/format.h>

#include "csdump-mkcore/arm64_layout.h"

namespace csd::mkcore {
namespace {

constexpr uint64_t kMiB = 1ull << 20;
// The lowest VMALLOC_START the kernel allows: VMALLOC_END (0xff800000) minus
// the 240 MiB minimum vmalloc area and the 8 MiB VMALLOC_OFFSET gap
// (arch/arm/mm/mmu.c vmalloc_min), so high_memory never exceeds it.
constexpr uint64_t kArmLowmemLimit = 0xf0000000;

Error LayoutError(std::string message) {
  return Error(ErrorCode::kInvalidArgument, std::move(message));
}

}  // namespace

Expected<Arm64Layout> Arm64Layout::CreateArm(const Spec& spec, const KernelModel& kernel) {
  Arm64Layout l;
  if (spec.page_size != 4096)
    return LayoutError("spec.page_size: 32-bit ARM Linux uses 4096-byte pages");
  l.page_size_ = 4096;
  l.va_bits_ = 32;
  l.flipped_ = false;
  l.kaslr_ = 0;  // no KASLR on 32-bit ARM
  l.page_offset_ = spec.page_offset;
  for (const RamRange& r : spec.ram) l.ram_.push_back({r.start, r.size});
  l.phys_offset_ = spec.phys_offset_or_default();
  const uint64_t ram_end = l.ram_.back().start + l.ram_.back().size;
  if (spec.highmem >= ram_end - l.phys_offset_ || spec.highmem % kMiB) {
    return LayoutError(
        fmt::format("spec.highmem {:#x} must be a MiB multiple smaller than RAM", spec.highmem));
  }
  const uint64_t lowmem_end = ram_end - spec.highmem;  // PA
  const uint64_t high_memory = lowmem_end - l.phys_offset_ + l.page_offset_;
  if (high_memory > kArmLowmemLimit) {
    return LayoutError(fmt::format(
        "lowmem [{:#x}, {:#x}) would end at VA {:#x}, above {:#x}: raise spec.highmem or lower RAM",
        l.phys_offset_, lowmem_end, high_memory, kArmLowmemLimit));
  }
  l.linear_last_ = high_memory - 1;
  if (kernel.text < l.page_offset_ || kernel.text % 4096) {
    return LayoutError(fmt::format(
        "vmlinux _text {:#x} is not a page-aligned lowmem address above spec.page_offset {:#x}",
        kernel.text, l.page_offset_));
  }
  l.text_ = kernel.text;
  l.image_size_ = (kernel.end - kernel.text + 4095) & ~4095ull;
  l.kernel_phys_ = kernel.text - l.page_offset_ + l.phys_offset_;
  l.kimage_voffset_ = l.page_offset_ - l.phys_offset_;  // mod 2^64, like the linear formula
  if (l.kernel_phys_ + l.image_size_ > lowmem_end) {
    return LayoutError(
        fmt::format("the kernel image [{:#x}, {:#x}) does not fit in lowmem (ends at {:#x})",
                    l.kernel_phys_, l.kernel_phys_ + l.image_size_, lowmem_end));
  }
  // VMALLOC_START = ALIGN(high_memory + VMALLOC_OFFSET, VMALLOC_OFFSET), 8 MiB.
  l.vmalloc_base_ = ((high_memory + 8 * kMiB) + 8 * kMiB - 1) & ~(8 * kMiB - 1);
  l.vmalloc_next_ = l.vmalloc_base_;
  l.vmalloc_limit_ = 0xff800000;
  l.unmapped_next_ = l.vmalloc_base_ + 64 * kMiB;
  return l;
}

}  // namespace csd::mkcore
