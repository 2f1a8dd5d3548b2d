// SPDX-License-Identifier: MIT
#include "dump/kdump/kdump_header.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

#include "dump/elf/elf_notes.h"

namespace csd {
namespace {

constexpr uint64_t kUtsnameOffset = 12;
constexpr uint64_t kUtsFieldLength = 65;
// makedumpfile writes a few blocks of sub-header; a million blocks is hostile.
constexpr uint32_t kMaxSubHdrBlocks = 1u << 20;
// Versions far beyond today's 6 are byte-swapped or garbage.
constexpr uint32_t kMaxHeaderVersion = 1000;

// Field offsets in disk_dump_header that differ between layouts.
struct MainOffsets {
  uint64_t status, block_size, sub_hdr_size, bitmap_blocks, max_mapnr, nr_cpus;
};
constexpr MainOffsets kMain64{424, 428, 432, 436, 440, 460};
constexpr MainOffsets kMain32{412, 416, 420, 424, 428, 448};
constexpr uint64_t kMainHeaderReadSize = 464;

struct SubOffsets {
  uint64_t phys_base, dump_level, split, start_pfn, end_pfn;
  uint64_t off_vmcoreinfo, size_vmcoreinfo, off_note, size_note, off_erase, size_erase;
  uint64_t start_pfn_64, end_pfn_64, max_mapnr_64, total;
  size_t word;  // width of `unsigned long` fields and phys_base
};
constexpr SubOffsets kSub64{0, 8, 12, 16, 24, 32, 40, 48, 56, 64, 72, 80, 88, 96, 104, 8};
constexpr SubOffsets kSubPacked{0, 4, 8, 12, 16, 20, 28, 32, 40, 44, 52, 56, 64, 72, 80, 4};
constexpr SubOffsets kSubPadded{0, 4, 8, 12, 16, 24, 32, 40, 48, 56, 64, 72, 80, 88, 96, 4};

bool SaneBlockSize(uint64_t value) {
  return value >= 1024 && value <= (1u << 20) && (value & (value - 1)) == 0;
}

Error Corrupt(const ByteSource& source, std::string_view field, uint64_t value, uint64_t offset,
              std::string_view why) {
  return Error(ErrorCode::kCorrupt,
               fmt::format("{}: kdump header field {} = {:#x} (file offset {:#x}) {}",
                           source.label(), field, value, offset, why));
}

bool Is64BitMachine(std::string_view machine) {
  return machine == "aarch64" || machine == "x86_64" || machine.starts_with("ppc64") ||
         machine == "s390x" || machine == "riscv64" || machine == "mips64";
}

Status ParseSubHeader(const ByteSource& source, KdumpHeader& h) {
  const uint64_t base = h.block_size;
  // The whole largest layout, clipped to the sub-header area (shorter old headers).
  const uint64_t area = uint64_t{h.sub_hdr_size} * h.block_size;
  const uint64_t want = std::min<uint64_t>(area, kSub64.total);
  if (want < 8)
    return Corrupt(source, "sub_hdr_size", h.sub_hdr_size, kMain64.sub_hdr_size,
                   "leaves no room for the sub-header");
  CSD_ASSIGN_OR_RETURN(std::vector<std::byte> bytes,
                       source.ReadVector(base, want, "kdump sub-header"));
  const ByteReader r(bytes, h.endian, "kdump sub-header");
  const int v = std::min(h.header_version, 6);

  if (h.layout != KdumpLayout::k64 && v >= 3) {
    // libkdumpfile's heuristic (formats.md §3.4): the packed offset_vmcoreinfo
    // must be 0/0 or point inside the sub-header area.
    auto off = r.U64(kSubPacked.off_vmcoreinfo);
    auto size = r.U32(kSubPacked.size_vmcoreinfo);
    bool packed = false;
    if (off.ok() && size.ok()) {
      const uint64_t end = *off + *size;
      packed = (*off == 0 && *size == 0) || (*off >= base && end >= *off && end <= base + area);
    }
    h.layout = packed ? KdumpLayout::k32Packed : KdumpLayout::k32Padded;
  }
  const SubOffsets& o = h.layout == KdumpLayout::k64         ? kSub64
                        : h.layout == KdumpLayout::k32Packed ? kSubPacked
                                                             : kSubPadded;
  auto field = [&](uint64_t offset, size_t width, std::string_view name) -> Expected<uint64_t> {
    auto value = r.Unsigned(offset, width);
    if (!value.ok()) {
      return Error(
          ErrorCode::kCorrupt,
          fmt::format(
              "{}: kdump sub-header field {} at file offset {:#x} is cut off (header_version {}, "
              "sub-header area {:#x} bytes)",
              source.label(), name, base + offset, h.header_version, area));
    }
    return *value;
  };
  CSD_ASSIGN_OR_RETURN(h.phys_base, field(o.phys_base, o.word, "phys_base"));
  CSD_ASSIGN_OR_RETURN(uint64_t level, field(o.dump_level, 4, "dump_level"));
  h.dump_level = static_cast<int32_t>(level);
  if (v >= 2) {
    CSD_ASSIGN_OR_RETURN(uint64_t split, field(o.split, 4, "split"));
    h.split = static_cast<int32_t>(split);
    CSD_ASSIGN_OR_RETURN(h.start_pfn, field(o.start_pfn, o.word, "start_pfn"));
    CSD_ASSIGN_OR_RETURN(h.end_pfn, field(o.end_pfn, o.word, "end_pfn"));
  }
  if (v >= 3) {
    CSD_ASSIGN_OR_RETURN(h.offset_vmcoreinfo, field(o.off_vmcoreinfo, 8, "offset_vmcoreinfo"));
    CSD_ASSIGN_OR_RETURN(h.size_vmcoreinfo, field(o.size_vmcoreinfo, o.word, "size_vmcoreinfo"));
  }
  if (v >= 4) {
    CSD_ASSIGN_OR_RETURN(h.offset_note, field(o.off_note, 8, "offset_note"));
    CSD_ASSIGN_OR_RETURN(h.size_note, field(o.size_note, o.word, "size_note"));
  }
  if (v >= 5) {
    CSD_ASSIGN_OR_RETURN(h.offset_eraseinfo, field(o.off_erase, 8, "offset_eraseinfo"));
    CSD_ASSIGN_OR_RETURN(h.size_eraseinfo, field(o.size_erase, o.word, "size_eraseinfo"));
  }
  if (v >= 6) {
    CSD_ASSIGN_OR_RETURN(uint64_t start64, field(o.start_pfn_64, 8, "start_pfn_64"));
    CSD_ASSIGN_OR_RETURN(uint64_t end64, field(o.end_pfn_64, 8, "end_pfn_64"));
    CSD_ASSIGN_OR_RETURN(uint64_t max64, field(o.max_mapnr_64, 8, "max_mapnr_64"));
    if (h.split) {
      h.start_pfn = start64;
      h.end_pfn = end64;
    }
    if (max64 != 0) h.max_mapnr = max64;
  }
  return OkStatus();
}

// Bounds every region the header names against the file.
Status CheckRegions(const ByteSource& source, const KdumpHeader& h) {
  const uint64_t size = source.size();
  const MainOffsets& m = h.layout == KdumpLayout::k64 ? kMain64 : kMain32;
  if (h.sub_hdr_size > kMaxSubHdrBlocks || h.bitmap_offset() > size) {
    return Corrupt(source, "sub_hdr_size", h.sub_hdr_size, m.sub_hdr_size,
                   fmt::format("puts the bitmaps past the end of the file ({:#x} bytes)", size));
  }
  if (h.bitmap_blocks == 0 || h.data_offset() > size) {
    return Corrupt(
        source, "bitmap_blocks", h.bitmap_blocks, m.bitmap_blocks,
        fmt::format("puts the page descriptors past the end of the file ({:#x} bytes)", size));
  }
  // Bits of one bitmap; old single-bitmap dumps would need twice that, which we reject.
  const uint64_t bits = h.bitmap_bytes() * 8;
  if (h.max_mapnr == 0 || h.max_mapnr > bits) {
    return Corrupt(source, "max_mapnr", h.max_mapnr, m.max_mapnr,
                   fmt::format("does not fit the {:#x}-bit bitmaps (bitmap_blocks {:#x})", bits,
                               h.bitmap_blocks));
  }
  if (h.split && (h.start_pfn > h.end_pfn || h.end_pfn > h.max_mapnr)) {
    return Corrupt(source, "end_pfn", h.end_pfn, h.block_size,
                   fmt::format("split range [{:#x}, {:#x}) is not inside [0, max_mapnr {:#x})",
                               h.start_pfn, h.end_pfn, h.max_mapnr));
  }
  auto check = [&](std::string_view name, uint64_t off, uint64_t len) -> Status {
    if (len == 0) return OkStatus();
    const auto end = CheckedAdd(off, len);
    if (!end || *end > size) {
      return Corrupt(
          source, name, off, h.block_size,
          fmt::format("with size {:#x} runs past the end of the file ({:#x} bytes)", len, size));
    }
    return OkStatus();
  };
  CSD_RETURN_IF_ERROR(check("offset_vmcoreinfo", h.offset_vmcoreinfo, h.size_vmcoreinfo));
  CSD_RETURN_IF_ERROR(check("offset_note", h.offset_note, h.size_note));
  return OkStatus();
}

}  // namespace

std::string_view KdumpLayoutName(KdumpLayout layout) {
  switch (layout) {
    case KdumpLayout::k64: return "64-bit";
    case KdumpLayout::k32Packed: return "32-bit packed";
    case KdumpLayout::k32Padded: return "32-bit padded (ARM EABI)";
  }
  return "?";
}

unsigned KdumpHeader::block_shift() const {
  return static_cast<unsigned>(__builtin_ctz(block_size));
}

bool IsKdumpSignature(std::span<const std::byte> bytes) {
  return bytes.size() >= 8 && std::memcmp(bytes.data(), kKdumpSignature, 8) == 0;
}

// Whether the main header read with offsets m describes a file of file_size
// bytes: a sane block size, a sub-header and a bitmap that are not empty and fit.
bool FieldsFit(const ByteReader& r, const MainOffsets& m, uint64_t file_size) {
  const uint32_t block = *r.U32(m.block_size);
  const uint32_t sub = *r.U32(m.sub_hdr_size);
  const uint32_t bitmap = *r.U32(m.bitmap_blocks);
  return SaneBlockSize(block) && sub != 0 && sub <= kMaxSubHdrBlocks && bitmap != 0 &&
         (uint64_t{1} + sub + bitmap) * block <= file_size;
}

Expected<KdumpHeader> ParseKdumpHeader(const ByteSource& source) {
  if (source.size() < kMainHeaderReadSize) {
    return Error(ErrorCode::kCorrupt,
                 fmt::format("{}: {} bytes is too short for a kdump header ({} bytes)",
                             source.label(), source.size(), kMainHeaderReadSize));
  }
  CSD_ASSIGN_OR_RETURN(std::vector<std::byte> bytes,
                       source.ReadVector(0, kMainHeaderReadSize, "kdump header"));
  if (!IsKdumpSignature(bytes)) {
    return Error(ErrorCode::kCorrupt,
                 fmt::format("{}: no KDUMP signature at file offset 0", source.label()));
  }
  KdumpHeader h;
  // Byte order and word size: the first combination whose block_size is sane
  // (libkdumpfile does the same); a 64-bit machine name breaks a tie.
  bool found = false;
  for (Endian endian : {Endian::kLittle, Endian::kBig}) {
    const ByteReader r(bytes, endian, "kdump header");
    const bool sane64 = SaneBlockSize(*r.U32(kMain64.block_size));
    const bool sane32 = SaneBlockSize(*r.U32(kMain32.block_size));
    // A big-endian 1024 reads as a sane little-endian 256 KiB, so the
    // version (small in the right order) must be plausible too.
    const uint32_t version = *r.U32(8);
    if ((!sane64 && !sane32) || version == 0 || version > kMaxHeaderVersion) continue;
    h.endian = endian;
    h.machine = *r.FixedString(kUtsnameOffset + 4 * kUtsFieldLength, kUtsFieldLength);
    bool use64 = sane64;
    const bool fit64 = FieldsFit(r, kMain64, source.size());
    const bool fit32 = FieldsFit(r, kMain32, source.size());
    if (sane64 && sane32 && fit64 != fit32) {
      // QEMU's 32-bit header (dump-guest-memory -z of an ARM guest) names the
      // machine "Unknown", and its max_mapnr (0x80000 for RAM up to 2 GiB)
      // sits where the 64-bit layout has block_size: only one reading of
      // the fields describes this file.
      use64 = fit64;
    } else if (sane64 && sane32) {
      const bool known32 =
          h.machine.starts_with("arm") ||
          (h.machine.size() == 4 && h.machine[0] == 'i' && h.machine.ends_with("86"));
      use64 = Is64BitMachine(h.machine) || !known32;
    }
    h.layout =
        use64 ? KdumpLayout::k64 : KdumpLayout::k32Packed;  // padded decided by the sub-header
    found = true;
    break;
  }
  if (!found) {
    const ByteReader r(bytes, Endian::kLittle, "kdump header");
    if (SaneBlockSize(*r.U32(kMain64.block_size)) || SaneBlockSize(*r.U32(kMain32.block_size))) {
      return Corrupt(
          source, "header_version", *r.U32(8), 8,
          fmt::format("is not a known version (1..{}) in either byte order", kMaxHeaderVersion));
    }
    return Corrupt(
        source, "block_size", *r.U32(kMain64.block_size), kMain64.block_size,
        "is not a power of two between 1 KiB and 1 MiB in either byte order or word size");
  }
  const ByteReader r(bytes, h.endian, "kdump header");
  const MainOffsets& m = h.layout == KdumpLayout::k64 ? kMain64 : kMain32;
  h.header_version = static_cast<int32_t>(*r.U32(8));
  if (h.header_version < 1) {
    return Corrupt(source, "header_version", static_cast<uint32_t>(h.header_version), 8,
                   "is not 1 or later");
  }
  std::string* names[] = {&h.sysname, &h.nodename, &h.release,
                          &h.version, &h.machine,  &h.domainname};
  for (size_t i = 0; i < 6; ++i)
    *names[i] = *r.FixedString(kUtsnameOffset + i * kUtsFieldLength, kUtsFieldLength);
  h.status = *r.U32(m.status);
  h.block_size = *r.U32(m.block_size);
  h.sub_hdr_size = *r.U32(m.sub_hdr_size);
  h.bitmap_blocks = *r.U32(m.bitmap_blocks);
  h.max_mapnr = *r.U32(m.max_mapnr);
  h.nr_cpus = static_cast<int32_t>(*r.U32(m.nr_cpus));
  if (h.sub_hdr_size == 0 || h.sub_hdr_size > kMaxSubHdrBlocks ||
      uint64_t{1 + h.sub_hdr_size} * h.block_size > source.size()) {
    return Corrupt(source, "sub_hdr_size", h.sub_hdr_size, m.sub_hdr_size,
                   fmt::format("is 0 or puts the sub-header past the end of the file ({:#x} bytes)",
                               source.size()));
  }
  CSD_RETURN_IF_ERROR(ParseSubHeader(source, h));
  CSD_RETURN_IF_ERROR(CheckRegions(source, h));
  return h;
}

std::vector<DumpNote> ReadKdumpNotes(const KdumpHeader& h, const ByteSource& source,
                                     const NoteLimits& limits, DiagnosticSink& diagnostics) {
  // Each region is read into memory whole: bound it before allocating.
  auto within_cap = [&](std::string_view what, uint64_t offset, uint64_t size) {
    if (size <= limits.max_note_size) return true;
    diagnostics.Warn(fmt::format(
        "{}: the {} region at file offset {:#x} is {} bytes, over the --max-note-size cap of "
        "{} bytes; ignored (raise with --max-note-size)",
        source.label(), what, offset, size, limits.max_note_size));
    return false;
  };
  std::vector<DumpNote> notes;
  if (h.header_version >= 4 && h.size_note > 0 && within_cap("note", h.offset_note, h.size_note)) {
    auto bytes = source.ReadVector(h.offset_note, h.size_note, "kdump notes");
    if (bytes.ok()) {
      const ByteReader stream(*bytes, h.endian, "kdump notes");
      ParseElfNotes(stream, h.offset_note, source.label(), limits, notes, diagnostics);
    } else {
      diagnostics.Warn(bytes.error().Describe());
    }
  }
  // v3 has only offset_vmcoreinfo; later versions point it into the notes too.
  if (!FindVmcoreinfo(notes) && h.size_vmcoreinfo > 0 &&
      within_cap("VMCOREINFO", h.offset_vmcoreinfo, h.size_vmcoreinfo)) {
    auto bytes = source.ReadVector(h.offset_vmcoreinfo, h.size_vmcoreinfo, "kdump VMCOREINFO");
    if (bytes.ok()) {
      notes.push_back(DumpNote{"VMCOREINFO", 0, std::move(*bytes), h.offset_vmcoreinfo});
    } else {
      diagnostics.Warn(bytes.error().Describe());
    }
  }
  return notes;
}

}  // namespace csd
