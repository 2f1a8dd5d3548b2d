// SPDX-License-Identifier: MIT
#include "output/output_dir.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>  // renameat2, RENAME_NOREPLACE (glibc >= 2.28, _GNU_SOURCE)
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "output/fd_io.h"
#include "output/staged_file.h"

namespace csd {

namespace {

// Removes a temporary file unless the write reached the point of no return.
class TempFileGuard {
 public:
  TempFileGuard(int dir_fd, std::string name) : dir_fd_(dir_fd), name_(std::move(name)) {}
  TempFileGuard(const TempFileGuard&) = delete;
  TempFileGuard& operator=(const TempFileGuard&) = delete;
  ~TempFileGuard() {
    if (armed_) ::unlinkat(dir_fd_, name_.c_str(), 0);
  }
  void Disarm() { armed_ = false; }

 private:
  int dir_fd_;
  std::string name_;
  bool armed_ = true;
};

Error ExistsError(const std::string& path) {
  return Error(ErrorCode::kIo,
               path + " already exists and overwriting is not enabled: " + std::strerror(EEXIST));
}

// Splits a path this layer generated. The checks are cheap and make the
// no-escape guarantee independent of the callers' naming code.
Expected<std::vector<std::string>> SplitRelativePath(std::string_view path) {
  auto invalid = [&](std::string_view why) {
    return Error(ErrorCode::kInvalidArgument,
                 "invalid output file name \"" + std::string(path) + "\": " + std::string(why));
  };
  if (path.empty()) return invalid("empty");
  if (path.front() == '/') return invalid("absolute");
  if (path.find('\0') != std::string_view::npos) return invalid("contains a NUL byte");
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    size_t end = path.find('/', start);
    std::string_view part = path.substr(start, end == std::string_view::npos ? end : end - start);
    if (part.empty()) return invalid("empty component");
    if (part == "." || part == "..") return invalid("\".\" or \"..\" component");
    if (part.size() > NAME_MAX) return invalid("component longer than NAME_MAX");
    parts.emplace_back(part);
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return parts;
}

// Why `name` in `dir_fd` could not be opened as a directory without
// following links: a symlink and a plain file get their own message.
Error NotADirectoryError(int dir_fd, const std::string& name, const std::string& display, int err) {
  struct stat st;
  if (::fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
    if (S_ISLNK(st.st_mode)) {
      return Error(ErrorCode::kIo, display + " is a symbolic link; refusing to follow it");
    }
    if (!S_ISDIR(st.st_mode))
      return Error(ErrorCode::kIo, display + " exists and is not a directory");
  }
  return IoError("cannot open directory", display, err);
}

// The directory that will hold the last component of a path: either OUT's
// own fd (borrowed) or a subdirectory opened below it (owned).
struct ParentDir {
  UniqueFd owned;
  int fd = -1;
  bool absent = false;  // a component does not exist yet (only when not creating)
};

Expected<ParentDir> OpenParent(int root_fd, const std::filesystem::path& root,
                               const std::vector<std::string>& parts, bool create) {
  ParentDir parent;
  parent.fd = root_fd;
  std::filesystem::path display = root;
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    const std::string& name = parts[i];
    display /= name;
    // O_NOFOLLOW: a symlink planted at OUT/sinks is refused here, not followed.
    constexpr int kFlags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
    int fd = ::openat(parent.fd, name.c_str(), kFlags);
    if (fd < 0 && errno == ENOENT) {
      if (!create) {
        parent.absent = true;
        return parent;
      }
      // EEXIST means another process made it first; the open below decides.
      if (::mkdirat(parent.fd, name.c_str(), 0755) != 0 && errno != EEXIST) {
        return IoError("cannot create directory", display.string(), errno);
      }
      fd = ::openat(parent.fd, name.c_str(), kFlags);
    }
    if (fd < 0) {
      int err = errno;
      if (err == ELOOP || err == ENOTDIR) {
        return NotADirectoryError(parent.fd, name, display.string(), err);
      }
      return IoError("cannot open directory", display.string(), err);
    }
    parent.owned.Reset(fd);
    parent.fd = fd;
  }
  return parent;
}

// The target may be absent, or (with force) any non-directory: rename
// replaces the directory entry itself, so a symlink there is never followed.
Status CheckTarget(int dir_fd, const std::string& name, const std::string& display, bool force) {
  struct stat st;
  if (::fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    if (errno == ENOENT) return OkStatus();
    return IoError("cannot inspect", display, errno);
  }
  if (S_ISDIR(st.st_mode)) return IoError("cannot replace", display, EISDIR);
  if (!force) return ExistsError(display);
  return OkStatus();
}

// Renames without ever replacing an existing `to`. Returns 0 or an errno.
int RenameNoReplace(int dir_fd, const char* from, const char* to) {
#ifdef RENAME_NOREPLACE
  if (::renameat2(dir_fd, from, dir_fd, to, RENAME_NOREPLACE) == 0) return 0;
  // EINVAL: this file system does not support the flag; fall back below.
  if (errno != EINVAL && errno != ENOSYS) return errno;
#endif
  // link(2) never replaces either: it fails with EEXIST.
  if (::linkat(dir_fd, from, dir_fd, to, 0) == 0) {
    ::unlinkat(dir_fd, from, 0);
    return 0;
  }
  if (errno != EPERM && errno != EOPNOTSUPP && errno != EMLINK) return errno;
  // No hard links here (e.g. vfat): re-check, then rename. Only a concurrent
  // creator of the same name in this instant can be overwritten.
  struct stat st;
  if (::fstatat(dir_fd, to, &st, AT_SYMLINK_NOFOLLOW) == 0) return EEXIST;
  if (::renameat(dir_fd, from, dir_fd, to) == 0) return 0;
  return errno;
}

// A hidden name unique within this process (and, with the pid, among the
// processes that write to the same OUT).
std::string TempName(uint64_t& counter) {
  return ".csdump-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + ".tmp";
}

struct TempFile {
  UniqueFd file;
  std::string name;
};

// A new file with a hidden temporary name in `dir_fd`, created exclusively
// (never an existing file or a planted link). `counter` makes the names of
// one process unique; `display_dir` names the directory in errors.
Expected<TempFile> CreateTemp(int dir_fd, int access, uint64_t& counter,
                              const std::filesystem::path& display_dir) {
  for (int attempt = 0;; ++attempt) {
    std::string name = TempName(counter);
    int fd =
        ::openat(dir_fd, name.c_str(), access | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd >= 0) return TempFile{UniqueFd(fd), std::move(name)};
    if (errno != EEXIST || attempt >= 100) {
      return IoError("cannot create temporary file", (display_dir / name).string(), errno);
    }
  }
}

// Puts `staged` at `to` in `to_dir` as a hard link, replacing an existing
// `to` only with `force`, through a temporary link and rename(2) so the
// replacement is atomic. 0 or an errno; EXDEV, EPERM, EOPNOTSUPP, EMLINK or
// ENOENT mean it cannot be linked here.
int LinkInto(const StagedFile& staged, int to_dir, const char* to, bool force, uint64_t& counter) {
  if (!force) return staged.LinkAt(to_dir, to);
  for (int attempt = 0;; ++attempt) {
    const std::string temp = TempName(counter);
    if (const int err = staged.LinkAt(to_dir, temp.c_str()); err != 0) {
      if (err == EEXIST && attempt < 100) continue;
      return err;
    }
    if (::renameat(to_dir, temp.c_str(), to_dir, to) != 0) {
      const int err = errno;
      ::unlinkat(to_dir, temp.c_str(), 0);
      return err;
    }
    return 0;
  }
}

}  // namespace

