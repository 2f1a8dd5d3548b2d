// SPDX-License-Identifier: MIT
// Output file names derived from kernel strings. Device names come from the
// crashed kernel's memory, so they are untrusted: a name may hold '/', "..",
// control bytes or thousands of characters. Everything here is pure string
// work; OutputDir enforces the same rules again when it touches the disk.
#pragma once

#include <cstddef>
#include <functional>
#include <set>
#include <string>
#include <string_view>

namespace csd {

// Longest stem SanitizeFileStem returns; with a collision suffix and an
// extension the name stays far below NAME_MAX (255).
inline constexpr size_t kMaxFileStemLength = 64;

// Maps a kernel name to a file stem made only of [A-Za-z0-9._-]:
//  - every other byte becomes '_' (a multi-byte UTF-8 character becomes one
//    '_' per byte, so the result does not depend on the locale);
//  - a leading '.' or '-' gets a '_' prefix, so the stem is never hidden,
//    never "." or "..", and never read as an option by a shell command;
//  - the result is cut to kMaxFileStemLength bytes;
//  - an empty name becomes "unnamed".
// The result never contains '/' and is never empty, "." or "..".
std::string SanitizeFileStem(std::string_view kernel_name);

// Hands out unique stems within one directory, in call order: the first
// "etf" stays "etf", the next ones become "etf-1", "etf-2", ... . A suffixed
// name that is itself taken (a device really called "etf-1") is skipped, so
// the result is unique and depends only on the sequence of requests.
// Comparison is case-sensitive, like Linux file systems.
class FileNameAllocator {
 public:
  // `stem` should come from SanitizeFileStem (or be a name this layer made).
  std::string Allocate(std::string_view stem);

 private:
  std::set<std::string, std::less<>> used_;
};

}  // namespace csd
