// SPDX-License-Identifier: MIT
// ReadPanicDumpList with a BufferStaging (base/staging.h): sinks of 4 MiB and
// more are streamed into it and hashed on the way, smaller buffers stay in
// memory, and a staging that fails never costs a buffer. Read from the
// large-sinks spec built by csdump-mkcore against the seed fake kernel.
#include "base/staging.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "base/diagnostics.h"
#include "base/sha256.h"
#include "sources/panic_list/panic_list.h"
#include "csd_fake_kernels.h"
#include "csdump-mkcore/core_builder.h"
#include "debuginfo/debug_info.h"
#include "debuginfo/debuginfo_search.h"
#include "dump/dump_file.h"
#include "kernel/kernel_symbols.h"
#include "kernel/kernel_target.h"

namespace csd {
namespace {

constexpr uint64_t kLarge = uint64_t{4} << 20;

class MemoryStaged final : public StagedBuffer {
 public:
  explicit MemoryStaged(std::vector<std::byte> bytes) : bytes_(std::move(bytes)) {}
  std::span<const std::byte> bytes() const override { return bytes_; }

 private:
  std::vector<std::byte> bytes_;
};

// Keeps staged bytes in memory; fails Begin, or the Nth Append, on request.
class TestStaging final : public BufferStaging {
 public:
  struct Plan {
    bool refuse_begin = false;
    int fail_append = 0;  // 1-based index of the Append that fails; 0: none
  };
  explicit TestStaging(Plan plan) : plan_(plan) {}

  Expected<std::unique_ptr<StagingWriter>> Begin(uint64_t size) override {
    begun.push_back(size);
    if (plan_.refuse_begin) return Error(ErrorCode::kIo, "no room to stage");
    return std::unique_ptr<StagingWriter>(std::make_unique<Writer>(*this, size));
  }

  std::vector<uint64_t> begun;
  int live_writers = 0;

 private:
  class Writer final : public StagingWriter {
   public:
    Writer(TestStaging& owner, uint64_t size) : owner_(owner), size_(size) {
      ++owner_.live_writers;
    }
    ~Writer() override { --owner_.live_writers; }
    Status Append(std::span<const std::byte> bytes) override {
      if (++appends_ == owner_.plan_.fail_append) return Error(ErrorCode::kIo, "disk full");
      bytes_.insert(bytes_.end(), bytes.begin(), bytes.end());
      return OkStatus();
    }
    Expected<std::shared_ptr<const StagedBuffer>> Finish() override {
      if (bytes_.size() != size_) return Error(ErrorCode::kInvalidArgument, "short");
      return std::shared_ptr<const StagedBuffer>(std::make_shared<MemoryStaged>(bytes_));
    }

   private:
    TestStaging& owner_;
    uint64_t size_;
    int appends_ = 0;
    std::vector<std::byte> bytes_;
  };
  Plan plan_;
};

class StagingTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const std::filesystem::path vmlinux =
        std::filesystem::path(testdata::kFakeKernelsDir) / "seed-flipped" / "vmlinux";
    // One directory per process: ctest runs each test in a process of its own,
    // in parallel.
    const std::filesystem::path out = std::filesystem::path(::testing::TempDir()) /
                                      ("csd_staging_large_sinks." + std::to_string(::getpid()));
    auto core = mkcore::RunMkcore(
        {std::filesystem::path(CSD_SPECS_DIR) / "large-sinks.json", vmlinux, out});
    ASSERT_TRUE(core.ok()) << core.error().Describe();
    dump_path_ = new std::filesystem::path(out / "vmcore");
    vmlinux_path_ = new std::filesystem::path(vmlinux);
  }
  static void TearDownTestSuite() {
    if (dump_path_ != nullptr) {
      std::error_code ignored;
      std::filesystem::remove_all(dump_path_->parent_path(), ignored);
    }
    delete dump_path_;
    delete vmlinux_path_;
  }

  void SetUp() override {
    ASSERT_NE(dump_path_, nullptr);
    auto dump = OpenDump(*dump_path_, {}, diagnostics_);
    ASSERT_TRUE(dump.ok()) << dump.error().Describe();
    dump_ = std::move(*dump);
    auto vmlinux = DebugInfo::Open(*vmlinux_path_);
    ASSERT_TRUE(vmlinux.ok()) << vmlinux.error().Describe();
    vmlinux_ = std::make_unique<DebugInfo>(std::move(*vmlinux));
    auto target = KernelTarget::Open(*dump_, *vmlinux_, {}, diagnostics_);
    ASSERT_TRUE(target.ok()) << target.error().Describe();
    target_ = std::make_unique<KernelTarget>(std::move(*target));
  }

