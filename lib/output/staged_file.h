// SPDX-License-Identifier: MIT
// A large buffer staged as a file in the output directory while it is read
// out of the dump (base/staging.h): written in chunks, then mapped read-only
// for the writers that embed it (perf.data, the snapshot's copy).
// OutputDir::WriteStaged turns it into an output file with a hard link
// instead of a second write.
//
// The file is anonymous (O_TMPFILE) where the file system allows, so a run
// that is interrupted while reading a GiB leaves nothing in OUT; elsewhere it
// has a hidden temporary name, removed when the last reference goes.
// Published links stay either way.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>

#include "base/error.h"
#include "base/staging.h"
#include "base/unique_fd.h"

namespace csd {

class OutputDir;

// The temporary a staged buffer lives in: a descriptor of its directory,
// its name there (empty for an anonymous O_TMPFILE file) and the open file.
// Owns all three: closes both descriptors and removes the name when
// destroyed. Moves from the writer to the StagedFile.
class StagedTemp {
 public:
  StagedTemp(UniqueFd dir_fd, std::string name, UniqueFd fd)
      : dir_fd_(std::move(dir_fd)), name_(std::move(name)), fd_(std::move(fd)) {}
  StagedTemp(StagedTemp&& other) noexcept = default;
  StagedTemp& operator=(StagedTemp&&) = delete;
  StagedTemp(const StagedTemp&) = delete;
  StagedTemp& operator=(const StagedTemp&) = delete;
  ~StagedTemp();

  int dir_fd() const { return dir_fd_.get(); }
  const std::string& name() const { return name_; }
  int fd() const { return fd_.get(); }

 private:
  UniqueFd dir_fd_;
  std::string name_;
  UniqueFd fd_;
};

class StagedFile final : public StagedBuffer {
 public:
  ~StagedFile() override;
  StagedFile(const StagedFile&) = delete;
  StagedFile& operator=(const StagedFile&) = delete;

  std::span<const std::byte> bytes() const override;
  // Gives the file the name `to` in directory `to_dir`, never replacing an
  // existing entry: 0 or an errno (EEXIST; EXDEV, EPERM, EOPNOTSUPP, EMLINK
  // or ENOENT when it cannot be linked there, e.g. no /proc for an
  // anonymous file).
  int LinkAt(int to_dir, const char* to) const;
  int fd() const { return temp_.fd(); }

 private:
  friend class StagedFileWriter;
  StagedFile(StagedTemp temp, void* map, uint64_t size)
      : temp_(std::move(temp)), map_(map), size_(size) {}

  StagedTemp temp_;
  void* map_;  // nullptr for an empty file
  uint64_t size_;
};

// Fills one StagedFile. Created by OutputDir::BeginStaged; removes its
// temporary if destroyed before Finish().
class StagedFileWriter final : public StagingWriter {
 public:
  // `fd` is open for reading and writing: the temporary `name` in `dir_fd`,
  // or an anonymous file there when `name` is empty; `display` names it in
  // errors.
  StagedFileWriter(UniqueFd dir_fd, std::string name, UniqueFd fd, uint64_t size,
                   std::string display);
  ~StagedFileWriter() override;
  StagedFileWriter(const StagedFileWriter&) = delete;
  StagedFileWriter& operator=(const StagedFileWriter&) = delete;

  Status Append(std::span<const std::byte> bytes) override;
  Expected<std::shared_ptr<const StagedBuffer>> Finish() override;

 private:
  std::optional<StagedTemp> temp_;  // empty once handed to a StagedFile
  uint64_t size_;
  uint64_t written_ = 0;
  std::string display_;
};

// BufferStaging into an OutputDir, for the reader (coresight/panic_list).
// The OutputDir must outlive it; staged files outlive both safely.
class OutputDirStaging final : public BufferStaging {
 public:
  explicit OutputDirStaging(OutputDir& dir) : dir_(dir) {}
  Expected<std::unique_ptr<StagingWriter>> Begin(uint64_t size) override;

 private:
  OutputDir& dir_;
};

}  // namespace csd
