// SPDX-License-Identifier: MIT
#include "dump/raw/raw_image.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string_view>

#include "base/input_file.h"
#include "base/mapped_file.h"
#include "base/parse_number.h"

namespace csd {
namespace {

// VMCOREINFO_BYTES is one page; 64 KiB covers every arm64 granule and bounds
// how far the scanner walks around a match.
constexpr uint64_t kMaxVmcoreinfoBytes = 64 * 1024;
// What a VMCOREINFO note holds besides its text: the Elf_Nhdr, the padded
// "VMCOREINFO" name and the empty note the kernel ends it with
// (VMCOREINFO_NOTE_SIZE counts both headers), with room to spare.
constexpr uint64_t kVmcoreinfoNoteOverhead = 64;
constexpr std::string_view kNeedle = "OSRELEASE=";

bool Printable(std::byte b) {
  const auto c = static_cast<unsigned char>(b);
  return c == '\n' || (c >= 0x20 && c < 0x7f);
}

struct Image {
  MappedFile file;
  uint64_t base = 0;
  uint64_t size = 0;
  uint64_t end() const { return base + size; }  // checked not to wrap at open
};

class RawDumpFile final : public DumpFile {
 public:
  RawDumpFile(std::vector<Image> images, Arch arch, Endian endian)
      : images_(std::move(images)), arch_(arch), endian_(endian) {
    // Each image is a segment so `info` lists them; file_offset is within that image's file.
    for (const Image& image : images_)
      segments_.push_back({image.base, 0, 0, image.size, image.size});
    path_ = images_.front().file.path();
  }

  std::string FormatName() const override { return "raw"; }
  std::string Producer() const override { return ""; }
  Arch arch() const override { return arch_; }
  Endian endian() const override { return endian_; }
  unsigned pointer_size() const override { return arch_ == Arch::kArm ? 4 : 8; }
  const std::vector<DumpNote>& notes() const override { return notes_; }
  const std::vector<DumpSegment>& segments() const override { return segments_; }
  std::optional<std::string> VmcoreinfoText() const override { return vmcoreinfo_; }
  const std::filesystem::path& path() const override { return path_; }

  Status ReadPhysical(uint64_t pa, std::span<std::byte> out) const override {
    if (!CheckedAdd(pa, out.size())) {
      return Error(
          ErrorCode::kNotMapped,
          fmt::format("physical read of {:#x} bytes at {:#x} wraps past 2^64", out.size(), pa));
    }
    uint64_t done = 0;
    while (done < out.size()) {
      const uint64_t cur = pa + done;
      const Image* image = Find(cur);
      if (!image) {
        return Error(ErrorCode::kNotMapped,
                     fmt::format("physical address {:#x} is in none of the RAM images ({})", cur,
                                 DescribeImages()));
      }
      const uint64_t n = std::min<uint64_t>(out.size() - done, image->end() - cur);
      CSD_RETURN_IF_ERROR(image->file.Read(cur - image->base, out.subspan(done, n)));
      done += n;
    }
    return OkStatus();
  }

  std::vector<PhysicalRange> Ranges() const override {
    std::vector<PhysicalRange> out;
    for (const Image& image : images_) {
      if (!out.empty() && out.back().start + out.back().size == image.base) {
        out.back().size += image.size;
      } else {
        out.push_back({image.base, image.size});
      }
    }
    return out;
  }

  const std::vector<Image>& images() const { return images_; }
  void set_vmcoreinfo(std::string text) { vmcoreinfo_ = std::move(text); }

 private:
  const Image* Find(uint64_t pa) const {
    auto it = std::upper_bound(images_.begin(), images_.end(), pa,
                               [](uint64_t a, const Image& image) { return a < image.base; });
    if (it == images_.begin()) return nullptr;
    --it;
    return pa < it->end() ? &*it : nullptr;
  }

  std::string DescribeImages() const {
    std::string out;
    for (const Image& image : images_) {
      if (!out.empty()) out += ", ";
      out += fmt::format("[{:#x}, {:#x})", image.base, image.end());
    }
    return out;
  }

