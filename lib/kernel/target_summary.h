// SPDX-License-Identifier: MIT
// What we learned about the crashed kernel and how: plain data for `info`,
// the manifest and tests. Every derived parameter records where it came from.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace csd {

struct DerivedValue {
  std::string name;    // "kaslr_offset", "phys_offset", "page_offset", ...
  std::string value;   // as printed: hex for addresses, decimal for counts
  std::string source;  // "VMCOREINFO KERNELOFFSET", "computed from VA_BITS", "--phys-offset", ...
};

struct TargetSummary {
  std::string dump_path;
  std::string dump_format;    // "elf64"
  std::string dump_producer;  // "kdump", "qemu", ""
  std::string arch;           // "arm64"
  std::string vmlinux_path;
  std::optional<std::string> osrelease;         // VMCOREINFO OSRELEASE, else init_uts_ns's
                                                // in the dump if it matches the vmlinux
  std::optional<std::string> build_id;          // VMCOREINFO BUILD-ID
  std::optional<std::string> vmlinux_build_id;  // from the vmlinux ELF note
  uint64_t page_size = 0;
  uint64_t kaslr_offset = 0;
  std::vector<DerivedValue> parameters;  // in derivation order
  std::vector<std::string> checks;       // "OSRELEASE matches vmlinux init_uts_ns", ...
};

}  // namespace csd
