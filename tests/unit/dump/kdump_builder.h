// SPDX-License-Identifier: MIT
// Builds small kdump-compressed files in memory for the reader's unit tests:
// any byte order, the 64-bit and both 32-bit sub-header layouts, any header
// version, chosen pages per codec, unwritten descriptors and split ranges.
#pragma once

#include <lzo/lzo1x.h>
#include <snappy-c.h>
#include <zlib.h>
#include <zstd.h>

#include <cstring>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "base/byte_reader.h"
#include "dump/kdump/kdump_header.h"

namespace csd::testing {

inline std::vector<std::byte> CompressPage(uint32_t flags, std::span<const std::byte> page) {
  std::vector<std::byte> out(page.size() * 2 + 1024);
  size_t got = 0;
  if (flags == 0x1) {
    uLongf len = out.size();
    compress2(reinterpret_cast<Bytef*>(out.data()), &len,
              reinterpret_cast<const Bytef*>(page.data()), page.size(), 1);
    got = len;
  } else if (flags == 0x2) {
    lzo_init();
    std::vector<unsigned char> work(LZO1X_1_MEM_COMPRESS);
    lzo_uint len = out.size();
    lzo1x_1_compress(reinterpret_cast<const unsigned char*>(page.data()), page.size(),
                     reinterpret_cast<unsigned char*>(out.data()), &len, work.data());
    got = len;
  } else if (flags == 0x4) {
    size_t len = out.size();
    snappy_compress(reinterpret_cast<const char*>(page.data()), page.size(),
                    reinterpret_cast<char*>(out.data()), &len);
    got = len;
  } else if (flags == 0x20) {
    got = ZSTD_compress(out.data(), out.size(), page.data(), page.size(), 1);
  } else {
    return {page.begin(), page.end()};
  }
  out.resize(got);
  return out;
}

struct KdumpBuilder {
  Endian endian = Endian::kLittle;
  KdumpLayout layout = KdumpLayout::k64;
  int version = 6;
  uint32_t block = 1024;
  uint64_t max_mapnr = 64;
  uint64_t phys_base = 0;
  int dump_level = 0;
  uint32_t status = 0x1;
  uint32_t codec = 0x1;  // page flags for every page
  std::string sysname = "Linux";
  std::string machine = "aarch64";
  std::set<uint64_t> ram;                            // 1st bitmap (dumped pages are added)
  std::map<uint64_t, std::vector<std::byte>> pages;  // 2nd bitmap: PFN -> block bytes
  std::set<uint64_t> unwritten;                      // descriptors with offset 0
  bool split = false;
  uint64_t start = 0, end = 0;
  std::string vmcoreinfo = "OSRELEASE=6.1.0\nPAGESIZE=1024\n";

  // Fills `pfn` with a recognisable pattern.
  KdumpBuilder& Page(uint64_t pfn) {
    std::vector<std::byte> data(block);
    for (size_t i = 0; i < data.size(); ++i)
      data[i] = std::byte(static_cast<uint8_t>(pfn * 7 + i / 16));
    pages[pfn] = std::move(data);
    return *this;
  }

  void Put(std::vector<std::byte>& f, uint64_t at, uint64_t value, size_t width) const {
    if (f.size() < at + width) f.resize(at + width);
    StoreUnsigned(std::span(f.data() + at, width), value, endian);
  }

