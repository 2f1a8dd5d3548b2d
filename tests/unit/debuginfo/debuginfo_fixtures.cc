// SPDX-License-Identifier: MIT
#include "debuginfo_fixtures.h"

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace csd::debuginfo_test {

namespace td = csd::testdata;

DebugInfo OpenOrDie(const char* path) {
  auto info = DebugInfo::Open(path);
  if (!info.ok()) {
    ADD_FAILURE() << "Open(" << path << "): " << info.error().Describe();
    std::abort();
  }
  return std::move(info).value();
}

debuginfo_detail::ElfImage OpenImageOrDie(const std::filesystem::path& path) {
  auto image = debuginfo_detail::ElfImage::Open(path);
  if (!image.ok()) {
    ADD_FAILURE() << "ElfImage::Open(" << path << "): " << image.error().Describe();
    std::abort();
  }
  return std::move(image).value();
}

debuginfo_detail::DwarfSession BeginSessionOrDie(const debuginfo_detail::ElfImage& image) {
  auto session = debuginfo_detail::DwarfSession::Begin(image);
  if (!session.ok()) {
    ADD_FAILURE() << session.error().Describe();
    std::abort();
  }
  return std::move(session).value();
}

std::string ReadText(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

uint64_t Le64(const std::vector<std::byte>& bytes, size_t offset) {
  uint64_t value = 0;
  for (size_t i = 0; i < 8; ++i)
    value |= std::to_integer<uint64_t>(bytes.at(offset + i)) << (8 * i);
  return value;
}

std::string CString(const std::vector<std::byte>& bytes, size_t offset, size_t max) {
  std::string out;
  for (size_t i = offset; i < offset + max && i < bytes.size(); ++i) {
    char c = static_cast<char>(bytes[i]);
    if (c == '\0') break;
    out += c;
  }
  return out;
}

bool EndsWith(std::string_view text, std::string_view tail) {
  return text.size() >= tail.size() && text.substr(text.size() - tail.size()) == tail;
}

TempFile::TempFile(const std::string& contents) {
  char name[] = "/tmp/csd_debuginfo_test_XXXXXX";
  int fd = mkstemp(name);
  EXPECT_GE(fd, 0);
  path_ = name;
  if (fd >= 0) {
    EXPECT_EQ(write(fd, contents.data(), contents.size()), static_cast<ssize_t>(contents.size()));
    close(fd);
  }
}

TempFile::~TempFile() {
  std::filesystem::remove(path_);
}

void ExpectMembers(const StructLayout& layout, uint64_t size,
                   const std::vector<ExpectedMember>& expected) {
  SCOPED_TRACE("struct " + layout.name);
  EXPECT_EQ(layout.size, size);
  ASSERT_EQ(layout.members.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    const MemberLayout& m = layout.members[i];
    const ExpectedMember& e = expected[i];
    SCOPED_TRACE(std::string("member ") + e.name);
    EXPECT_EQ(m.name, e.name);  // declaration order
    EXPECT_EQ(m.offset, e.offset);
    EXPECT_EQ(m.size, e.size);
    EXPECT_EQ(m.kind, e.kind);
    EXPECT_EQ(m.type_name, e.type_name);
    EXPECT_EQ(m.target_struct, e.target_struct);
    EXPECT_EQ(m.is_signed, e.is_signed);
    EXPECT_EQ(m.bit_size, 0u);
  }
}

void PrintTo(const Variant& v, std::ostream* os) {
  *os << v.name;
}

const Variant kVariants[] = {
    {"seed_flipped", td::kSeedFlippedVmlinux, td::kSeedFlippedBuildIdFile, td::kSeedFlippedLinkBase,
     td::kSeedFlippedRelease, Variant::List::kSeedStatic},
    {"seed_global", td::kSeedGlobalVmlinux, td::kSeedGlobalBuildIdFile, td::kSeedGlobalLinkBase,
     td::kSeedGlobalRelease, Variant::List::kSeedGlobal},
    {"reordered_static", td::kReorderedStaticVmlinux, td::kReorderedStaticBuildIdFile,
     td::kReorderedStaticLinkBase, td::kReorderedStaticRelease, Variant::List::kReorderedStatic},
    {"legacy_414", td::kLegacy414Vmlinux, td::kLegacy414BuildIdFile, td::kLegacy414LinkBase,
     td::kLegacy414Release, Variant::List::kSeedStatic},
    {"va39", td::kVa39Vmlinux, td::kVa39BuildIdFile, td::kVa39LinkBase, td::kVa39Release,
     Variant::List::kSeedStatic},
    {"no_list", td::kNoListVmlinux, td::kNoListBuildIdFile, td::kNoListLinkBase, td::kNoListRelease,
     Variant::List::kNone},
};

INSTANTIATE_TEST_SUITE_P(FakeKernels, VariantTest, ::testing::ValuesIn(kVariants),
                         [](const auto& param) { return std::string(param.param.name); });

void ExpectAnchoredLayoutsMatchTheScan(const std::filesystem::path& vmlinux) {
  SCOPED_TRACE(vmlinux.string());
  DebugInfo scanned = OpenOrDie(vmlinux.c_str());
  DebugInfo anchored = OpenOrDie(vmlinux.c_str());
  for (const char* name : {"coresight_dump_node", "list_head", "coresight_device"}) {
    auto expected = scanned.Struct(name);
    auto layout = anchored.Struct(name, {"coresight_dump_list"});
    ASSERT_EQ(layout.ok(), expected.ok()) << name;
    if (!expected.ok()) continue;
    EXPECT_EQ(layout->size, expected->size) << name;
    ASSERT_EQ(layout->members.size(), expected->members.size()) << name;
    for (size_t i = 0; i < layout->members.size(); ++i) {
      EXPECT_EQ(layout->members[i].name, expected->members[i].name) << name;
      EXPECT_EQ(layout->members[i].offset, expected->members[i].offset) << name;
      EXPECT_EQ(layout->members[i].size, expected->members[i].size) << name;
      EXPECT_EQ(layout->members[i].type_name, expected->members[i].type_name) << name;
    }
  }
  for (const char* path : {"dev.kobj.name", "dev.init_name"}) {
    DebugInfo fresh = OpenOrDie(vmlinux.c_str());
    auto expected = scanned.MemberPath("coresight_device", path);
    auto member = fresh.MemberPath("coresight_device", path, {"coresight_dump_list"});
    ASSERT_EQ(member.ok(), expected.ok()) << path;
    if (!expected.ok()) continue;
    EXPECT_EQ(member->offset, expected->offset) << path;
    EXPECT_EQ(member->size, expected->size) << path;
  }
}

SectionPlace FindSection(const std::string& image, const char* name) {
  Elf64_Ehdr ehdr;
  std::memcpy(&ehdr, image.data(), sizeof ehdr);
  auto header = [&](size_t index) {
    Elf64_Shdr shdr;
    std::memcpy(&shdr, image.data() + ehdr.e_shoff + index * ehdr.e_shentsize, sizeof shdr);
    return shdr;
  };
  const Elf64_Shdr names = header(ehdr.e_shstrndx);
  for (size_t i = 0; i < ehdr.e_shnum; ++i) {
    const Elf64_Shdr shdr = header(i);
    if (std::strcmp(image.data() + names.sh_offset + shdr.sh_name, name) == 0) {
      return {shdr.sh_offset, shdr.sh_size, shdr.sh_entsize, shdr.sh_info,
              ehdr.e_shoff + i * ehdr.e_shentsize};
    }
  }
  ADD_FAILURE() << "no section " << name;
  return {};
}

std::string PatchSymbols(const std::function<void(Elf64_Sym&, std::string_view)>& patch) {
  std::string image = ReadText(td::kSeedFlippedVmlinux);
  const SectionPlace symtab = FindSection(image, ".symtab");
  const SectionPlace strtab = FindSection(image, ".strtab");
  for (size_t i = 1; i < symtab.info; ++i) {  // the locals
    Elf64_Sym sym;
    char* at = image.data() + symtab.offset + i * sizeof sym;
    std::memcpy(&sym, at, sizeof sym);
    patch(sym, image.data() + strtab.offset + sym.st_name);
    std::memcpy(at, &sym, sizeof sym);
  }
  return image;
}

std::string PatchSectionHeader(const std::string& image, const char* name,
                               const std::function<void(Elf64_Shdr&)>& patch) {
  std::string out = image;
  const SectionPlace place = FindSection(out, name);
  Elf64_Shdr shdr;
  std::memcpy(&shdr, out.data() + place.header, sizeof shdr);
  patch(shdr);
  std::memcpy(out.data() + place.header, &shdr, sizeof shdr);
  return out;
}

}  // namespace csd::debuginfo_test
