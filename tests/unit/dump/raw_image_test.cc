// SPDX-License-Identifier: MIT
// Raw RAM images: placement at base PAs, bounded reads, and the VMCOREINFO
// sources (file, /sys/kernel/vmcoreinfo pointer, bounded scan, none).
#include "dump/raw/raw_image.h"

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <string>

namespace csd::testing {
namespace {

using ::testing::HasSubstr;

class RawImageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("csd-raw-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::filesystem::path Write(const std::string& name, const std::string& bytes) {
    const auto path = dir_ / name;
    std::ofstream(path, std::ios::binary) << bytes;
    return path;
  }
  Expected<std::unique_ptr<DumpFile>> Open(
      std::vector<RawImageSpec> images,
      std::optional<std::filesystem::path> vmcoreinfo = std::nullopt, RawDumpOptions options = {}) {
    return OpenRawDump(std::move(images), std::move(vmcoreinfo), Arch::kArm64, options,
                       diagnostics_);
  }
  bool Warned(const std::string& text) const {
    for (const auto& w : diagnostics_.warnings()) {
      if (w.find(text) != std::string::npos) return true;
    }
    return false;
  }

  std::filesystem::path dir_;
  CollectingDiagnostics diagnostics_;
};

const std::string kInfo =
    "OSRELEASE=6.1.0\nPAGESIZE=4096\nSYMBOL(swapper_pg_dir)=ffff800009e10000\nNUMBER(VA_BITS)=48\n";

TEST_F(RawImageTest, ParsesFileAtAddress) {
  auto spec = ParseRawImageArgument("dir/ram@x.bin@0x80000000");
  ASSERT_TRUE(spec.ok()) << spec.error().Describe();
  EXPECT_EQ(spec->path, "dir/ram@x.bin");
  EXPECT_EQ(spec->base, 0x80000000u);
  EXPECT_EQ(ParseRawImageArgument("ram.bin@4096")->base, 4096u);
  EXPECT_FALSE(ParseRawImageArgument("ram.bin").ok());
  EXPECT_FALSE(ParseRawImageArgument("ram.bin@").ok());
  EXPECT_FALSE(ParseRawImageArgument("@0x1000").ok());
  EXPECT_FALSE(ParseRawImageArgument("ram.bin@0xzz").ok());
}

TEST_F(RawImageTest, ReadsAcrossAdjacentImagesAndFailsInHoles) {
  auto a = Write("a", std::string(0x1000, 'a'));
  auto b = Write("b", std::string(0x1000, 'b'));
  auto c = Write("c", std::string(0x1000, 'c'));
  auto dump = Open({{b, 0x2000}, {a, 0x1000}, {c, 0x10000}});
  ASSERT_TRUE(dump.ok()) << dump.error().Describe();
  EXPECT_EQ((*dump)->FormatName(), "raw");
  EXPECT_EQ((*dump)->Producer(), "");
  EXPECT_EQ((*dump)->arch(), Arch::kArm64);
  std::byte out[4];
  ASSERT_TRUE((*dump)->ReadPhysical(0x1ffe, out).ok());
  EXPECT_EQ(static_cast<char>(out[1]), 'a');
  EXPECT_EQ(static_cast<char>(out[2]), 'b');
  auto hole = (*dump)->ReadPhysical(0x2ffe, out);
  ASSERT_FALSE(hole.ok());
  EXPECT_EQ(hole.error().code(), ErrorCode::kNotMapped);
  EXPECT_THAT(hole.error().message(), HasSubstr("0x3000"));
  EXPECT_FALSE((*dump)->ReadPhysical(~uint64_t{0} - 1, out).ok());
  const auto ranges = (*dump)->Ranges();
  ASSERT_EQ(ranges.size(), 2u);
  EXPECT_EQ(ranges[0].start, 0x1000u);
  EXPECT_EQ(ranges[0].size, 0x2000u);
}

TEST_F(RawImageTest, RejectsOverlapsAndEmptyImages) {
  auto a = Write("a", std::string(0x2000, 'a'));
  auto b = Write("b", std::string(0x1000, 'b'));
  auto overlap = Open({{a, 0x1000}, {b, 0x2000}});
  ASSERT_FALSE(overlap.ok());
  EXPECT_THAT(overlap.error().message(), HasSubstr("overlap"));
  auto empty = Open({{Write("e", ""), 0}});
  ASSERT_FALSE(empty.ok());
  auto missing = Open({{dir_ / "nope", 0}});
  EXPECT_EQ(missing.error().code(), ErrorCode::kIo);
  auto wraps = Open({{a, ~uint64_t{0} - 0x10}});
  EXPECT_FALSE(wraps.ok());
}

TEST_F(RawImageTest, VmcoreinfoFromFile) {
  auto ram = Write("ram", std::string(0x1000, '\0'));
  auto dump = Open({{ram, 0}}, Write("info.txt", kInfo));
  ASSERT_TRUE(dump.ok()) << dump.error().Describe();
  EXPECT_EQ((*dump)->VmcoreinfoText(), kInfo);
  auto bad = Open({{ram, 0}}, Write("bad.txt", "hello world\n"));
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.error().message(), HasSubstr("not a VMCOREINFO"));
}

