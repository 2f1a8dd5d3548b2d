// SPDX-License-Identifier: MIT
#include "dump/kdump/kdump_file.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <mutex>
#include <optional>
#include <thread>

#include "base/worker_threads.h"
#include "dump/elf/elf_notes.h"
#include "dump/kdump/decompressor.h"
#include "dump/kdump/flattened.h"
#include "dump/kdump/kdump_header.h"
#include "dump/kdump/page_cache.h"
#include "dump/kdump/pfn_rank_index.h"
#include "dump/kdump/split_dump.h"

namespace csd {
namespace {

constexpr size_t kCacheSlots = 16;
// Batched reads (ReadPhysicalBatch) decompress whole pages on up to this many
// threads, each taking at least kPagesPerThread pages: a zstd page takes
// about 8 us, a thread start about 50 us.
constexpr unsigned kMaxDecodeThreads = 8;
constexpr size_t kPagesPerThread = 32;
constexpr size_t kPagesPerClaim = 8;  // pages a decode thread takes at a time
constexpr uint32_t kArm64PrstatusSize = 392;
constexpr uint32_t kArmPrstatusSize = 148;

class KdumpFile final : public DumpFile {
 public:
  KdumpFile(std::vector<KdumpPart> parts, std::vector<std::byte> bitmap1,
            std::vector<DumpNote> notes, std::filesystem::path path, bool flattened,
            const DumpOpenOptions& options, DiagnosticSink& diagnostics)
      : parts_(std::move(parts)),
        bitmap1_(std::move(bitmap1)),
        notes_(std::move(notes)),
        path_(std::move(path)),
        flattened_(flattened),
        options_(options),
        diagnostics_(diagnostics),
        cache_(kCacheSlots, parts_.front().header.block_size) {
    const KdumpHeader& h = header();
    shift_ = h.block_shift();
    // formats.md §3.4: 32-bit ARM makedumpfile numbers PFNs from phys_base;
    // absolute PFNs always reach past phys_base>>shift, relative ones never do.
    // Only 32-bit dumps: arm64 makedumpfile writes absolute PFNs and puts
    // PHYS_OFFSET in phys_base, which KASLR makes "negative" (a real 6.1
    // dump has 0xfffffc5a40000000), so the test alone would misfire there.
    relative_pfns_ =
        h.layout != KdumpLayout::k64 && h.phys_base != 0 && h.max_mapnr <= (h.phys_base >> shift_);
    pfn_base_ = relative_pfns_ ? h.phys_base >> shift_ : 0;
    BuildRanges();
  }

  std::string FormatName() const override {
    return flattened_ ? "kdump-compressed (flattened)" : "kdump-compressed";
  }
  std::string Producer() const override {
    const KdumpHeader& h = header();
    // QEMU leaves the utsname fields it does not know empty or "Unknown" and
    // packs its 32-bit sub-header; makedumpfile fills utsname from the kernel.
    if (h.machine == "Unknown" || h.sysname.empty() || h.layout == KdumpLayout::k32Packed)
      return "qemu";
    return "makedumpfile";
  }
  Arch arch() const override {
    const std::string& m = header().machine;
    if (m == "aarch64" || m == "arm64") return Arch::kArm64;
    if (m.starts_with("arm")) return Arch::kArm;
    for (const DumpNote& note : notes_) {
      if (note.name != "CORE" || note.type != 1) continue;
      if (note.desc.size() == kArm64PrstatusSize) return Arch::kArm64;
      if (note.desc.size() == kArmPrstatusSize) return Arch::kArm;
    }
    return Arch::kUnknown;
  }
  Endian endian() const override { return header().endian; }
  unsigned pointer_size() const override { return header().pointer_size(); }
  const std::vector<DumpNote>& notes() const override { return notes_; }
  const std::vector<DumpSegment>& segments() const override { return segments_; }
  std::optional<std::string> VmcoreinfoText() const override { return FindVmcoreinfo(notes_); }
  const std::filesystem::path& path() const override { return path_; }
  std::vector<PhysicalRange> Ranges() const override { return ranges_; }

