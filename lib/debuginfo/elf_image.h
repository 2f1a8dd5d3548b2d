// SPDX-License-Identifier: MIT
// One ELF file (a vmlinux, or a kernel module's .ko or .ko.debug) opened
// through libelf: what its header says, its section table, its build-id, and
// the bytes of its allocated sections at link-time addresses. Internal to the
// debuginfo module: the symbol table, the DWARF session and the unit locator
// read the file through it.
//
// Not synchronised: libelf changes an Elf's state as it reads sections, and
// every component of a DebugInfo reads the same Elf, so DebugInfo serialises
// every call into them with one mutex.
#pragma once

#include <libelf.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/arch.h"
#include "base/byte_reader.h"
#include "base/error.h"
#include "debuginfo/debug_info.h"
#include "debuginfo/elf_handles.h"

namespace csd::debuginfo_detail {

class ElfImage {
 public:
  // kIo when the file cannot be opened or is not a regular file; kCorrupt
  // when it is not ELF, or its header or section table cannot be read.
  // Whether it has DWARF is has_dwarf()'s to say, not an error here.
  static Expected<ElfImage> Open(const std::filesystem::path& path);

  ElfImage(ElfImage&&) noexcept = default;
  ElfImage& operator=(ElfImage&&) noexcept = default;

  const std::filesystem::path& path() const { return path_; }
  std::string File() const { return path_.string(); }  // names the file in messages
  Arch arch() const { return arch_; }
  Endian endian() const { return endian_; }
  unsigned pointer_size() const { return pointer_size_; }
  bool relocatable() const { return relocatable_; }  // ET_REL: a kernel module
  // NT_GNU_BUILD_ID as lowercase hex: from a SHT_NOTE section, else from a
  // PT_NOTE segment (a vmlinux whose note section lost its type).
  const std::optional<std::string>& build_id() const { return build_id_; }
  bool has_dwarf() const { return has_dwarf_; }  // a .debug_info or .zdebug_info section

  // Every section but the null one, in section-table order.
  const std::vector<SectionInfo>& sections() const { return sections_; }
  // libelf's handle on sections()[i]; null when libelf cannot give it.
  Elf_Scn* Section(size_t i) const;
  // The name of the section whose ELF index is `elf_index`; empty when there
  // is none (SHN_UNDEF, SHN_ABS, SHN_COMMON).
  std::string SectionNameAt(size_t elf_index) const;
  // Whether the section whose ELF index is `elf_index` holds code
  // (SHF_ALLOC and SHF_EXECINSTR).
  bool IsCode(size_t elf_index) const;
  // The bytes of the first section named `name` as the file has them (not
  // decompressed, not converted to this host's byte order); nullopt when
  // there is no such section or libelf cannot read it.
  std::optional<std::span<const std::byte>> RawSection(std::string_view name) const;

  // Bytes of an allocated section range at link-time address [address,
  // address+size): zeros for SHT_NOBITS (.bss). kNotMapped when no one
  // allocated section holds the whole range; kLimit past a fixed cap.
  Expected<std::vector<std::byte>> ReadLinkTime(uint64_t address, uint64_t size) const;

  Elf* elf() const { return elf_.get(); }
  int fd() const { return fd_.get(); }  // for a second session over the same file

 private:
  ElfImage() = default;
  Status ReadSections();

  // Declaration order = reverse destruction order: elf_end, then close.
  std::filesystem::path path_;
  UniqueFd fd_;
  ElfPtr elf_;

  Arch arch_ = Arch::kUnknown;
  Endian endian_ = Endian::kLittle;
  unsigned pointer_size_ = 8;
  bool relocatable_ = false;
  bool has_dwarf_ = false;
  std::optional<std::string> build_id_;
  std::vector<SectionInfo> sections_;
  std::vector<size_t> section_indices_;  // ELF index of sections_[i]
  std::vector<bool> section_alloc_;      // SHF_ALLOC of sections_[i]
  std::vector<bool> code_by_index_;      // by ELF index: SHF_ALLOC and SHF_EXECINSTR
};

}  // namespace csd::debuginfo_detail
