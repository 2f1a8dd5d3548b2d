// SPDX-License-Identifier: MIT
// Owns one file descriptor and closes it when destroyed: the one RAII fd type
// every layer uses (input files, OUT's directory, staged and written files).
// Move-only.
#pragma once

#include <unistd.h>

#include <cerrno>
#include <utility>

namespace csd {

class UniqueFd {
 public:
  UniqueFd() = default;
  // Takes ownership of `fd`; a negative value (a failed open) owns nothing.
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.Release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) Reset(other.Release());
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { Reset(); }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  explicit operator bool() const { return valid(); }

  // Gives the descriptor up without closing it.
  [[nodiscard]] int Release() { return std::exchange(fd_, -1); }
  // Closes the descriptor held, if any, and takes `fd` instead.
  void Reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }
  // Closes now and returns what close(2) reported: 0, or an errno such as a
  // deferred write error (NFS, quotas) that a writer must not lose. EINTR
  // counts as closed: Linux releases the descriptor before it can happen.
  int Close() {
    const int fd = Release();
    if (fd < 0 || ::close(fd) == 0 || errno == EINTR) return 0;
    return errno;
  }

 private:
  int fd_ = -1;
};

}  // namespace csd
