// SPDX-License-Identifier: MIT
#include "csdump-mkcore/vmcoreinfo_writer.h"

#include <gtest/gtest.h>

namespace csd::mkcore {
namespace {

VmcoreinfoValues Values() {
  VmcoreinfoValues v;
  v.osrelease = "6.1.0-test";
  v.build_id = "00ff";
  v.init_uts_ns = 0xffff800009e62000;
  v.uts_name_offset = 4;
  v.swapper_pg_dir = 0xffff800009e63000;
  v.stext = 0xffff800009e60000;
  v.va_bits = 39;
  v.kimage_voffset = 0xffff7fffc9c50000;
  v.phys_offset = 0xffffffc0c0000000;
  v.kaslr_offset = 0x1e50000;
  return v;
}

TEST(VmcoreinfoWriterTest, FormatsValuesLikeArm64Kernels) {
  EXPECT_EQ(RenderVmcoreinfo(DefaultVmcoreinfo(Values())),
            "OSRELEASE=6.1.0-test\n"
            "BUILD-ID=00ff\n"
            "PAGESIZE=4096\n"
            "SYMBOL(init_uts_ns)=ffff800009e62000\n"
            "OFFSET(uts_namespace.name)=4\n"
            "SYMBOL(swapper_pg_dir)=ffff800009e63000\n"
            "SYMBOL(_stext)=ffff800009e60000\n"
            "NUMBER(MAX_PHYSMEM_BITS)=48\n"
            "NUMBER(VA_BITS)=39\n"
            "NUMBER(kimage_voffset)=0xffff7fffc9c50000\n"
            "NUMBER(PHYS_OFFSET)=0xffffffc0c0000000\n"
            "KERNELOFFSET=1e50000\n"
            "NUMBER(TCR_EL1_T1SZ)=0x19\n"
            "CRASHTIME=1700000000\n");
}

// What a v6.9+ kernel with 52-bit VAs and LPA2 prints (arch/arm64/kernel/
// vmcore_info.c: "NUMBER(TCR_EL1_T1SZ)=0x%llx"), the lines readers pick
// LPA2 from.
TEST(VmcoreinfoWriterTest, Lpa2KernelLines) {
  VmcoreinfoValues v = Values();
  v.va_bits = 52;
  v.max_physmem_bits = 52;
  const std::string text = RenderVmcoreinfo(DefaultVmcoreinfo(v));
  EXPECT_NE(text.find("NUMBER(MAX_PHYSMEM_BITS)=52\nNUMBER(VA_BITS)=52\n"), std::string::npos);
  EXPECT_NE(text.find("NUMBER(TCR_EL1_T1SZ)=0xc\n"), std::string::npos);
}

TEST(VmcoreinfoWriterTest, NoBuildIdLineWithoutBuildId) {
  VmcoreinfoValues v = Values();
  v.build_id.reset();
  EXPECT_EQ(RenderVmcoreinfo(DefaultVmcoreinfo(v)).find("BUILD-ID"), std::string::npos);
}

TEST(VmcoreinfoWriterTest, OmitAndSet) {
  VmcoreinfoEdits edits;
  edits.omit = {"KERNELOFFSET"};
  edits.set = {{"OSRELEASE", "9.9.9"}, {"NUMBER(KERNELPACMASK)", "0xff80000000000000"}};
  auto lines = ApplyVmcoreinfoEdits(DefaultVmcoreinfo(Values()), edits);
  ASSERT_TRUE(lines.ok());
  const std::string text = RenderVmcoreinfo(*lines);
  EXPECT_EQ(text.find("KERNELOFFSET"), std::string::npos);
  EXPECT_EQ(text.rfind("OSRELEASE=9.9.9\n", 0), 0u);  // replaced in place
  EXPECT_NE(text.find("CRASHTIME=1700000000\nNUMBER(KERNELPACMASK)=0xff80000000000000\n"),
            std::string::npos);
}

TEST(VmcoreinfoWriterTest, OmittingAnAbsentKeyIsAnError) {
  VmcoreinfoEdits edits;
  edits.omit = {"KERNEL_OFFSET"};
  auto lines = ApplyVmcoreinfoEdits(DefaultVmcoreinfo(Values()), edits);
  ASSERT_FALSE(lines.ok());
  EXPECT_NE(lines.error().message().find("\"KERNEL_OFFSET\""), std::string::npos);
}

}  // namespace
}  // namespace csd::mkcore
