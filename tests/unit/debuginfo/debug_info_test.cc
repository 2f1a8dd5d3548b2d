// SPDX-License-Identifier: MIT
// DebugInfo against the fake vmlinux images of testdata/kernels. Every expected
// offset and size below was worked out by hand from the C declarations and the
// AArch64 LP64 ABI (pointers/long 8, int 4, natural alignment), so a bug in
// the DWARF reader cannot hide behind the same code computing the expectation.
#include "debuginfo/debug_info.h"

#include <elf.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <fstream>
#include <functional>
#include <random>
#include <sstream>
#include <string>
#include <thread>

#include "csd_fake_kernels.h"

namespace csd {
namespace {

namespace td = csd::testdata;
using Kind = MemberLayout::Kind;
using ::testing::HasSubstr;

DebugInfo OpenOrDie(const char* path) {
  auto info = DebugInfo::Open(path);
  if (!info.ok()) {
    ADD_FAILURE() << "Open(" << path << "): " << info.error().Describe();
    std::abort();
  }
  return std::move(info).value();
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

// A scratch file removed at scope exit.
class TempFile {
 public:
  explicit TempFile(const std::string& contents) {
    char name[] = "/tmp/csd_debuginfo_test_XXXXXX";
    int fd = mkstemp(name);
    EXPECT_GE(fd, 0);
    path_ = name;
    if (fd >= 0) {
      EXPECT_EQ(write(fd, contents.data(), contents.size()), static_cast<ssize_t>(contents.size()));
      close(fd);
    }
  }
  ~TempFile() { std::filesystem::remove(path_); }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

struct ExpectedMember {
  const char* name;
  uint64_t offset;
  uint64_t size;
  Kind kind;
  const char* type_name;
  const char* target_struct = "";
  bool is_signed = false;
};

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

// ------------------------------------------------------------ per variant

struct Variant {
  const char* name;
  const char* vmlinux;
  const char* build_id_file;
  uint64_t link_base;
  const char* release;
  enum class List { kSeedStatic, kSeedGlobal, kReorderedStatic, kNone } list;
};

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

class VariantTest : public ::testing::TestWithParam<Variant> {
 protected:
  void SetUp() override { info_.emplace(OpenOrDie(GetParam().vmlinux)); }
  DebugInfo& info() { return *info_; }
  std::optional<DebugInfo> info_;
};

INSTANTIATE_TEST_SUITE_P(FakeKernels, VariantTest, ::testing::ValuesIn(kVariants),
                         [](const auto& param) { return std::string(param.param.name); });

TEST_P(VariantTest, ElfBasics) {
  EXPECT_EQ(info().arch(), Arch::kArm64);
  EXPECT_EQ(info().endian(), Endian::kLittle);
  EXPECT_EQ(info().pointer_size(), 8u);
  EXPECT_EQ(info().path(), std::filesystem::path(GetParam().vmlinux));
}

TEST_P(VariantTest, LinkerSymbols) {
  auto text = info().Symbol("_text");
  ASSERT_TRUE(text.ok()) << text.error().Describe();
  EXPECT_EQ(text->address, GetParam().link_base);
  EXPECT_TRUE(text->global);
  auto stext = info().Symbol("_stext");
  ASSERT_TRUE(stext.ok()) << stext.error().Describe();
  EXPECT_EQ(stext->address, GetParam().link_base + 0x10000);
  auto end = info().Symbol("_end");
  ASSERT_TRUE(end.ok());
  EXPECT_EQ(end->address % 4096, 0u);
  EXPECT_GT(end->address, stext->address);

  auto pgd = info().Symbol("swapper_pg_dir");
  ASSERT_TRUE(pgd.ok()) << pgd.error().Describe();
  EXPECT_EQ(pgd->address % 4096, 0u);
  EXPECT_EQ(pgd->size, 4096u);
  EXPECT_LT(pgd->address, end->address);
}

TEST_P(VariantTest, Sections) {
  const SectionInfo* text = nullptr;
  const SectionInfo* bss = nullptr;
  for (const SectionInfo& s : info().sections()) {
    if (s.name == ".text") text = &s;
    if (s.name == ".bss") bss = &s;
  }
  ASSERT_NE(text, nullptr);
  ASSERT_NE(bss, nullptr);
  EXPECT_EQ(text->address, GetParam().link_base + 0x10000);
  EXPECT_TRUE(text->has_bits);
  EXPECT_GT(text->size, 0u);
  EXPECT_FALSE(bss->has_bits);
  EXPECT_EQ(bss->address % 4096, 0u);
}

TEST_P(VariantTest, BuildIdMatchesReadelf) {
  auto id = info().BuildId();
  ASSERT_TRUE(id.has_value());
  EXPECT_EQ(id->size(), 40u);
  EXPECT_EQ(id->find_first_not_of("0123456789abcdef"), std::string::npos) << *id;
  std::string from_readelf = ReadText(GetParam().build_id_file);
  while (!from_readelf.empty() && from_readelf.back() == '\n') from_readelf.pop_back();
  EXPECT_EQ(*id, from_readelf);
  // Stable across opens.
  DebugInfo again = OpenOrDie(GetParam().vmlinux);
  EXPECT_EQ(again.BuildId(), id);
}

TEST_P(VariantTest, SupportingTypeLayouts) {
  auto list_head = info().Struct("list_head");
  ASSERT_TRUE(list_head.ok()) << list_head.error().Describe();
  ExpectMembers(*list_head, 16,
                {{"next", 0, 8, Kind::kPointer, "struct list_head *", "list_head"},
                 {"prev", 8, 8, Kind::kPointer, "struct list_head *", "list_head"}});

  auto kobject = info().Struct("kobject");
  ASSERT_TRUE(kobject.ok()) << kobject.error().Describe();
  EXPECT_EQ(kobject->size, 64u);
  ASSERT_EQ(kobject->members.size(), 12u);
  {
    // The pointer-and-struct part, checked like every other struct.
    StructLayout head = *kobject;
    head.members.resize(7);
    ExpectMembers(head, 64,
                  {{"name", 0, 8, Kind::kPointer, "const char *"},
                   {"entry", 8, 16, Kind::kStruct, "struct list_head", "list_head"},
                   {"parent", 24, 8, Kind::kPointer, "struct kobject *", "kobject"},
                   {"kset", 32, 8, Kind::kPointer, "struct kset *", "kset"},
                   {"ktype", 40, 8, Kind::kPointer, "const struct kobj_type *", "kobj_type"},
                   {"sd", 48, 8, Kind::kPointer, "struct kernfs_node *", "kernfs_node"},
                   {"kref", 56, 4, Kind::kStruct, "struct kref", "kref"}});
  }
  // Five 1-bit fields packed LSB-first into the unsigned int at offset 60. The
  // variants use DWARF 5 (DW_AT_data_bit_offset), 4 and 2 (DW_AT_bit_offset).
  const char* bitfields[] = {"state_initialized", "state_in_sysfs", "state_add_uevent_sent",
                             "state_remove_uevent_sent", "uevent_suppress"};
  for (uint32_t i = 0; i < 5; ++i) {
    SCOPED_TRACE(bitfields[i]);
    const MemberLayout& m = kobject->members[7 + i];
    EXPECT_EQ(m.name, bitfields[i]);
    EXPECT_EQ(m.offset, 60u);
    EXPECT_EQ(m.size, 4u);
    EXPECT_EQ(m.bit_size, 1u);
    EXPECT_EQ(m.bit_offset, i);
    EXPECT_EQ(m.kind, Kind::kInteger);
    EXPECT_EQ(m.type_name, "unsigned int");
    EXPECT_FALSE(m.is_signed);
  }

  auto device = info().Struct("device");
  ASSERT_TRUE(device.ok()) << device.error().Describe();
  ExpectMembers(*device, 160,
                {{"parent", 0, 8, Kind::kPointer, "struct device *", "device"},
                 {"p", 8, 8, Kind::kPointer, "struct device_private *", "device_private"},
                 {"kobj", 16, 64, Kind::kStruct, "struct kobject", "kobject"},
                 {"init_name", 80, 8, Kind::kPointer, "const char *"},
                 {"type", 88, 8, Kind::kPointer, "const struct device_type *", "device_type"},
                 {"bus", 96, 8, Kind::kPointer, "struct bus_type *", "bus_type"},
                 {"driver", 104, 8, Kind::kPointer, "struct device_driver *", "device_driver"},
                 {"platform_data", 112, 8, Kind::kPointer, "void *"},
                 {"driver_data", 120, 8, Kind::kPointer, "void *"},
                 {"dma_mask", 128, 8, Kind::kPointer, "u64 *"},
                 {"coherent_dma_mask", 136, 8, Kind::kInteger, "u64"},
                 {"numa_node", 144, 4, Kind::kInteger, "int", "", true},
                 {"id", 148, 4, Kind::kInteger, "u32"},
                 {"release", 152, 8, Kind::kPointer, "void (*)(struct device *)"}});

  auto csdev = info().Struct("coresight_device");
  ASSERT_TRUE(csdev.ok()) << csdev.error().Describe();
  // The anonymous union at 20 is flattened into its two members.
  ExpectMembers(
      *csdev, 216,
      {{"conns", 0, 8, Kind::kPointer, "struct coresight_connection *", "coresight_connection"},
       {"nr_inport", 8, 4, Kind::kInteger, "int", "", true},
       {"nr_outport", 12, 4, Kind::kInteger, "int", "", true},
       {"type", 16, 4, Kind::kInteger, "int", "", true},
       {"sink_subtype", 20, 4, Kind::kEnum, "enum coresight_dev_subtype_sink"},
       {"source_subtype", 20, 4, Kind::kInteger, "int", "", true},
       {"ops", 24, 8, Kind::kPointer, "const struct coresight_ops *", "coresight_ops"},
       {"dev", 32, 160, Kind::kStruct, "struct device", "device"},
       {"refcnt", 192, 8, Kind::kPointer, "atomic_t *"},
       {"orphan", 200, 1, Kind::kInteger, "bool"},
       {"enable", 201, 1, Kind::kInteger, "bool"},
       {"activated", 202, 1, Kind::kInteger, "bool"},
       {"def_sink", 208, 8, Kind::kPointer, "struct coresight_device *", "coresight_device"}});

  auto uts = info().Struct("uts_namespace");
  ASSERT_TRUE(uts.ok()) << uts.error().Describe();
  ExpectMembers(*uts, 440,
                {{"kref", 0, 4, Kind::kStruct, "struct kref", "kref"},
                 {"name", 4, 390, Kind::kStruct, "struct new_utsname", "new_utsname"},
                 {"user_ns", 400, 8, Kind::kPointer, "struct user_namespace *", "user_namespace"},
                 {"ucounts", 408, 8, Kind::kPointer, "void *"},
                 {"ns", 416, 24, Kind::kStruct, "struct ns_common", "ns_common"}});

  auto utsname = info().Struct("new_utsname");
  ASSERT_TRUE(utsname.ok()) << utsname.error().Describe();
  ExpectMembers(*utsname, 390,
                {{"sysname", 0, 65, Kind::kArray, "char [65]"},
                 {"nodename", 65, 65, Kind::kArray, "char [65]"},
                 {"release", 130, 65, Kind::kArray, "char [65]"},
                 {"version", 195, 65, Kind::kArray, "char [65]"},
                 {"machine", 260, 65, Kind::kArray, "char [65]"},
                 {"domainname", 325, 65, Kind::kArray, "char [65]"}});
}

TEST_P(VariantTest, MemberPaths) {
  auto name = info().MemberPath("coresight_device", "dev.kobj.name");
  ASSERT_TRUE(name.ok()) << name.error().Describe();
  EXPECT_EQ(name->offset, 32u + 16u + 0u);
  EXPECT_EQ(name->size, 8u);
  EXPECT_EQ(name->kind, Kind::kPointer);
  EXPECT_EQ(name->type_name, "const char *");

  auto init_name = info().MemberPath("coresight_device", "dev.init_name");
  ASSERT_TRUE(init_name.ok()) << init_name.error().Describe();
  EXPECT_EQ(init_name->offset, 32u + 80u);
  EXPECT_EQ(init_name->kind, Kind::kPointer);

  auto prev = info().MemberPath("coresight_device", "dev.kobj.entry.prev");
  ASSERT_TRUE(prev.ok()) << prev.error().Describe();
  EXPECT_EQ(prev->offset, 32u + 16u + 8u + 8u);
  EXPECT_EQ(prev->target_struct, "list_head");

  auto sysfs = info().MemberPath("coresight_device", "dev.kobj.state_in_sysfs");
  ASSERT_TRUE(sysfs.ok()) << sysfs.error().Describe();
  EXPECT_EQ(sysfs->offset, 32u + 16u + 60u);
  EXPECT_EQ(sysfs->bit_size, 1u);
  EXPECT_EQ(sysfs->bit_offset, 1u);

  auto release = info().MemberPath("uts_namespace", "name.release");
  ASSERT_TRUE(release.ok()) << release.error().Describe();
  EXPECT_EQ(release->offset, 4u + 130u);
  EXPECT_EQ(release->size, 65u);
  EXPECT_EQ(release->kind, Kind::kArray);

  // A single component is the member itself.
  auto dev = info().MemberPath("coresight_device", "dev");
  ASSERT_TRUE(dev.ok());
  EXPECT_EQ(dev->offset, 32u);
  EXPECT_EQ(dev->size, 160u);
}

TEST_P(VariantTest, MemberPathErrors) {
  auto missing = info().MemberPath("coresight_device", "dev.kobj.nosuch");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code(), ErrorCode::kLookup);
  EXPECT_THAT(missing.error().message(), HasSubstr("'nosuch'"));
  EXPECT_THAT(missing.error().message(), HasSubstr("dev.kobj"));

  auto first = info().MemberPath("coresight_device", "nosuch.name");
  ASSERT_FALSE(first.ok());
  EXPECT_EQ(first.error().code(), ErrorCode::kLookup);
  EXPECT_THAT(first.error().message(), HasSubstr("'nosuch'"));

  // Paths never follow pointers: dev.parent is a struct device *.
  auto through_pointer = info().MemberPath("coresight_device", "dev.parent.init_name");
  ASSERT_FALSE(through_pointer.ok());
  EXPECT_EQ(through_pointer.error().code(), ErrorCode::kLookup);
  EXPECT_THAT(through_pointer.error().message(), HasSubstr("dev.parent"));

  auto no_struct = info().MemberPath("no_such_struct", "a.b");
  ASSERT_FALSE(no_struct.ok());
  EXPECT_EQ(no_struct.error().code(), ErrorCode::kLookup);
  EXPECT_THAT(no_struct.error().message(), HasSubstr("no_such_struct"));

  auto malformed = info().MemberPath("coresight_device", "dev..kobj");
  ASSERT_FALSE(malformed.ok());
  EXPECT_EQ(malformed.error().code(), ErrorCode::kInvalidArgument);
}

TEST_P(VariantTest, AnonymousMembersBitFieldsAndFlexibleArrays) {
  auto probe = info().Struct("csd_layout_probe");
  ASSERT_TRUE(probe.ok()) << probe.error().Describe();
  EXPECT_EQ(probe->size, 32u);
  ASSERT_EQ(probe->members.size(), 6u);
  const MemberLayout& a = probe->members[0];
  EXPECT_EQ(a.name, "a");
  EXPECT_EQ(a.offset, 0u);
  const MemberLayout& named = probe->members[1];
  EXPECT_EQ(named.name, "named");
  EXPECT_EQ(named.offset, 8u);
  EXPECT_EQ(named.size, 16u);
  EXPECT_EQ(named.kind, Kind::kStruct);
  EXPECT_EQ(named.type_name, "struct <anonymous>");
  EXPECT_EQ(named.target_struct, "");
  const MemberLayout& p = probe->members[2];  // from the anonymous struct
  EXPECT_EQ(p.name, "p");
  EXPECT_EQ(p.offset, 24u);
  EXPECT_EQ(p.size, 4u);
  const MemberLayout& flags = probe->members[3];
  EXPECT_EQ(flags.name, "flags");
  EXPECT_EQ(flags.offset, 28u);
  EXPECT_EQ(flags.size, 4u);
  EXPECT_EQ(flags.bit_size, 3u);
  EXPECT_EQ(flags.bit_offset, 0u);
  EXPECT_FALSE(flags.is_signed);
  const MemberLayout& level = probe->members[4];
  EXPECT_EQ(level.name, "level");
  EXPECT_EQ(level.offset, 28u);
  EXPECT_EQ(level.bit_size, 5u);
  EXPECT_EQ(level.bit_offset, 3u);
  EXPECT_TRUE(level.is_signed);
  const MemberLayout& tail = probe->members[5];
  EXPECT_EQ(tail.name, "tail");
  EXPECT_EQ(tail.offset, 29u);
  EXPECT_EQ(tail.size, 0u);
  EXPECT_EQ(tail.kind, Kind::kArray);
  EXPECT_EQ(tail.type_name, "char []");

  // Paths descend into a member whose struct type has no name.
  auto y = info().MemberPath("csd_layout_probe", "named.y");
  ASSERT_TRUE(y.ok()) << y.error().Describe();
  EXPECT_EQ(y->offset, 16u);
  EXPECT_EQ(y->size, 8u);
  EXPECT_EQ(y->type_name, "long int");
  EXPECT_TRUE(y->is_signed);
  auto z = info().MemberPath("csd_layout_probe", "named.z");
  ASSERT_TRUE(z.ok()) << z.error().Describe();
  EXPECT_EQ(z->offset, 16u);
  EXPECT_EQ(z->size, 1u);
  EXPECT_EQ(z->type_name, "char");
  EXPECT_FALSE(z->is_signed);  // AArch64 char is unsigned
  auto x = info().MemberPath("csd_layout_probe", "named.x");
  ASSERT_TRUE(x.ok());
  EXPECT_EQ(x->offset, 8u);
}

TEST_P(VariantTest, DumpListHeadAndNode) {
  auto head = info().Symbol("coresight_dump_list");
  auto node = info().Struct("coresight_dump_node");
  auto head_type = info().VariableType("coresight_dump_list");
  switch (GetParam().list) {
    case Variant::List::kNone:
      ASSERT_FALSE(head.ok());
      EXPECT_EQ(head.error().code(), ErrorCode::kLookup);
      EXPECT_THAT(head.error().message(), HasSubstr("coresight_dump_list"));
      EXPECT_THAT(head.error().message(), HasSubstr(GetParam().vmlinux));
      ASSERT_FALSE(node.ok());
      EXPECT_EQ(node.error().code(), ErrorCode::kLookup);
      EXPECT_THAT(node.error().message(), HasSubstr("coresight_dump_node"));
      ASSERT_FALSE(head_type.ok());
      EXPECT_EQ(head_type.error().code(), ErrorCode::kLookup);
      return;
    case Variant::List::kSeedStatic:
    case Variant::List::kSeedGlobal:
      ASSERT_TRUE(node.ok()) << node.error().Describe();
      ExpectMembers(
          *node, 48,
          {{"cpu", 0, 4, Kind::kInteger, "int", "", true},
           {"type", 4, 4, Kind::kInteger, "int", "", true},
           {"csdev", 8, 8, Kind::kPointer, "struct coresight_device *", "coresight_device"},
           {"buf", 16, 8, Kind::kPointer, "char *"},
           {"buf_size", 24, 4, Kind::kInteger, "unsigned int"},
           {"list", 32, 16, Kind::kStruct, "struct list_head", "list_head"}});
      ASSERT_TRUE(head.ok()) << head.error().Describe();
      // static LIST_HEAD, as in the seed: STB_LOCAL; seed-global: STB_GLOBAL
      EXPECT_EQ(head->global, GetParam().list == Variant::List::kSeedGlobal);
      break;
    case Variant::List::kReorderedStatic:
      ASSERT_TRUE(node.ok()) << node.error().Describe();
      ExpectMembers(
          *node, 64,
          {{"list", 0, 16, Kind::kStruct, "struct list_head", "list_head"},
           {"csdev", 16, 8, Kind::kPointer, "struct coresight_device *", "coresight_device"},
           {"cpu", 24, 4, Kind::kInteger, "int", "", true},
           {"flags", 28, 4, Kind::kInteger, "unsigned int"},
           {"buf", 32, 8, Kind::kPointer, "char *"},
           {"buf_size", 40, 8, Kind::kInteger, "long unsigned int"},  // gcc's spelling
           {"type", 48, 4, Kind::kInteger, "int", "", true},
           {"name", 56, 8, Kind::kPointer, "const char *"}});
      ASSERT_TRUE(head.ok()) << head.error().Describe();
      EXPECT_FALSE(head->global);  // static LIST_HEAD: STB_LOCAL
      break;
  }
  EXPECT_EQ(head->size, 16u);
  ASSERT_TRUE(head_type.ok()) << head_type.error().Describe();
  EXPECT_EQ(head_type->name, "coresight_dump_list");
  EXPECT_EQ(head_type->kind, Kind::kStruct);
  EXPECT_EQ(head_type->type_name, "struct list_head");
  EXPECT_EQ(head_type->target_struct, "list_head");
  EXPECT_EQ(head_type->size, 16u);
  EXPECT_EQ(head_type->offset, 0u);

  // LIST_HEAD() initialises an empty list: next == prev == &head.
  auto bytes = info().ReadLinkTime(head->address, 16);
  ASSERT_TRUE(bytes.ok()) << bytes.error().Describe();
  EXPECT_EQ(Le64(*bytes, 0), head->address);
  EXPECT_EQ(Le64(*bytes, 8), head->address);
}

TEST_P(VariantTest, InitUtsNamespace) {
  auto uts = info().Symbol("init_uts_ns");
  ASSERT_TRUE(uts.ok()) << uts.error().Describe();
  EXPECT_TRUE(uts->global);
  EXPECT_EQ(uts->size, 440u);
  auto bytes = info().ReadLinkTime(uts->address, uts->size);
  ASSERT_TRUE(bytes.ok()) << bytes.error().Describe();
  ASSERT_EQ(bytes->size(), 440u);
  EXPECT_EQ(CString(*bytes, 4 + 0, 65), "Linux");
  EXPECT_EQ(CString(*bytes, 4 + 130, 65), GetParam().release);
  EXPECT_EQ(CString(*bytes, 4 + 260, 65), "aarch64");

  auto type = info().VariableType("init_uts_ns");
  ASSERT_TRUE(type.ok()) << type.error().Describe();
  EXPECT_EQ(type->kind, Kind::kStruct);
  EXPECT_EQ(type->type_name, "struct uts_namespace");
  EXPECT_EQ(type->target_struct, "uts_namespace");
  EXPECT_EQ(type->size, 440u);

  auto pgd = info().VariableType("swapper_pg_dir");
  ASSERT_TRUE(pgd.ok()) << pgd.error().Describe();
  EXPECT_EQ(pgd->kind, Kind::kArray);
  EXPECT_EQ(pgd->size, 4096u);
  EXPECT_EQ(pgd->type_name, "long unsigned int [512]");
}

TEST_P(VariantTest, ReadLinkTimeBssAndOutside) {
  auto pgd = info().Symbol("swapper_pg_dir");
  ASSERT_TRUE(pgd.ok());
  auto zeros = info().ReadLinkTime(pgd->address, 4096);
  ASSERT_TRUE(zeros.ok()) << zeros.error().Describe();
  ASSERT_EQ(zeros->size(), 4096u);
  for (std::byte b : *zeros) ASSERT_EQ(b, std::byte{0});

  auto head = info().ReadLinkTime(GetParam().link_base, 64);  // the arm64 Image header
  ASSERT_TRUE(head.ok()) << head.error().Describe();
  EXPECT_EQ(std::memcmp(head->data() + 56, "ARM\x64", 4), 0);

  auto outside = info().ReadLinkTime(0x1000, 8);
  ASSERT_FALSE(outside.ok());
  EXPECT_EQ(outside.error().code(), ErrorCode::kNotMapped);
  EXPECT_THAT(outside.error().message(), HasSubstr("0x1000"));

  auto end = info().Symbol("_end");
  ASSERT_TRUE(end.ok());
  auto past_end = info().ReadLinkTime(end->address - 4, 8);
  EXPECT_FALSE(past_end.ok());
  auto wraps = info().ReadLinkTime(~uint64_t{0} - 4, 16);
  EXPECT_FALSE(wraps.ok());
}

TEST_P(VariantTest, SymbolRules) {
  // A static in one file and a global of the same name in another: the global wins.
  auto shadowed = info().Symbol("csd_shadowed");
  ASSERT_TRUE(shadowed.ok()) << shadowed.error().Describe();
  EXPECT_TRUE(shadowed->global);
  EXPECT_EQ(shadowed->size, 4u);
  auto value = info().ReadLinkTime(shadowed->address, 4);
  ASSERT_TRUE(value.ok());
  EXPECT_EQ(std::to_integer<int>((*value)[0]), 3);  // kernel_misc.c's global

  auto dup = info().Symbol("csd_dup_local");
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().code(), ErrorCode::kLookup);
  EXPECT_THAT(dup.error().message(), HasSubstr("ambiguous"));
  EXPECT_THAT(dup.error().message(), HasSubstr("csd_dup_local"));

  auto missing = info().Symbol("no_such_symbol_anywhere");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code(), ErrorCode::kLookup);
  EXPECT_THAT(missing.error().message(), HasSubstr("no_such_symbol_anywhere"));
  EXPECT_THAT(missing.error().message(), HasSubstr(GetParam().vmlinux));

