// SPDX-License-Identifier: MIT
// Process exit codes: part of the interface scripts rely on; documented in
// man/csdump-extract.1. Never renumber.
#pragma once

namespace csd::cli {

enum ExitCode : int {
  kExitOk = 0,           // every node extracted
  kExitPartial = 1,      // some nodes (or the walk) failed; the rest were written
  kExitUsage = 2,        // bad command line
  kExitBadDump = 3,      // not a dump, corrupt or truncated container, cannot translate
  kExitBadVmlinux = 4,   // vmlinux unreadable, without DWARF, or not the dump's kernel
  kExitNoPanicList = 5,  // the kernel has no CoreSight panic-dump list
  kExitOutput = 6,       // OUT cannot be written (exists without --force, I/O error)
  kExitInternal = 70,    // a bug: please report
};

}  // namespace csd::cli
