// SPDX-License-Identifier: MIT
// The libdw handle on one ELF file's DWARF. An executable's (a vmlinux) is
// opened with the file. A relocatable object's (a kernel module's .ko or
// .ko.debug) holds zeros where its relocations go (string offsets,
// abbreviation offsets, addresses), so it is read through libdwfl, which
// applies them for the object's own machine whatever the host is; that is
// done when the DWARF is first needed, so that finding a symbol in many
// modules costs one symbol table each. Internal to the debuginfo module, and
// not synchronised (see elf_image.h).
#pragma once

#include <elfutils/libdw.h>

#include <filesystem>
#include <optional>

#include "base/error.h"
#include "debuginfo/elf_handles.h"
#include "debuginfo/elf_image.h"

namespace csd::debuginfo_detail {

class DwarfSession {
 public:
  // kCorrupt when libdw cannot read an executable's DWARF. The session
  // borrows `image`'s Elf, which must outlive it.
  static Expected<DwarfSession> Begin(const ElfImage& image);

  DwarfSession(DwarfSession&&) noexcept = default;
  DwarfSession& operator=(DwarfSession&&) noexcept = default;

  // Makes handle() usable: a no-op for an executable; for a relocatable
  // object, relocates its DWARF the first time. A failure is kept and
  // returned again, not retried.
  Status Ensure() const;
  // The file's DWARF; null until Ensure() has succeeded.
  Dwarf* handle() const { return handle_; }

 private:
  DwarfSession() = default;

  std::filesystem::path path_;  // what libdwfl opens, and names the file in messages
  DwarfPtr dwarf_;              // executables: ours
  mutable DwflPtr dwfl_;        // relocatable objects: owns the relocated DWARF
  mutable Dwarf* handle_ = nullptr;
  mutable std::optional<Error> error_;
};

}  // namespace csd::debuginfo_detail
