// SPDX-License-Identifier: MIT
// csdump-mkcore over the fake vmlinux images (testdata/kernels) with real
// DWARF: node layouts must come from DWARF, and every spec in testdata/specs
// must build against the kernel variant its "kernel" field names.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "base/byte_reader.h"
#include "csd_fake_kernels.h"
#include "csdump-mkcore/core_builder.h"
#include "debuginfo/debug_info.h"

namespace csd::mkcore {
namespace {

using nlohmann::json;

std::filesystem::path SpecsDir() {
  return CSD_SPECS_DIR;
}
std::filesystem::path OutDir(const std::string& name) {
  return std::filesystem::path(::testing::TempDir()) / ("mkcore_dwarf_" + name);
}
std::filesystem::path VariantVmlinux(const std::string& variant) {
  return std::filesystem::path(testdata::kFakeKernelsDir) / variant / "vmlinux";
}

uint64_t ReadU64At(const BuiltCore& core, uint64_t va) {
  auto pieces = core.layout.Resolve(va, 8);
  EXPECT_TRUE(pieces.has_value());
  std::byte b[8] = {};
  if (pieces && pieces->size() == 1) {
    EXPECT_TRUE(core.image->ReadPhysical(pieces->front().pa, b).ok());
  }
  return LoadUnsigned(b, Endian::kLittle);
}

TEST(DwarfKernelsTest, BufPointerLandsAtTheDwarfOffset) {
  std::map<std::string, uint64_t> buf_offsets;
  for (const char* variant : {"seed-flipped", "reordered-static"}) {
    SCOPED_TRACE(variant);
    auto info = DebugInfo::Open(VariantVmlinux(variant));
    ASSERT_TRUE(info.ok()) << info.error().Describe();
    auto buf = info->MemberPath("coresight_dump_node", "buf");
    auto size = info->MemberPath("coresight_dump_node", "buf_size");
    ASSERT_TRUE(buf.ok() && size.ok());
    buf_offsets[variant] = buf->offset;

    auto core = RunMkcore({SpecsDir() / "demo.json", VariantVmlinux(variant), OutDir(variant)});
    ASSERT_TRUE(core.ok()) << core.error().Describe();
    for (const WrittenNode& w : core->written.nodes) {
      EXPECT_EQ(ReadU64At(*core, w.node_va + buf->offset), w.buf_va);
      const uint64_t raw_size = ReadU64At(*core, w.node_va + size->offset);
      EXPECT_EQ(size->size == 8 ? raw_size : (raw_size & 0xffffffff), w.buf_size);
    }
    EXPECT_TRUE(std::filesystem::exists(OutDir(variant) / "vmcore"));
  }
  EXPECT_NE(buf_offsets["seed-flipped"], buf_offsets["reordered-static"]);
}

TEST(DwarfKernelsTest, StrippedAndListlessKernelsAreRefusedClearly) {
  auto stripped =
      RunMkcore({SpecsDir() / "demo.json",
                 std::filesystem::path(testdata::kSeedFlippedStrippedVmlinux), OutDir("stripped")});
  ASSERT_FALSE(stripped.ok());
  EXPECT_EQ(stripped.error().code(), ErrorCode::kLookup) << stripped.error().Describe();

  auto no_list =
      RunMkcore({SpecsDir() / "demo.json", VariantVmlinux("no-list"), OutDir("no-list")});
  ASSERT_FALSE(no_list.ok());
  EXPECT_NE(no_list.error().Describe().find("coresight_dump_list"), std::string::npos)
      << no_list.error().Describe();
}

std::vector<std::string> SpecFiles() {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(SpecsDir())) {
    if (entry.path().extension() == ".json") names.push_back(entry.path().stem().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

class SpecFileTest : public ::testing::TestWithParam<std::string> {};

TEST_P(SpecFileTest, BuildsAgainstItsKernel) {
  const auto spec_path = SpecsDir() / (GetParam() + ".json");
  auto spec = LoadSpecFile(spec_path);
  ASSERT_TRUE(spec.ok()) << spec.error().Describe();
  ASSERT_TRUE(spec->kernel.has_value()) << "every spec names its fake kernel in \"kernel\"";
  EXPECT_FALSE(spec->vmlinux.has_value()) << "specs must not depend on a build directory";
  std::string out_name = GetParam();
  std::replace(out_name.begin(), out_name.end(), '-', '_');
  // Module objects, like the vmlinux, come from the fake-kernel build directory.
  std::vector<std::filesystem::path> modules;
  for (const std::string& object : spec->module_objects)
    modules.push_back(std::filesystem::path(testdata::kFakeKernelsDir) / object);
  auto core =
      RunMkcore({spec_path, VariantVmlinux(*spec->kernel), OutDir(out_name), std::move(modules)});
  ASSERT_TRUE(core.ok()) << core.error().Describe();
  std::ifstream in(OutDir(out_name) / "expected.json");
  const json expected = json::parse(in);
  EXPECT_EQ(expected["kernel"], *spec->kernel);
  if (spec->format == DumpFormat::kRaw) {
    // Raw RAM images: one headerless file per RAM range, exactly its size.
    for (const RamRange& r : spec->ram) {
      const auto image = OutDir(out_name) / fmt::format("ram-{:#x}.bin", r.start);
      ASSERT_TRUE(std::filesystem::exists(image)) << image;
      EXPECT_EQ(std::filesystem::file_size(image), r.size);
    }
    return;
  }
  // A split kdump-compressed spec writes vmcore.1..N; file_size is the first part's.
  const auto vmcore = std::filesystem::exists(OutDir(out_name) / "vmcore")
                          ? OutDir(out_name) / "vmcore"
                          : OutDir(out_name) / "vmcore.1";
  EXPECT_EQ(std::filesystem::file_size(vmcore), expected["file_size"].get<uint64_t>());
}

INSTANTIATE_TEST_SUITE_P(Specs, SpecFileTest, ::testing::ValuesIn(SpecFiles()),
                         [](const ::testing::TestParamInfo<std::string>& param) {
                           std::string name = param.param;
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

}  // namespace
}  // namespace csd::mkcore
