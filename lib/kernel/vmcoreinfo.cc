// SPDX-License-Identifier: MIT
#include "kernel/vmcoreinfo.h"

#include <fmt/format.h>

namespace csd {

Expected<Vmcoreinfo> Vmcoreinfo::Parse(std::string_view text, DiagnosticSink& diagnostics,
                                       uint64_t max_bytes) {
  if (text.size() > max_bytes) {
    return Error(ErrorCode::kLimit,
                 fmt::format("VMCOREINFO is {} bytes, over the --max-vmcoreinfo-size cap of {} "
                             "bytes (raise with --max-vmcoreinfo-size)",
                             text.size(), max_bytes));
  }
  Vmcoreinfo info;
  size_t line_number = 0;
  while (!text.empty()) {
    const size_t newline = text.find('\n');
    std::string_view line = text.substr(0, newline);
    text.remove_prefix(newline == std::string_view::npos ? text.size() : newline + 1);
    ++line_number;
    while (!line.empty() && (line.back() == '\r' || line.back() == '\0')) line.remove_suffix(1);
    if (line.empty()) continue;
    const size_t eq = line.find('=');
    if (eq == std::string_view::npos || eq == 0) {
      diagnostics.Warn(
          fmt::format("VMCOREINFO line {} has no KEY=VALUE form; ignored", line_number));
      continue;
    }
    info.lines_.emplace_back(std::string(line.substr(0, eq)), std::string(line.substr(eq + 1)));
  }
  return info;
}

std::optional<std::string> Vmcoreinfo::Raw(std::string_view key) const {
  // The kernel may append a key twice (e.g. CRASHTIME); the last one wins.
  for (auto it = lines_.rbegin(); it != lines_.rend(); ++it) {
    if (it->first == key) return it->second;
  }
  return std::nullopt;
}

std::optional<uint64_t> Vmcoreinfo::Parsed(std::string_view key, int base) const {
  auto raw = Raw(key);
  if (!raw) return std::nullopt;
  return ParseUnsigned(*raw, base);
}

std::optional<uint64_t> Vmcoreinfo::PageSize() const {
  return Parsed("PAGESIZE", 10);
}
std::optional<uint64_t> Vmcoreinfo::Symbol(std::string_view name) const {
  return Parsed(fmt::format("SYMBOL({})", name), 16);
}
std::optional<uint64_t> Vmcoreinfo::Offset(std::string_view name) const {
  return Parsed(fmt::format("OFFSET({})", name), 10);
}
std::optional<uint64_t> Vmcoreinfo::Number(std::string_view name) const {
  auto value = Parsed(fmt::format("NUMBER({})", name), 0);
  if (value) return value;
  // Negative NUMBER()s are printed as signed decimals by some kernels
  // (PHYS_OFFSET with a randomised linear map); keep the two's complement.
  auto raw = Raw(fmt::format("NUMBER({})", name));
  if (raw && raw->size() > 1 && (*raw)[0] == '-') {
    auto magnitude = ParseUnsigned(std::string_view(*raw).substr(1), 10);
    if (magnitude) return ~*magnitude + 1;
  }
  return std::nullopt;
}
std::optional<uint64_t> Vmcoreinfo::KernelOffset() const {
  return Parsed("KERNELOFFSET", 16);
}
bool Vmcoreinfo::HasConfig(std::string_view option) const {
  auto raw = Raw(fmt::format("CONFIG_{}", option));
  return raw && *raw == "y";
}

}  // namespace csd