  std::vector<Image> images_;
  Arch arch_;
  Endian endian_;
  std::vector<DumpSegment> segments_;
  std::vector<DumpNote> notes_;
  std::optional<std::string> vmcoreinfo_;
  std::filesystem::path path_;
};

// The note the kernel keeps at the address /sys/kernel/vmcoreinfo prints:
// Elf_Nhdr, "VMCOREINFO\0" padded to 4, then the text.
Expected<std::string> ReadNoteAt(const RawDumpFile& dump, uint64_t pa, uint64_t size,
                                 uint64_t max_text) {
  if (size < 12) {
    return Error(ErrorCode::kCorrupt,
                 fmt::format("note size {:#x} is not a VMCOREINFO note's", size));
  }
  if (size > kVmcoreinfoNoteOverhead && size - kVmcoreinfoNoteOverhead > max_text) {
    return Error(ErrorCode::kLimit,
                 fmt::format("note size {:#x} ({} bytes) is over the --max-vmcoreinfo-size cap of "
                             "{} bytes plus {} bytes of note headers (raise with "
                             "--max-vmcoreinfo-size)",
                             size, size, max_text, kVmcoreinfoNoteOverhead));
  }
  std::vector<std::byte> bytes(size);
  CSD_RETURN_IF_ERROR(dump.ReadPhysical(pa, bytes));
  ByteReader reader(bytes, dump.endian(), "VMCOREINFO note");
  CSD_ASSIGN_OR_RETURN(uint32_t namesz, reader.U32(0));
  CSD_ASSIGN_OR_RETURN(uint32_t descsz, reader.U32(4));
  CSD_ASSIGN_OR_RETURN(std::string name, reader.FixedString(12, namesz));
  if (name != "VMCOREINFO") {
    return Error(ErrorCode::kCorrupt,
                 fmt::format("the note at PA {:#x} is named \"{}\", not VMCOREINFO", pa, name));
  }
  const uint64_t desc_offset = 12 + ((uint64_t{namesz} + 3) & ~uint64_t{3});
  CSD_ASSIGN_OR_RETURN(auto desc, reader.Bytes(desc_offset, descsz));
  std::string text(reinterpret_cast<const char*>(desc.data()), desc.size());
  return text.substr(0, text.find('\0'));
}

Expected<std::string> LoadVmcoreinfoFile(const std::filesystem::path& path, const RawDumpFile& dump,
                                         uint64_t max_size, DiagnosticSink& diagnostics) {
  // Opened like every input: a FIFO or device is refused, never waited on.
  CSD_ASSIGN_OR_RETURN(InputFile file, OpenInputFile(path));
  if (file.size > max_size) {
    return Error(ErrorCode::kLimit,
                 fmt::format("{} is {} bytes, over the --max-vmcoreinfo-size cap of {} bytes "
                             "(raise with --max-vmcoreinfo-size)",
                             path.string(), file.size, max_size));
  }
  std::string text(file.size, '\0');
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::read(file.fd.get(), text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      return Error(ErrorCode::kIo,
                   fmt::format("cannot read {}: {}", path.string(), std::strerror(errno)));
    }
    if (n == 0) break;  // shorter than st_size said (sysfs reports a whole page)
    done += static_cast<size_t>(n);
  }
  text.resize(done);
  text = text.substr(0, text.find('\0'));
  // "PA SIZE" as /sys/kernel/vmcoreinfo prints it: the note is in the RAM image.
  // The space is looked for after trimming (fuzzing found "x \n", whose only
  // space the trim removes).
  std::string_view rest(text);
  while (!rest.empty() && (rest.back() == '\n' || rest.back() == ' ')) rest.remove_suffix(1);
  const auto space = rest.find(' ');
  if (text.find('=') == std::string::npos && space != std::string_view::npos) {
    const auto pa = ParseUnsigned(rest.substr(0, space), 16);
    const auto note_size = ParseUnsigned(rest.substr(space + 1), 16);
    if (pa && note_size) {
      auto note = ReadNoteAt(dump, *pa, *note_size, max_size);
      if (!note.ok()) {
        return std::move(note).error().AddContext(
            fmt::format("{} (a /sys/kernel/vmcoreinfo address)", path.string()));
      }
      diagnostics.Warn(
          fmt::format("VMCOREINFO read from the note at PA {:#x} named by {}", *pa, path.string()));
      return note;
    }
  }
  if (text.find('=') == std::string::npos) {
    return Error(
        ErrorCode::kCorrupt,
        fmt::format("{} holds no KEY=VALUE line: not a VMCOREINFO text (nor the \"PA SIZE\" "
                    "line of /sys/kernel/vmcoreinfo)",
                    path.string()));
  }
  return text;
}

size_t Rank(const VmcoreinfoCandidate& c) {
  return (c.complete ? 2 : 0) + (c.truncated ? 0 : 1);
}

void ScanImages(RawDumpFile& dump, const RawDumpOptions& options, DiagnosticSink& diagnostics) {
  struct Found {
    VmcoreinfoCandidate candidate;
    const Image* image;
  };
  std::vector<Found> found;
  uint64_t budget = options.max_scan_bytes;
  bool capped = false;
  for (const Image& image : dump.images()) {
    if (budget == 0 || found.size() >= options.max_candidates) {
      capped = capped || budget == 0;
      break;
    }
    const uint64_t scan = std::min(budget, image.size);
    if (scan < image.size) capped = true;
    for (auto& c :
         ScanForVmcoreinfo(image.file.bytes(), scan, options.max_candidates - found.size())) {
      found.push_back({std::move(c), &image});
    }
    budget -= scan;
  }
  if (capped) {
    diagnostics.Warn(
        fmt::format("the VMCOREINFO scan stopped after {} bytes of RAM images; pass "
                    "--vmcoreinfo FILE if it was not found",
                    options.max_scan_bytes));
  }
  if (found.empty()) {
    diagnostics.Warn(
        "no VMCOREINFO text (\"OSRELEASE=...\") found in the RAM images; translation "
        "parameters must come from --page-size, --va-bits, --phys-offset, "
        "--kimage-voffset and --kaslr-offset");
    return;
  }
  // Prefer a whole note with the keys the translation needs; among equals, the lowest address.
  const Found* best = &found.front();
  for (const Found& f : found) {
    if (Rank(f.candidate) > Rank(best->candidate)) best = &f;
  }
  const uint64_t pa = best->image->base + best->candidate.offset;
  std::string message = fmt::format(
      "no --vmcoreinfo given: using the VMCOREINFO text found at PA {:#x} "
      "({} offset {:#x}; {} candidate(s))",
      pa, best->image->file.path().string(), best->candidate.offset, found.size());
  if (!best->candidate.complete) message += "; it lacks SYMBOL(swapper_pg_dir) or PAGESIZE";
  if (best->candidate.truncated) message += "; it is truncated (the last partial line was dropped)";
  diagnostics.Warn(std::move(message));
  dump.set_vmcoreinfo(best->candidate.text);
}

}  // namespace

