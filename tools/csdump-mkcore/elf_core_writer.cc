// SPDX-License-Identifier: MIT
#include "csdump-mkcore/elf_core_writer.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "base/byte_reader.h"
#include "base/unique_fd.h"

namespace csd::mkcore {
namespace {

constexpr uint64_t kEhdrSize = 64;
constexpr uint64_t kPhdrSize = 56;
constexpr uint16_t kEtCore = 4;
constexpr uint16_t kEmAarch64 = 183;
constexpr uint32_t kPtLoad = 1;
constexpr uint32_t kPtNote = 4;
constexpr uint32_t kPfRwx = 7;

uint64_t Align(uint64_t v, uint64_t a) {
  return (v + a - 1) / a * a;
}

// Little-endian appends: the target is arm64 LE whatever the host is.
class Out {
 public:
  explicit Out(std::vector<std::byte>& bytes) : bytes_(bytes) {}
  void U(uint64_t value, size_t width) {
    const size_t at = bytes_.size();
    bytes_.resize(at + width);
    StoreUnsigned(std::span<std::byte>(bytes_.data() + at, width), value, Endian::kLittle);
  }
  void Raw(std::span<const std::byte> data) {
    bytes_.insert(bytes_.end(), data.begin(), data.end());
  }
  void PadTo(size_t align) { bytes_.resize(Align(bytes_.size(), align)); }

