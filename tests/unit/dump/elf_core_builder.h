// SPDX-License-Identifier: MIT
// Builds small ELF core files in memory for the dump tests: an ELF header, the
// program header table, one PT_NOTE segment, then each PT_LOAD's file bytes in
// the order given by `file_order` (so adjacent PAs need not be adjacent in the
// file). Offsets are recorded so tests can cut the file at a chosen place.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <numeric>
#include <string>
#include <string_view>
#include <vector>

#include "base/byte_reader.h"

namespace csd::testing {

inline constexpr uint16_t kEmArm = 40;
inline constexpr uint16_t kEmAarch64 = 183;
inline constexpr uint16_t kEmX86_64 = 62;
inline constexpr uint16_t kEtExec = 2;
inline constexpr uint16_t kEtCore = 4;

struct TestLoad {
  uint64_t paddr = 0;
  uint64_t vaddr = 0;
  std::vector<std::byte> data;  // p_filesz = data.size()
  uint64_t memsz = 0;           // 0: same as data.size()
};

// Where the builder put things, for truncation tests.
struct ElfCoreLayout {
  uint64_t phoff = 0;
  uint64_t note_offset = 0;
  std::vector<uint64_t> load_offsets;  // indexed like the loads
};

class ElfCoreBuilder {
 public:
  ElfCoreBuilder(bool is64, Endian endian, uint16_t machine)
      : is64_(is64), endian_(endian), machine_(machine) {}

  ElfCoreBuilder& Type(uint16_t type) {
    type_ = type;
    return *this;
  }
  // Overrides e_phnum as written (the table still holds the real entries).
  ElfCoreBuilder& PhnumOverride(uint16_t phnum) {
    phnum_override_ = phnum;
    phnum_set_ = true;
    return *this;
  }
  ElfCoreBuilder& AddNote(std::string_view name, uint32_t type, std::string_view desc) {
    Put32(notes_, static_cast<uint32_t>(name.size() + 1));
    Put32(notes_, static_cast<uint32_t>(desc.size()));
    Put32(notes_, type);
    Append(notes_, name);
    notes_.push_back(std::byte{0});
    Pad4(notes_);
    Append(notes_, desc);
    Pad4(notes_);
    return *this;
  }
  // A raw note header with arbitrary sizes, followed by `payload`.
  ElfCoreBuilder& AddRawNote(uint32_t namesz, uint32_t descsz, uint32_t type,
                             std::string_view payload) {
    Put32(notes_, namesz);
    Put32(notes_, descsz);
    Put32(notes_, type);
    Append(notes_, payload);
    return *this;
  }
  ElfCoreBuilder& AddLoad(TestLoad load) {
    loads_.push_back(std::move(load));
    return *this;
  }
  // The order in which load data is laid out in the file (default: as added).
  ElfCoreBuilder& FileOrder(std::vector<size_t> order) {
    file_order_ = std::move(order);
    return *this;
  }

  std::vector<std::byte> Build(ElfCoreLayout* layout = nullptr) const {
    const uint64_t ehsize = is64_ ? 64 : 52;
    const uint64_t phentsize = is64_ ? 56 : 32;
    const size_t phnum = loads_.size() + (notes_.empty() ? 0 : 1);
    ElfCoreLayout where;
    where.phoff = ehsize;
    uint64_t cursor = ehsize + phnum * phentsize;
    where.note_offset = cursor;
    cursor += notes_.size();
    std::vector<size_t> order = file_order_;
    if (order.empty()) {
      order.resize(loads_.size());
      std::iota(order.begin(), order.end(), 0);
    }
    where.load_offsets.resize(loads_.size());
    for (size_t i : order) {
      where.load_offsets[i] = cursor;
      cursor += loads_[i].data.size();
    }

    std::vector<std::byte> out;
    WriteHeader(out, phnum_set_ ? phnum_override_ : static_cast<uint16_t>(phnum));
    if (!notes_.empty()) WritePhdr(out, 4, where.note_offset, 0, 0, notes_.size(), notes_.size());
    for (size_t i = 0; i < loads_.size(); ++i) {
      const TestLoad& l = loads_[i];
      WritePhdr(out, 1, where.load_offsets[i], l.vaddr, l.paddr, l.data.size(),
                l.memsz ? l.memsz : l.data.size());
    }
    out.insert(out.end(), notes_.begin(), notes_.end());
    for (size_t i : order) out.insert(out.end(), loads_[i].data.begin(), loads_[i].data.end());
    if (layout) *layout = where;
    return out;
  }

