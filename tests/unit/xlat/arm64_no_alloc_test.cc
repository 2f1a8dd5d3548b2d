// SPDX-License-Identifier: MIT
// A successful translation must not touch the heap: KernelMemory translates
// once per page of every read, so an allocation there would dominate large
// trace-buffer copies.
#include <gtest/gtest.h>

#include <array>
#include <cstddef>

#include "alloc_counter.h"
#include "memory/kernel_memory.h"
#include "support/fake_physical_memory.h"
#include "xlat/arm64_translator.h"

namespace csd {
namespace {

using ::csd::testing::FakePhysicalMemory;

TEST(Arm64NoAlloc, TranslateAndReadDoNotAllocate) {
  // 4K/48 vmalloc page at 0xffff800008001000 (L0 256, L1 0, L2 64, L3 1).
  FakePhysicalMemory m;
  m.WriteU64(0x4100'0000 + 256 * 8, 0x4100'1003);
  m.WriteU64(0x4100'1000 + 0 * 8, 0x4100'2003);
  m.WriteU64(0x4100'2000 + 64 * 8, 0x4100'3003);
  m.WriteU64(0x4100'3000 + 1 * 8, 0x5000'0743);
  m.Map(0x5000'0000, 0x1000);
  Arm64Params p;
  p.pgd_pa = 0x4100'0000;
  p.phys_offset = 0x4000'0000;
  p.kimage_start = 0xffff'8000'1000'0000;
  p.kimage_end = 0xffff'8000'2000'0000;
  auto xlat = MakeArm64Translator(p, m);
  KernelMemory memory(*xlat, m, Endian::kLittle);
  std::array<std::byte, 64> out{};

  testing::StartCountingAllocations();
  bool ok = true;
  for (int i = 0; i < 100; ++i) {
    ok &= xlat->Translate(0xffff'8000'0800'1000 + static_cast<uint64_t>(i) * 8).ok();
    ok &= xlat->Translate(0xffff'0000'1234'5678).ok();  // linear
    ok &= xlat->Translate(0xffff'8000'1000'0000).ok();  // kimage
    ok &= memory.Read(0xffff'8000'0800'1000, out).ok();
  }
  const long allocations = testing::StopCountingAllocations();
  EXPECT_TRUE(ok);
  EXPECT_EQ(allocations, 0);
}

}  // namespace
}  // namespace csd