 private:
  std::vector<std::byte>& bytes_;
};

uint64_t NoteBytes(const ElfNote& n) {
  return 12 + Align(n.name.size() + 1, 4) + Align(n.desc.size(), 4);
}

Error IoError(const std::string& what, const std::filesystem::path& path) {
  return Error(ErrorCode::kIo, fmt::format("{} {}: {}", what, path.string(), std::strerror(errno)));
}

Status PwriteAll(int fd, const std::byte* data, size_t size, uint64_t offset,
                 const std::filesystem::path& path) {
  while (size > 0) {
    const ssize_t n = pwrite(fd, data, size, static_cast<off_t>(offset));
    if (n < 0) {
      if (errno == EINTR) continue;
      return IoError("cannot write", path);
    }
    data += n;
    size -= static_cast<size_t>(n);
    offset += static_cast<uint64_t>(n);
  }
  return OkStatus();
}

}  // namespace

ElfNote MakeArm64Prstatus(uint32_t pid) {
  ElfNote note{"CORE", kNtPrstatus, std::vector<std::byte>(kArm64PrstatusSize)};
  StoreUnsigned(std::span<std::byte>(note.desc.data() + kArm64PrstatusPidOffset, 4), pid,
                Endian::kLittle);
  return note;
}

ElfNote MakeVmcoreinfoNote(const std::string& text) {
  ElfNote note{"VMCOREINFO", 0, {}};
  const auto bytes = AsBytes(text);
  note.desc.assign(bytes.begin(), bytes.end());
  return note;
}

bool ElfCorePlan::IsFileBacked(uint64_t pa, uint64_t size) const {
  const auto end = CheckedAdd(pa, size);
  if (!end) return false;
  for (const PhysicalRange& w : withheld) {
    if (pa < w.start + w.size && w.start < *end) return false;
  }
  // Repeatedly extend the covered prefix with any load that serves its end:
  // overlapping segments (kdump's kernel-image + RAM) both count.
  uint64_t cur = pa;
  bool progress = true;
  while (cur < *end && progress) {
    progress = false;
    for (size_t i = 0; i < loads.size(); ++i) {
      const ElfLoad& l = loads[i];
      const uint64_t in_file =
          load_offsets[i] >= file_size ? 0 : std::min(l.filesz, file_size - load_offsets[i]);
      if (cur >= l.paddr && cur < l.paddr + in_file) {
        cur = std::min(*end, l.paddr + in_file);
        progress = true;
      }
    }
  }
  return cur >= *end;
}

Expected<ElfCorePlan> PlanElfCore(std::vector<ElfNote> notes, std::vector<ElfLoad> loads,
                                  uint64_t data_align, std::optional<uint64_t> truncate_to) {
  ElfCorePlan plan;
  plan.notes = std::move(notes);
  plan.loads = std::move(loads);
  const uint64_t phnum = 1 + plan.loads.size();
  if (phnum >= 0xffff) return Error(ErrorCode::kLimit, "too many program headers");
  plan.note_offset = kEhdrSize + phnum * kPhdrSize;
  for (const ElfNote& n : plan.notes) plan.note_size += NoteBytes(n);
  uint64_t offset = Align(plan.note_offset + plan.note_size, data_align);
  for (const ElfLoad& l : plan.loads) {
    if (l.filesz > l.memsz)
      return Error(ErrorCode::kInvalidArgument, "PT_LOAD p_filesz exceeds p_memsz");
    plan.load_offsets.push_back(offset);
    offset = Align(offset + l.filesz, data_align);
  }
  // The last segment need not be padded.
  plan.full_size = plan.loads.empty() ? plan.note_offset + plan.note_size
                                      : plan.load_offsets.back() + plan.loads.back().filesz;
  plan.file_size = plan.full_size;
  if (truncate_to) {
    if (*truncate_to >= plan.full_size) {
      return Error(ErrorCode::kInvalidArgument,
                   fmt::format("spec.truncate_file: {} is not smaller than the full core size {}",
                               *truncate_to, plan.full_size));
    }
    plan.file_size = *truncate_to;
  }
  return plan;
}

std::vector<std::byte> RenderElfHeaders(const ElfCorePlan& plan) {
  std::vector<std::byte> bytes;
  Out out(bytes);
  const uint8_t ident[16] = {
      0x7f, 'E', 'L', 'F', 2 /*ELFCLASS64*/, 1 /*ELFDATA2LSB*/, 1 /*EV_CURRENT*/, 0 /*SYSV*/};
  out.Raw(std::as_bytes(std::span(ident)));
  out.U(kEtCore, 2);
  out.U(kEmAarch64, 2);
  out.U(1, 4);          // e_version
  out.U(0, 8);          // e_entry
  out.U(kEhdrSize, 8);  // e_phoff
  out.U(0, 8);          // e_shoff: cores have no sections
  out.U(0, 4);          // e_flags
  out.U(kEhdrSize, 2);
  out.U(kPhdrSize, 2);
  out.U(1 + plan.loads.size(), 2);
  out.U(64, 2);  // e_shentsize, as the kernel writes it
  out.U(0, 2);
  out.U(0, 2);
  // PT_NOTE first, as /proc/vmcore and QEMU do.
  out.U(kPtNote, 4);
  out.U(0, 4);
  out.U(plan.note_offset, 8);
  out.U(0, 8);
  out.U(0, 8);
  out.U(plan.note_size, 8);
  out.U(plan.note_size, 8);
  out.U(0, 8);
  for (size_t i = 0; i < plan.loads.size(); ++i) {
    const ElfLoad& l = plan.loads[i];
    out.U(kPtLoad, 4);
    out.U(kPfRwx, 4);
    out.U(plan.load_offsets[i], 8);
    out.U(l.vaddr, 8);
    out.U(l.paddr, 8);
    out.U(l.filesz, 8);
    out.U(l.memsz, 8);
    out.U(0, 8);
  }
  for (const ElfNote& n : plan.notes) {
    out.U(n.name.size() + 1, 4);
    out.U(n.desc.size(), 4);
    out.U(n.type, 4);
    out.Raw(AsBytes(n.name));
    out.U(0, 1);
    out.PadTo(4);
    out.Raw(n.desc);
    out.PadTo(4);
  }
  return bytes;
}

Status WriteElfCore(const std::filesystem::path& path, const ElfCorePlan& plan,
                    const PhysImage& image) {
  const std::filesystem::path tmp = path.string() + ".tmp";
  UniqueFd fd(open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!fd) return IoError("cannot create", tmp);
  auto fail = [&](Error e) {
    fd.Reset();
    unlink(tmp.c_str());
    return e;
  };
  // Size first: everything not written below stays a hole and reads as zero.
  if (ftruncate(fd.get(), static_cast<off_t>(plan.full_size)) != 0)
    return fail(IoError("cannot size", tmp));
  const std::vector<std::byte> headers = RenderElfHeaders(plan);
  if (auto s = PwriteAll(fd.get(), headers.data(), headers.size(), 0, tmp); !s.ok())
    return fail(std::move(s).error());
  // Only chunks that were written are visited, and an all-zero one stays a
  // hole too.
  for (size_t i = 0; i < plan.loads.size(); ++i) {
    const ElfLoad& l = plan.loads[i];
    Status status = OkStatus();
    image.ForEachChunk(
        l.paddr, l.paddr + l.filesz, [&](uint64_t chunk_pa, const PhysImage::Chunk& chunk) {
          if (!status.ok()) return;
          const uint64_t from = std::max(chunk_pa, l.paddr);
          const uint64_t to = std::min(chunk_pa + PhysImage::kChunk, l.paddr + l.filesz);
          const std::byte* data = chunk.data() + (from - chunk_pa);
          const uint64_t n = to - from;
          const bool zero =
              std::all_of(data, data + n, [](std::byte b) { return b == std::byte{0}; });
          if (!zero) {
            status = PwriteAll(fd.get(), data, n, plan.load_offsets[i] + (from - l.paddr), tmp);
          }
        });
    if (!status.ok()) return fail(std::move(status).error());
  }
  if (plan.file_size < plan.full_size &&
      ftruncate(fd.get(), static_cast<off_t>(plan.file_size)) != 0) {
    return fail(IoError("cannot truncate", tmp));
  }
  if (const int err = fd.Close(); err != 0) {
    unlink(tmp.c_str());
    return Error(ErrorCode::kIo,
                 fmt::format("cannot close {}: {}", tmp.string(), std::strerror(err)));
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    unlink(tmp.c_str());
    return Error(ErrorCode::kIo, fmt::format("cannot rename {} to {}: {}", tmp.string(),
                                             path.string(), ec.message()));
  }
  return OkStatus();
}

}  // namespace csd::mkcore
