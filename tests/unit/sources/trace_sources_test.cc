// SPDX-License-Identifier: MIT
// ReadTrace asks the sources in order: the first that finds its data wins
// and is named in the DumpSet; "not in this kernel" (kLookup) moves on; any
// other error stops, since the data exists but cannot be read.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "debuginfo/debug_info.h"
#include "dump/dump_file.h"
#include "kernel/kernel_symbols.h"
#include "kernel/kernel_target.h"
#include "sources/panic_list/panic_list_source.h"
#include "sources/trace_sources.h"

namespace csd {
namespace {

using ::testing::HasSubstr;

// A source that answers as told and counts how often it was asked.
class FakeSource final : public KernelTraceSource {
 public:
  FakeSource(std::string name, Expected<DumpSet> answer, int* asked)
      : name_(std::move(name)), answer_(std::move(answer)), asked_(asked) {}
  std::string_view name() const override { return name_; }
  Expected<DumpSet> Read(const TraceSourceContext&) const override {
    ++*asked_;
    return answer_;
  }

 private:
  std::string name_;
  Expected<DumpSet> answer_;
  int* asked_;
};

DumpSet SetWithNodes(size_t count) {
  DumpSet set;
  set.nodes.resize(count);
  return set;
}

class TraceSourcesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::filesystem::path demo(CSD_DEMO_DIR);
    auto dump = OpenDump(demo / "vmcore", {}, diagnostics_);
    ASSERT_TRUE(dump.ok()) << dump.error().Describe();
    dump_ = std::move(*dump);
    auto vmlinux = DebugInfo::Open(demo / "vmlinux");
    ASSERT_TRUE(vmlinux.ok()) << vmlinux.error().Describe();
    vmlinux_ = std::make_unique<DebugInfo>(std::move(*vmlinux));
    auto target = KernelTarget::Open(*dump_, *vmlinux_, {}, diagnostics_);
    ASSERT_TRUE(target.ok()) << target.error().Describe();
    target_ = std::make_unique<KernelTarget>(std::move(*target));
    search_ = std::make_unique<DebuginfoSearch>(
        DebuginfoSearchOptions{.paths = {}, .sysroot = "/nonexistent", .standard_places = false},
        "");
    symbols_ = std::make_unique<KernelSymbols>(*target_, *search_);
  }

  TraceSourceContext Context() {
    return TraceSourceContext{.target = *target_,
                              .symbols = *symbols_,
                              .limits = limits_,
                              .diagnostics = diagnostics_,
                              .staging = nullptr};
  }

  CollectingDiagnostics diagnostics_;
  ReadLimits limits_;
  std::unique_ptr<DumpFile> dump_;
  std::unique_ptr<DebugInfo> vmlinux_;
  std::unique_ptr<KernelTarget> target_;
  std::unique_ptr<DebuginfoSearch> search_;
  std::unique_ptr<KernelSymbols> symbols_;
};

TEST_F(TraceSourcesTest, FirstSourceThatFindsItsDataWinsAndIsNamed) {
  int asked_absent = 0, asked_found = 0, asked_later = 0;
  std::vector<std::unique_ptr<KernelTraceSource>> sources;
  sources.push_back(std::make_unique<FakeSource>(
      "absent", Error(ErrorCode::kLookup, "no such list"), &asked_absent));
  sources.push_back(std::make_unique<FakeSource>("found", SetWithNodes(3), &asked_found));
  sources.push_back(std::make_unique<FakeSource>("later", SetWithNodes(1), &asked_later));
  auto set = ReadTrace(sources, Context());
  ASSERT_TRUE(set.ok()) << set.error().Describe();
  EXPECT_EQ(set->source, "found");
  EXPECT_EQ(set->nodes.size(), 3u);
  EXPECT_EQ(asked_absent, 1);
  EXPECT_EQ(asked_found, 1);
  EXPECT_EQ(asked_later, 0);
}

TEST_F(TraceSourcesTest, NoSourceAppliesGivesTheFirstSourcesLookupError) {
  int asked = 0;
  std::vector<std::unique_ptr<KernelTraceSource>> sources;
  sources.push_back(
      std::make_unique<FakeSource>("one", Error(ErrorCode::kLookup, "no list one"), &asked));
  sources.push_back(
      std::make_unique<FakeSource>("two", Error(ErrorCode::kLookup, "no list two"), &asked));
  auto set = ReadTrace(sources, Context());
  ASSERT_FALSE(set.ok());
  EXPECT_EQ(set.error().code(), ErrorCode::kLookup);
  EXPECT_EQ(set.error().message(), "no list one");
  EXPECT_EQ(asked, 2);
}

TEST_F(TraceSourcesTest, UnreadableDataStopsTheSearch) {
  int asked_broken = 0, asked_later = 0;
  std::vector<std::unique_ptr<KernelTraceSource>> sources;
  sources.push_back(std::make_unique<FakeSource>(
      "broken", Error(ErrorCode::kCorrupt, "list head unreadable"), &asked_broken));
  sources.push_back(std::make_unique<FakeSource>("later", SetWithNodes(1), &asked_later));
  auto set = ReadTrace(sources, Context());
  ASSERT_FALSE(set.ok());
  EXPECT_EQ(set.error().code(), ErrorCode::kCorrupt);
  EXPECT_EQ(asked_later, 0);
}

TEST_F(TraceSourcesTest, NoSourcesAtAllIsALookupError) {
  auto set = ReadTrace({}, Context());
  ASSERT_FALSE(set.ok());
  EXPECT_EQ(set.error().code(), ErrorCode::kLookup);
}

TEST_F(TraceSourcesTest, TheTableReadsTheDemoPanicList) {
  const auto sources = AllTraceSources();
  ASSERT_FALSE(sources.empty());
  EXPECT_EQ(sources.front()->name(), PanicListSource::kName);
  auto set = ReadTrace(sources, Context());
  ASSERT_TRUE(set.ok()) << set.error().Describe();
  EXPECT_EQ(set->source, "panic-dump-list");
  EXPECT_EQ(set->list.symbol, "coresight_dump_list");
  EXPECT_EQ(set->nodes.size(), 4u);
  EXPECT_TRUE(set->complete());
}

}  // namespace
}  // namespace csd