  std::vector<std::pair<std::string, std::string>> Describe() const override {
    const KdumpHeader& h = header();
    std::vector<std::pair<std::string, std::string>> out;
    out.emplace_back("header_version", fmt::format("{}", h.header_version));
    out.emplace_back("layout", fmt::format("{}, {}-endian", KdumpLayoutName(h.layout),
                                           h.endian == Endian::kLittle ? "little" : "big"));
    out.emplace_back("block_size", fmt::format("{}", h.block_size));
    out.emplace_back("dump_level", fmt::format("{}", h.dump_level));
    std::string status;
    for (auto [bit, name] : {std::pair{kKdumpZlib, "zlib"},
                             {kKdumpLzo, "lzo"},
                             {kKdumpSnappy, "snappy"},
                             {kKdumpZstd, "zstd"},
                             {kKdumpIncomplete, "incomplete"},
                             {kKdumpExcludedVmemmap, "excluded_vmemmap"}}) {
      if (h.status & bit) status += status.empty() ? name : fmt::format(",{}", name);
    }
    out.emplace_back("status", fmt::format("{:#x}{}", h.status,
                                           status.empty() ? "" : fmt::format(" ({})", status)));
    out.emplace_back("max_mapnr", fmt::format("{:#x}", h.max_mapnr));
    out.emplace_back("phys_base", fmt::format("{:#x}", h.phys_base));
    out.emplace_back("pfn_origin", relative_pfns_
                                       ? fmt::format("relative to phys_base (PFN 0 = PA {:#x})",
                                                     pfn_base_ << shift_)
                                       : std::string("absolute"));
    out.emplace_back("machine", h.machine.empty() ? "(empty)" : h.machine);
    if (h.split || parts_.size() > 1) {
      for (size_t i = 0; i < parts_.size(); ++i) {
        out.emplace_back(fmt::format("split part {}", i + 1),
                         fmt::format("PFNs [{:#x}, {:#x}) {}", parts_[i].start(), parts_[i].end(),
                                     parts_[i].source->label()));
      }
    }
    return out;
  }

  Status ReadPhysical(uint64_t pa, std::span<std::byte> out) const override {
    return ReadPages(pa, out, nullptr, 0);
  }

  // Scattered pages of a large buffer (one request per vmalloc page): the
  // descriptors are read and checked in order on this thread, then the whole
  // pages are decompressed on several threads straight from the mapped file
  // into the callers' bytes. Anything else (partial or cached pages, excluded
  // pages, a flattened stream) is done in order as ReadPhysical does it.
  Status ReadPhysicalBatch(std::span<const Request> requests, size_t& failed) const override {
    std::vector<PageTask> tasks;
    std::optional<Error> stop_error;
    size_t stop_request = requests.size();
    for (size_t i = 0; i < requests.size(); ++i) {
      auto status = ReadPages(requests[i].pa, requests[i].out, &tasks, i);
      if (!status.ok()) {
        stop_error = std::move(status).error();
        stop_request = i;
        break;
      }
    }

    DecodeTasks(tasks);
    // The first failure in request order (and, within a request, in byte
    // order: its tasks precede the point where reading stopped).
    for (const PageTask& task : tasks) {
      if (task.error && task.request <= stop_request) {
        failed = task.request;
        return *task.error;
      }
    }
    if (stop_error) {
      failed = stop_request;
      return std::move(*stop_error);
    }
    return OkStatus();
  }

 private:
  // A whole page whose descriptor checked out and whose compressed bytes are
  // in the mapped file: decompressed later, possibly on another thread.
  struct PageLocation {
    uint64_t index = 0;    // page descriptor number
    uint64_t desc_at = 0;  // its file offset
    uint64_t offset = 0;   // compressed data: file offset
    uint32_t size = 0;     // ... and size
    uint32_t flags = 0;    // codec
  };
  struct PageTask {
    const KdumpPart* part = nullptr;
    uint64_t pa = 0;
    uint64_t pfn = 0;
    PageLocation location;
    std::span<const std::byte> compressed;
    std::span<std::byte> out;
    size_t request = 0;
    std::optional<Error> error;
  };

  // Decompresses every task, on several threads when there are enough.
  void DecodeTasks(std::vector<PageTask>& tasks) const {
    if (tasks.empty()) return;
    const unsigned hardware = std::max(1u, std::thread::hardware_concurrency());
    const size_t threads = std::max<size_t>(
        1, std::min<size_t>({hardware, kMaxDecodeThreads, tasks.size() / kPagesPerThread}));
    // Pages are claimed a few at a time rather than split in equal halves up
    // front: the hash and write threads of a streamed sink (base/chunk_fanout)
    // share the cores, and a decoder they preempt would otherwise hold up the
    // whole batch while the others idle. Which thread decodes a page does not
    // change its bytes or its error, so the result stays deterministic.
    std::atomic<size_t> next{0};
    auto decode = [&] {
      PageDecompressor decompressor;
      while (true) {
        const size_t begin = next.fetch_add(kPagesPerClaim, std::memory_order_relaxed);
        if (begin >= tasks.size()) return;
        const size_t end = std::min(tasks.size(), begin + kPagesPerClaim);
        for (size_t i = begin; i < end; ++i) {
          PageTask& t = tasks[i];
          auto status = decompressor.Decompress(t.location.flags, t.compressed, t.out);
          if (!status.ok()) {
            t.error = DecodeError(*t.part, t.pa, t.pfn, t.location, std::move(status).error());
          }
        }
      }
    };
    RunOnThreads(threads, decode);  // fewer threads if no more start: the others claim their pages
  }

