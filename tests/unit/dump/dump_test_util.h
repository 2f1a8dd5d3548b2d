// SPDX-License-Identifier: MIT
// Temp-file fixture for the dump tests: write bytes, open them with OpenDump,
// and helpers to read physical memory and compare it with what was written.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "base/diagnostics.h"
#include "dump/dump_file.h"

namespace csd::testing {

class DumpFileTest : public ::testing::Test {
 protected:
  void TearDown() override {
    for (const auto& path : paths_) std::filesystem::remove(path);
  }

  std::filesystem::path WriteTemp(std::span<const std::byte> bytes) {
    std::string name = (std::filesystem::path(::testing::TempDir()) / "csd_dump_XXXXXX").string();
    const int fd = ::mkstemp(name.data());
    EXPECT_GE(fd, 0);
    size_t done = 0;
    while (done < bytes.size()) {
      const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
      if (n <= 0) break;
      done += static_cast<size_t>(n);
    }
    EXPECT_EQ(done, bytes.size());
    ::close(fd);
    paths_.push_back(name);
    return name;
  }

  Expected<std::unique_ptr<DumpFile>> Open(std::span<const std::byte> bytes,
                                           DumpOpenOptions options = {}) {
    return OpenDump(WriteTemp(bytes), options, diagnostics_);
  }

  // Opens and asserts success; the dump is owned by the fixture. A failure
  // throws (tests only) so that gtest fails this test and runs the others;
  // ASSERT_* cannot be used in a function returning a value.
  DumpFile& OpenOk(std::span<const std::byte> bytes, DumpOpenOptions options = {}) {
    auto dump = Open(bytes, options);
    if (!dump.ok()) throw std::runtime_error("OpenDump failed: " + dump.error().Describe());
    dumps_.push_back(std::move(dump).value());
    return *dumps_.back();
  }

  static std::vector<std::byte> Read(const DumpFile& dump, uint64_t pa, size_t size) {
    std::vector<std::byte> out(size);
    const Status status = dump.ReadPhysical(pa, out);
    EXPECT_TRUE(status.ok()) << (status.ok() ? "" : status.error().Describe());
    return out;
  }

  static Error ReadError(const DumpFile& dump, uint64_t pa, size_t size) {
    std::vector<std::byte> out(size);
    Status status = dump.ReadPhysical(pa, out);
    EXPECT_FALSE(status.ok()) << "read of " << size << " bytes at " << std::hex << pa
                              << " unexpectedly succeeded";
    if (status.ok()) return Error(ErrorCode::kInvalidArgument, "<read succeeded>");
    return std::move(status).error();
  }

  CollectingDiagnostics diagnostics_;

 private:
  std::vector<std::string> paths_;
  std::vector<std::unique_ptr<DumpFile>> dumps_;
};

// bytes[offset, offset + size)
inline std::vector<std::byte> Slice(const std::vector<std::byte>& bytes, size_t offset,
                                    size_t size) {
  return {bytes.begin() + offset, bytes.begin() + offset + size};
}

}  // namespace csd::testing