  auto func = info().Symbol("start_kernel");
  ASSERT_TRUE(func.ok());
  EXPECT_GE(func->address, GetParam().link_base + 0x10000);
}

TEST_P(VariantTest, LookupErrorsAndCaching) {
  for (int round = 0; round < 2; ++round) {  // the second round hits the caches
    SCOPED_TRACE(round);
    auto missing = info().Struct("no_such_struct");
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.error().code(), ErrorCode::kLookup);
    EXPECT_THAT(missing.error().message(), HasSubstr("no_such_struct"));

    // Only ever declared (struct device_private;): no complete definition.
    auto declared = info().Struct("device_private");
    ASSERT_FALSE(declared.ok());
    EXPECT_EQ(declared.error().code(), ErrorCode::kLookup);
    EXPECT_THAT(declared.error().message(), HasSubstr("device_private"));

    auto var = info().VariableType("no_such_variable");
    ASSERT_FALSE(var.ok());
    EXPECT_EQ(var.error().code(), ErrorCode::kLookup);
    EXPECT_THAT(var.error().message(), HasSubstr("no_such_variable"));

    auto found = info().Struct("list_head");
    ASSERT_TRUE(found.ok());
    EXPECT_EQ(found->size, 16u);
    ASSERT_NE(found->Find("prev"), nullptr);
    EXPECT_EQ(found->Find("prev")->offset, 8u);
    EXPECT_EQ(found->Find("nosuch"), nullptr);
  }
}