  const KdumpHeader& header() const { return parts_.front().header; }

  void BuildRanges() {
    for (const BitRun& run : SetBitRuns(bitmap1_, header().max_mapnr)) {
      ranges_.push_back({(run.first + pfn_base_) << shift_, (run.end - run.first) << shift_});
    }
  }

  // [pa, pa + out.size()) page by page through ReadPagePart (which may defer
  // whole pages to `deferred`, for `request`).
  Status ReadPages(uint64_t pa, std::span<std::byte> out, std::vector<PageTask>* deferred,
                   size_t request) const {
    const uint64_t block = header().block_size;
    size_t done = 0;
    while (done < out.size()) {
      const uint64_t at = pa + done;
      if (at < pa)
        return Error(ErrorCode::kNotMapped, fmt::format("read at PA {:#x} wraps past 2^64", pa));
      const uint64_t in_page = at & (block - 1);
      const size_t n = static_cast<size_t>(std::min<uint64_t>(out.size() - done, block - in_page));
      CSD_RETURN_IF_ERROR(ReadPagePart(at, in_page, out.subspan(done, n), deferred, request));
      done += n;
    }
    return OkStatus();
  }

  // With `deferred`, a whole uncached page whose compressed bytes can be
  // viewed in place is appended there (for `request`) instead of decoded.
  Status ReadPagePart(uint64_t pa, uint64_t in_page, std::span<std::byte> out,
                      std::vector<PageTask>* deferred, size_t request) const {
    const KdumpHeader& h = header();
    const uint64_t abs_pfn = pa >> shift_;
    if (abs_pfn < pfn_base_ || abs_pfn - pfn_base_ >= h.max_mapnr) {
      return Error(ErrorCode::kNotMapped,
                   fmt::format("PA {:#x} (PFN {:#x}) is outside the dump's PFN range "
                               "[{:#x}, {:#x})",
                               pa, abs_pfn, pfn_base_, pfn_base_ + h.max_mapnr));
    }
    const uint64_t pfn = abs_pfn - pfn_base_;
    if (!TestBitmapBit(bitmap1_, pfn)) {
      return Error(
          ErrorCode::kNotMapped,
          fmt::format("PA {:#x} (PFN {:#x}) is not RAM in the dump's first bitmap", pa, pfn));
    }
    const KdumpPart* part = nullptr;
    for (const KdumpPart& p : parts_) {
      if (p.dumped.Contains(pfn)) part = &p;
    }
    if (part == nullptr) {
      return Error(ErrorCode::kExcluded,
                   fmt::format("PA {:#x} (PFN {:#x}) is in no part of the split dump", pa, pfn));
    }
    if (!part->dumped.Test(pfn)) return NotDumped(pa, pfn, out);
    std::lock_guard lock(mutex_);
    if (in_page == 0 && out.size() == h.block_size && !cache_.Contains(pfn)) {
      // A whole page (bulk reads of a buffer): decompressed straight into
      // the caller's bytes, never through the cache.
      if (deferred == nullptr) return DecodePage(*part, pa, pfn, out);
      CSD_ASSIGN_OR_RETURN(PageLocation location, LocatePage(*part, pa, pfn));
      const auto compressed = part->source->View(location.offset, location.size);
      if (compressed.size() != location.size) return DecodeLocated(*part, pa, pfn, location, out);
      deferred->push_back(
          PageTask{part, pa, pfn, location, compressed, out, request, std::nullopt});
      return OkStatus();
    }
    // A part of a page (structures, page tables): through the cache.
    CSD_ASSIGN_OR_RETURN(const std::span<const std::byte> page,
                         cache_.Get(pfn, [&](std::span<std::byte> data) -> Status {
                           return DecodePage(*part, pa, pfn, data);
                         }));
    std::memcpy(out.data(), page.data() + in_page, out.size());
    return OkStatus();
  }

