// SPDX-License-Identifier: MIT
#include "dump/kdump/page_cache.h"

#include <algorithm>
#include <cassert>
#include <utility>

namespace csd {

bool PageCache::Contains(uint64_t pfn) const {
  return std::any_of(entries_.begin(), entries_.end(),
                     [pfn](const Entry& entry) { return entry.pfn == pfn; });
}

std::optional<std::span<const std::byte>> PageCache::Find(uint64_t pfn) {
  for (auto it = entries_.begin(); it != entries_.end(); ++it) {
    if (it->pfn == pfn) {
      entries_.splice(entries_.begin(), entries_, it);
      return std::span<const std::byte>(entries_.front().data);
    }
  }
  return std::nullopt;
}

std::span<const std::byte> PageCache::Insert(uint64_t pfn, std::vector<std::byte> data) {
  if (entries_.size() >= slots_) entries_.pop_back();
  entries_.push_front(Entry{pfn, std::move(data)});
  return entries_.front().data;
}

Expected<std::span<const std::byte>> ReadWindow::Read(const ByteSource& source, uint64_t offset,
                                                      uint32_t size) {
  assert(offset <= source.size() && size <= source.size() - offset);
  const bool in_window =
      source_ == &source && offset >= offset_ && offset <= offset_ + window_.size();
  if (in_window && offset + size <= offset_ + window_.size()) {
    return std::span<const std::byte>(window_).subspan(offset - offset_, size);
  }
  length_ = in_window ? std::min(length_ * 2, kMaxWindow) : kMinWindow;
  const uint64_t length =
      std::min<uint64_t>(std::max<uint64_t>(length_, size), source.size() - offset);
  source_ = nullptr;
  window_.resize(length);
  CSD_RETURN_IF_ERROR(source.Read(offset, window_));
  source_ = &source;
  offset_ = offset;
  return std::span<const std::byte>(window_).first(size);
}

}  // namespace csd