// ------------------------------------------------------------ single file

TEST(DebugInfoTest, MoveKeepsState) {
  DebugInfo a = OpenOrDie(td::kSeedFlippedVmlinux);
  ASSERT_TRUE(a.Struct("device").ok());
  DebugInfo b(std::move(a));
  auto kobj = b.MemberPath("device", "kobj");
  ASSERT_TRUE(kobj.ok());
  EXPECT_EQ(kobj->offset, 16u);
  DebugInfo c = OpenOrDie(td::kNoListVmlinux);
  c = std::move(b);
  EXPECT_EQ(c.path(), std::filesystem::path(td::kSeedFlippedVmlinux));
  EXPECT_TRUE(c.Symbol("coresight_dump_list").ok());
}

TEST(DebugInfoTest, ConcurrentLookups) {
  DebugInfo info = OpenOrDie(td::kSeedFlippedVmlinux);
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i) {
        if (!info.Struct("coresight_dump_node").ok()) ++failures;
        if (!info.Symbol("coresight_dump_list").ok()) ++failures;
        if (!info.MemberPath("coresight_device", "dev.kobj.name").ok()) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
}

TEST(DebugInfoTest, StrippedVmlinuxSaysNoDwarf) {
  auto info = DebugInfo::Open(td::kSeedFlippedStrippedVmlinux);
  ASSERT_FALSE(info.ok());
  EXPECT_EQ(info.error().code(), ErrorCode::kLookup);
  EXPECT_THAT(info.error().message(), HasSubstr("no DWARF"));
  EXPECT_THAT(info.error().message(), HasSubstr("unstripped vmlinux"));
  EXPECT_THAT(info.error().message(), HasSubstr(td::kSeedFlippedStrippedVmlinux));
}

