// SPDX-License-Identifier: MIT
// What the debuginfo tests share: the fake vmlinux images of testdata/kernels
// as a parametrised fixture (VariantTest, instantiated once, in
// debuginfo_fixtures.cc, for every test file), scratch files, and byte-level
// helpers that find and patch sections of a copied image to make hostile ones.
//
// Every expected offset and size in these tests was worked out by hand from
// the C declarations and the AArch64 LP64 ABI (pointers/long 8, int 4,
// natural alignment), so a bug in the DWARF reader cannot hide behind the
// same code computing the expectation.
#pragma once

#include <elf.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "csd_fake_kernels.h"
#include "debuginfo/debug_info.h"
#include "debuginfo/dwarf_session.h"
#include "debuginfo/elf_image.h"

namespace csd::debuginfo_test {

DebugInfo OpenOrDie(const char* path);
// The components behind the facade, opened one by one for the tests that
// put them together by hand; a failure fails the test and aborts it.
debuginfo_detail::ElfImage OpenImageOrDie(const std::filesystem::path& path);
debuginfo_detail::DwarfSession BeginSessionOrDie(const debuginfo_detail::ElfImage& image);
std::string ReadText(const std::filesystem::path& path);
uint64_t Le64(const std::vector<std::byte>& bytes, size_t offset);
std::string CString(const std::vector<std::byte>& bytes, size_t offset, size_t max);
bool EndsWith(std::string_view text, std::string_view tail);

// A scratch file removed at scope exit.
class TempFile {
 public:
  explicit TempFile(const std::string& contents);
  ~TempFile();
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

struct ExpectedMember {
  const char* name;
  uint64_t offset;
  uint64_t size;
  MemberLayout::Kind kind;
  const char* type_name;
  const char* target_struct = "";
  bool is_signed = false;
};

void ExpectMembers(const StructLayout& layout, uint64_t size,
                   const std::vector<ExpectedMember>& expected);

// ------------------------------------------------------------ per variant

struct Variant {
  const char* name;
  const char* vmlinux;
  const char* build_id_file;
  uint64_t link_base;
  const char* release;
  enum class List { kSeedStatic, kSeedGlobal, kReorderedStatic, kNone } list;
};

void PrintTo(const Variant& v, std::ostream* os);

class VariantTest : public ::testing::TestWithParam<Variant> {
 protected:
  void SetUp() override { info_.emplace(OpenOrDie(GetParam().vmlinux)); }
  DebugInfo& info() { return *info_; }
  std::optional<DebugInfo> info_;
};

// The struct and member layouts ResolveDumpNodeLayout asks for, looked up
// anchored on the list head in a fresh DebugInfo, equal those of the scan.
void ExpectAnchoredLayoutsMatchTheScan(const std::filesystem::path& vmlinux);

// ------------------------------------------------------------ hostile images

// An ELF64 section's place in the file, from the section headers.
struct SectionPlace {
  size_t offset = 0;
  size_t size = 0;
  size_t entsize = 0;
  uint32_t info = 0;
  size_t header = 0;  // file offset of its section header
};

SectionPlace FindSection(const std::string& image, const char* name);

// The local symbols of seed-flipped's .symtab, patched by `patch(sym, name)`.
std::string PatchSymbols(const std::function<void(Elf64_Sym&, std::string_view)>& patch);

// The section header of `name` in a copy of `image`, patched by `patch`.
std::string PatchSectionHeader(const std::string& image, const char* name,
                               const std::function<void(Elf64_Shdr&)>& patch);

}  // namespace csd::debuginfo_test
