// SPDX-License-Identifier: MIT
// DeriveArmSetup against a hand-built dump: PAGE_OFFSET chosen by reading
// init_uts_ns back through each candidate, PHYS_OFFSET from the lowest
// p_paddr, LPAE from VMCOREINFO, overrides winning, and the error naming
// every pair tried.
#include "kernel/arm_setup.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "support/fake_physical_memory.h"

namespace csd {
namespace {

using ::csd::testing::FakePhysicalMemory;

class FakeArmDump final : public DumpFile {
 public:
  FakeArmDump(FakePhysicalMemory& memory, std::vector<DumpSegment> segments)
      : memory_(memory), segments_(std::move(segments)) {}
  Status ReadPhysical(uint64_t pa, std::span<std::byte> out) const override {
    return memory_.ReadPhysical(pa, out);
  }
  std::vector<PhysicalRange> Ranges() const override { return memory_.Ranges(); }
  std::string FormatName() const override { return "elf32"; }
  std::string Producer() const override { return "kdump"; }
  Arch arch() const override { return Arch::kArm; }
  Endian endian() const override { return Endian::kLittle; }
  unsigned pointer_size() const override { return 4; }
  const std::vector<DumpNote>& notes() const override { return notes_; }
  const std::vector<DumpSegment>& segments() const override { return segments_; }
  std::optional<std::string> VmcoreinfoText() const override { return std::nullopt; }
  const std::filesystem::path& path() const override { return path_; }

 private:
  FakePhysicalMemory& memory_;
  std::vector<DumpSegment> segments_;
  std::vector<DumpNote> notes_;
  std::filesystem::path path_ = "fake";
};

constexpr uint64_t kPhys = 0x8000'0000;

// A 2G/2G... here a 0xB0000000 split kernel: swapper_pg_dir at VA
// 0xB0004000 (PA 0x80004000) maps lowmem by one section, and init_uts_ns at
// 0xB000B000 holds the release at +4 + 2*65.
struct Fixture {
  FakePhysicalMemory memory;
  std::unique_ptr<FakeArmDump> dump;
  CollectingDiagnostics diagnostics;
  Vmcoreinfo vmcoreinfo;

  explicit Fixture(const std::string& extra_vmcoreinfo = "") {
    memory.Map(kPhys, 0x10'0000);
    memory.WriteU32(kPhys + 0x4000 + 0xB00 * 4, kPhys | 0x40e);  // 1 MiB section
    const char release[] = "6.1.0-arm-test";
    memory.Write(kPhys + 0xB000 + 4 + 130, std::as_bytes(std::span(release)));
    // A segment with a bogus vaddr and a higher paddr must not matter.
    dump = std::make_unique<FakeArmDump>(
        memory, std::vector<DumpSegment>{{0x9000'0000, 0xf000'0000, 0, 0, 0},
                                         {kPhys, 0xB000'0000, 0, 0x10'0000, 0x10'0000}});
    auto parsed = Vmcoreinfo::Parse(
        "OSRELEASE=6.1.0-arm-test\nPAGESIZE=4096\nSYMBOL(init_uts_ns)=b000b000\n"
        "OFFSET(uts_namespace.name)=4\nSYMBOL(swapper_pg_dir)=b0004000\n" +
            extra_vmcoreinfo,
        diagnostics);
    vmcoreinfo = *parsed;
  }
};

std::string Find(const ArmSetup& setup, const std::string& name) {
  for (const auto& d : setup.derived) {
    if (d.name == name) return d.value + " [" + d.source + "]";
  }
  return "";
}

TEST(ArmSetup, ValidatesCandidatesAndPicksThePassingOne) {
  Fixture f;
  auto setup = DeriveArmSetup(f.vmcoreinfo, *f.dump, nullptr, {}, f.diagnostics);
  ASSERT_TRUE(setup.ok()) << setup.error().Describe();
  EXPECT_EQ(setup->params.page_offset, 0xB000'0000u);
  EXPECT_EQ(setup->params.phys_offset, kPhys);
  EXPECT_EQ(setup->params.pgd_pa, kPhys + 0x4000);
  EXPECT_FALSE(setup->params.lpae);
  EXPECT_EQ(Find(*setup, "phys_offset"), "0x80000000 [lowest PT_LOAD p_paddr]");
  EXPECT_NE(Find(*setup, "validation").find("6.1.0-arm-test"), std::string::npos);
}

TEST(ArmSetup, StextHintIsTriedFirst) {
  Fixture f("SYMBOL(_stext)=b0009000\n");
  auto setup = DeriveArmSetup(f.vmcoreinfo, *f.dump, nullptr, {}, f.diagnostics);
  ASSERT_TRUE(setup.ok()) << setup.error().Describe();
  EXPECT_EQ(setup->params.page_offset, 0xB000'0000u);
}

TEST(ArmSetup, NoCandidatePassesNamesEveryPair) {
  Fixture f;
  TranslationOverrides o;
  o.phys_offset = 0x9000'0000;  // wrong: every pgd lands outside memory
  auto setup = DeriveArmSetup(f.vmcoreinfo, *f.dump, nullptr, o, f.diagnostics);
  ASSERT_FALSE(setup.ok());
  const std::string text = setup.error().Describe();
  for (const char* fragment :
       {"PAGE_OFFSET 0xc0000000", "PAGE_OFFSET 0xb0000000", "PAGE_OFFSET 0x80000000",
        "PAGE_OFFSET 0x40000000", "PHYS_OFFSET 0x90000000 (--phys-offset)",
        "--page-offset/--phys-offset"}) {
    EXPECT_NE(text.find(fragment), std::string::npos) << fragment << " missing in " << text;
  }
}

TEST(ArmSetup, OverridesWin) {
  Fixture f("CONFIG_ARM_LPAE=y\n");
  TranslationOverrides o;
  o.page_offset = 0xB000'0000;
  o.lpae = false;
  auto setup = DeriveArmSetup(f.vmcoreinfo, *f.dump, nullptr, o, f.diagnostics);
  ASSERT_TRUE(setup.ok()) << setup.error().Describe();
  EXPECT_FALSE(setup->params.lpae);
  EXPECT_EQ(Find(*setup, "lpae"), "no [--no-lpae]");
  EXPECT_EQ(Find(*setup, "page_offset"), "0xb0000000 [--page-offset]");
  // Without the override, CONFIG_ARM_LPAE=y selects LPAE tables, which this
  // short-descriptor dump does not have: nothing validates.
  auto lpae = DeriveArmSetup(f.vmcoreinfo, *f.dump, nullptr, {}, f.diagnostics);
  ASSERT_FALSE(lpae.ok());
  EXPECT_NE(lpae.error().Describe().find("tried"), std::string::npos);
}

}  // namespace
}  // namespace csd
