// SPDX-License-Identifier: MIT
#include "kernel/list_walk.h"

#include <gtest/gtest.h>

#include "kernel/kernel_limits.h"
#include "kernel/object_view.h"
#include "support/fake_physical_memory.h"
#include "support/identity_translator.h"

namespace csd {
namespace {

using testing::FakePhysicalMemory;
using testing::IdentityTranslator;

constexpr uint64_t kHead = 0x1000;
constexpr ListHeadLayout kLayout{0, 8, 8};

class ListWalkTest : public ::testing::Test {
 protected:
  // Links head -> entries... -> head with consistent prev pointers.
  void Ring(const std::vector<uint64_t>& entries) {
    std::vector<uint64_t> all{kHead};
    all.insert(all.end(), entries.begin(), entries.end());
    for (size_t i = 0; i < all.size(); ++i) {
      mem_.WriteU64(all[i], all[(i + 1) % all.size()]);
      mem_.WriteU64(all[i] + 8, all[(i + all.size() - 1) % all.size()]);
    }
  }
  ListWalkResult Walk(size_t cap = 100) {
    KernelMemory memory(xlat_, mem_, Endian::kLittle);
    return WalkList(memory, kHead, kLayout, cap);
  }
  FakePhysicalMemory mem_;
  IdentityTranslator xlat_;
};

TEST_F(ListWalkTest, EmptyList) {
  Ring({});
  auto result = Walk();
  EXPECT_TRUE(result.entries.empty());
  EXPECT_FALSE(result.stop_error);
}

TEST_F(ListWalkTest, EntriesInOrder) {
  Ring({0x5000, 0x3000, 0x7ff8});  // the last one straddles a page boundary
  auto result = Walk();
  EXPECT_EQ(result.entries, (std::vector<uint64_t>{0x5000, 0x3000, 0x7ff8}));
  EXPECT_FALSE(result.stop_error);
  EXPECT_TRUE(result.warnings.empty());
}

TEST_F(ListWalkTest, CycleIsDetectedAndEarlierEntriesKept) {
  Ring({0x2000, 0x3000, 0x4000});
  mem_.WriteU64(0x4000, 0x3000);  // 0x4000 -> 0x3000 instead of the head
  auto result = Walk();
  EXPECT_EQ(result.entries, (std::vector<uint64_t>{0x2000, 0x3000, 0x4000}));
  ASSERT_TRUE(result.stop_error);
  EXPECT_EQ(result.stop_error->code(), ErrorCode::kCorrupt);
  EXPECT_NE(result.stop_error->message().find("cycle"), std::string::npos);
}

TEST_F(ListWalkTest, SelfLoopIsACycle) {
  Ring({0x2000});
  mem_.WriteU64(0x2000, 0x2000);
  auto result = Walk();
  EXPECT_EQ(result.entries.size(), 1u);
  ASSERT_TRUE(result.stop_error);
  EXPECT_NE(result.stop_error->message().find("cycle"), std::string::npos);
}

TEST_F(ListWalkTest, WildPointerStopsWithAddress) {
  Ring({0x2000, 0x3000});
  mem_.WriteU64(0x3000, 0xdead0000);  // not in memory
  auto result = Walk();
  EXPECT_EQ(result.entries, (std::vector<uint64_t>{0x2000, 0x3000, 0xdead0000}));
  ASSERT_TRUE(result.stop_error);
  EXPECT_EQ(result.stop_error->code(), ErrorCode::kNotMapped);
  EXPECT_NE(result.stop_error->Describe().find("0xdead0000"), std::string::npos);
  EXPECT_FALSE(result.head_unreadable);
}

TEST_F(ListWalkTest, NullAndMisalignedPointers) {
  Ring({0x2000});
  mem_.WriteU64(0x2000, 0);
  auto null_result = Walk();
  ASSERT_TRUE(null_result.stop_error);
  EXPECT_NE(null_result.stop_error->message().find("NULL"), std::string::npos);
  mem_.WriteU64(0x2000, 0x3003);
  auto misaligned = Walk();
  ASSERT_TRUE(misaligned.stop_error);
  EXPECT_NE(misaligned.stop_error->message().find("misaligned"), std::string::npos);
}

TEST_F(ListWalkTest, CapStopsALongList) {
  std::vector<uint64_t> entries;
  for (uint64_t i = 0; i < 50; ++i) entries.push_back(0x10000 + i * 0x40);
  Ring(entries);
  auto result = Walk(10);
  EXPECT_EQ(result.entries.size(), 10u);
  ASSERT_TRUE(result.stop_error);
  EXPECT_EQ(result.stop_error->code(), ErrorCode::kLimit);
  EXPECT_NE(result.stop_error->message().find("--max-nodes"), std::string::npos);
}

TEST_F(ListWalkTest, UnreadableHeadIsFlagged) {
  auto result = Walk();  // nothing mapped
  EXPECT_TRUE(result.head_unreadable);
  ASSERT_TRUE(result.stop_error);
}

TEST_F(ListWalkTest, BrokenPrevPointerWarns) {
  Ring({0x2000, 0x3000});
  mem_.WriteU64(0x3000 + 8, 0x9999000);
  auto result = Walk();
  EXPECT_EQ(result.entries.size(), 2u);
  EXPECT_FALSE(result.stop_error);
  ASSERT_EQ(result.warnings.size(), 1u);
  EXPECT_NE(result.warnings[0].find("prev"), std::string::npos);
}

// Memory that fabricates an endless, consistent list: the entry at X has
// next = X + 16 and prev = X - 16, for every X. Nothing is stored, so it
// stands for a list of 10^7 (or 2^60) nodes.
class EndlessListMemory final : public PhysicalMemory {
 public:
  Status ReadPhysical(uint64_t pa, std::span<std::byte> out) const override {
    if (out.size() != 8 || pa % 8 != 0) {
      return Error(ErrorCode::kNotMapped, fmt::format("unexpected read at {:#x}", pa));
    }
    const uint64_t entry = pa & ~uint64_t{15};
    StoreUnsigned(out, pa % 16 == 0 ? entry + 16 : entry - 16, Endian::kLittle);
    ++reads_;
    return OkStatus();
  }
  std::vector<PhysicalRange> Ranges() const override { return {{0, ~uint64_t{0}}}; }
  size_t reads() const { return reads_; }