TEST_F(RawImageTest, VmcoreinfoFromSysfsPointer) {
  // Elf_Nhdr{namesz 11, descsz, type 0} "VMCOREINFO\0" pad, text.
  std::string note(12, '\0');
  note[0] = 11;
  note[4] = static_cast<char>(kInfo.size());
  note += std::string("VMCOREINFO\0", 11) + '\0' + kInfo;
  std::string ram(0x1000, '\0');
  ram.replace(0x800, note.size(), note);
  auto dump = Open({{Write("ram", ram), 0x40000000}},
                   Write("sys.txt", fmt::format("40000800 {:x}\n", note.size())));
  ASSERT_TRUE(dump.ok()) << dump.error().Describe();
  EXPECT_EQ((*dump)->VmcoreinfoText(), kInfo);
}

// --max-vmcoreinfo-size bounds the --vmcoreinfo FILE and the note its
// "PA SIZE" form points at: the cap's size is accepted, one byte more refused.
TEST_F(RawImageTest, VmcoreinfoCapIsHonouredAtItsBoundary) {
  auto ram = Write("ram", std::string(0x1000, '\0'));
  const uint64_t text = kInfo.size();
  for (uint64_t cap : {text - 1, text, text + 1}) {
    SCOPED_TRACE(cap);
    RawDumpOptions options;
    options.max_vmcoreinfo_size = cap;
    auto dump = Open({{ram, 0}}, Write("info.txt", kInfo), options);
    if (cap < text) {
      ASSERT_FALSE(dump.ok());
      EXPECT_EQ(dump.error().code(), ErrorCode::kLimit);
      EXPECT_THAT(dump.error().message(), HasSubstr(fmt::format("is {} bytes", text)));
      EXPECT_THAT(dump.error().message(), HasSubstr("raise with --max-vmcoreinfo-size"));
    } else {
      ASSERT_TRUE(dump.ok()) << dump.error().Describe();
      EXPECT_EQ((*dump)->VmcoreinfoText(), kInfo);
    }
  }

  std::string note(12, '\0');
  note[0] = 11;
  note[4] = static_cast<char>(kInfo.size());
  note += std::string("VMCOREINFO\0", 11) + '\0' + kInfo;
  std::string image(0x1000, '\0');
  image.replace(0x800, note.size(), note);
  const auto pointer = Write("sys.txt", fmt::format("40000800 {:x}\n", note.size()));
  const auto image_path = Write("ram2", image);
  const uint64_t allowed = note.size() - 64;  // the text cap plus 64 bytes of note headers
  for (uint64_t cap : {allowed - 1, allowed, allowed + 1}) {
    SCOPED_TRACE(cap);
    RawDumpOptions options;
    options.max_vmcoreinfo_size = cap;
    auto dump = Open({{image_path, 0x40000000}}, pointer, options);
    if (cap < allowed) {
      ASSERT_FALSE(dump.ok());
      EXPECT_EQ(dump.error().code(), ErrorCode::kLimit);
      EXPECT_THAT(dump.error().Describe(), HasSubstr("--max-vmcoreinfo-size cap"));
    } else {
      ASSERT_TRUE(dump.ok()) << dump.error().Describe();
      EXPECT_EQ((*dump)->VmcoreinfoText(), kInfo);
    }
  }
}