  Status NotDumped(uint64_t pa, uint64_t pfn, std::span<std::byte> out) const {
    const KdumpHeader& h = header();
    const bool zero_level = (h.dump_level & 0x1) != 0;
    if (zero_level || options_.zero_fill_excluded) {
      std::memset(out.data(), 0, out.size());
      if (!warned_zero_.exchange(true)) {
        diagnostics_.Warn(fmt::format(
            "{}: PA {:#x} (PFN {:#x}) was not dumped (dump_level {}); read as zeros{}",
            path_.string(), pa, pfn, h.dump_level,
            zero_level ? " because dump_level excludes zero pages" : " (--zero-fill-excluded)"));
      }
      return OkStatus();
    }
    return Error(ErrorCode::kExcluded,
                 fmt::format("PA {:#x} (PFN {:#x}) was excluded from the dump by makedumpfile "
                             "(dump_level {})",
                             pa, pfn, h.dump_level));
  }

  // Reads page `pfn`'s descriptor and data and decompresses it into `out`
  // (one block). Under mutex_.
  Status DecodePage(const KdumpPart& part, uint64_t pa, uint64_t pfn,
                    std::span<std::byte> out) const {
    CSD_ASSIGN_OR_RETURN(PageLocation location, LocatePage(part, pa, pfn));
    return DecodeLocated(part, pa, pfn, location, out);
  }

  // Reads and checks page `pfn`'s descriptor. Under mutex_.
  Expected<PageLocation> LocatePage(const KdumpPart& part, uint64_t pa, uint64_t pfn) const {
    const KdumpHeader& h = part.header;
    PageLocation location;
    location.index = part.dumped.Rank(pfn);
    location.desc_at = h.data_offset() + location.index * kKdumpPageDescSize;
    std::array<std::byte, kKdumpPageDescSize> raw{};
    auto status = part.source->Read(location.desc_at, raw);
    if (!status.ok()) {
      return std::move(status).error().AddContext(
          fmt::format("page descriptor {} of PA {:#x} (PFN {:#x})", location.index, pa, pfn));
    }
    const ByteReader r(raw, h.endian, "page_desc");
    location.offset = *r.U64(0);
    location.size = *r.U32(8);
    location.flags = *r.U32(12);
    if (location.offset == 0 && (h.status & kKdumpIncomplete)) {
      return Error(ErrorCode::kExcluded,
                   fmt::format("PA {:#x} (PFN {:#x}) was not written: the dump is incomplete "
                               "(status {:#x}); descriptor {} at file offset {:#x} has offset 0",
                               pa, pfn, h.status, location.index, location.desc_at));
    }
    // A compressed page never exceeds the block (makedumpfile stores it raw then).
    if (location.size == 0 || location.size > h.block_size || location.offset < h.data_offset()) {
      return Error(ErrorCode::kCorrupt,
                   fmt::format("{}: page descriptor {} at file offset {:#x} for PA {:#x} "
                               "(PFN {:#x}) has offset {:#x} and size {:#x}, outside the data "
                               "area or over the block size {:#x}",
                               part.source->label(), location.index, location.desc_at, pa, pfn,
                               location.offset, location.size, h.block_size));
    }
    return location;
  }

  // Reads the located page's data and decompresses it. Under mutex_.
  Status DecodeLocated(const KdumpPart& part, uint64_t pa, uint64_t pfn,
                       const PageLocation& location, std::span<std::byte> out) const {
    auto compressed = ReadPageData(part, location.offset, location.size);
    if (!compressed.ok()) {
      return std::move(compressed).error().AddContext(fmt::format("PA {:#x} (PFN {:#x})", pa, pfn));
    }
    auto status = decompressor_.Decompress(location.flags, *compressed, out);
    if (!status.ok()) return DecodeError(part, pa, pfn, location, std::move(status).error());
    return OkStatus();
  }

  static Error DecodeError(const KdumpPart& part, uint64_t pa, uint64_t pfn,
                           const PageLocation& location, Error error) {
    return std::move(error).AddContext(fmt::format(
        "{}: page of PA {:#x} (PFN {:#x}), descriptor {} at file offset {:#x}, data at {:#x}",
        part.source->label(), pa, pfn, location.index, location.desc_at, location.offset));
  }

