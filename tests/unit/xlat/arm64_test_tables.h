// SPDX-License-Identifier: MIT
// Shared pieces for the arm64 translator tests: descriptor encodings written
// out by hand, a 4K/48 walk used by several tests, and expectation helpers.
#pragma once

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "support/fake_physical_memory.h"
#include "xlat/arm64_translator.h"

namespace csd::arm64_tables {

using ::csd::testing::FakePhysicalMemory;

// Table descriptor: bits[1:0] = 0b11, plus PXNTable (bit 59), which the
// walker must ignore.
inline constexpr uint64_t kTable = 0x0800'0000'0000'0003;
// Page / block attributes: UXN|PXN (54:53), AF (10), SH inner (9:8), AP (6).
inline constexpr uint64_t kPage = 0x0060'0000'0000'0743;
inline constexpr uint64_t kBlock = 0x0060'0000'0000'0741;
// With LPA2, bits 9:8 are PA[51:50], so these carry no shareability.
inline constexpr uint64_t kPageLpa2 = 0x0060'0000'0000'0443;
inline constexpr uint64_t kBlockLpa2 = 0x0060'0000'0000'0441;

inline constexpr uint64_t kPgd = 0x4100'0000;

inline void Put(FakePhysicalMemory& memory, uint64_t table_pa, uint64_t index, uint64_t desc) {
  memory.WriteU64(table_pa + index * 8, desc);
}

inline Arm64Params WalkParams(unsigned page_shift, unsigned va_bits, unsigned pa_bits = 48) {
  Arm64Params p;
  p.page_shift = page_shift;
  p.va_bits = va_bits;
  p.translation_va_bits = va_bits;
  p.pa_bits = pa_bits;
  p.flipped_layout = true;
  p.phys_offset = 0x4000'0000;
  p.pgd_pa = kPgd;
  return p;
}

inline void ExpectTranslation(const Translator& translator, uint64_t va, uint64_t pa,
                              uint64_t contiguous, std::string_view method) {
  SCOPED_TRACE(fmt::format("VA {:#x}", va));
  auto t = translator.Translate(va);
  ASSERT_TRUE(t.ok()) << t.error().Describe();
  EXPECT_EQ(t->pa, pa) << fmt::format("got {:#x}, want {:#x}", t->pa, pa);
  EXPECT_EQ(t->contiguous, contiguous)
      << fmt::format("got {:#x}, want {:#x}", t->contiguous, contiguous);
  EXPECT_EQ(std::string_view(t->method), method);
}

inline Error ExpectError(const Translator& translator, uint64_t va, ErrorCode code) {
  auto t = translator.Translate(va);
  EXPECT_FALSE(t.ok()) << fmt::format("VA {:#x} translated to {:#x}", va, t.ok() ? t->pa : 0);
  if (t.ok()) return Error(ErrorCode::kInvalidArgument, "unexpectedly translated");
  EXPECT_EQ(t.error().code(), code) << t.error().Describe();
  return t.error();
}

inline bool Contains(const std::string& haystack, std::string_view needle) {
  return haystack.find(needle) != std::string::npos;
}

// 4K/48: VA 0xffff800008001234, low 48 bits 0x8000_0800_1234:
// L0 [47:39] = 256, L1 [38:30] = 0, L2 [29:21] = 64, L3 [20:12] = 1, offset 0x234.
inline constexpr uint64_t kVa4K48 = 0xffff'8000'0800'1234;
inline void Build4K48(FakePhysicalMemory& m) {
  Put(m, kPgd, 256, 0x4100'1000 | kTable);
  Put(m, 0x4100'1000, 0, 0x4100'2000 | kTable);
  Put(m, 0x4100'2000, 64, 0x4100'3000 | kTable);
  Put(m, 0x4100'3000, 1, 0x5000'0000 | kPage);
}

}  // namespace csd::arm64_tables
