// SPDX-License-Identifier: MIT
// "format": "raw": the RAM of the synthetic machine as a bootloader saves it
// after a watchdog reset (kernel-abi.md §2.1): one headerless file per RAM
// range, DIR/ram-0x<start>.bin, plus DIR/vmcoreinfo.txt (the VMCOREINFO text
// as the kernel prints it) unless the spec says "raw_vmcoreinfo": "none".
// With "embedded" the text is also in RAM, as the kernel's vmcoreinfo_data
// page is, for csdump-extract's scan to find.
#pragma once

#include <filesystem>
#include <string>

#include "base/byte_reader.h"
#include "base/error.h"
#include "csdump-mkcore/phys_image.h"
#include "csdump-mkcore/spec.h"

namespace csd::mkcore {

// Places `text` NUL-terminated in a fresh page near the top of RAM (away from
// the kernel image, so a scan must really look); returns its PA.
Expected<uint64_t> EmbedVmcoreinfo(PhysImage& image, PhysAllocator& alloc, const std::string& text,
                                   uint64_t page_size);

// Writes the image files (each through a temporary name) and vmcoreinfo.txt.
Status WriteRawCore(const std::filesystem::path& out_dir, const PhysImage& image,
                    const std::string& vmcoreinfo, RawVmcoreinfo mode);

}  // namespace csd::mkcore