  DumpSet Read(BufferStaging* staging) {
    const DebuginfoSearch search(DebuginfoSearchOptions{.paths = {},
                                                        .sysroot = "/nonexistent",
                                                        .standard_places = false,
                                                        .max_directory_entries = 1},
                                 "");
    KernelSymbols symbols(*target_, search);
    auto set = ReadPanicDumpList(*target_, symbols, ReadLimits{}, diagnostics_, staging);
    EXPECT_TRUE(set.ok()) << set.error().Describe();
    return set.ok() ? std::move(*set) : DumpSet{};
  }

  // Every node read whole, with the bytes, digest and barrier of `reference`.
  static void ExpectSameNodes(const DumpSet& got, const DumpSet& reference) {
    ASSERT_EQ(got.nodes.size(), reference.nodes.size());
    for (size_t i = 0; i < got.nodes.size(); ++i) {
      SCOPED_TRACE(i);
      const DumpNode& node = got.nodes[i];
      ASSERT_FALSE(node.error) << node.error->Describe();
      ASSERT_TRUE(node.data.has_value());
      const std::span<const std::byte> want = *reference.nodes[i].data;
      const std::span<const std::byte> have = *node.data;
      ASSERT_EQ(have.size(), want.size());
      EXPECT_TRUE(std::equal(have.begin(), have.end(), want.begin()));
      EXPECT_EQ(node.starts_with_barrier, reference.nodes[i].starts_with_barrier);
      if (node.data_sha256) {
        EXPECT_EQ(*node.data_sha256, *Sha256Hex(have));
      }
    }
  }

  static std::filesystem::path* dump_path_;
  static std::filesystem::path* vmlinux_path_;
  CollectingDiagnostics diagnostics_;
  std::unique_ptr<DumpFile> dump_;
  std::unique_ptr<DebugInfo> vmlinux_;
  std::unique_ptr<KernelTarget> target_;
};

std::filesystem::path* StagingTest::dump_path_ = nullptr;
std::filesystem::path* StagingTest::vmlinux_path_ = nullptr;

TEST_F(StagingTest, LargeSinksAreStagedAndHashedSmallBuffersStayInMemory) {
  const DumpSet reference = Read(nullptr);
  ASSERT_EQ(reference.nodes.size(), 5u);
  TestStaging staging({});
  const DumpSet staged = Read(&staging);
  ExpectSameNodes(staged, reference);
  // Exactly the sinks of 4 MiB and more, in list order: 4 MiB, 9 MiB + 100
  // bytes; not the 4 MiB - 1 one, nor the metadata.
  EXPECT_EQ(staging.begun, (std::vector<uint64_t>{kLarge, 9437284}));
  for (const DumpNode& node : staged.nodes) {
    SCOPED_TRACE(node.index);
    const bool large = node.buf_size >= kLarge;
    EXPECT_EQ(node.data->staged() != nullptr, large);
    EXPECT_EQ(node.data_sha256.has_value(), large);  // hashed while read
  }
  EXPECT_TRUE(staged.nodes[3].starts_with_barrier);  // seen in the first chunk
}

TEST_F(StagingTest, AStagingThatRefusesOrFailsLeavesTheBufferInMemory) {
  const DumpSet reference = Read(nullptr);
  for (const TestStaging::Plan plan :
       {TestStaging::Plan{.refuse_begin = true}, TestStaging::Plan{.fail_append = 1},
        TestStaging::Plan{.fail_append = 2}}) {
    SCOPED_TRACE(plan.refuse_begin ? "refuse" : std::to_string(plan.fail_append));
    TestStaging staging(plan);
    const DumpSet got = Read(&staging);
    ExpectSameNodes(got, reference);
    for (const DumpNode& node : got.nodes) {
      // Only the second Append fails: the 4 MiB sink, one chunk, is staged
      // whole; the 9 MiB one fails in its second chunk.
      const bool staged = plan.fail_append == 2 && node.buf_size == kLarge;
      EXPECT_EQ(node.data->staged() != nullptr, staged) << node.index;
    }
    EXPECT_EQ(staging.live_writers, 0);  // the failed writers were dropped
    EXPECT_EQ(staging.begun.size(), 2u);
  }
}

}  // namespace
}  // namespace csd
