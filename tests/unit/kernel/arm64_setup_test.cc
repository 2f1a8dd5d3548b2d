// SPDX-License-Identifier: MIT
// DeriveArm64Setup on VMCOREINFO as real kernels print it, for the choices
// that VA_BITS alone cannot make: the walk size (64 - TCR_EL1_T1SZ) and the
// descriptors' output-address format. LPA2 (4K/16K, v6.9) follows the walk,
// never MAX_PHYSMEM_BITS, which 52-bit-capable builds print whatever the CPU
// did; FEAT_LPA (64K) follows MAX_PHYSMEM_BITS.
#include "kernel/arm64_setup.h"

#include <gtest/gtest.h>

#include <string>

#include "support/fake_physical_memory.h"

namespace csd {
namespace {

using ::csd::testing::FakePhysicalMemory;

class FakeArm64Dump final : public DumpFile {
 public:
  Status ReadPhysical(uint64_t pa, std::span<std::byte> out) const override {
    return memory_.ReadPhysical(pa, out);
  }
  std::vector<PhysicalRange> Ranges() const override { return memory_.Ranges(); }
  std::string FormatName() const override { return "elf64"; }
  std::string Producer() const override { return "kdump"; }
  Arch arch() const override { return Arch::kArm64; }
  Endian endian() const override { return Endian::kLittle; }
  unsigned pointer_size() const override { return 8; }
  const std::vector<DumpNote>& notes() const override { return notes_; }
  const std::vector<DumpSegment>& segments() const override { return segments_; }
  std::optional<std::string> VmcoreinfoText() const override { return std::nullopt; }
  const std::filesystem::path& path() const override { return path_; }