Expected<RawImageSpec> ParseRawImageArgument(std::string_view text) {
  const auto at = text.rfind('@');
  if (at == std::string_view::npos || at == 0 || at + 1 == text.size()) {
    return Error(
        ErrorCode::kInvalidArgument,
        fmt::format("--ram \"{}\": expected FILE@PHYSADDR (e.g. ram.bin@0x80000000)", text));
  }
  const auto base = ParseUnsigned(text.substr(at + 1), 0);
  if (!base) {
    return Error(ErrorCode::kInvalidArgument,
                 fmt::format("--ram \"{}\": \"{}\" is not an address (0x-hex or decimal)", text,
                             text.substr(at + 1)));
  }
  return RawImageSpec{std::filesystem::path(std::string(text.substr(0, at))), *base};
}

std::vector<VmcoreinfoCandidate> ScanForVmcoreinfo(std::span<const std::byte> bytes,
                                                   uint64_t max_bytes, size_t max_candidates) {
  std::vector<VmcoreinfoCandidate> out;
  const uint64_t limit = std::min<uint64_t>(max_bytes, bytes.size());
  const auto* data = reinterpret_cast<const char*>(bytes.data());
  uint64_t pos = 0;
  while (pos < limit && out.size() < max_candidates) {
    const void* hit = memmem(data + pos, limit - pos, kNeedle.data(), kNeedle.size());
    if (!hit) break;
    const uint64_t match = static_cast<uint64_t>(static_cast<const char*>(hit) - data);
    uint64_t start = match;
    while (start > 0 && match - start < kMaxVmcoreinfoBytes && Printable(bytes[start - 1])) --start;
    // Text can run a little past the scan limit: the cap bounds work, not a note.
    uint64_t end = match;
    while (end < bytes.size() && end - start < kMaxVmcoreinfoBytes && Printable(bytes[end])) ++end;
    VmcoreinfoCandidate c;
    c.offset = start;
    c.truncated = end == bytes.size() || bytes[end] != std::byte{0};
    c.text.assign(data + start, end - start);
    if (c.truncated && !c.text.empty() && c.text.back() != '\n') {
      const auto newline = c.text.rfind('\n');
      c.text.resize(newline == std::string::npos ? 0 : newline + 1);
    }
    pos = std::max(end, match + kNeedle.size());
    if (c.text.find(kNeedle) == std::string::npos) continue;  // only the partial line held it
    c.complete = c.text.find("SYMBOL(swapper_pg_dir)=") != std::string::npos &&
                 c.text.find("PAGESIZE=") != std::string::npos;
    out.push_back(std::move(c));
  }
  return out;
}

