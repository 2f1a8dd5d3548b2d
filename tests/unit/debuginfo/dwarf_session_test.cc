// SPDX-License-Identifier: MIT
// The DWARF session behind DebugInfo: an executable's DWARF opened with the
// file, a module's relocated when first needed, and DWARF that cannot be
// read, said once and remembered.
#include "debuginfo/dwarf_session.h"

#include <elf.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <utility>

#include "debuginfo/elf_image.h"
#include "debuginfo_fixtures.h"

namespace csd {
namespace {

using namespace csd::debuginfo_test;  // NOLINT(google-build-using-namespace)
namespace td = csd::testdata;
using debuginfo_detail::DwarfSession;
using debuginfo_detail::ElfImage;
using ::testing::HasSubstr;

TEST(DwarfSessionTest, AnExecutablesDwarfOpensWithTheFile) {
  const ElfImage image = OpenImageOrDie(td::kSeedFlippedVmlinux);
  auto session = DwarfSession::Begin(image);
  ASSERT_TRUE(session.ok()) << session.error().Describe();
  Dwarf* handle = session->handle();
  EXPECT_NE(handle, nullptr);
  EXPECT_TRUE(session->Ensure().ok());
  EXPECT_EQ(session->handle(), handle);
}

// A module's DWARF is relocated on first use only: finding a symbol in many
// modules must not relocate every one of them.
TEST(DwarfSessionTest, AModulesDwarfIsRelocatedWhenFirstNeeded) {
  const ElfImage image = OpenImageOrDie(td::kCoresightModule);
  ASSERT_TRUE(image.relocatable());
  auto session = DwarfSession::Begin(image);
  ASSERT_TRUE(session.ok()) << session.error().Describe();
  EXPECT_EQ(session->handle(), nullptr);
  ASSERT_TRUE(session->Ensure().ok());
  Dwarf* handle = session->handle();
  EXPECT_NE(handle, nullptr);
  ASSERT_TRUE(session->Ensure().ok());
  EXPECT_EQ(session->handle(), handle);
  // Moving the session keeps the relocated DWARF.
  DwarfSession moved = std::move(session).value();
  EXPECT_EQ(moved.handle(), handle);
}

// .debug_abbrev placed past the end of the file: an executable fails at
// Begin, a module at its first Ensure, which is remembered, not retried.
TEST(DwarfSessionTest, UnreadableDwarfIsCorruptAndRemembered) {
  const std::string vmlinux = ReadText(td::kSeedFlippedVmlinux);
  TempFile broken(PatchSectionHeader(vmlinux, ".debug_abbrev", [&](Elf64_Shdr& shdr) {
    shdr.sh_offset = vmlinux.size() + 0x1000;
  }));
  const ElfImage image = OpenImageOrDie(broken.path());
  auto session = DwarfSession::Begin(image);
  ASSERT_FALSE(session.ok());
  EXPECT_EQ(session.error().code(), ErrorCode::kCorrupt);
  EXPECT_THAT(session.error().message(), HasSubstr("cannot read DWARF debug info"));
  EXPECT_THAT(session.error().message(), HasSubstr(broken.path().string()));

  const std::string module = ReadText(td::kCoresightModule);
  TempFile broken_module(PatchSectionHeader(
      module, ".debug_abbrev", [&](Elf64_Shdr& shdr) { shdr.sh_offset = module.size() + 0x1000; }));
  const ElfImage module_image = OpenImageOrDie(broken_module.path());
  auto module_session = DwarfSession::Begin(module_image);
  ASSERT_TRUE(module_session.ok()) << module_session.error().Describe();
  for (int round = 0; round < 2; ++round) {
    SCOPED_TRACE(round);
    auto status = module_session->Ensure();
    ASSERT_FALSE(status.ok());
    EXPECT_EQ(status.error().code(), ErrorCode::kCorrupt);
    EXPECT_THAT(status.error().message(), HasSubstr("cannot read or relocate its DWARF"));
    EXPECT_THAT(status.error().message(), HasSubstr(broken_module.path().string()));
    EXPECT_EQ(module_session->handle(), nullptr);
  }
  // Through DebugInfo, every type lookup says so; symbols still answer.
  DebugInfo info = OpenOrDie(broken_module.path().c_str());
  auto node = info.Struct("coresight_dump_node");
  ASSERT_FALSE(node.ok());
  EXPECT_EQ(node.error().code(), ErrorCode::kCorrupt);
  EXPECT_THAT(node.error().message(), HasSubstr("cannot read or relocate its DWARF"));
  EXPECT_TRUE(info.Symbol("coresight_dump_list").ok());
}

}  // namespace
}  // namespace csd
