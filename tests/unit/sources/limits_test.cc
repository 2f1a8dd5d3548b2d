// SPDX-License-Identifier: MIT
// The caps on hostile input (man csdump-extract, LIMITS) on a whole dump: the
// bundled demo (testdata/demo) read through every layer, each cap set to one
// byte (or note) below, at and above what the demo needs. Below, the message
// names the cap's flag; at and above, the read is whole.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "base/diagnostics.h"
#include "coresight/kernel_text.h"
#include "sources/panic_list/panic_list.h"
#include "debuginfo/debug_info.h"
#include "debuginfo/debuginfo_search.h"
#include "dump/dump_file.h"
#include "kernel/kernel_symbols.h"
#include "kernel/kernel_target.h"

namespace csd {
namespace {

using ::testing::HasSubstr;

class DemoLimitsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dump = OpenDump(std::filesystem::path(CSD_DEMO_DIR) / "vmcore", {}, diagnostics_);
    ASSERT_TRUE(dump.ok()) << dump.error().Describe();
    dump_ = std::move(*dump);
    auto vmlinux = DebugInfo::Open(std::filesystem::path(CSD_DEMO_DIR) / "vmlinux");
    ASSERT_TRUE(vmlinux.ok()) << vmlinux.error().Describe();
    vmlinux_ = std::make_unique<DebugInfo>(std::move(*vmlinux));
  }

  Expected<KernelTarget> Target(const KernelLimits& limits) {
    TargetOptions options;
    options.limits = limits;
    return KernelTarget::Open(*dump_, *vmlinux_, options, diagnostics_);
  }

  Expected<DumpSet> ReadList(const KernelTarget& target, const ReadLimits& limits = {}) {
    const DebuginfoSearch search(DebuginfoSearchOptions{.paths = {},
                                                        .sysroot = "/nonexistent",
                                                        .standard_places = false,
                                                        .max_directory_entries = 1},
                                 "");
    KernelSymbols symbols(target, search);
    return ReadPanicDumpList(target, symbols, limits, diagnostics_);
  }

  CollectingDiagnostics diagnostics_;
  std::unique_ptr<DumpFile> dump_;
  std::unique_ptr<DebugInfo> vmlinux_;
};

TEST_F(DemoLimitsTest, KernelTextCap) {
  auto target = Target({});
  ASSERT_TRUE(target.ok()) << target.error().Describe();
  auto text = vmlinux_->Symbol("_text");
  auto etext = vmlinux_->Symbol("_etext");
  ASSERT_TRUE(text.ok() && etext.ok());
  const uint64_t size = etext->address - text->address;
  for (uint64_t cap : {size - 1, size, size + 1}) {
    SCOPED_TRACE(cap);
    CollectingDiagnostics text_notes;
    auto image = ReadKernelText(*target, KernelTextLimits{.max_bytes = cap}, text_notes);
    if (cap < size) {
      ASSERT_FALSE(image.ok());
      EXPECT_EQ(image.error().code(), ErrorCode::kLimit);
      EXPECT_THAT(image.error().message(), HasSubstr(std::to_string(size) + " bytes"));
      EXPECT_THAT(image.error().message(), HasSubstr("raise with --max-kernel-text"));
    } else {
      ASSERT_TRUE(image.ok()) << image.error().Describe();
      EXPECT_EQ(image->bytes.size(), size);
      EXPECT_EQ(image->source, kTextSourceDump);
      EXPECT_THAT(text_notes.warnings(), testing::IsEmpty());
    }
  }
}

TEST_F(DemoLimitsTest, ObjectSizeCapReachesTheListNodes) {
  auto target = Target({});
  ASSERT_TRUE(target.ok()) << target.error().Describe();
  auto whole = ReadList(*target);
  ASSERT_TRUE(whole.ok()) << whole.error().Describe();
  ASSERT_TRUE(whole->complete());
  const uint64_t node_size = whole->list.node_size;
  ASSERT_GT(node_size, 0u);
  for (uint64_t cap : {node_size - 1, node_size, node_size + 1}) {
    SCOPED_TRACE(cap);
    auto capped = Target({.max_object_size = cap});
    ASSERT_TRUE(capped.ok()) << capped.error().Describe();
    EXPECT_EQ(capped->limits().max_object_size, cap);
    auto set = ReadList(*capped);
    ASSERT_TRUE(set.ok()) << set.error().Describe();
    ASSERT_EQ(set->nodes.size(), whole->nodes.size());
    EXPECT_EQ(set->complete(), cap >= node_size);
    for (const DumpNode& node : set->nodes) {
      if (cap >= node_size) {
        EXPECT_FALSE(node.error.has_value()) << node.error->Describe();
      } else {
        ASSERT_TRUE(node.error.has_value());
        EXPECT_EQ(node.error->code(), ErrorCode::kLimit);
        EXPECT_THAT(node.error->Describe(), HasSubstr("raise with --max-object-size"));
      }
    }
  }
}