  std::vector<std::byte> Build() const {
    const bool w64 = layout == KdumpLayout::k64;
    const bool packed = layout == KdumpLayout::k32Packed;
    const size_t word = w64 ? 8 : 4;
    // Sub-header offsets (formats.md §3.4 table).
    struct O {
      uint64_t dl, sp, st, en, ovi, svi, on, sn, oe, se, s64, e64, m64, total;
    };
    const O o = w64      ? O{8, 12, 16, 24, 32, 40, 48, 56, 64, 72, 80, 88, 96, 104}
                : packed ? O{4, 8, 12, 16, 20, 28, 32, 40, 44, 52, 56, 64, 72, 80}
                         : O{4, 8, 12, 16, 24, 32, 40, 48, 56, 64, 72, 80, 88, 96};
    std::vector<std::byte> notes;
    uint64_t vmci_in_notes = 0;
    {
      Put(notes, 0, 11, 4);
      Put(notes, 4, vmcoreinfo.size(), 4);
      Put(notes, 8, 0, 4);
      notes.resize(12 + 12);
      std::memcpy(notes.data() + 12, "VMCOREINFO", 10);
      vmci_in_notes = notes.size();
      for (char c : vmcoreinfo) notes.push_back(std::byte(c));
      notes.resize((notes.size() + 3) & ~size_t{3});
    }
    const uint64_t note_off = block + o.total;
    const uint64_t sub_blocks = (o.total + notes.size() + block - 1) / block;
    const uint64_t bm_bytes = ((max_mapnr + 7) / 8 + block - 1) / block * block;
    std::vector<std::byte> f(block);
    std::memcpy(f.data(), "KDUMP   ", 8);
    Put(f, 8, static_cast<uint32_t>(version), 4);
    std::memcpy(f.data() + 12, sysname.data(), std::min<size_t>(sysname.size(), 64));
    std::memcpy(f.data() + 12 + 4 * 65, machine.data(), std::min<size_t>(machine.size(), 64));
    const uint64_t m = w64 ? 424 : 412;
    Put(f, m, status, 4);
    Put(f, m + 4, block, 4);
    Put(f, m + 8, sub_blocks, 4);
    Put(f, m + 12, 2 * bm_bytes / block, 4);
    Put(f, m + 16, static_cast<uint32_t>(max_mapnr), 4);
    f.resize(block + sub_blocks * block);
    Put(f, block, phys_base, word);
    Put(f, block + o.dl, static_cast<uint32_t>(dump_level), 4);
    if (version >= 2) {
      Put(f, block + o.sp, split ? 1 : 0, 4);
      Put(f, block + o.st, start, word);
      Put(f, block + o.en, end, word);
    }
    if (version >= 3) {
      Put(f, block + o.ovi, note_off + vmci_in_notes, 8);
      Put(f, block + o.svi, vmcoreinfo.size(), word);
    }
    if (version >= 4) {
      Put(f, block + o.on, note_off, 8);
      Put(f, block + o.sn, notes.size(), word);
    }
    if (version >= 6) {
      Put(f, block + o.s64, start, 8);
      Put(f, block + o.e64, end, 8);
      Put(f, block + o.m64, max_mapnr, 8);
    }
    std::memcpy(f.data() + note_off, notes.data(), notes.size());
    std::vector<std::byte> bm1(bm_bytes), bm2(bm_bytes);
    for (uint64_t p : ram) bm1[p / 8] |= std::byte(1u << (p % 8));
    std::set<uint64_t> dumped;
    for (const auto& [p, d] : pages) dumped.insert(p);
    for (uint64_t p : unwritten) dumped.insert(p);
    for (uint64_t p : dumped) {
      bm1[p / 8] |= std::byte(1u << (p % 8));
      bm2[p / 8] |= std::byte(1u << (p % 8));
    }
    f.insert(f.end(), bm1.begin(), bm1.end());
    f.insert(f.end(), bm2.begin(), bm2.end());
    const uint64_t lo = split ? start : 0, hi = split ? end : max_mapnr;
    std::vector<uint64_t> mine;
    for (uint64_t p : dumped) {
      if (p >= lo && p < hi) mine.push_back(p);
    }
    const uint64_t desc = f.size();
    f.resize(desc + 24 * mine.size());
    for (size_t i = 0; i < mine.size(); ++i) {
      if (unwritten.count(mine[i])) continue;
      const auto data = CompressPage(codec, pages.at(mine[i]));
      const uint64_t at = f.size();
      f.insert(f.end(), data.begin(), data.end());
      Put(f, desc + 24 * i, at, 8);
      Put(f, desc + 24 * i + 8, data.size(), 4);
      Put(f, desc + 24 * i + 12, codec, 4);
    }
    return f;
  }
};

}  // namespace csd::testing
