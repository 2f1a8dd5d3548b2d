// SPDX-License-Identifier: MIT
// The DWARF index behind DebugInfo::Struct, MemberPath and VariableType:
// struct layouts, member paths, variable types, the caches, anchored
// lookups, and a module's relocated DWARF.
#include "debuginfo/dwarf_index.h"

#include <elf.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "debuginfo/debug_info.h"
#include "debuginfo/dwarf_session.h"
#include "debuginfo/elf_image.h"
#include "debuginfo/elf_symtab.h"
#include "debuginfo/type_index.h"
#include "debuginfo/unit_locator.h"
#include "debuginfo_fixtures.h"

namespace csd {
namespace {

using namespace csd::debuginfo_test;  // NOLINT(google-build-using-namespace)
namespace td = csd::testdata;
using Kind = MemberLayout::Kind;
using debuginfo_detail::DwarfSession;
using debuginfo_detail::DwarfTypeIndex;
using debuginfo_detail::ElfImage;
using debuginfo_detail::ElfSymbolTable;
using debuginfo_detail::UnitLocator;
using ::testing::HasSubstr;

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

// ---------------------------------------------------------------- DwarfTypeIndex

// The components DebugInfo composes, put together by hand.
struct Stack {
  explicit Stack(const std::filesystem::path& path)
      : image(OpenImageOrDie(path)),
        dwarf(BeginSessionOrDie(image)),
        symbols(image),
        units(image, symbols, dwarf),
        index(image, dwarf, units) {}
  ElfImage image;
  DwarfSession dwarf;
  ElfSymbolTable symbols;
  UnitLocator units;
  DwarfTypeIndex index;
};

// Through the interface DebugInfo uses, answers are DebugInfo's own, with
// anchors or without.
TEST(DwarfTypeIndexTest, AnswersAsDebugInfoDoes) {
  auto stack = std::make_unique<Stack>(td::kSeedFlippedVmlinux);
  const TypeIndex& types = stack->index;
  DebugInfo info = OpenOrDie(td::kSeedFlippedVmlinux);
  const std::vector<std::string_view> anchors = {"coresight_dump_list"};
  for (const char* name :
       {"coresight_dump_node", "list_head", "no_such_struct", "device_private"}) {
    SCOPED_TRACE(name);
    for (std::span<const std::string_view> with :
         {std::span<const std::string_view>(anchors), std::span<const std::string_view>()}) {
      auto a = types.Struct(name, with);
      auto b = info.Struct(name);
      ASSERT_EQ(a.ok(), b.ok());
      if (!a.ok()) {
        EXPECT_EQ(a.error().code(), b.error().code());
        EXPECT_EQ(a.error().message(), b.error().message());
        continue;
      }
      EXPECT_EQ(a->size, b->size);
      ASSERT_EQ(a->members.size(), b->members.size());
      for (size_t i = 0; i < a->members.size(); ++i) {
        EXPECT_EQ(a->members[i].name, b->members[i].name);
        EXPECT_EQ(a->members[i].offset, b->members[i].offset);
      }
    }
  }
  auto name = types.MemberPath("coresight_device", "dev.kobj.name", anchors);
  ASSERT_TRUE(name.ok()) << name.error().Describe();
  EXPECT_EQ(name->offset, 32u + 16u);
  auto uts = types.VariableType("init_uts_ns");
  ASSERT_TRUE(uts.ok()) << uts.error().Describe();
  EXPECT_EQ(uts->target_struct, "uts_namespace");
}

// A unit with a DWARF version no one writes, second in .debug_info: a
// lookup that needs the scan past it fails as kCorrupt and says why (and
// says it again from the cache), while an anchored lookup, which reads the
// anchor's unit alone, still finds the struct.
TEST(DwarfTypeIndexTest, AnUnreadableUnitListIsCorruptUnlessAnAnchorAvoidsIt) {
  std::string image = ReadText(td::kSeedFlippedVmlinux);
  const SectionPlace info = FindSection(image, ".debug_info");
  uint32_t first_length;
  std::memcpy(&first_length, image.data() + info.offset, 4);
  const uint16_t bad_version = 99;
  std::memcpy(image.data() + info.offset + 4 + first_length + 4, &bad_version, 2);
  TempFile file(image);

  auto scanned = std::make_unique<Stack>(file.path());
  for (int round = 0; round < 2; ++round) {
    SCOPED_TRACE(round);
    auto node = scanned->index.Struct("coresight_dump_node", {});
    ASSERT_FALSE(node.ok());
    EXPECT_EQ(node.error().code(), ErrorCode::kCorrupt);
    EXPECT_THAT(node.error().message(), HasSubstr("DWARF unit list is unreadable"));
    EXPECT_THAT(node.error().message(), HasSubstr(file.path().string()));
    auto variable = scanned->index.VariableType("no_such_variable");
    ASSERT_FALSE(variable.ok());
    EXPECT_EQ(variable.error().code(), ErrorCode::kCorrupt);
  }

  auto anchored = std::make_unique<Stack>(file.path());
  const std::string_view anchor[] = {"coresight_dump_add"};
  auto node = anchored->index.Struct("coresight_dump_node", anchor);
  ASSERT_TRUE(node.ok()) << node.error().Describe();
  EXPECT_EQ(node->size, 48u);
  ASSERT_NE(node->Find("list"), nullptr);
  EXPECT_EQ(node->Find("list")->offset, 32u);
}

}  // namespace
}  // namespace csd