 private:
  FakePhysicalMemory memory_;
  std::vector<DumpNote> notes_;
  std::vector<DumpSegment> segments_;
  std::filesystem::path path_ = "fake";
};

// VMCOREINFO as a v6.9+ arm64 kernel prints it: the generic lines, then
// those of arch/arm64/kernel/vmcore_info.c with their "0x%llx" formats. The
// page size, VA_BITS, the runtime TCR_EL1.T1SZ and MAX_PHYSMEM_BITS vary.
std::string KernelVmcoreinfo(unsigned page_size, unsigned va_bits, const std::string& t1sz,
                             unsigned max_physmem_bits, const std::string& stext) {
  return "OSRELEASE=6.9.0-lpa2\n"
         "PAGESIZE=" +
         std::to_string(page_size) +
         "\n"
         "SYMBOL(init_uts_ns)=ffff800082a41c08\n"
         "OFFSET(uts_namespace.name)=4\n"
         "SYMBOL(node_online_map)=ffff800082a35d08\n"
         "SYMBOL(swapper_pg_dir)=ffff800082a3d000\n"
         "SYMBOL(_stext)=" +
         stext +
         "\n"
         "SYMBOL(vmap_area_list)=ffff800082c0a2f8\n"
         "SYMBOL(mem_section)=fff0000fbfeb9600\n"
         "LENGTH(mem_section)=1024\n"
         "SIZE(mem_section)=16\n"
         "OFFSET(mem_section.section_mem_map)=0\n"
         "NUMBER(SECTION_SIZE_BITS)=27\n"
         "NUMBER(MAX_PHYSMEM_BITS)=" +
         std::to_string(max_physmem_bits) +
         "\n"
         "SIZE(page)=64\n"
         "NUMBER(VA_BITS)=" +
         std::to_string(va_bits) +
         "\n"
         "NUMBER(MODULES_VADDR)=0xffff800000000000\n"
         "NUMBER(MODULES_END)=0xffff800080000000\n"
         "NUMBER(VMALLOC_END)=0xffffc1ffb0000000\n"
         "NUMBER(VMEMMAP_START)=0xffffc1ffc0000000\n"
         "NUMBER(VMEMMAP_END)=0xffffffffc0000000\n"
         "NUMBER(kimage_voffset)=0xffff7fffbfe00000\n"
         "NUMBER(PHYS_OFFSET)=0x40000000\n"
         "NUMBER(TCR_EL1_T1SZ)=" +
         t1sz +
         "\n"
         "KERNELOFFSET=0\n"
         "NUMBER(KERNELPACMASK)=0xfff0000000000000\n"
         "CRASHTIME=1700000000\n";
}

struct Derived {
  Arm64Setup setup;
  std::string Find(const std::string& name) const {
    for (const auto& d : setup.derived) {
      if (d.name == name) return d.value + " [" + d.source + "]";
    }
    return "";
  }
};

Derived Derive(const std::string& text) {
  CollectingDiagnostics diagnostics;
  auto vmcoreinfo = Vmcoreinfo::Parse(text, diagnostics);
  EXPECT_TRUE(vmcoreinfo.ok());
  FakeArm64Dump dump;
  auto setup = DeriveArm64Setup(*vmcoreinfo, dump, nullptr, TranslationOverrides{}, diagnostics);
  EXPECT_TRUE(setup.ok()) << setup.error().Describe();
  return Derived{setup.ok() ? *setup : Arm64Setup{}};
}

constexpr const char* kStext4K = "ffff800080010000";
constexpr const char* kStext16K = "ffffc00080010000";

TEST(Arm64SetupLpa2, FourKPagesWith52BitWalkIsLpa2FiveLevels) {
  const Derived d = Derive(KernelVmcoreinfo(4096, 52, "0xc", 52, kStext4K));
  const Arm64Params& p = d.setup.params;
  EXPECT_EQ(p.page_shift, 12u);
  EXPECT_EQ(p.va_bits, 52u);
  EXPECT_EQ(p.translation_va_bits, 52u);
  EXPECT_EQ(p.pa_bits, 52u);
  EXPECT_EQ(Arm64Levels(p), 5u);
  EXPECT_TRUE(p.flipped_layout);
  EXPECT_EQ(Arm64PageOffset(p), 0xfff0'0000'0000'0000u);
  EXPECT_EQ(d.Find("translation_va_bits"), "52 [64 - VMCOREINFO NUMBER(TCR_EL1_T1SZ)]");
  EXPECT_EQ(d.Find("pa_bits"), "52 [LPA2: 4K pages with a 52-bit walk]");
}

TEST(Arm64SetupLpa2, SixteenKPagesWith52BitWalkIsLpa2FourLevels) {
  const Derived d = Derive(KernelVmcoreinfo(16384, 52, "0xc", 52, kStext16K));
  const Arm64Params& p = d.setup.params;
  EXPECT_EQ(p.pa_bits, 52u);
  EXPECT_EQ(Arm64Levels(p), 4u);
  // VA_BITS_MIN is 47 with 16K pages: the kernel image is above -2^46.
  EXPECT_TRUE(p.flipped_layout);
  EXPECT_NE(d.Find("layout").find("PAGE_END 0xffffc00000000000"), std::string::npos)
      << d.Find("layout");
  EXPECT_EQ(d.Find("pa_bits"), "52 [LPA2: 16K pages with a 52-bit walk]");
}

// The same VA_BITS_52 kernels on CPUs without LPA2 fall back to 48 (4K) or
// 47 (16K) bits with TCR_EL1.DS clear: descriptors in the 48-bit format,
// although MAX_PHYSMEM_BITS still says 52.
TEST(Arm64SetupLpa2, FallbackWithoutLpa2HardwareUsesThe48BitFormat) {
  Derived d = Derive(KernelVmcoreinfo(4096, 52, "0x10", 52, kStext4K));
  EXPECT_EQ(d.setup.params.translation_va_bits, 48u);
  EXPECT_EQ(d.setup.params.pa_bits, 48u);
  EXPECT_EQ(Arm64Levels(d.setup.params), 4u);
  EXPECT_EQ(d.Find("pa_bits"),
            "48 [no LPA2: 4K pages with a 48-bit walk; NUMBER(MAX_PHYSMEM_BITS)=52 is only the "
            "kernel's limit]");
  d = Derive(KernelVmcoreinfo(16384, 52, "0x11", 52, kStext16K));
  EXPECT_EQ(d.setup.params.translation_va_bits, 47u);
  EXPECT_EQ(d.setup.params.pa_bits, 48u);
  EXPECT_EQ(Arm64Levels(d.setup.params), 3u);
}

// Since 6.14 every 4K/16K kernel is built for 52-bit PAs and prints
// MAX_PHYSMEM_BITS=52, with 48-bit VAs too; that is no LPA2.
TEST(Arm64SetupLpa2, MaxPhysmemBitsAloneIsNotLpa2) {
  const Derived d = Derive(KernelVmcoreinfo(4096, 48, "0x10", 52, kStext4K));
  EXPECT_EQ(d.setup.params.pa_bits, 48u);
  EXPECT_EQ(Arm64Levels(d.setup.params), 4u);
}

TEST(Arm64SetupLpa2, SixtyFourKPagesFollowMaxPhysmemBits) {
  Derived d = Derive(KernelVmcoreinfo(65536, 52, "0xc", 52, kStext4K));
  EXPECT_EQ(d.setup.params.pa_bits, 52u);
  EXPECT_EQ(Arm64Levels(d.setup.params), 3u);
  EXPECT_EQ(d.Find("pa_bits"), "52 [VMCOREINFO NUMBER(MAX_PHYSMEM_BITS) (64K pages: FEAT_LPA)]");
  d = Derive(KernelVmcoreinfo(65536, 48, "0x10", 48, kStext4K));
  EXPECT_EQ(d.setup.params.pa_bits, 48u);
  EXPECT_EQ(d.Find("pa_bits"), "48 [VMCOREINFO NUMBER(MAX_PHYSMEM_BITS)=48]");
}

}  // namespace
}  // namespace csd
