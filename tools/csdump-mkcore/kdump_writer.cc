// SPDX-License-Identifier: MIT
#include "csdump-mkcore/kdump_writer.h"

#include <fmt/format.h>
#include <lzo/lzo1x.h>
#include <snappy-c.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>

#include "base/byte_reader.h"

namespace csd::mkcore {
namespace {

// Where each layout puts the fields that differ (the reader keeps its own
// table; this one is the writer's, so a shared mistake cannot hide).
struct HeaderOffsets {
  uint64_t status, block_size, sub_hdr_size, bitmap_blocks, max_mapnr, nr_cpus;  // main
  uint64_t dump_level, split, start_pfn, end_pfn, off_vmcoreinfo, size_vmcoreinfo, off_note,
      size_note, start_pfn_64, end_pfn_64, max_mapnr_64, sub_size;  // kdump_sub_header
  size_t word;                                                      // unsigned long
};
constexpr HeaderOffsets kLayout64{424, 428, 432, 436, 440, 460, 8,  12,  16, 24,
                                  32,  40,  48,  56,  80,  88,  96, 104, 8};
constexpr HeaderOffsets kLayout32Padded{412, 416, 420, 424, 428, 448, 4,  8,  12, 16,
                                        24,  32,  40,  48,  72,  80,  88, 96, 4};
constexpr HeaderOffsets kLayout32Packed{412, 416, 420, 424, 428, 448, 4,  8,  12, 16,
                                        20,  28,  32,  40,  56,  64,  72, 80, 4};

const HeaderOffsets& OffsetsFor(KdumpHeaderLayout layout) {
  switch (layout) {
    case KdumpHeaderLayout::k32Padded: return kLayout32Padded;
    case KdumpHeaderLayout::k32Packed: return kLayout32Packed;
    case KdumpHeaderLayout::k64: break;
  }
  return kLayout64;
}
constexpr uint64_t kDescSize = 24;
constexpr uint32_t kStatusIncomplete = 0x8;
constexpr uint32_t kFlagZlib = 0x1, kFlagLzo = 0x2, kFlagSnappy = 0x4, kFlagZstd = 0x20;

uint64_t RoundUp(uint64_t value, uint64_t align) {
  return (value + align - 1) / align * align;
}

void Put(std::vector<std::byte>& buf, uint64_t offset, uint64_t value, size_t width) {
  if (buf.size() < offset + width) buf.resize(offset + width);
  StoreUnsigned(std::span(buf.data() + offset, width), value, Endian::kLittle);
}

void PutString(std::vector<std::byte>& buf, uint64_t offset, std::string_view text, size_t field) {
  if (buf.size() < offset + field) buf.resize(offset + field);
  std::memcpy(buf.data() + offset, text.data(), std::min(text.size(), field - 1));
}

// ELF note stream, as makedumpfile copies it from /proc/vmcore. Returns the
// stream offset of the VMCOREINFO desc (or 0) through `vmcoreinfo_at`.
std::vector<std::byte> RenderNotes(const std::vector<ElfNote>& notes, uint64_t& vmcoreinfo_at,
                                   uint64_t& vmcoreinfo_size) {
  std::vector<std::byte> out;
  for (const ElfNote& n : notes) {
    const uint64_t at = out.size();
    Put(out, at, n.name.size() + 1, 4);
    Put(out, at + 4, n.desc.size(), 4);
    Put(out, at + 8, n.type, 4);
    PutString(out, at + 12, n.name, n.name.size() + 1);
    out.resize(RoundUp(out.size(), 4));
    const uint64_t desc = out.size();
    out.insert(out.end(), n.desc.begin(), n.desc.end());
    out.resize(RoundUp(out.size(), 4));
    if (n.name == "VMCOREINFO" && vmcoreinfo_at == 0) {
      vmcoreinfo_at = desc;
      vmcoreinfo_size = n.desc.size();
    }
  }
  return out;
}

// One page compressed with `codec`, or nullopt when it does not shrink
// (makedumpfile then stores it raw).
std::optional<std::vector<std::byte>> Compress(KdumpCompression codec,
                                               std::span<const std::byte> page, uint32_t& flags) {
  std::vector<std::byte> out;
  size_t got = 0;
  switch (codec) {
    case KdumpCompression::kZlib: {
      uLongf len = compressBound(page.size());
      out.resize(len);
      if (compress2(reinterpret_cast<Bytef*>(out.data()), &len,
                    reinterpret_cast<const Bytef*>(page.data()), page.size(),
                    Z_BEST_SPEED) != Z_OK) {
        return std::nullopt;
      }
      got = len;
      flags = kFlagZlib;
      break;
    }
    case KdumpCompression::kLzo: {
      static const bool init = lzo_init() == LZO_E_OK;
      if (!init) return std::nullopt;
      std::vector<unsigned char> work(LZO1X_1_MEM_COMPRESS);
      out.resize(page.size() + page.size() / 16 + 64 + 3);
      lzo_uint len = out.size();
      if (lzo1x_1_compress(reinterpret_cast<const unsigned char*>(page.data()), page.size(),
                           reinterpret_cast<unsigned char*>(out.data()), &len,
                           work.data()) != LZO_E_OK) {
        return std::nullopt;
      }
      got = len;
      flags = kFlagLzo;
      break;
    }
    case KdumpCompression::kSnappy: {
      size_t len = snappy_max_compressed_length(page.size());
      out.resize(len);
      if (snappy_compress(reinterpret_cast<const char*>(page.data()), page.size(),
                          reinterpret_cast<char*>(out.data()), &len) != SNAPPY_OK) {
        return std::nullopt;
      }
      got = len;
      flags = kFlagSnappy;
      break;
    }
    case KdumpCompression::kZstd: {
      out.resize(ZSTD_compressBound(page.size()));
      const size_t len = ZSTD_compress(out.data(), out.size(), page.data(), page.size(), 1);
      if (ZSTD_isError(len)) return std::nullopt;
      got = len;
      flags = kFlagZstd;
      break;
    }
    case KdumpCompression::kNone:
    case KdumpCompression::kMixed: return std::nullopt;
  }
  if (got >= page.size()) return std::nullopt;
  out.resize(got);
  return out;
}

uint32_t StatusFor(KdumpCompression c) {
  switch (c) {
    case KdumpCompression::kZlib: return kFlagZlib;
    case KdumpCompression::kLzo: return kFlagLzo;
    case KdumpCompression::kSnappy: return kFlagSnappy;
    case KdumpCompression::kZstd: return kFlagZstd;
    case KdumpCompression::kNone: return 0;
    case KdumpCompression::kMixed: return kFlagZlib | kFlagLzo | kFlagSnappy | kFlagZstd;
  }
  return 0;
}

// Mixed rotates the codec per written page, raw included.
KdumpCompression CodecFor(KdumpCompression c, uint64_t index) {
  if (c != KdumpCompression::kMixed) return c;
  constexpr KdumpCompression kRotation[] = {KdumpCompression::kZlib, KdumpCompression::kLzo,
                                            KdumpCompression::kSnappy, KdumpCompression::kZstd,
                                            KdumpCompression::kNone};
  return kRotation[index % 5];
}

enum class PageState : uint8_t { kNotRam, kExcluded, kZero, kData, kUnwritten };

struct PageInfo {
  uint64_t pfn;
  PageState state;
};

}  // namespace

Expected<std::vector<std::vector<std::byte>>> RenderKdump(const KdumpWriteInput& in) {
  const KdumpOptions& o = in.options;
  const uint64_t block = in.page_size;
  const unsigned shift = static_cast<unsigned>(__builtin_ctzll(block));
  const auto ram = in.image.Ranges();
  uint64_t max_mapnr = 0;
  const HeaderOffsets& hl = OffsetsFor(in.layout);
  const uint64_t origin = in.pfn_origin;
  for (const PhysicalRange& r : ram) {
    if ((r.start >> shift) < origin) {
      return Error(ErrorCode::kInvalidArgument, "RAM below the kdump PFN origin (phys_base)");
    }
    max_mapnr = std::max(max_mapnr, ((r.start + r.size) >> shift) - origin);
  }
  if (o.header_version < 6 && max_mapnr > 0xffffffffull) {
    return Error(ErrorCode::kInvalidArgument,
                 "RAM too large for a pre-v6 kdump header's 32-bit max_mapnr");
  }
  // Both bitmaps cover every PFN up to the top of RAM, and this writer keeps
  // them (and the file) in memory: RAM above 2^48, which only 52-bit PA
  // specs have, would need gigabytes. Refuse that clearly rather than try.
  constexpr uint64_t kMaxBitmapBytes = uint64_t{64} << 20;
  const uint64_t bitmap_bytes = RoundUp((max_mapnr + 7) / 8, block);
  if (bitmap_bytes > kMaxBitmapBytes) {
    return Error(ErrorCode::kUnsupported,
                 fmt::format("spec.ram: RAM up to PA {:#x} needs kdump-compressed bitmaps of {:#x} "
                             "bytes each (this writer stops at {:#x}); keep kdump-compressed RAM "
                             "below 2^29 pages (2 TiB with 4K pages) or write an ELF core",
                             (origin + max_mapnr) << shift, bitmap_bytes, kMaxBitmapBytes));
  }
  std::vector<std::byte> bitmap1(bitmap_bytes), bitmap2(bitmap_bytes);
  auto set = [](std::vector<std::byte>& bm, uint64_t bit) {
    bm[bit >> 3] |= std::byte(1u << (bit & 7));
  };

  // Classify every RAM page once.
  std::vector<PageInfo> pages;
  std::vector<std::byte> buf(block);
  for (const PhysicalRange& r : ram) {
    for (uint64_t pa = RoundUp(r.start, block); pa + block <= r.start + r.size; pa += block) {
      const uint64_t pfn = (pa >> shift) - origin;
      set(bitmap1, pfn);
      PageState state;
      if (!in.plan.IsFileBacked(pa, block)) {
        state = o.incomplete ? PageState::kUnwritten : PageState::kExcluded;
      } else {
        bool zero = true;
        for (uint64_t c = 0; c < block && zero; c += PhysImage::kChunk) {
          const PhysImage::Chunk* chunk = in.image.FindChunk(pa + c);
          if (chunk)
            zero = std::all_of(chunk->begin(), chunk->end(),
                               [](std::byte b) { return b == std::byte{0}; });
        }
        state = zero ? ((o.dump_level & 1) ? PageState::kExcluded : PageState::kZero)
                     : PageState::kData;
      }
      if (state != PageState::kExcluded) set(bitmap2, pfn);
      pages.push_back({pfn, state});
    }
  }

  uint64_t vmcoreinfo_at = 0, vmcoreinfo_size = 0;
  std::vector<std::byte> notes;
  if (o.header_version >= 3) notes = RenderNotes(in.plan.notes, vmcoreinfo_at, vmcoreinfo_size);
  const uint64_t note_offset = block + hl.sub_size;
  const uint64_t sub_hdr_size = RoundUp(hl.sub_size + notes.size(), block) / block;
  const uint64_t bitmap_blocks = 2 * bitmap_bytes / block;
  unsigned cpus = 0;
  for (const ElfNote& n : in.plan.notes) cpus += n.name == "CORE" && n.type == kNtPrstatus;

  const unsigned nparts = o.split > 1 ? o.split : 1;
  std::vector<std::vector<std::byte>> files;
  uint64_t written = 0;  // pages compressed so far, for the mixed rotation
  for (unsigned part = 0; part < nparts; ++part) {
    // Equal slices of the RAM PFNs (the first part also covers the hole
    // below RAM), so every part holds pages a reader must fetch from it.
    const uint64_t lo = ram.empty() ? 0 : (ram.front().start >> shift) - origin;
    const uint64_t start = part == 0 ? 0 : lo + (max_mapnr - lo) * part / nparts;
    const uint64_t end =
        part + 1 == nparts ? max_mapnr : lo + (max_mapnr - lo) * (part + 1) / nparts;
    std::vector<std::byte> f;
    // disk_dump_header (64-bit layout).
    PutString(f, 0, "KDUMP   ", 9);
    f.resize(block);
    Put(f, 8, static_cast<uint32_t>(o.header_version), 4);
    const char* uts[6] = {o.qemu ? "" : "Linux",
                          o.qemu ? "" : "csdump-mkcore",
                          o.qemu ? "" : in.release.c_str(),
                          o.qemu ? "" : "#1 SMP",
                          in.machine.c_str(),
                          o.qemu ? "" : "(none)"};
    for (size_t i = 0; i < 6; ++i) PutString(f, 12 + i * 65, uts[i], 65);
    Put(f, hl.status, StatusFor(o.compression) | (o.incomplete ? kStatusIncomplete : 0), 4);
    Put(f, hl.block_size, o.corrupt == KdumpCorruption::kBlockSize ? 3000 : block, 4);
    Put(f, hl.sub_hdr_size, o.corrupt == KdumpCorruption::kSubHdrSize ? 0x7fffffff : sub_hdr_size,
        4);
    Put(f, hl.bitmap_blocks,
        o.corrupt == KdumpCorruption::kBitmapBlocks ? 0x7fffffff : bitmap_blocks, 4);
    Put(f, hl.max_mapnr, static_cast<uint32_t>(max_mapnr), 4);
    Put(f, hl.nr_cpus, cpus, 4);
    // kdump_sub_header: fields only from the version that defines them.
    const int v = o.header_version;
    Put(f, block + 0, in.phys_base, hl.word);
    Put(f, block + hl.dump_level, static_cast<uint32_t>(o.dump_level), 4);
    if (v >= 2 && nparts > 1) {
      Put(f, block + hl.split, 1, 4);
      Put(f, block + hl.start_pfn, start, hl.word);
      Put(f, block + hl.end_pfn, end, hl.word);
    }
    if (v >= 3 && vmcoreinfo_size) {
      Put(f, block + hl.off_vmcoreinfo, note_offset + vmcoreinfo_at, 8);
      Put(f, block + hl.size_vmcoreinfo, vmcoreinfo_size, hl.word);
    }
    if (v >= 4) {
      Put(f, block + hl.off_note, note_offset, 8);
      Put(f, block + hl.size_note, notes.size(), hl.word);
    }
    if (v >= 6) {
      Put(f, block + hl.start_pfn_64, nparts > 1 ? start : 0, 8);
      Put(f, block + hl.end_pfn_64, nparts > 1 ? end : 0, 8);
      Put(f, block + hl.max_mapnr_64, max_mapnr, 8);
    }
    f.resize(note_offset);
    f.insert(f.end(), notes.begin(), notes.end());
    f.resize((1 + sub_hdr_size) * block);
    f.insert(f.end(), bitmap1.begin(), bitmap1.end());
    f.insert(f.end(), bitmap2.begin(), bitmap2.end());

    // Descriptors of this part's dumped pages, then the data.
    uint64_t ndesc = 0;
    bool any_zero = false;
    for (const PageInfo& p : pages) {
      if (p.pfn < start || p.pfn >= end || p.state == PageState::kExcluded) continue;
      ++ndesc;
      any_zero |= p.state == PageState::kZero;
    }
    const uint64_t desc_base = f.size();
    f.resize(desc_base + ndesc * kDescSize);
    auto emit = [&](std::span<const std::byte> page, uint64_t desc_at) {
      uint32_t flags = 0;
      auto packed = Compress(CodecFor(o.compression, written++), page, flags);
      const uint64_t at = f.size();
      if (packed) {
        f.insert(f.end(), packed->begin(), packed->end());
      } else {
        flags = 0;
        f.insert(f.end(), page.begin(), page.end());
      }
      Put(f, desc_at, at, 8);
      Put(f, desc_at + 8, f.size() - at, 4);
      Put(f, desc_at + 12, flags, 4);
    };
    // makedumpfile writes one zero page first and points every zero page at it.
    std::vector<std::byte> zero_desc(kDescSize);
    if (any_zero) {
      std::vector<std::byte> zeros(block);
      const uint64_t tmp = f.size();
      f.resize(tmp + kDescSize);  // scratch descriptor, moved below
      emit(zeros, tmp);
      std::copy(f.begin() + static_cast<ptrdiff_t>(tmp),
                f.begin() + static_cast<ptrdiff_t>(tmp + kDescSize), zero_desc.begin());
      // The scratch bytes stay as padding before the zero page's data: harmless.
    }
    uint64_t index = 0;
    // "descriptor" corrupts the last data page's descriptor: buffers sit at
    // the top of RAM, the list itself at the bottom, so the walk survives.
    uint64_t last_data = ~uint64_t{0};
    for (const PageInfo& p : pages) {
      if (p.pfn >= start && p.pfn < end && p.state == PageState::kData) last_data = p.pfn;
    }
    for (const PageInfo& p : pages) {
      if (p.pfn < start || p.pfn >= end || p.state == PageState::kExcluded) continue;
      const uint64_t desc_at = desc_base + index++ * kDescSize;
      if (p.state == PageState::kUnwritten) continue;  // offset 0: not written
      if (p.state == PageState::kZero) {
        std::copy(zero_desc.begin(), zero_desc.end(), f.begin() + static_cast<ptrdiff_t>(desc_at));
        continue;
      }
      CSD_RETURN_IF_ERROR(in.image.ReadPhysical((p.pfn + origin) << shift, buf));
      emit(buf, desc_at);
      if (o.corrupt == KdumpCorruption::kDescriptor && p.pfn == last_data) {
        Put(f, desc_at, uint64_t{1} << 40, 8);  // data far past the end of the file
      }
    }
    files.push_back(std::move(f));
  }
  return files;
}

std::vector<std::byte> FlattenKdump(const std::vector<std::byte>& file, uint64_t record_size) {
  std::vector<std::byte> out(4096);
  PutString(out, 0, "makedumpfile", 16);
  StoreUnsigned(std::span(out.data() + 16, 8), 1, Endian::kBig);
  StoreUnsigned(std::span(out.data() + 24, 8), 1, Endian::kBig);
  auto record = [&](uint64_t offset, std::span<const std::byte> data) {
    const size_t at = out.size();
    out.resize(at + 16);
    StoreUnsigned(std::span(out.data() + at, 8), offset, Endian::kBig);
    StoreUnsigned(std::span(out.data() + at + 8, 8), data.size(), Endian::kBig);
    out.insert(out.end(), data.begin(), data.end());
  };
  // A bogus first record over the header: the real one, written later, wins.
  std::vector<std::byte> garbage(64, std::byte{0xa5});
  record(0, garbage);
  // Records back to front, all-zero ones left out (they read as holes), except
  // the last, which fixes the reassembled size.
  const uint64_t n = (file.size() + record_size - 1) / record_size;
  for (uint64_t i = n; i-- > 0;) {
    const uint64_t off = i * record_size;
    const auto piece =
        std::span(file).subspan(off, std::min<uint64_t>(record_size, file.size() - off));
    const bool zero =
        std::all_of(piece.begin(), piece.end(), [](std::byte b) { return b == std::byte{0}; });
    if (zero && i + 1 != n) continue;
    record(off, piece);
  }
  const size_t at = out.size();
  out.resize(at + 16);
  StoreUnsigned(std::span(out.data() + at, 8), ~uint64_t{0}, Endian::kBig);
  StoreUnsigned(std::span(out.data() + at + 8, 8), ~uint64_t{0}, Endian::kBig);
  return out;
}

Expected<std::vector<std::vector<std::byte>>> RenderKdumpFiles(const KdumpWriteInput& input) {
  CSD_ASSIGN_OR_RETURN(auto files, RenderKdump(input));
  if (input.options.flattened) {
    for (auto& f : files) f = FlattenKdump(f, 65536);
  }
  return files;
}

std::string KdumpExpectedJson(const std::string& expected_json,
                              const std::vector<std::vector<std::byte>>& files) {
  nlohmann::ordered_json root = nlohmann::ordered_json::parse(expected_json);
  root["file_size"] = files.empty() ? 0 : files.front().size();
  if (files.size() > 1) {
    nlohmann::ordered_json sizes = nlohmann::ordered_json::array();
    for (const auto& f : files) sizes.push_back(f.size());
    root["split_file_sizes"] = sizes;
  }
  return root.dump(2) + "\n";
}

Status WriteKdumpFiles(const std::filesystem::path& out_dir,
                       const std::vector<std::vector<std::byte>>& files) {
  for (size_t i = 0; i < files.size(); ++i) {
    const std::filesystem::path path =
        files.size() == 1 ? out_dir / "vmcore" : out_dir / fmt::format("vmcore.{}", i + 1);
    const std::filesystem::path tmp = path.string() + ".tmp";
    {
      std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
      out.write(reinterpret_cast<const char*>(files[i].data()),
                static_cast<std::streamsize>(files[i].size()));
      if (!out.flush()) return Error(ErrorCode::kIo, fmt::format("cannot write {}", tmp.string()));
    }
    std::error_code ec;
    std::filesystem::rename(tmp, path, ec);
    if (ec)
      return Error(ErrorCode::kIo,
                   fmt::format("cannot rename to {}: {}", path.string(), ec.message()));
  }
  return OkStatus();
}

}  // namespace csd::mkcore
