// SPDX-License-Identifier: MIT
// DebuginfoSearch over directory trees laid out as distributions ship module
// debuginfo, built per test in a temporary directory around the fake module
// testdata/kernels/modules/coresight_dump.ko.
#include "debuginfo/debuginfo_search.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "csd_fake_kernels.h"

namespace csd {
namespace {

namespace fs = std::filesystem;
namespace td = csd::testdata;
using ::testing::Contains;
using ::testing::HasSubstr;

constexpr char kRelease[] = "6.1.0-28-arm64";

std::string ModuleBuildId() {
  std::ifstream in(td::kCoresightModuleBuildIdFile);
  std::string id;
  in >> id;
  return id;
}

class DebuginfoSearchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("csd-dbgsearch-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_);
  }
  void TearDown() override { fs::remove_all(root_); }

  fs::path Place(const fs::path& relative) {
    const fs::path path = root_ / relative;
    fs::create_directories(path.parent_path());
    fs::copy_file(td::kCoresightModule, path, fs::copy_options::overwrite_existing);
    return path;
  }

  DebuginfoSearch Search(std::vector<fs::path> paths, bool standard = false) {
    return DebuginfoSearch(
        DebuginfoSearchOptions{
            .paths = std::move(paths), .sysroot = root_, .standard_places = standard},
        kRelease);
  }

  static std::vector<SearchNote::Reason> Reasons(const std::vector<SearchNote>& notes) {
    std::vector<SearchNote::Reason> reasons;
    for (const auto& note : notes) reasons.push_back(note.reason);
    return reasons;
  }

  static std::string Joined(const std::vector<SearchNote>& notes) {
    std::ostringstream out;
    for (const auto& note : notes) out << note.text << "\n";
    return out.str();
  }

