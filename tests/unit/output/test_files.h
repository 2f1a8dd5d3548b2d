// SPDX-License-Identifier: MIT
// Scratch directories (support/scratch_dir.h) and file helpers for the output
// tests. Each test gets its own directory, removed afterwards.
#pragma once

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "support/scratch_dir.h"

namespace csd::testing_output {

using ::csd::testing::ScratchDir;

inline std::span<const std::byte> Bytes(std::string_view text) {
  return std::as_bytes(std::span(text.data(), text.size()));
}

inline std::string ReadText(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

inline void WriteText(const std::filesystem::path& path, std::string_view text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

// Every entry below `root`, relative to it, sorted; links are listed, not followed.
inline std::vector<std::string> ListTree(const std::filesystem::path& root) {
  std::vector<std::string> entries;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
    entries.push_back(entry.path().lexically_relative(root).string());
  }
  std::sort(entries.begin(), entries.end());
  return entries;
}

inline bool IsSymlink(const std::filesystem::path& path) {
  return std::filesystem::is_symlink(std::filesystem::symlink_status(path));
}

}  // namespace csd::testing_output