TEST(DebugInfoTest, MissingFileIsIo) {
  auto info = DebugInfo::Open("/nonexistent/dir/vmlinux");
  ASSERT_FALSE(info.ok());
  EXPECT_EQ(info.error().code(), ErrorCode::kIo);
  EXPECT_THAT(info.error().message(), HasSubstr("/nonexistent/dir/vmlinux"));

  auto dir = DebugInfo::Open(td::kFakeKernelsDir);
  ASSERT_FALSE(dir.ok());
  EXPECT_EQ(dir.error().code(), ErrorCode::kIo);
}

TEST(DebugInfoTest, GarbageIsCorrupt) {
  std::string garbage;
  std::mt19937 rng(42);
  for (int i = 0; i < 8192; ++i) garbage += static_cast<char>(rng());
  TempFile file(garbage);
  auto info = DebugInfo::Open(file.path());
  ASSERT_FALSE(info.ok());
  EXPECT_EQ(info.error().code(), ErrorCode::kCorrupt);
  EXPECT_THAT(info.error().message(), HasSubstr(file.path().string()));

  TempFile empty("");
  auto empty_info = DebugInfo::Open(empty.path());
  ASSERT_FALSE(empty_info.ok());
  EXPECT_EQ(empty_info.error().code(), ErrorCode::kCorrupt);
}