 private:
  mutable size_t reads_ = 0;
};

TEST(ListWalk, EndlessListStopsAtTheCapWithBoundedWork) {
  EndlessListMemory mem;
  IdentityTranslator xlat;
  KernelMemory memory(xlat, mem, Endian::kLittle);
  auto result = WalkList(memory, 0x1000, kLayout, 65536);
  EXPECT_EQ(result.entries.size(), 65536u);
  ASSERT_TRUE(result.stop_error);
  EXPECT_EQ(result.stop_error->code(), ErrorCode::kLimit);
  EXPECT_TRUE(result.warnings.empty());
  // Two pointer reads per entry (next, and prev for the consistency check).
  EXPECT_LE(mem.reads(), 2u * 65537u);
}

TEST(ObjectView, ReadsMembersWithDwarfWidthsAndSignedness) {
  FakePhysicalMemory mem;
  IdentityTranslator xlat;
  KernelMemory memory(xlat, mem, Endian::kLittle);
  mem.WriteU32(0x2000, 0xffffffff);          // int cpu = -1
  mem.WriteU32(0x2004, 0xffffffff);          // unsigned int
  mem.WriteU64(0x2008, 0xffff000012345678);  // pointer
  StructLayout layout{"s", 16, {}};
  MemberLayout cpu{"cpu", 0, 4, MemberLayout::Kind::kInteger, true, "int", "", 0, 0};
  MemberLayout size{"size", 4, 4, MemberLayout::Kind::kInteger, false, "unsigned int", "", 0, 0};
  MemberLayout ptr{"p", 8, 8, MemberLayout::Kind::kPointer, false, "char *", "", 0, 0};
  MemberLayout outside{"x", 14, 4, MemberLayout::Kind::kInteger, false, "int", "", 0, 0};
  auto view = ObjectView::Read(memory, 0x2000, layout, KernelLimits::kDefaultMaxObjectSize);
  ASSERT_TRUE(view.ok());
  EXPECT_EQ(*view->Signed(cpu), -1);
  EXPECT_EQ(*view->Signed(size), 0xffffffff);
  EXPECT_EQ(*view->Unsigned(ptr), 0xffff000012345678u);
  EXPECT_FALSE(view->Unsigned(outside).ok());
  EXPECT_FALSE(ObjectView::Read(memory, 0x90000, layout, KernelLimits::kDefaultMaxObjectSize).ok());
  StructLayout absurd{"big", 1 << 30, {}};
  EXPECT_EQ(
      ObjectView::Read(memory, 0x2000, absurd, KernelLimits::kDefaultMaxObjectSize).error().code(),
      ErrorCode::kLimit);
  StructLayout empty{"empty", 0, {}};
  EXPECT_EQ(
      ObjectView::Read(memory, 0x2000, empty, KernelLimits::kDefaultMaxObjectSize).error().code(),
      ErrorCode::kUnsupported);
}

// --max-object-size: a struct of the cap's size is read, one byte more is
// refused before anything is read, with the flag named.
TEST(ObjectView, SizeCapIsHonouredAtItsBoundary) {
  FakePhysicalMemory mem;
  IdentityTranslator xlat;
  KernelMemory memory(xlat, mem, Endian::kLittle);
  for (uint64_t pa = 0x2000; pa < 0x2100; pa += 8) mem.WriteU64(pa, pa);
  constexpr uint64_t kCap = 48;
  for (uint64_t size : {kCap - 1, kCap, kCap + 1}) {
    SCOPED_TRACE(size);
    StructLayout layout{"coresight_dump_node", size, {}};
    auto view = ObjectView::Read(memory, 0x2000, layout, kCap);
    if (size <= kCap) {
      ASSERT_TRUE(view.ok()) << view.error().Describe();
      MemberLayout first{"first", 0, 8, MemberLayout::Kind::kInteger, false, "u64", "", 0, 0};
      EXPECT_EQ(*view->Unsigned(first), 0x2000u);
    } else {
      ASSERT_FALSE(view.ok());
      EXPECT_EQ(view.error().code(), ErrorCode::kLimit);
      const std::string message = view.error().Describe();
      EXPECT_NE(message.find("coresight_dump_node"), std::string::npos) << message;
      EXPECT_NE(message.find("49"), std::string::npos) << message;
      EXPECT_NE(message.find("--max-object-size"), std::string::npos) << message;
    }
  }
}

}  // namespace
}  // namespace csd