 private:
  void Put(std::vector<std::byte>& out, uint64_t value, size_t width) const {
    std::byte buf[8];
    StoreUnsigned(std::span<std::byte>(buf, width), value, endian_);
    out.insert(out.end(), buf, buf + width);
  }
  void Put32(std::vector<std::byte>& out, uint32_t value) const { Put(out, value, 4); }
  void PutWord(std::vector<std::byte>& out, uint64_t value) const {
    Put(out, value, is64_ ? 8 : 4);
  }
  static void Append(std::vector<std::byte>& out, std::string_view text) {
    for (char c : text) out.push_back(static_cast<std::byte>(c));
  }
  static void Pad4(std::vector<std::byte>& out) {
    while (out.size() % 4) out.push_back(std::byte{0});
  }

  void WriteHeader(std::vector<std::byte>& out, uint16_t phnum) const {
    const unsigned char ident[16] = {0x7f,
                                     'E',
                                     'L',
                                     'F',
                                     static_cast<unsigned char>(is64_ ? 2 : 1),
                                     static_cast<unsigned char>(endian_ == Endian::kLittle ? 1 : 2),
                                     1};
    for (unsigned char c : ident) out.push_back(static_cast<std::byte>(c));
    Put(out, type_, 2);
    Put(out, machine_, 2);
    Put32(out, 1);                  // e_version
    PutWord(out, 0);                // e_entry
    PutWord(out, is64_ ? 64 : 52);  // e_phoff
    PutWord(out, 0);                // e_shoff
    Put32(out, 0);                  // e_flags
    Put(out, is64_ ? 64 : 52, 2);   // e_ehsize
    Put(out, is64_ ? 56 : 32, 2);   // e_phentsize
    Put(out, phnum, 2);
    Put(out, 0, 2);  // e_shentsize
    Put(out, 0, 2);  // e_shnum
    Put(out, 0, 2);  // e_shstrndx
  }

  void WritePhdr(std::vector<std::byte>& out, uint32_t type, uint64_t offset, uint64_t vaddr,
                 uint64_t paddr, uint64_t filesz, uint64_t memsz) const {
    Put32(out, type);
    if (is64_) Put32(out, 4);  // p_flags
    PutWord(out, offset);
    PutWord(out, vaddr);
    PutWord(out, paddr);
    PutWord(out, filesz);
    PutWord(out, memsz);
    if (!is64_) Put32(out, 4);  // p_flags
    PutWord(out, 0);            // p_align
  }

  bool is64_;
  Endian endian_;
  uint16_t machine_;
  uint16_t type_ = kEtCore;
  uint16_t phnum_override_ = 0;
  bool phnum_set_ = false;
  std::vector<std::byte> notes_;
  std::vector<TestLoad> loads_;
  std::vector<size_t> file_order_;
};

// `size` bytes whose values depend on the position and `seed`, so a read from
// the wrong place is detected.
inline std::vector<std::byte> Pattern(size_t size, uint8_t seed) {
  std::vector<std::byte> out(size);
  for (size_t i = 0; i < size; ++i) {
    out[i] = static_cast<std::byte>((i * 7 + seed + (i >> 8)) & 0xff);
  }
  return out;
}

}  // namespace csd::testing