Expected<OutputDir> OutputDir::Create(const std::filesystem::path& dir, bool force,
                                      OutputDirOptions options) {
  std::string text = dir.string();
  if (text.empty()) return Error(ErrorCode::kInvalidArgument, "empty output directory name");
  // With a trailing '/' the kernel resolves a final symlink even under
  // O_NOFOLLOW, so strip it for the link checks to apply.
  while (text.size() > 1 && text.back() == '/') text.pop_back();

  struct stat st;
  std::vector<std::filesystem::path> created;
  if (::lstat(text.c_str(), &st) != 0) {
    if (errno != ENOENT) return IoError("cannot inspect output directory", text, errno);
    // Remember which directories are new, outermost first, for RemoveIfUnused.
    for (std::filesystem::path p(text); !p.empty(); p = p.parent_path()) {
      struct stat parent;
      if (::lstat(p.c_str(), &parent) == 0) break;
      created.insert(created.begin(), p);
      if (p == p.parent_path()) break;
    }
    std::error_code ec;
    std::filesystem::create_directories(text, ec);
    if (ec) {
      return Error(ErrorCode::kIo, "cannot create output directory " + text + ": " + ec.message());
    }
  } else if (S_ISLNK(st.st_mode)) {
    return Error(ErrorCode::kIo, "output directory " + text +
                                     " is a symbolic link; refusing to follow it (name its "
                                     "target directly)");
  } else if (!S_ISDIR(st.st_mode)) {
    return Error(ErrorCode::kIo, "output directory " + text + " exists and is not a directory");
  }

  // O_NOFOLLOW also covers a link swapped in after the lstat above.
  UniqueFd fd(::open(text.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd) {
    int err = errno;
    if (err == ELOOP) {
      return Error(ErrorCode::kIo,
                   "output directory " + text + " is a symbolic link; refusing to follow it");
    }
    return IoError("cannot open output directory", text, err);
  }
  return OutputDir(std::filesystem::path(text), std::move(fd), force, options, std::move(created));
}

void OutputDir::RemoveIfUnused() {
  fd_.Reset();
  // rmdir(2) refuses a directory that is not empty: nothing written is lost.
  for (auto it = created_.rbegin(); it != created_.rend(); ++it) {
    if (::rmdir(it->c_str()) != 0) break;
  }
  created_.clear();
}

Status OutputDir::CheckSize(const std::string& display, uint64_t size) const {
  if (size <= options_.max_file_size) return OkStatus();
  return Error(ErrorCode::kLimit, "refusing to write " + display + ": " + std::to_string(size) +
                                      " bytes is over the per-file limit of " +
                                      std::to_string(options_.max_file_size) +
                                      " bytes (raise with --max-output-size)");
}

Status OutputDir::CheckFits(std::string_view relative_path, uint64_t size) const {
  if (size <= options_.max_file_size) return OkStatus();
  return Error(ErrorCode::kLimit, std::string(relative_path) + " would be " + std::to_string(size) +
                                      " bytes, over the per-file limit of " +
                                      std::to_string(options_.max_file_size) +
                                      " bytes (raise with --max-output-size)");
}

struct OutputDir::Destination {
  std::vector<std::string> parts;  // parts.back() is the file's name
  ParentDir parent;                // created as needed
  std::string display;             // the full path, for messages
  const std::string& name() const { return parts.back(); }
};

Expected<OutputDir::Destination> OutputDir::PrepareDestination(std::string_view relative_path,
                                                               uint64_t size) {
  if (!fd_) return Error(ErrorCode::kInvalidArgument, "output directory is closed");
  Destination to;
  CSD_ASSIGN_OR_RETURN(to.parts, SplitRelativePath(relative_path));
  to.display = Display(relative_path);
  CSD_RETURN_IF_ERROR(CheckSize(to.display, size));
  CSD_ASSIGN_OR_RETURN(to.parent, OpenParent(fd_.get(), path_, to.parts, /*create=*/true));
  // Checked before writing so that a refusal costs nothing; the rename or
  // link that puts the file in place re-checks atomically.
  CSD_RETURN_IF_ERROR(CheckTarget(to.parent.fd, to.name(), to.display, force_));
  return to;
}

std::string OutputDir::Display(std::string_view relative_path) const {
  return (path_ / std::string(relative_path)).string();
}

Status OutputDir::CheckWritable(std::string_view relative_path) const {
  if (!fd_) return Error(ErrorCode::kInvalidArgument, "output directory is closed");
  CSD_ASSIGN_OR_RETURN(auto parts, SplitRelativePath(relative_path));
  CSD_ASSIGN_OR_RETURN(auto parent, OpenParent(fd_.get(), path_, parts, /*create=*/false));
  if (parent.absent) return OkStatus();
  return CheckTarget(parent.fd, parts.back(), Display(relative_path), force_);
}

Status OutputDir::WriteFile(std::string_view relative_path, std::span<const std::byte> bytes) {
  const std::span<const std::byte> pieces[] = {bytes};
  return WriteFile(relative_path, pieces);
}

Status OutputDir::WriteFile(std::string_view relative_path,
                            std::span<const std::span<const std::byte>> pieces) {
  uint64_t size = 0;
  for (const auto& piece : pieces) size += piece.size();
  CSD_ASSIGN_OR_RETURN(Destination to, PrepareDestination(relative_path, size));
  const std::string& display = to.display;
  const std::string& name = to.name();
  const ParentDir& parent = to.parent;

  // The temporary lives in the target's directory so that rename(2) is
  // atomic; a leading dot keeps it out of globs while it exists.
  CSD_ASSIGN_OR_RETURN(TempFile temp, CreateTemp(parent.fd, O_WRONLY, temp_counter_,
                                                 std::filesystem::path(display).parent_path()));
  UniqueFd file = std::move(temp.file);
  const std::string& temp_name = temp.name;
  TempFileGuard guard(parent.fd, temp_name);

  for (const auto& piece : pieces) CSD_RETURN_IF_ERROR(WriteAll(file.get(), piece, display));
  if (options_.sync && ::fsync(file.get()) != 0) return IoError("cannot sync", display, errno);
  // close(2) can report a deferred write error (NFS, quotas).
  if (const int err = file.Close(); err != 0) return IoError("cannot write", display, err);

  if (force_) {
    if (::renameat(parent.fd, temp_name.c_str(), parent.fd, name.c_str()) != 0) {
      return IoError("cannot rename temporary file to", display, errno);
    }
  } else if (int err = RenameNoReplace(parent.fd, temp_name.c_str(), name.c_str()); err != 0) {
    if (err == EEXIST) return ExistsError(display);
    return IoError("cannot rename temporary file to", display, err);
  }
  guard.Disarm();
  if (options_.sync && ::fsync(parent.fd) != 0)
    return IoError("cannot sync directory of", display, errno);
  return OkStatus();
}

Expected<std::unique_ptr<StagingWriter>> OutputDir::BeginStaged(uint64_t size) {
  if (!fd_) return Error(ErrorCode::kInvalidArgument, "output directory is closed");
  CSD_RETURN_IF_ERROR(CheckSize(path_.string() + " (a staged buffer)", size));
  // The writer keeps a directory descriptor of its own: the staged file may
  // outlive this OutputDir (it lives as long as the DumpSet that holds it).
  UniqueFd dir_fd(::fcntl(fd_.get(), F_DUPFD_CLOEXEC, 0));
  if (!dir_fd) return IoError("cannot duplicate the descriptor of", path_.string(), errno);
  // Anonymous where the file system allows (Linux 3.11+; ext4, xfs, btrfs,
  // tmpfs): nothing is left behind if the run is interrupted while reading.
  if (UniqueFd fd(options_.anonymous_staging
                      ? ::openat(fd_.get(), ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0644)
                      : -1);
      fd) {
    return std::unique_ptr<StagingWriter>(
        std::make_unique<StagedFileWriter>(std::move(dir_fd), std::string(), std::move(fd), size,
                                           path_.string() + " (an anonymous staged file)"));
  }
  CSD_ASSIGN_OR_RETURN(TempFile temp, CreateTemp(fd_.get(), O_RDWR, temp_counter_, path_));
  std::string display = (path_ / temp.name).string();
  return std::unique_ptr<StagingWriter>(std::make_unique<StagedFileWriter>(
      std::move(dir_fd), std::move(temp.name), std::move(temp.file), size, std::move(display)));
}

Status OutputDir::WriteStaged(std::string_view relative_path, const StagedBuffer& staged) {
  const auto* file = dynamic_cast<const StagedFile*>(&staged);
  if (file == nullptr) return WriteFile(relative_path, staged.bytes());
  CSD_ASSIGN_OR_RETURN(Destination to, PrepareDestination(relative_path, staged.bytes().size()));
  const std::string& display = to.display;
  const std::string& name = to.name();
  const ParentDir& parent = to.parent;
  if (options_.sync && ::fsync(file->fd()) != 0) return IoError("cannot sync", display, errno);
  const int err = LinkInto(*file, parent.fd, name.c_str(), force_, temp_counter_);
  if (err == EXDEV || err == EPERM || err == EOPNOTSUPP || err == EMLINK || err == ENOENT) {
    // A mount point inside OUT, or a file system without hard links: copy.
    return WriteFile(relative_path, staged.bytes());
  }
  if (err == EEXIST) return ExistsError(display);
  if (err != 0) return IoError("cannot link staged file to", display, err);
  if (options_.sync && ::fsync(parent.fd) != 0)
    return IoError("cannot sync directory of", display, errno);
  return OkStatus();
}

}  // namespace csd