TEST(DebugInfoTest, TruncatedElfIsAnError) {
  std::string real = ReadText(td::kSeedFlippedVmlinux);
  ASSERT_GT(real.size(), 4096u);
  for (size_t length :
       {size_t{4}, size_t{63}, size_t{64}, size_t{100}, real.size() / 2, real.size() - 1}) {
    SCOPED_TRACE(length);
    TempFile file(real.substr(0, length));
    auto info = DebugInfo::Open(file.path());
    EXPECT_FALSE(info.ok());
  }
}

// Random byte flips inside a real vmlinux: whatever Open and the lookups
// return, they must return (no crash, no hang). Flips avoid the ELF and
// section headers, which the truncation test covers, so that most runs get
// past Open and exercise the DWARF and symbol readers on damaged data.
TEST(DebugInfoTest, CorruptedContentsDoNotCrash) {
  const std::string real = ReadText(td::kSeedFlippedVmlinux);
  // e_shoff (ELF64 header offset 0x28, little-endian): the section header
  // table is last; everything from the image to it (code, data, DWARF,
  // .symtab, .strtab) is fair game.
  uint64_t shoff = 0;
  for (int i = 0; i < 8; ++i)
    shoff |= uint64_t{static_cast<unsigned char>(real.at(0x28 + i))} << (8 * i);
  ASSERT_GT(shoff, 0x10000u);
  ASSERT_LE(shoff, real.size());
  std::mt19937 rng(1234);
  int opened = 0;
  for (int round = 0; round < 200; ++round) {
    std::string damaged = real;
    std::uniform_int_distribution<size_t> where(0x10000, shoff - 1);
    int flips = 1 + round % 32;
    for (int flip = 0; flip < flips; ++flip) damaged[where(rng)] = static_cast<char>(rng());
    TempFile file(damaged);
    auto info = DebugInfo::Open(file.path());
    if (!info.ok()) continue;
    ++opened;
    (void)info->Symbol("coresight_dump_list");
    (void)info->Struct("coresight_dump_node");
    (void)info->Struct("coresight_device");
    (void)info->MemberPath("coresight_device", "dev.kobj.name");
    (void)info->VariableType("init_uts_ns");
    (void)info->Struct("no_such_struct");
    (void)info->ReadLinkTime(td::kSeedFlippedLinkBase, 64);
  }
  EXPECT_GT(opened, 0);
}

