// SPDX-License-Identifier: MIT
// A file a decoder-format writer produced, before OutputDir writes it:
// writers stay pure (golden-testable), the caller owns the disk policy.
//
// The bytes are kept as an ordered list of pieces, never joined: pieces the
// writer generated (ini text, perf records), owned here, and pieces borrowed
// from the DumpSet (sink buffers, kernel text), which can be hundreds of MiB
// and are written from where they already are. A GeneratedFile must not
// outlive the DumpSet it borrows from.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace csd {

class FileContent {
 public:
  // Appends bytes the content owns from now on.
  void AppendOwned(std::vector<std::byte> bytes) {
    if (bytes.empty()) return;
    size_ += bytes.size();
    pieces_.push_back(Piece{std::move(bytes), {}});
  }
  void AppendText(std::string_view text) {
    if (text.empty()) return;
    const auto bytes = std::as_bytes(std::span(text));
    size_ += bytes.size();
    pieces_.emplace_back().owned.assign(bytes.begin(), bytes.end());
  }
  // Appends bytes that stay where they are; they must outlive this content.
  void AppendBorrowed(std::span<const std::byte> bytes) {
    if (bytes.empty()) return;
    size_ += bytes.size();
    pieces_.push_back(Piece{{}, bytes});
  }

  // Appends every piece of `other`, keeping owned ones owned.
  void Append(FileContent&& other) {
    size_ += other.size_;
    for (Piece& piece : other.pieces_) pieces_.push_back(std::move(piece));
    other.pieces_.clear();
    other.size_ = 0;
  }

  uint64_t size() const { return size_; }

  // The pieces in file order, for OutputDir::WriteFile and hashing. Valid
  // until this content changes.
  std::vector<std::span<const std::byte>> Pieces() const {
    std::vector<std::span<const std::byte>> out;
    out.reserve(pieces_.size());
    for (const Piece& p : pieces_) out.push_back(p.owned.empty() ? p.borrowed : p.owned);
    return out;
  }

  // The whole file in one buffer: for tests and small files only.
  std::vector<std::byte> Flatten() const {
    std::vector<std::byte> out;
    out.reserve(size_);
    for (const auto& piece : Pieces()) out.insert(out.end(), piece.begin(), piece.end());
    return out;
  }

 private:
  struct Piece {
    std::vector<std::byte> owned;         // non-empty for an owned piece
    std::span<const std::byte> borrowed;  // otherwise
  };
  std::vector<Piece> pieces_;
  uint64_t size_ = 0;
};

struct GeneratedFile {
  std::string path;  // relative to OUT, '/'-separated
  FileContent content;
};

}  // namespace csd
