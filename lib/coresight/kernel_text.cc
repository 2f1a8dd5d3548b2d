// SPDX-License-Identifier: MIT
#include "coresight/kernel_text.h"

#include <fmt/format.h>

namespace csd {

Expected<MemoryImage> ReadKernelText(const KernelTarget& target, const KernelTextLimits& limits,
                                     std::string* warning) {
  CSD_ASSIGN_OR_RETURN(SymbolInfo text, target.debuginfo().Symbol("_text"));
  CSD_ASSIGN_OR_RETURN(SymbolInfo etext, target.debuginfo().Symbol("_etext"));
  if (etext.address <= text.address) {
    return Error(ErrorCode::kCorrupt, fmt::format("vmlinux _etext {:#x} is not above _text {:#x}",
                                                  etext.address, text.address));
  }
  const uint64_t size = etext.address - text.address;
  if (size > limits.max_bytes) {
    return Error(ErrorCode::kLimit,
                 fmt::format("kernel text _text.._etext is {} bytes, over the cap of {} bytes",
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
  CSD_ASSIGN_OR_RETURN(image.bytes, target.debuginfo().ReadLinkTime(text.address, size));
  image.source = kTextSourceVmlinux;
  if (warning != nullptr) {
    *warning = fmt::format(
        "kernel text at {:#x} ({} bytes) is not in the dump ({}); the decoder "
        "images use the vmlinux bytes, without runtime patching",
        image.va, size, status.error().Describe());
  }
  return image;
}

}  // namespace csd
