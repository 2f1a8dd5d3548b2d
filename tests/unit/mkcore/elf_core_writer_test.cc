// SPDX-License-Identifier: MIT
// Writes small cores and parses them back with a minimal, independent ELF
// reader (header, program headers, notes, segment bytes).
#include "csdump-mkcore/elf_core_writer.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <string>

#include "base/byte_reader.h"

namespace csd::mkcore {
namespace {

std::vector<std::byte> ReadFile(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::vector<char> chars((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::byte> bytes(chars.size());
  std::memcpy(bytes.data(), chars.data(), chars.size());
  return bytes;
}

uint64_t U(const std::vector<std::byte>& f, uint64_t off, size_t width) {
  return LoadUnsigned(std::span<const std::byte>(f.data() + off, width), Endian::kLittle);
}

struct Phdr {
  uint32_t type;
  uint64_t offset, vaddr, paddr, filesz, memsz;
};

std::vector<Phdr> Phdrs(const std::vector<std::byte>& f) {
  std::vector<Phdr> out;
  for (uint64_t i = 0; i < U(f, 56, 2); ++i) {
    const uint64_t p = U(f, 32, 8) + i * U(f, 54, 2);
    out.push_back({static_cast<uint32_t>(U(f, p, 4)), U(f, p + 8, 8), U(f, p + 16, 8),
                   U(f, p + 24, 8), U(f, p + 32, 8), U(f, p + 40, 8)});
  }
  return out;
}

class ElfCoreWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::path(::testing::TempDir()) /
           ("mkcore_elf_" +
            std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    for (uint64_t i = 0; i < 64; ++i)
      ASSERT_TRUE(image_.WriteUnsigned(0x40000000 + i * 8, 0x1111000000 + i, 8).ok());
    ASSERT_TRUE(image_.WriteUnsigned(0x40ff0000, 0xabcdef, 8).ok());
  }
  ElfCorePlan Plan(std::optional<uint64_t> truncate = std::nullopt, uint64_t tail = 0) {
    std::vector<ElfNote> notes = {MakeArm64Prstatus(1), MakeArm64Prstatus(2),
                                  MakeVmcoreinfoNote("PAGESIZE=4096\n")};
    std::vector<ElfLoad> loads = {{0xffff800008000000, 0x40000000, 0x3000, 0x3000},
                                  {0xffff000000000000, 0x40000000, 0x1000000, 0x1000000 - tail}};
    auto plan = PlanElfCore(std::move(notes), std::move(loads), 4096, truncate);
    EXPECT_TRUE(plan.ok());
    return std::move(plan).value();
  }

  std::filesystem::path dir_;
  PhysImage image_{{{0x40000000, 0x1000000}}};
};

TEST_F(ElfCoreWriterTest, HeaderProgramHeadersNotesAndData) {
  const ElfCorePlan plan = Plan();
  ASSERT_TRUE(WriteElfCore(dir_ / "vmcore", plan, image_).ok());
  const auto f = ReadFile(dir_ / "vmcore");
  ASSERT_EQ(f.size(), plan.full_size);
  EXPECT_EQ(U(f, 0, 4), 0x464c457fu);
  EXPECT_EQ(U(f, 4, 1), 2u);     // ELFCLASS64
  EXPECT_EQ(U(f, 5, 1), 1u);     // little-endian
  EXPECT_EQ(U(f, 16, 2), 4u);    // ET_CORE
  EXPECT_EQ(U(f, 18, 2), 183u);  // EM_AARCH64
  const auto ph = Phdrs(f);
  ASSERT_EQ(ph.size(), 3u);
  EXPECT_EQ(ph[0].type, 4u);  // PT_NOTE first
  EXPECT_EQ(ph[1].type, 1u);
  EXPECT_EQ(ph[1].vaddr, 0xffff800008000000u);
  EXPECT_EQ(ph[2].paddr, 0x40000000u);
  EXPECT_EQ(ph[2].offset % 4096, 0u);

  // Notes: two CORE/NT_PRSTATUS of 392 bytes with pr_pid at 32, then VMCOREINFO.
  std::vector<std::string> names;
  for (uint64_t off = ph[0].offset; off < ph[0].offset + ph[0].filesz;) {
    const uint64_t namesz = U(f, off, 4), descsz = U(f, off + 4, 4), type = U(f, off + 8, 4);
    const std::string name(reinterpret_cast<const char*>(f.data() + off + 12), namesz - 1);
    const uint64_t desc = off + 12 + (namesz + 3) / 4 * 4;
    names.push_back(name);
    if (name == "CORE") {
      EXPECT_EQ(type, 1u);
      EXPECT_EQ(descsz, 392u);
      EXPECT_EQ(U(f, desc + 32, 4), names.size());
    } else {
      EXPECT_EQ(type, 0u);
      EXPECT_EQ(std::string(reinterpret_cast<const char*>(f.data() + desc), descsz),
                "PAGESIZE=4096\n");
    }
    off = desc + (descsz + 3) / 4 * 4;
  }
  EXPECT_EQ(names, (std::vector<std::string>{"CORE", "CORE", "VMCOREINFO"}));

  // Data through both overlapping segments.
  EXPECT_EQ(U(f, ph[1].offset + 8, 8), 0x1111000001u);
  EXPECT_EQ(U(f, ph[2].offset + 63 * 8, 8), 0x111100003fu);
  EXPECT_EQ(U(f, ph[2].offset + 0xff0000, 8), 0xabcdefu);
  EXPECT_FALSE(std::filesystem::exists(dir_ / "vmcore.tmp"));
}

TEST_F(ElfCoreWriterTest, FileIsSparse) {
  ASSERT_TRUE(WriteElfCore(dir_ / "vmcore", Plan(), image_).ok());
  struct stat st {};
  ASSERT_EQ(stat((dir_ / "vmcore").c_str(), &st), 0);
  // 16 MiB of segments, a handful of pages of data (allow for filesystems
  // with large allocation units).
  EXPECT_LT(static_cast<uint64_t>(st.st_blocks) * 512, 2u << 20);
}

TEST_F(ElfCoreWriterTest, TruncationAndExcludedTail) {
  const ElfCorePlan full = Plan();
  EXPECT_TRUE(full.IsFileBacked(0x40000000, 0x1000000));
  EXPECT_FALSE(full.IsFileBacked(0x40fff000, 0x2000));  // runs past RAM

  const ElfCorePlan cut = Plan(full.load_offsets[1] + 0x800000);
  ASSERT_TRUE(WriteElfCore(dir_ / "vmcore", cut, image_).ok());
  EXPECT_EQ(std::filesystem::file_size(dir_ / "vmcore"), cut.file_size);
  EXPECT_TRUE(cut.IsFileBacked(0x40000000, 0x800000));
  EXPECT_FALSE(cut.IsFileBacked(0x407ffff8, 16));
  EXPECT_FALSE(cut.IsFileBacked(0x40ff0000, 8));

  const ElfCorePlan tail = Plan(std::nullopt, 0x10000);
  EXPECT_EQ(tail.loads[1].filesz, 0x1000000u - 0x10000);
  EXPECT_EQ(tail.loads[1].memsz, 0x1000000u);
  EXPECT_FALSE(tail.IsFileBacked(0x40ff0000, 8));
  EXPECT_TRUE(tail.IsFileBacked(0x40feff00, 0x100));

  auto too_big = PlanElfCore({}, {{0, 0x40000000, 0x1000, 0x1000}}, 4096, 1u << 20);
  ASSERT_FALSE(too_big.ok());
  EXPECT_NE(too_big.error().message().find("spec.truncate_file"), std::string::npos);
}

}  // namespace
}  // namespace csd::mkcore