// A lookup that starts in the unit of an anchor function (found through
// .debug_aranges) gives the same layout as the full scan, and an anchor that
// does not exist or is not code only costs the fallback.
TEST(DebugInfoTest, AnchoredStructLookupMatchesTheScan) {
  DebugInfo scanned = OpenOrDie(td::kSeedFlippedVmlinux);
  auto expected = scanned.Struct("coresight_device");
  ASSERT_TRUE(expected.ok()) << expected.error().Describe();
  for (std::initializer_list<std::string_view> anchors :
       {std::initializer_list<std::string_view>{"coresight_dump_add"},
        std::initializer_list<std::string_view>{"no_such_function", "coresight_dump_add"},
        std::initializer_list<std::string_view>{"coresight_dump_list"},
        std::initializer_list<std::string_view>{}}) {
    DebugInfo anchored = OpenOrDie(td::kSeedFlippedVmlinux);
    auto layout = anchored.Struct("coresight_device", anchors);
    ASSERT_TRUE(layout.ok()) << layout.error().Describe();
    EXPECT_EQ(layout->size, expected->size);
    ASSERT_EQ(layout->members.size(), expected->members.size());
    for (size_t i = 0; i < layout->members.size(); ++i) {
      EXPECT_EQ(layout->members[i].name, expected->members[i].name);
      EXPECT_EQ(layout->members[i].offset, expected->members[i].offset);
    }
  }
  DebugInfo missing = OpenOrDie(td::kSeedFlippedVmlinux);
  EXPECT_FALSE(missing.Struct("no_such_struct", {"coresight_dump_add"}).ok());
}

// ---------------------------------------------------------------- UnitOf

// The struct and member layouts ResolveDumpNodeLayout asks for, looked up
// anchored on the list head in a fresh DebugInfo, equal those of the scan.
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

bool EndsWith(std::string_view text, std::string_view tail) {
  return text.size() >= tail.size() && text.substr(text.size() - tail.size()) == tail;
}

TEST_P(VariantTest, UnitOfTheListHead) {
  auto unit = info().UnitOf("coresight_dump_list");
  switch (GetParam().list) {
    case Variant::List::kSeedStatic:
      ASSERT_TRUE(unit.ok()) << unit.error().Describe();
      EXPECT_PRED2(EndsWith, unit->name, "/dump_list_v2.c");
      break;
    case Variant::List::kReorderedStatic:
      // No static function in its file: the $x mapping symbol of its code.
      ASSERT_TRUE(unit.ok()) << unit.error().Describe();
      EXPECT_PRED2(EndsWith, unit->name, "/dump_list_reordered.c");
      break;
    case Variant::List::kSeedGlobal:
      ASSERT_FALSE(unit.ok());
      EXPECT_EQ(unit.error().code(), ErrorCode::kLookup);
      EXPECT_THAT(unit.error().message(), HasSubstr("global symbol does not say which file"));
      break;
    case Variant::List::kNone:
      ASSERT_FALSE(unit.ok());
      EXPECT_EQ(unit.error().code(), ErrorCode::kLookup);
      EXPECT_THAT(unit.error().message(), HasSubstr("not found"));
      break;
  }
  // Asked once: the same answer again.
  auto again = info().UnitOf("coresight_dump_list");
  ASSERT_EQ(again.ok(), unit.ok());
  if (unit.ok()) {
    EXPECT_EQ(again->offset, unit->offset);
    EXPECT_EQ(again->name, unit->name);
    // A function of that file lands in the same unit.
    auto function = info().UnitOf("coresight_dump_add");
    ASSERT_TRUE(function.ok()) << function.error().Describe();
    EXPECT_EQ(function->offset, unit->offset);
  }
  ExpectAnchoredLayoutsMatchTheScan(GetParam().vmlinux);
}

// Every layout read through a one-unit view (DWARF 2 to 5, 32- and 64-bit
// ELF, other granules) matches the whole file's.
TEST(DebugInfoTest, AnchoredLayoutsMatchTheScanOnEveryKernel) {
  for (const char* vmlinux :
       {td::kArmShortVmlinux, td::kArmLpaeVmlinux, td::kG64kVa42Vmlinux, td::kTraceVmlinux,
        td::kRelease61115Vmlinux, td::kG16kVa52Lpa2Vmlinux}) {
    DebugInfo info = OpenOrDie(vmlinux);
    auto unit = info.UnitOf("coresight_dump_list");
    ASSERT_TRUE(unit.ok()) << vmlinux << ": " << unit.error().Describe();
    EXPECT_PRED2(EndsWith, unit->name, "/dump_list_v2.c");
    ExpectAnchoredLayoutsMatchTheScan(vmlinux);
  }
}

TEST(DebugInfoTest, UnitOfFunctionsAndOtherSymbols) {
  DebugInfo info = OpenOrDie(td::kSeedFlippedVmlinux);
  // Functions, global or static, by their own address.
  for (auto [function, file] : {std::pair{"start_kernel", "/kernel_common.c"},
                                std::pair{"csd_misc_touch", "/kernel_misc.c"},
                                std::pair{"list_add_tail", "/dump_list_v2.c"}}) {
    auto unit = info.UnitOf(function);
    ASSERT_TRUE(unit.ok()) << function << ": " << unit.error().Describe();
    EXPECT_PRED2(EndsWith, unit->name, file);
  }
  // Global data: no file to go by.
  for (const char* name : {"csd_example_etf", "csd_shadowed" /* the global wins */}) {
    auto unit = info.UnitOf(name);
    ASSERT_FALSE(unit.ok()) << name;
    EXPECT_THAT(unit.error().message(), HasSubstr("global symbol")) << name;
  }
  // Linker symbols, names that are not there, two statics of one name.
  for (const char* name : {"_text", "_end", "no_such_symbol", "csd_dup_local"}) {
    auto unit = info.UnitOf(name);
    ASSERT_FALSE(unit.ok()) << name;
    EXPECT_EQ(unit.error().code(), ErrorCode::kLookup) << name;
  }
  EXPECT_THAT(info.UnitOf("csd_dup_local").error().message(), HasSubstr("ambiguous"));
  // Relocatable objects are not looked up by address.
  DebugInfo module = OpenOrDie(td::kCoresightModule);
  auto in_module = module.UnitOf("coresight_dump_list");
  ASSERT_FALSE(in_module.ok());
  EXPECT_EQ(in_module.error().code(), ErrorCode::kUnsupported);
  // Anchored lookups in a module scan as before.
  auto node = module.Struct("coresight_dump_node", {"coresight_dump_list"});
  ASSERT_TRUE(node.ok()) << node.error().Describe();
  EXPECT_EQ(node->size, 48u);
}