  fs::path root_;
};

TEST_F(DebuginfoSearchTest, ModuleNamesOfFiles) {
  EXPECT_EQ(DebuginfoSearch::ModuleNameOfFile("coresight-etm4x.ko"), "coresight_etm4x");
  EXPECT_EQ(DebuginfoSearch::ModuleNameOfFile("coresight-etm4x.ko.debug"), "coresight_etm4x");
  EXPECT_EQ(DebuginfoSearch::ModuleNameOfFile("coresight.ko.xz"), "");
  EXPECT_EQ(DebuginfoSearch::ModuleNameOfFile("vmlinux"), "");
  EXPECT_EQ(DebuginfoSearch::ModuleNameOfFile(".ko"), "");
}

TEST_F(DebuginfoSearchTest, NamedFileMatchesByNameAndBuildId) {
  const fs::path file = Place("coresight-dump.ko");
  auto search = Search({file});
  auto by_id = search.FindModule("coresight_dump", ModuleBuildId());
  ASSERT_TRUE(by_id.found) << Joined(by_id.tried);
  EXPECT_EQ(by_id.found->matched_by, "build-id");
  EXPECT_EQ(by_id.found->info.path(), file);
  auto by_name = search.FindModule("coresight_dump", std::nullopt);
  ASSERT_TRUE(by_name.found);
  EXPECT_EQ(by_name.found->matched_by, "name");
  EXPECT_FALSE(search.FindModule("coresight_etm4x", std::nullopt).found);
}

TEST_F(DebuginfoSearchTest, NamedFileWithAnotherNameIsTakenForItsBuildId) {
  const fs::path file = Place("ab/cdef0123.debug");
  auto search = Search({file});
  auto lookup = search.FindModule("coresight_dump", ModuleBuildId());
  ASSERT_TRUE(lookup.found) << Joined(lookup.tried);
  EXPECT_EQ(lookup.found->matched_by, "build-id");
  EXPECT_FALSE(search.FindModule("coresight_dump", std::nullopt).found);
}

TEST_F(DebuginfoSearchTest, BuildIdMismatchIsRejectedAndSaysBoth) {
  const fs::path file = Place("coresight_dump.ko");
  auto search = Search({file});
  const std::string other(40, 'e');
  auto lookup = search.FindModule("coresight_dump", other);
  EXPECT_FALSE(lookup.found);
  const std::string tried = Joined(lookup.tried);
  EXPECT_THAT(tried, HasSubstr(ModuleBuildId()));
  EXPECT_THAT(tried, HasSubstr(other));
  EXPECT_THAT(tried, HasSubstr(file.string()));
  ASSERT_EQ(lookup.tried.size(), 1u);
  EXPECT_EQ(lookup.tried[0].reason, SearchNote::Reason::kOtherBuild);
}

TEST_F(DebuginfoSearchTest, DebianTreeByReleaseAndName) {
  Place(fs::path("dbg/lib/modules") / kRelease /
        "kernel/drivers/hwtracing/coresight/coresight-dump.ko");
  // A tree for another release must not be taken.
  Place("dbg/lib/modules/5.10.0-9-arm64/kernel/coresight_dump.ko");
  auto search = Search({root_ / "dbg"});
  auto lookup = search.FindModule("coresight_dump", ModuleBuildId());
  ASSERT_TRUE(lookup.found) << Joined(lookup.tried);
  EXPECT_THAT(lookup.found->info.path().string(), HasSubstr(kRelease));
}

TEST_F(DebuginfoSearchTest, FedoraBuildIdLink) {
  const std::string id = ModuleBuildId();
  const fs::path target = Place(fs::path("dbg/lib/modules") / kRelease /
                                "kernel/drivers/hwtracing/coresight/other-name.ko.debug");
  const fs::path link = root_ / "dbg/.build-id" / id.substr(0, 2) / (id.substr(2) + ".debug");
  fs::create_directories(link.parent_path());
  fs::create_symlink(fs::relative(target, link.parent_path()), link);
  auto lookup = Search({root_ / "dbg"}).FindModule("coresight_dump", id);
  ASSERT_TRUE(lookup.found) << Joined(lookup.tried);
  EXPECT_EQ(lookup.found->matched_by, "build-id");
  EXPECT_EQ(lookup.found->info.path(), link);
}

TEST_F(DebuginfoSearchTest, DirectoryWithoutReleaseTreeIsWalked) {
  Place("build/drivers/hwtracing/coresight/coresight_dump.ko");
  auto lookup = Search({root_ / "build"}).FindModule("coresight_dump", ModuleBuildId());
  ASSERT_TRUE(lookup.found) << Joined(lookup.tried);
}

TEST_F(DebuginfoSearchTest, StandardPlacesUnderTheSysroot) {
  auto none = Search({}, true).FindModule("coresight_dump", ModuleBuildId());
  EXPECT_FALSE(none.found);
  Place(fs::path("usr/lib/debug/lib/modules") / kRelease / "kernel/coresight_dump.ko.debug");
  auto search = Search({}, true);
  auto lookup = search.FindModule("coresight_dump", ModuleBuildId());
  ASSERT_TRUE(lookup.found) << Joined(lookup.tried);
  EXPECT_THAT(search.Places(), Contains((root_ / "usr/lib/debug/lib/modules" / kRelease).string()));
}

TEST_F(DebuginfoSearchTest, InstalledUnstrippedModules) {
  Place(fs::path("lib/modules") / kRelease / "extra/coresight_dump.ko");
  auto lookup = Search({}, true).FindModule("coresight_dump", ModuleBuildId());
  ASSERT_TRUE(lookup.found) << Joined(lookup.tried);
}

TEST_F(DebuginfoSearchTest, CompressedModuleIsNamedNotTaken) {
  const fs::path packed = root_ / "dbg/kernel/coresight_dump.ko.xz";
  fs::create_directories(packed.parent_path());
  std::ofstream(packed) << "xz";
  auto lookup = Search({root_ / "dbg"}).FindModule("coresight_dump", ModuleBuildId());
  EXPECT_FALSE(lookup.found);
  EXPECT_THAT(Joined(lookup.tried), HasSubstr("compressed"));
  EXPECT_THAT(Reasons(lookup.tried), Contains(SearchNote::Reason::kCompressed));
  EXPECT_THAT(Reasons(lookup.tried), Contains(SearchNote::Reason::kNoModuleFile));
}

TEST_F(DebuginfoSearchTest, MissingPathAndNonModuleAreExplained) {
  const fs::path fake = root_ / "dbg/coresight_dump.ko";
  fs::create_directories(fake.parent_path());
  fs::copy_file(td::kModulesHostVmlinux, fake);  // an executable, not a module
  auto lookup =
      Search({root_ / "absent", root_ / "dbg"}).FindModule("coresight_dump", std::nullopt);
  EXPECT_FALSE(lookup.found);
  const std::string tried = Joined(lookup.tried);
  EXPECT_THAT(tried, HasSubstr("does not exist"));
  EXPECT_THAT(tried, HasSubstr("not a kernel module"));
  EXPECT_EQ(Reasons(lookup.tried),
            (std::vector{SearchNote::Reason::kMissingPath, SearchNote::Reason::kNotModule}));
}

// The reasons come from what the search found, not from the notes' text: a
// path that reads like another reason keeps its own, and notes join into a
// message as their text.
TEST_F(DebuginfoSearchTest, ReasonsDoNotDependOnTheText) {
  const fs::path odd = root_ / "build-id e, but the loaded module's is f/coresight_dump.ko";
  fs::create_directories(odd.parent_path());
  fs::copy_file(td::kModulesHostVmlinux, odd);  // not a module
  fs::create_directories(root_ / "garbage");
  std::ofstream(root_ / "garbage/coresight_dump.ko.debug") << "not ELF";
  auto lookup = Search({odd, root_ / "garbage"}).FindModule("coresight_dump", std::nullopt);
  EXPECT_FALSE(lookup.found);
  ASSERT_EQ(lookup.tried.size(), 2u) << Joined(lookup.tried);
  EXPECT_EQ(lookup.tried[0].reason, SearchNote::Reason::kNotModule);
  EXPECT_THAT(lookup.tried[0].text, HasSubstr("but the loaded module's is"));
  EXPECT_EQ(lookup.tried[1].reason, SearchNote::Reason::kUnreadable);
  EXPECT_EQ(fmt::format("{}", fmt::join(lookup.tried, "; ")),
            lookup.tried[0].text + "; " + lookup.tried[1].text);
}

TEST_F(DebuginfoSearchTest, SameNameTwiceTakesTheFirstSortedPath) {
  Place("dbg/b/coresight_dump.ko");
  Place("dbg/a/coresight_dump.ko");
  for (int i = 0; i < 3; ++i) {
    auto lookup = Search({root_ / "dbg"}).FindModule("coresight_dump", std::nullopt);
    ASSERT_TRUE(lookup.found);
    EXPECT_EQ(lookup.found->info.path(), root_ / "dbg/a/coresight_dump.ko");
  }
}

std::string VmlinuxBuildId() {
  std::ifstream in(td::kSeedFlippedBuildIdFile);
  std::string id;
  in >> id;
  return id;
}

TEST_F(DebuginfoSearchTest, VmlinuxByReleaseOrBuildIdInEachLayout) {
  const std::string id = VmlinuxBuildId();
  for (const fs::path& where :
       {fs::path("usr/lib/debug/boot") / (std::string("vmlinux-") + kRelease),
        fs::path("usr/lib/debug/lib/modules") / kRelease / "vmlinux",
        fs::path("usr/lib/debug/.build-id") / id.substr(0, 2) / (id.substr(2) + ".debug"),
        fs::path("boot") / (std::string("vmlinux-") + kRelease),
        fs::path("lib/modules") / kRelease / "build/vmlinux"}) {
    fs::remove_all(root_);
    const fs::path path = root_ / where;
    fs::create_directories(path.parent_path());
    fs::copy_file(td::kSeedFlippedVmlinux, path);
    auto lookup = Search({}, true).FindVmlinux(id, false);
    ASSERT_TRUE(lookup.found) << where << "\n" << Joined(lookup.tried);
    EXPECT_EQ(lookup.found->info.path(), path);
    EXPECT_EQ(lookup.found->matched_by, "build-id");
  }
}

TEST_F(DebuginfoSearchTest, VmlinuxOfAnotherBuildIsRejectedUnlessTheIdIsUnreliable) {
  const fs::path path = root_ / "usr/lib/debug/boot" / (std::string("vmlinux-") + kRelease);
  fs::create_directories(path.parent_path());
  fs::copy_file(td::kSeedFlippedVmlinux, path);
  const std::string other(40, 'a');
  auto strict = Search({}, true).FindVmlinux(other, false);
  EXPECT_FALSE(strict.found);
  EXPECT_THAT(Joined(strict.tried), HasSubstr(VmlinuxBuildId()));
  EXPECT_THAT(Reasons(strict.tried), Contains(SearchNote::Reason::kOtherBuild));
  EXPECT_THAT(Reasons(strict.tried), Contains(SearchNote::Reason::kNoSuchFile));
  auto lenient = Search({}, true).FindVmlinux(other, true);
  ASSERT_TRUE(lenient.found);
  EXPECT_THAT(lenient.found->matched_by, HasSubstr("unreliable"));
  // A module given with --debuginfo is never taken for the vmlinux.
  auto modules_only = Search({Place("coresight_dump.ko")}, false).FindVmlinux(other, true);
  EXPECT_FALSE(modules_only.found);
}

}  // namespace
}  // namespace csd