Expected<std::unique_ptr<DumpFile>> OpenRawDump(std::vector<RawImageSpec> specs,
                                                std::optional<std::filesystem::path> vmcoreinfo,
                                                Arch arch_hint, const RawDumpOptions& options,
                                                DiagnosticSink& diagnostics) {
  if (specs.empty()) return Error(ErrorCode::kInvalidArgument, "no RAM image given");
  if (arch_hint == Arch::kUnknown) {
    return Error(ErrorCode::kInvalidArgument,
                 "a raw RAM image does not say its architecture; give a vmlinux or --arch");
  }
  std::vector<Image> images;
  for (RawImageSpec& spec : specs) {
    CSD_ASSIGN_OR_RETURN(MappedFile file, MappedFile::Open(spec.path));
    const uint64_t size = file.bytes().size();
    if (size == 0) {
      return Error(ErrorCode::kCorrupt, fmt::format("RAM image {} is empty", spec.path.string()));
    }
    if (!CheckedAdd(spec.base, size)) {
      return Error(ErrorCode::kInvalidArgument,
                   fmt::format("RAM image {} ({:#x} bytes) at {:#x} would run past 2^64",
                               spec.path.string(), size, spec.base));
    }
    images.push_back({std::move(file), spec.base, size});
  }
  std::sort(images.begin(), images.end(),
            [](const Image& a, const Image& b) { return a.base < b.base; });
  for (size_t i = 1; i < images.size(); ++i) {
    if (images[i].base < images[i - 1].end()) {
      return Error(
          ErrorCode::kInvalidArgument,
          fmt::format("RAM images overlap: {} [{:#x}, {:#x}) and {} [{:#x}, {:#x})",
                      images[i - 1].file.path().string(), images[i - 1].base, images[i - 1].end(),
                      images[i].file.path().string(), images[i].base, images[i].end()));
    }
  }
  auto dump = std::make_unique<RawDumpFile>(std::move(images), arch_hint, options.endian);
  if (vmcoreinfo) {
    CSD_ASSIGN_OR_RETURN(
        std::string text,
        LoadVmcoreinfoFile(*vmcoreinfo, *dump, options.max_vmcoreinfo_size, diagnostics));
    dump->set_vmcoreinfo(std::move(text));
  } else if (options.scan_for_vmcoreinfo) {
    ScanImages(*dump, options, diagnostics);
  }
  return std::unique_ptr<DumpFile>(std::move(dump));
}

}  // namespace csd