// huge-file-group: a million local labels in the head's file, its code beyond
// them. The walk stops at its cap, finds no code, and the lookups fall back.
TEST(DebugInfoTest, UnitOfStopsInAHugeFileGroup) {
  DebugInfo info = OpenOrDie(td::kHugeFileGroupVmlinux);
  ASSERT_TRUE(info.Symbol("coresight_dump_list").ok());  // the one full pass, untimed
  const auto start = std::chrono::steady_clock::now();
  auto unit = info.UnitOf("coresight_dump_list");
  const auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(unit.ok());
  EXPECT_EQ(unit.error().code(), ErrorCode::kLookup);
  // Had the walk gone on, csd_huge_group_add 500,000 entries on would have
  // given the unit; the cap stopped it with nothing.
  EXPECT_THAT(unit.error().message(), HasSubstr("0 code address(es)"));
  EXPECT_LT(elapsed, std::chrono::seconds(2));  // 16k entries; a million would still be quick
  ExpectAnchoredLayoutsMatchTheScan(td::kHugeFileGroupVmlinux);
  DebugInfo fresh = OpenOrDie(td::kHugeFileGroupVmlinux);
  auto node = fresh.Struct("coresight_dump_node", {"coresight_dump_list"});
  ASSERT_TRUE(node.ok()) << node.error().Describe();
  EXPECT_EQ(node->size, 48u);
  EXPECT_EQ(node->Find("list")->offset, 32u);
}

// ---------------------------------------------------------------- hostile tables

// An ELF64 section's place in the file, from the section headers.
struct SectionPlace {
  size_t offset = 0;
  size_t size = 0;
  size_t entsize = 0;
  uint32_t info = 0;
};

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
      return {shdr.sh_offset, shdr.sh_size, shdr.sh_entsize, shdr.sh_info};
    }
  }
  ADD_FAILURE() << "no section " << name;
  return {};
}

// The local symbols of seed-flipped's .symtab, patched by `patch(sym, name)`.
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

// Without STT_FILE entries the walk runs into other files' symbols; only a
// unit that defines the variable is taken.
TEST(DebugInfoTest, UnitOfWithoutFileSymbols) {
  std::string no_files = PatchSymbols([](Elf64_Sym& sym, std::string_view) {
    if (ELF64_ST_TYPE(sym.st_info) == STT_FILE) sym.st_info = ELF64_ST_INFO(STB_LOCAL, STT_NOTYPE);
  });
  TempFile file(no_files);
  DebugInfo info = OpenOrDie(file.path().c_str());
  auto unit = info.UnitOf("coresight_dump_list");
  ASSERT_TRUE(unit.ok()) << unit.error().Describe();
  EXPECT_PRED2(EndsWith, unit->name, "/dump_list_v2.c");
  ExpectAnchoredLayoutsMatchTheScan(file.path());

  // Now its own file's code symbols are gone too (moved to .data): the code
  // the walk finds is kernel_misc.c's and kernel_common.c's, whose units do
  // not define the list.
  // dump_list_v2.c is linked last: its code (list_add_tail, coresight_dump_add
  // and their literal pools, $d) runs from list_add_tail to _etext.
  DebugInfo plain = OpenOrDie(td::kSeedFlippedVmlinux);
  auto helper = plain.Symbol("list_add_tail");
  auto etext = plain.Symbol("_etext");
  ASSERT_TRUE(helper.ok() && etext.ok());
  const uint64_t lo = helper->address;
  const uint64_t hi = etext->address;
  auto data_index = [&] {
    Elf64_Ehdr ehdr;
    std::memcpy(&ehdr, no_files.data(), sizeof ehdr);
    for (size_t i = 0; i < ehdr.e_shnum; ++i) {
      Elf64_Shdr shdr;
      std::memcpy(&shdr, no_files.data() + ehdr.e_shoff + i * ehdr.e_shentsize, sizeof shdr);
      if ((shdr.sh_flags & SHF_WRITE) != 0 && shdr.sh_type == SHT_PROGBITS) return i;
    }
    return size_t{0};
  }();
  ASSERT_NE(data_index, 0u);
  std::string no_own_code = PatchSymbols([&](Elf64_Sym& sym, std::string_view) {
    if (ELF64_ST_TYPE(sym.st_info) == STT_FILE) sym.st_info = ELF64_ST_INFO(STB_LOCAL, STT_NOTYPE);
    if (sym.st_value >= lo && sym.st_value < hi) sym.st_shndx = static_cast<Elf64_Half>(data_index);
  });
  TempFile file2(no_own_code);
  DebugInfo info2 = OpenOrDie(file2.path().c_str());
  auto none = info2.UnitOf("coresight_dump_list");
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().code(), ErrorCode::kLookup);
  EXPECT_THAT(none.error().message(), HasSubstr("none of which defines it"));
  ExpectAnchoredLayoutsMatchTheScan(file2.path());
}

// .debug_aranges whose unit offsets point past .debug_info, at another unit,
// or into the middle of the right one: no unit is taken that does not define
// the list, and the lookups still give the scan's layouts.
TEST(DebugInfoTest, UnitOfWithGarbageAranges) {
  const std::string real = ReadText(td::kSeedFlippedVmlinux);
  DebugInfo plain = OpenOrDie(td::kSeedFlippedVmlinux);
  auto right = plain.UnitOf("coresight_dump_list");
  ASSERT_TRUE(right.ok()) << right.error().Describe();
  const SectionPlace aranges = FindSection(real, ".debug_aranges");
  for (uint64_t unit : {uint64_t{0x7fffff00}, uint64_t{0}, right->offset + 1, right->offset + 4,
                        uint64_t{0xffffffff}}) {
    SCOPED_TRACE(unit);
    std::string image = real;
    // DWARF 32 sets: length (4), version (2), debug_info_offset (4), ...
    for (size_t set = aranges.offset; set + 10 <= aranges.offset + aranges.size;) {
      uint32_t length;
      std::memcpy(&length, image.data() + set, 4);
      const auto patched = static_cast<uint32_t>(unit);
      std::memcpy(image.data() + set + 6, &patched, 4);
      set += 4 + length;
    }
    TempFile file(image);
    DebugInfo info = OpenOrDie(file.path().c_str());
    auto found = info.UnitOf("coresight_dump_list");
    EXPECT_FALSE(found.ok());
    ExpectAnchoredLayoutsMatchTheScan(file.path());
    // A function is taken at the table's word (it has no variable to check);
    // a wrong unit only costs the scan that follows.
    DebugInfo by_function = OpenOrDie(file.path().c_str());
    auto node = by_function.Struct("coresight_dump_node", {"coresight_dump_add"});
    ASSERT_TRUE(node.ok()) << node.error().Describe();
    EXPECT_EQ(node->size, 48u);
  }
}

