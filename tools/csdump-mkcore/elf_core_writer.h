// SPDX-License-Identifier: MIT
// Writes an ELF64 little-endian EM_AARCH64 ET_CORE file (formats.md §3.1):
// one PT_NOTE holding every note, then PT_LOADs whose data comes from a
// PhysImage by p_paddr. Planning (offsets, sizes, what is file-backed) is
// separate from writing so the expected-output oracle can ask which physical
// bytes a reader will find in the file after truncation or exclusion.
//
// The file is sparse: it is sized first and only chunks holding non-zero
// bytes are written, so a 64 MiB RAM segment costs a few pages of disk.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "base/error.h"
#include "csdump-mkcore/phys_image.h"
#include "memory/physical_memory.h"

namespace csd::mkcore {

inline constexpr uint32_t kNtPrstatus = 1;
inline constexpr uint32_t kArm64PrstatusSize = 392;
inline constexpr uint32_t kArm64PrstatusPidOffset = 32;

struct ElfNote {
  std::string name;  // "CORE", "VMCOREINFO"
  uint32_t type = 0;
  std::vector<std::byte> desc;
};

struct ElfLoad {
  uint64_t vaddr = 0;  // 0 for QEMU-style cores
  uint64_t paddr = 0;
  uint64_t memsz = 0;
  uint64_t filesz = 0;  // < memsz: a makedumpfile-style excluded tail
};

struct ElfCorePlan {
  std::vector<ElfNote> notes;
  std::vector<ElfLoad> loads;
  std::vector<uint64_t> load_offsets;  // p_offset of each load
  uint64_t note_offset = 0;
  uint64_t note_size = 0;
  uint64_t full_size = 0;  // size before truncation
  uint64_t file_size = 0;  // size actually written
  // Pages a kdump-compressed writer leaves out of its 2nd bitmap
  // ("exclude_node_buffer"); the ELF writer ignores them. Not file-backed.
  std::vector<PhysicalRange> withheld;

  // Whether every byte of [pa, pa+size) is present in the written file through
  // at least one PT_LOAD (within p_filesz and before the end of the file).
  bool IsFileBacked(uint64_t pa, uint64_t size) const;
};

// An arm64 NT_PRSTATUS descriptor: zero registers, pr_pid = `pid`.
ElfNote MakeArm64Prstatus(uint32_t pid);
ElfNote MakeVmcoreinfoNote(const std::string& text);

// `data_align`: alignment of each segment's file offset (the target page
// size, so holes line up). `truncate_to`: cut the file to this many bytes
// (must be smaller than the full size).
Expected<ElfCorePlan> PlanElfCore(std::vector<ElfNote> notes, std::vector<ElfLoad> loads,
                                  uint64_t data_align, std::optional<uint64_t> truncate_to);

// The ELF header, program headers and note segment: the bytes before the first load.
std::vector<std::byte> RenderElfHeaders(const ElfCorePlan& plan);

// Writes `path` atomically (temporary name, then rename).
Status WriteElfCore(const std::filesystem::path& path, const ElfCorePlan& plan,
                    const PhysImage& image);

}  // namespace csd::mkcore
