// SPDX-License-Identifier: MIT
// The output directory and its safety policy, in one place (style-anchors.md
// §2 principle 10): no writer opens files itself.
//
// Guarantees:
//  - nothing is written outside OUT: OUT is held as an O_DIRECTORY fd, every
//    path below it is resolved one component at a time with O_NOFOLLOW, so a
//    symbolic link planted inside OUT (or OUT itself being one) is refused,
//    never followed;
//  - an existing file is replaced only when `force` was given, and then the
//    directory entry is replaced (a symlink in the way is replaced as a link,
//    its target is never written);
//  - each file appears whole or not at all: bytes go to a temporary name in
//    the same directory, which is renamed into place and removed on failure.
//
// Errors: kIo (with the path and the strerror text) for anything the file
// system refuses, including "exists and overwriting is off"; kLimit when a
// file exceeds the size cap; kInvalidArgument for a malformed relative path
// (a bug in the caller: writers only pass names they generated).
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "base/staging.h"
#include "base/unique_fd.h"

namespace csd {

struct OutputDirOptions {
  // Largest file WriteFile accepts. Buffers come from kernel data, so a
  // corrupt size must not turn into an unbounded write.
  uint64_t max_file_size = uint64_t{4} << 30;  // 4 GiB
  // fsync each file before its rename and the directory after it: the result
  // survives a host crash, at the cost of speed. Off by default.
  bool sync = false;
  // Stage buffers (BeginStaged) as anonymous O_TMPFILE files where the file
  // system allows. Off, they get hidden temporary names, as on file systems
  // without O_TMPFILE (tests use it to cover that path).
  bool anonymous_staging = true;
};

class OutputDir {
 public:
  // Opens `dir`, creating it and its parents if absent. `dir` itself must not
  // be a symbolic link (even to a directory): the caller named OUT, and a
  // link would silently redirect every write. Parents may be links.
  static Expected<OutputDir> Create(const std::filesystem::path& dir, bool force,
                                    OutputDirOptions options = {});

  OutputDir(OutputDir&& other) noexcept = default;
  OutputDir& operator=(OutputDir&& other) noexcept = default;
  OutputDir(const OutputDir&) = delete;
  OutputDir& operator=(const OutputDir&) = delete;
  ~OutputDir() = default;

  // Writes `bytes` to OUT/`relative_path`, creating subdirectories (0755) as
  // needed. `relative_path` is '/'-separated, with no empty, "." or ".."
  // component and no leading '/'. The file is created 0644 (less the umask).
  Status WriteFile(std::string_view relative_path, std::span<const std::byte> bytes);
  // The same for the concatenation of `pieces`, written one after another
  // from where they are: a file made of generated headers around a large
  // borrowed buffer is never joined in memory first.
  Status WriteFile(std::string_view relative_path,
                   std::span<const std::span<const std::byte>> pieces);

  // A hidden temporary file in OUT for a buffer of `size` bytes that is read
  // out of the dump in chunks (base/staging.h, output/staged_file.h). kLimit
  // over the per-file cap, kIo when it cannot be created.
  Expected<std::unique_ptr<StagingWriter>> BeginStaged(uint64_t size);
  // Writes OUT/`relative_path` with the bytes of `staged`, under WriteFile's
  // rules. A StagedFile on the same file system becomes the file through a
  // hard link, without copying a byte; anything else is written as a copy.
  Status WriteStaged(std::string_view relative_path, const StagedBuffer& staged);

  // The checks WriteFile would make before writing, without creating
  // anything: the path is valid, no directory on the way is a symlink or a
  // file, the target is not a directory, and it does not exist unless force
  // is on. Lets a writer refuse a whole run before writing its first file.
  Status CheckWritable(std::string_view relative_path) const;
  // kLimit when a file of `size` bytes at `relative_path` would exceed the
  // per-file cap, naming both and the flag that raises it: writers check
  // every planned file with it before they write the first.
  Status CheckFits(std::string_view relative_path, uint64_t size) const;

  // Removes the directories Create() made (OUT and any missing parents),
  // deepest first, as long as they are empty: a run that fails before
  // writing its first file leaves no trace. Closes this OutputDir.
  void RemoveIfUnused();

  const std::filesystem::path& path() const { return path_; }
  bool force() const { return force_; }
  const OutputDirOptions& options() const { return options_; }

 private:
  OutputDir(std::filesystem::path path, UniqueFd fd, bool force, OutputDirOptions options,
            std::vector<std::filesystem::path> created)
      : path_(std::move(path)),
        fd_(std::move(fd)),
        force_(force),
        options_(options),
        created_(std::move(created)) {}
  std::string Display(std::string_view relative_path) const;
  Status CheckSize(const std::string& display, uint64_t size) const;
  // Where WriteFile and WriteStaged put a file: the checks they share.
  struct Destination;
  Expected<Destination> PrepareDestination(std::string_view relative_path, uint64_t size);

  std::filesystem::path path_;
  UniqueFd fd_;  // O_DIRECTORY descriptor of OUT; every write is relative to it
  bool force_ = false;
  OutputDirOptions options_;
  uint64_t temp_counter_ = 0;                   // makes temporary names unique within this process
  std::vector<std::filesystem::path> created_;  // by Create(), outermost first
};

}  // namespace csd