// Random damage to the tables UnitOf reads: never a crash, hang or read
// outside them (ASan builds), whatever it answers.
TEST(DebugInfoTest, CorruptedUnitTablesDoNotCrash) {
  const std::string real = ReadText(td::kSeedFlippedVmlinux);
  std::vector<SectionPlace> targets;
  for (const char* name : {".symtab", ".debug_aranges", ".debug_abbrev", ".debug_info"}) {
    targets.push_back(FindSection(real, name));
  }
  std::mt19937 rng(7);
  int answered = 0;
  for (int round = 0; round < 160; ++round) {
    std::string damaged = real;
    const SectionPlace& target = targets[round % targets.size()];
    // .debug_info: only its first units' headers and DIEs.
    const size_t span = std::min<size_t>(target.size, 0x400);
    std::uniform_int_distribution<size_t> where(target.offset, target.offset + span - 1);
    const int flips = 1 + round % 8;
    for (int flip = 0; flip < flips; ++flip) damaged[where(rng)] = static_cast<char>(rng());
    TempFile file(damaged);
    auto info = DebugInfo::Open(file.path());
    if (!info.ok()) continue;
    auto unit = info->UnitOf("coresight_dump_list");
    if (unit.ok()) ++answered;
    (void)info->UnitOf("coresight_dump_add");
    (void)info->Struct("coresight_dump_node", {"coresight_dump_list", "coresight_dump_add"});
    (void)info->Struct("list_head", {"coresight_dump_list"});
    (void)info->MemberPath("coresight_device", "dev.kobj.name", {"coresight_dump_list"});
    (void)info->VariableType("coresight_dump_list");
  }
  EXPECT_GT(answered, 0);
}

// One prefetching pass answers later lookups exactly as lookups of their own
// would, absent names included.
TEST(DebugInfoTest, PrefetchedSymbolsMatchSingleLookups) {
  DebugInfo plain = OpenOrDie(td::kSeedFlippedVmlinux);
  DebugInfo prefetched = OpenOrDie(td::kSeedFlippedVmlinux);
  prefetched.PrefetchSymbols(
      {"_text", "coresight_dump_list", "no_such_symbol", "init_uts_ns", "_", "$x", "_stext"});
  for (const char* name : {"_text", "coresight_dump_list", "no_such_symbol", "init_uts_ns",
                           "swapper_pg_dir", "_", "$", "$x", "_stext", "_etext"}) {
    auto a = plain.Symbol(name);
    auto b = prefetched.Symbol(name);
    ASSERT_EQ(a.ok(), b.ok()) << name;
    if (!a.ok()) {
      EXPECT_EQ(a.error().Describe(), b.error().Describe());
      continue;
    }
    EXPECT_EQ(a->address, b->address) << name;
    EXPECT_EQ(a->size, b->size) << name;
    EXPECT_EQ(a->global, b->global) << name;
  }
  // Names shorter than two bytes, and two-byte names that many symbols
  // share (arm64 mapping symbols, one per run of code or data).
  EXPECT_EQ(plain.Symbol("_").error().code(), ErrorCode::kLookup);
  EXPECT_THAT(prefetched.Symbol("_").error().message(), HasSubstr("not found"));
  EXPECT_THAT(prefetched.Symbol("$x").error().message(), HasSubstr("ambiguous"));
  EXPECT_TRUE(prefetched.Symbol("_etext").ok());
}

// ---------------------------------------------------------------- modules

// A relocatable module (testdata/kernels/module_coresight.c, `ld -r`): symbols
// are section offsets, and the DWARF is only right once relocated. Without the
// relocations every DW_FORM_strp name would read as the first string of
// .debug_str, so finding `coresight_dump_node` by name proves they were applied.
TEST(DebugInfoModuleTest, SymbolsAreSectionRelative) {
  DebugInfo module = OpenOrDie(td::kCoresightModule);
  EXPECT_TRUE(module.relocatable());
  EXPECT_EQ(module.arch(), Arch::kArm64);
  auto head = module.Symbol("coresight_dump_list");
  ASSERT_TRUE(head.ok()) << head.error().Describe();
  EXPECT_EQ(head->section, ".data");
  EXPECT_EQ(head->size, 16u);
  EXPECT_FALSE(head->global);  // static, as in the seed patch
  auto cookie = module.Symbol("csd_module_cookie");
  ASSERT_TRUE(cookie.ok()) << cookie.error().Describe();
  EXPECT_EQ(cookie->section, ".data");
  EXPECT_EQ(cookie->size, 40u);
  // Both live in .data; one of them cannot be at offset 0.
  EXPECT_NE(head->address, cookie->address);
  EXPECT_TRUE(head->address == cookie->address + 40 || cookie->address == head->address + 16);
  auto counter = module.Symbol("csd_dump_nodes");
  ASSERT_TRUE(counter.ok()) << counter.error().Describe();
  EXPECT_EQ(counter->section, ".bss");
  auto function = module.Symbol("coresight_dump_add");
  ASSERT_TRUE(function.ok()) << function.error().Describe();
  EXPECT_EQ(function->section, ".text");
  EXPECT_TRUE(function->global);
}

TEST(DebugInfoModuleTest, RelocatedDwarfGivesTheNodeLayout) {
  DebugInfo module = OpenOrDie(td::kCoresightModule);
  auto node = module.Struct("coresight_dump_node");
  ASSERT_TRUE(node.ok()) << node.error().Describe();
  EXPECT_EQ(node->size, 48u);
  ASSERT_NE(node->Find("list"), nullptr);
  EXPECT_EQ(node->Find("list")->offset, 32u);
  EXPECT_EQ(node->Find("buf_size")->offset, 24u);
  auto name = module.MemberPath("coresight_device", "dev.kobj.name");
  ASSERT_TRUE(name.ok()) << name.error().Describe();
  EXPECT_EQ(name->offset, 32u + 16u);
  auto head = module.VariableType("coresight_dump_list");
  ASSERT_TRUE(head.ok()) << head.error().Describe();
  EXPECT_EQ(head->target_struct, "list_head");
}

TEST(DebugInfoModuleTest, BuildIdFromTheModuleNote) {
  DebugInfo module = OpenOrDie(td::kCoresightModule);
  std::string expected = ReadText(td::kCoresightModuleBuildIdFile);
  while (!expected.empty() && expected.back() == '\n') expected.pop_back();
  ASSERT_TRUE(module.BuildId().has_value());
  EXPECT_EQ(*module.BuildId(), expected);
}

TEST(DebugInfoModuleTest, VmlinuxSymbolsHaveNoSection) {
  DebugInfo vmlinux = OpenOrDie(td::kModulesHostVmlinux);
  EXPECT_FALSE(vmlinux.relocatable());
  auto modules = vmlinux.Symbol("modules");
  ASSERT_TRUE(modules.ok()) << modules.error().Describe();
  EXPECT_TRUE(modules->section.empty());
  EXPECT_GE(modules->address, td::kModulesHostLinkBase);
}

}  // namespace
}  // namespace csd
