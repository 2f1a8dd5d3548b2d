// SPDX-License-Identifier: MIT
#include "output/file_names.h"

#include <string>

namespace csd {

namespace {

bool IsPortableNameByte(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-';
}

}  // namespace

std::string SanitizeFileStem(std::string_view kernel_name) {
  if (kernel_name.empty()) return "unnamed";
  std::string stem;
  stem.reserve(kMaxFileStemLength);
  // A leading '.' would hide the file (and "." / ".." would name a
  // directory); a leading '-' turns `rm sinks/-x.bin`-style globs into options.
  if (kernel_name.front() == '.' || kernel_name.front() == '-') stem.push_back('_');
  for (char c : kernel_name) {
    if (stem.size() >= kMaxFileStemLength) break;
    stem.push_back(IsPortableNameByte(c) ? c : '_');
  }
  return stem;
}

std::string FileNameAllocator::Allocate(std::string_view stem) {
  std::string candidate(stem);
  for (size_t n = 1; used_.contains(candidate); ++n) {
    candidate = std::string(stem) + "-" + std::to_string(n);
  }
  used_.insert(candidate);
  return candidate;
}

}  // namespace csd