// A node keeps its failures as one Error: the first one's code, every
// one's words. Here the name (over --max-name-length) fails first, then the
// buffer (over --max-buffer-size).
TEST_F(DemoLimitsTest, NodeErrorKeepsTheFirstCodeAndEveryMessage) {
  auto target = Target({});
  ASSERT_TRUE(target.ok()) << target.error().Describe();
  auto set = ReadList(*target, ReadLimits{.max_buffer_size = 1, .max_name_length = 1});
  ASSERT_TRUE(set.ok()) << set.error().Describe();
  ASSERT_FALSE(set->nodes.empty());
  for (const DumpNode& node : set->nodes) {
    SCOPED_TRACE(node.index);
    ASSERT_TRUE(node.error.has_value());
    EXPECT_EQ(node.error->code(), ErrorCode::kLimit);
    const std::string text = node.error->Describe();
    EXPECT_THAT(text, ::testing::StartsWith("device name of coresight_device at "));
    EXPECT_THAT(text, HasSubstr("; buf_size "));
    EXPECT_THAT(text, HasSubstr("raise with --max-buffer-size"));
    EXPECT_FALSE(node.data);
  }
}

// The demo's metadata nodes validate as ETMv4 and keep their registers.
TEST_F(DemoLimitsTest, DemoMetadataIsRecordedAsEtmV4) {
  auto target = Target({});
  ASSERT_TRUE(target.ok()) << target.error().Describe();
  auto set = ReadList(*target);
  ASSERT_TRUE(set.ok()) << set.error().Describe();
  size_t metadata = 0;
  for (const DumpNode& node : set->nodes) {
    if (node.kind != NodeKind::kEtmMetadata) {
      EXPECT_FALSE(node.etm) << node.index;
      continue;
    }
    ++metadata;
    ASSERT_TRUE(node.etm) << node.index;
    EXPECT_TRUE(node.etm->validated()) << node.etm->problem()->Describe();
    EXPECT_EQ(node.etm->protocol(), EtmProtocol::kEtmV4);
    EXPECT_EQ(static_cast<int64_t>(node.etm->cpu()), node.cpu);
  }
  EXPECT_GT(metadata, 0u);
}

TEST_F(DemoLimitsTest, VmcoreinfoCapReachesTheTarget) {
  ASSERT_TRUE(dump_->VmcoreinfoText().has_value());
  const uint64_t size = dump_->VmcoreinfoText()->size();
  for (uint64_t cap : {size - 1, size, size + 1}) {
    SCOPED_TRACE(cap);
    auto target = Target({.max_vmcoreinfo_size = cap});
    if (cap < size) {
      ASSERT_FALSE(target.ok());
      EXPECT_EQ(target.error().code(), ErrorCode::kLimit);
      EXPECT_THAT(target.error().message(), HasSubstr("raise with --max-vmcoreinfo-size"));
    } else {
      EXPECT_TRUE(target.ok()) << target.error().Describe();
    }
  }
}

TEST_F(DemoLimitsTest, NoteCountCapReachesTheDump) {
  const size_t count = dump_->notes().size();
  ASSERT_GT(count, 1u);
  for (size_t cap : {count - 1, count, count + 1}) {
    SCOPED_TRACE(cap);
    CollectingDiagnostics diagnostics;
    DumpOpenOptions options;
    options.notes.max_notes = cap;
    auto dump = OpenDump(std::filesystem::path(CSD_DEMO_DIR) / "vmcore", options, diagnostics);
    ASSERT_TRUE(dump.ok()) << dump.error().Describe();
    EXPECT_EQ((*dump)->notes().size(), std::min(cap, count));
    std::string warnings;
    for (const auto& w : diagnostics.warnings()) warnings += w;
    if (cap < count) {
      EXPECT_THAT(warnings, HasSubstr("raise with --max-notes"));
    } else {
      EXPECT_EQ(warnings, "");
    }
  }
}

}  // namespace
}  // namespace csd
