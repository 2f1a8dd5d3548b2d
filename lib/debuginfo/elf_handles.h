// SPDX-License-Identifier: MIT
// Owning wrappers for the file descriptor, Elf* and Dwarf* behind a DebugInfo.
// Destruction must run dwarf_end, then elf_end, then close: libdw borrows the
// Elf, and libelf may still read through the descriptor until elf_end. So
// ElfImage declares its descriptor before its Elf, and DebugInfo::Impl its
// DwarfSession after its ElfImage.
#pragma once

#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <libelf.h>

#include <memory>

#include "base/unique_fd.h"

namespace csd::debuginfo_detail {

using ::csd::UniqueFd;  // base/unique_fd.h

struct ElfCloser {
  void operator()(Elf* elf) const { elf_end(elf); }
};
using ElfPtr = std::unique_ptr<Elf, ElfCloser>;

struct DwarfCloser {
  void operator()(Dwarf* dwarf) const { dwarf_end(dwarf); }
};
using DwarfPtr = std::unique_ptr<Dwarf, DwarfCloser>;

// A relocatable object's (kernel module's) DWARF is owned by the Dwfl that
// relocated it: dwfl_end releases it, never dwarf_end.
struct DwflCloser {
  void operator()(Dwfl* dwfl) const { dwfl_end(dwfl); }
};
using DwflPtr = std::unique_ptr<Dwfl, DwflCloser>;

}  // namespace csd::debuginfo_detail
