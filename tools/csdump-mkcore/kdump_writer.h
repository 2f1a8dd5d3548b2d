// SPDX-License-Identifier: MIT
// Writes the synthetic machine as a kdump-compressed dump (formats.md §3.4),
// optionally flattened (§3.5) or split into parts, from the same PhysImage
// and ElfCorePlan the ELF writer uses: a page goes into the 2nd bitmap exactly
// when the plan says a reader could fetch it from the ELF core, so
// expected.json (built from the plan) stays right for either container.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "base/error.h"
#include "csdump-mkcore/elf_core_writer.h"
#include "csdump-mkcore/kdump_options.h"
#include "csdump-mkcore/phys_image.h"

namespace csd::mkcore {

// The header layouts of formats.md §3.4: 64-bit; 32-bit with u64 fields
// 8-aligned (ARM EABI: makedumpfile on armhf); 32-bit packed (i386 ABI, and
// QEMU's own packed struct for 32-bit guests).
enum class KdumpHeaderLayout { k64, k32Padded, k32Packed };

struct KdumpWriteInput {
  const KdumpOptions& options;
  const ElfCorePlan& plan;  // notes, and which physical bytes are present
  const PhysImage& image;
  uint64_t page_size = 4096;
  uint64_t phys_base = 0;  // sub_header.phys_base (PHYS_OFFSET on arm64)
  std::string release;     // utsname.release
  KdumpHeaderLayout layout = KdumpHeaderLayout::k64;
  std::string machine = "aarch64";  // utsname.machine
  // Bitmap bit / descriptor PFN 0 stands for PA pfn_origin * page_size:
  // 32-bit ARM makedumpfile numbers PFNs from phys_base; everyone else from 0.
  uint64_t pfn_origin = 0;
};

// The finished files: one (vmcore), or `split` parts (vmcore.1..N).
Expected<std::vector<std::vector<std::byte>>> RenderKdump(const KdumpWriteInput& input);

// The flattened stream of `file`, with its records out of order and one
// overlapping record that a later one overrides.
std::vector<std::byte> FlattenKdump(const std::vector<std::byte>& file, uint64_t record_size);

// The files exactly as written: RenderKdump, flattened if asked.
Expected<std::vector<std::vector<std::byte>>> RenderKdumpFiles(const KdumpWriteInput& input);

// expected.json with "file_size" set to the first file's size (the ELF
// plan's size means nothing for this container) and "split_files" for splits.
std::string KdumpExpectedJson(const std::string& expected_json,
                              const std::vector<std::vector<std::byte>>& files);

// Writes out_dir/vmcore, or out_dir/vmcore.1..N for a split dump (atomically each).
Status WriteKdumpFiles(const std::filesystem::path& out_dir,
                       const std::vector<std::vector<std::byte>>& files);

}  // namespace csd::mkcore
