// SPDX-License-Identifier: MIT
#include "coresight/kernel_text.h"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

namespace csd {

namespace {

// _text.._etext spans several sections (.head.text, .text, and on real
// kernels alignment gaps between them), so it is assembled piece by piece;
// gaps stay zero, as the linker's padding is. At least one piece must read.
Expected<std::vector<std::byte>> ReadVmlinuxRange(const DebugInfo& vmlinux, uint64_t address,
                                                  uint64_t size) {
  std::vector<std::byte> bytes(size);
  const uint64_t end = address + size;  // no wrap: the caller checked _etext > _text
  bool any = false;
  for (const SectionInfo& section : vmlinux.sections()) {
    if (!section.has_bits || section.size == 0) continue;
    const uint64_t from = std::max(address, section.address);
    const uint64_t to = std::min(end, section.address + std::min(section.size, ~section.address));
    if (from >= to) continue;
    // ReadLinkTime refuses sections that are not allocated: skip those.
    auto piece = vmlinux.ReadLinkTime(from, to - from);
    if (!piece.ok()) continue;
    std::copy(piece->begin(), piece->end(), bytes.begin() + static_cast<ptrdiff_t>(from - address));
    any = true;
  }
  if (!any) {
    return Error(ErrorCode::kNotMapped,
                 fmt::format("no allocated section of {} holds any of [{:#x}, {:#x})",
                             vmlinux.path().string(), address, end));
  }
  return bytes;
}

}  // namespace

Expected<MemoryImage> ReadKernelText(const KernelTarget& target, const KernelTextLimits& limits,
                                     DiagnosticSink& diagnostics) {
  CSD_ASSIGN_OR_RETURN(SymbolInfo text, target.debuginfo().Symbol("_text"));
  CSD_ASSIGN_OR_RETURN(SymbolInfo etext, target.debuginfo().Symbol("_etext"));
  if (etext.address <= text.address) {
    return Error(ErrorCode::kCorrupt, fmt::format("vmlinux _etext {:#x} is not above _text {:#x}",
                                                  etext.address, text.address));
  }
  const uint64_t size = etext.address - text.address;
  if (size > limits.max_bytes) {
    return Error(ErrorCode::kLimit,
                 fmt::format("kernel text _text.._etext is {} bytes, over the --max-kernel-text "
                             "cap of {} bytes (raise with --max-kernel-text)",
                             size, limits.max_bytes));
  }
  MemoryImage image;
  image.va = text.address + target.kaslr_offset();
  image.bytes.resize(size);
  auto status = target.memory().Read(image.va, image.bytes);
  if (status.ok()) {
    image.source = kTextSourceDump;
    return image;
  }
  // The dump producer may have filtered the kernel image out; the vmlinux
  // bytes then still let the decoder follow unpatched code.
  CSD_ASSIGN_OR_RETURN(image.bytes, ReadVmlinuxRange(target.debuginfo(), text.address, size));
  image.source = kTextSourceVmlinux;
  diagnostics.Warn(
      fmt::format("kernel text at {:#x} ({} bytes) is not in the dump ({}); the decoder "
                  "images use the vmlinux bytes, without runtime patching",
                  image.va, size, status.error().Describe()));
  return image;
}

}  // namespace csd