  // [offset, offset + size) of the part's file: in place when the part is a
  // mapped file, otherwise (a flattened stream) through the read window.
  // Under mutex_.
  Expected<std::span<const std::byte>> ReadPageData(const KdumpPart& part, uint64_t offset,
                                                    uint32_t size) const {
    const auto end = CheckedAdd(offset, size);
    if (!end || *end > part.source->size()) {
      return Error(ErrorCode::kCorrupt,
                   fmt::format("{}: page data at file offset {:#x} ({:#x} bytes) runs past the "
                               "end of the file ({:#x} bytes)",
                               part.source->label(), offset, size, part.source->size()));
    }
    // A mapped file needs no window: decompress from the mapping in place.
    if (const auto view = part.source->View(offset, size); view.size() == size) return view;
    return window_.Read(*part.source, offset, size);
  }

  std::vector<KdumpPart> parts_;
  std::vector<std::byte> bitmap1_;
  std::vector<DumpNote> notes_;
  std::vector<DumpSegment> segments_;  // the format has none
  std::filesystem::path path_;
  bool flattened_;
  DumpOpenOptions options_;
  DiagnosticSink& diagnostics_;
  unsigned shift_ = 12;
  bool relative_pfns_ = false;
  uint64_t pfn_base_ = 0;
  std::vector<PhysicalRange> ranges_;
  mutable std::mutex mutex_;  // guards everything below
  // Pages for partial reads. Keyed by PFN alone: a split set's parts serve
  // disjoint PFNs (OpenKdumpSources rejects overlaps), so a PFN names a page.
  mutable PageCache cache_;
  mutable PageDecompressor decompressor_;
  mutable ReadWindow window_;  // page data read ahead from a flattened stream (ReadPageData)
  mutable std::atomic<bool> warned_zero_{false};
};

}  // namespace

bool IsKdumpFile(std::span<const std::byte> bytes) {
  return IsKdumpSignature(bytes);
}
bool IsFlattenedFile(std::span<const std::byte> bytes) {
  return IsFlattenedSignature(bytes);
}

Expected<std::unique_ptr<DumpFile>> OpenKdumpSources(
    std::vector<std::unique_ptr<ByteSource>> sources, const std::filesystem::path& path,
    bool flattened, const DumpOpenOptions& options, DiagnosticSink& diagnostics) {
  CSD_ASSIGN_OR_RETURN(std::vector<KdumpPart> parts,
                       AssembleKdumpParts(std::move(sources), diagnostics));
  const KdumpPart& first = parts.front();
  CSD_ASSIGN_OR_RETURN(std::vector<std::byte> bitmap1,
                       first.source->ReadVector(first.header.bitmap_offset(),
                                                first.header.bitmap_bytes(), "1st bitmap"));
  std::vector<DumpNote> notes =
      ReadKdumpNotes(first.header, *first.source, options.notes, diagnostics);
  if (first.header.header_version > 6) {
    diagnostics.Warn(fmt::format("{}: kdump header_version {} is newer than 6; read as 6",
                                 first.source->label(), first.header.header_version));
  }
  return std::unique_ptr<DumpFile>(new KdumpFile(std::move(parts), std::move(bitmap1),
                                                 std::move(notes), path, flattened, options,
                                                 diagnostics));
}

Expected<std::unique_ptr<DumpFile>> OpenKdump(MappedFile file, const DumpOpenOptions& options,
                                              DiagnosticSink& diagnostics) {
  const std::filesystem::path path = file.path();
  std::vector<std::unique_ptr<ByteSource>> sources;
  sources.push_back(std::make_unique<MappedSource>(std::move(file), path.string()));
  return OpenKdumpSources(std::move(sources), path, false, options, diagnostics);
}

Expected<std::unique_ptr<DumpFile>> OpenFlattenedKdump(MappedFile file,
                                                       const DumpOpenOptions& options,
                                                       DiagnosticSink& diagnostics) {
  const std::filesystem::path path = file.path();
  CSD_ASSIGN_OR_RETURN(std::unique_ptr<FlattenedSource> flat,
                       FlattenedSource::Create(std::move(file), path.string()));
  std::array<std::byte, 8> magic{};
  if (flat->size() < magic.size() || !flat->Read(0, magic).ok() || !IsKdumpSignature(magic)) {
    return Error(ErrorCode::kUnsupported,
                 fmt::format("{}: the flattened stream does not hold a kdump-compressed "
                             "dump (flattened ELF is not supported; reassemble it with "
                             "makedumpfile -R)",
                             path.string()));
  }
  std::vector<std::unique_ptr<ByteSource>> sources;
  sources.push_back(std::move(flat));
  return OpenKdumpSources(std::move(sources), path, true, options, diagnostics);
}

}  // namespace csd
