// SPDX-License-Identifier: MIT
// VMCOREINFO, parsed once into typed optionals. The raw lines are kept in
// order for `info`. Value formats (formats.md §3.3): SYMBOL(), KERNELOFFSET
// and BUILD-ID are hex without 0x; OFFSET/SIZE/LENGTH are decimal; NUMBER() is
// parsed with base 0 because arm64 writes some of them as 0x-hex.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/diagnostics.h"
#include "base/error.h"
// ParseUnsigned, which parses the values, moved to base; still reachable
// through this header for callers that have not switched to parse_number.h.
#include "base/parse_number.h"
#include "kernel/kernel_limits.h"

namespace csd {

class Vmcoreinfo {
 public:
  // Malformed lines are skipped with a warning; only a text over `max_bytes`
  // (VMCOREINFO is one page in the kernel) is an error: kLimit naming
  // --max-vmcoreinfo-size.
  static Expected<Vmcoreinfo> Parse(std::string_view text, DiagnosticSink& diagnostics,
                                    uint64_t max_bytes = KernelLimits::kDefaultMaxVmcoreinfoSize);

  // Exact-key lookup of the raw value ("OSRELEASE", "SYMBOL(_stext)").
  std::optional<std::string> Raw(std::string_view key) const;
  std::optional<std::string> OsRelease() const { return Raw("OSRELEASE"); }
  std::optional<std::string> BuildId() const { return Raw("BUILD-ID"); }
  std::optional<uint64_t> PageSize() const;
  std::optional<uint64_t> Symbol(std::string_view name) const;  // SYMBOL(name), hex
  std::optional<uint64_t> Offset(std::string_view name) const;  // OFFSET(name), decimal
  std::optional<uint64_t> Number(std::string_view name) const;  // NUMBER(name), base 0
  std::optional<uint64_t> KernelOffset() const;                 // KERNELOFFSET, hex
  bool HasConfig(std::string_view option) const;                // CONFIG_X=y

  const std::vector<std::pair<std::string, std::string>>& lines() const { return lines_; }

 private:
  std::optional<uint64_t> Parsed(std::string_view key, int base) const;
  std::vector<std::pair<std::string, std::string>> lines_;
};

}  // namespace csd