TEST_F(RawImageTest, ScanFindsTextAndSaysWhere) {
  std::string ram(0x4000, '\0');
  ram.replace(0x2000, kInfo.size(), kInfo);
  auto dump = Open({{Write("ram", ram), 0x80000000}});
  ASSERT_TRUE(dump.ok());
  EXPECT_EQ((*dump)->VmcoreinfoText(), kInfo);
  EXPECT_TRUE(Warned("0x80002000"));
}

TEST_F(RawImageTest, ScanPrefersCompleteCandidate) {
  std::string ram(0x4000, '\0');
  const std::string log = "\x01printk: OSRELEASE=6.1.0 seen\n";
  ram.replace(0x100, log.size(), log);
  ram.replace(0x3000, kInfo.size(), kInfo);
  auto candidates = ScanForVmcoreinfo(AsBytes(ram), ram.size(), 64);
  ASSERT_EQ(candidates.size(), 2u);
  EXPECT_FALSE(candidates[0].complete);
  EXPECT_TRUE(candidates[1].complete);
  auto dump = Open({{Write("ram", ram), 0}});
  ASSERT_TRUE(dump.ok());
  EXPECT_EQ((*dump)->VmcoreinfoText(), kInfo);
  EXPECT_TRUE(Warned("2 candidate(s)"));
}

TEST_F(RawImageTest, ScanDropsTruncatedLastLine) {
  // The text runs to the end of the image: the cut line is not trusted.
  std::string ram(0x1000 - kInfo.size() + 10, '\0');
  ram += kInfo.substr(0, kInfo.size() - 10);
  auto candidates = ScanForVmcoreinfo(AsBytes(ram), ram.size(), 64);
  ASSERT_EQ(candidates.size(), 1u);
  EXPECT_TRUE(candidates[0].truncated);
  EXPECT_EQ(candidates[0].text.back(), '\n');
  EXPECT_EQ(candidates[0].text.find("VA_BITS"), std::string::npos);
}

TEST_F(RawImageTest, NoVmcoreinfoWarnsWithFlags) {
  auto dump = Open({{Write("ram", std::string(0x1000, 'x')), 0}});
  ASSERT_TRUE(dump.ok());
  EXPECT_FALSE((*dump)->VmcoreinfoText());
  EXPECT_TRUE(Warned("--phys-offset"));
  EXPECT_TRUE(Warned("--kimage-voffset"));
}

TEST_F(RawImageTest, HugeImageScanIsBounded) {
  // A sparse 8 GiB image with the text past the scan budget: not read in full.
  const auto path = dir_ / "huge";
  { std::ofstream(path, std::ios::binary) << ""; }
  std::filesystem::resize_file(path, 8ull << 30);
  {
    std::fstream f(path, std::ios::binary | std::ios::in | std::ios::out);
    f.seekp(static_cast<std::streamoff>(6ull << 30));
    f << kInfo << '\0';
  }
  RawDumpOptions options;
  options.max_scan_bytes = 1 << 20;
  auto dump = Open({{path, 0}}, std::nullopt, options);
  ASSERT_TRUE(dump.ok());
  EXPECT_FALSE((*dump)->VmcoreinfoText());
  EXPECT_TRUE(Warned("stopped after 1048576 bytes"));
  std::byte out[10];
  ASSERT_TRUE((*dump)->ReadPhysical(6ull << 30, out).ok());
  EXPECT_EQ(static_cast<char>(out[0]), 'O');
}

TEST_F(RawImageTest, NeedsAnArchitecture) {
  auto dump = OpenRawDump({{Write("ram", "x"), 0}}, std::nullopt, Arch::kUnknown, {}, diagnostics_);
  ASSERT_FALSE(dump.ok());
  EXPECT_THAT(dump.error().message(), HasSubstr("--arch"));
}

}  // namespace
}  // namespace csd::testing
