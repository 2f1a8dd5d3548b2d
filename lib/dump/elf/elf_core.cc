// SPDX-License-Identifier: MIT
#include "dump/elf/elf_core.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

#include "base/byte_reader.h"
#include "dump/elf/elf_notes.h"
#include "dump/segment_map.h"

namespace csd {
namespace {

// ELF constants (System V gABI, elf.h); spelled out here because this parser
// deliberately does not depend on the host's <elf.h> or libelf.
constexpr unsigned char kElfMagic[4] = {0x7f, 'E', 'L', 'F'};
constexpr uint64_t kIdentSize = 16;
constexpr uint64_t kIdentClass = 4;
constexpr uint64_t kIdentData = 5;
constexpr uint8_t kClass32 = 1;
constexpr uint8_t kClass64 = 2;
constexpr uint8_t kData2Lsb = 1;
constexpr uint8_t kData2Msb = 2;
constexpr uint16_t kEtCore = 4;
constexpr uint16_t kEmArm = 40;
constexpr uint16_t kEmAarch64 = 183;
// e_phnum == PN_XNUM means the real count is in section header 0's sh_info.
constexpr uint16_t kPnXnum = 0xffff;
constexpr uint32_t kPtLoad = 1;
constexpr uint32_t kPtNote = 4;

struct ElfHeader {
  bool is64 = true;
  Endian endian = Endian::kLittle;
  Arch arch = Arch::kUnknown;
  uint64_t phoff = 0;
  uint16_t phentsize = 0;
  uint16_t phnum = 0;
};

struct ProgramHeader {
  uint32_t type = 0;
  uint64_t offset = 0;
  uint64_t vaddr = 0;
  uint64_t paddr = 0;
  uint64_t filesz = 0;
  uint64_t memsz = 0;
};

// Field offsets of Elf{32,64}_Ehdr and Elf{32,64}_Phdr after e_ident.
struct ElfLayout {
  uint64_t ehdr_size, phoff, phentsize, phnum;
  uint64_t phdr_size, p_offset, p_vaddr, p_paddr, p_filesz, p_memsz;
  size_t word;  // width of Elf_Addr / Elf_Off
};
constexpr ElfLayout kLayout64 = {64, 32, 54, 56, 56, 8, 16, 24, 32, 40, 8};
constexpr ElfLayout kLayout32 = {52, 28, 42, 44, 32, 4, 8, 12, 16, 20, 4};

const ElfLayout& LayoutOf(bool is64) {
  return is64 ? kLayout64 : kLayout32;
}

std::string ElfTypeName(uint16_t type) {
  static constexpr const char* kNames[] = {"ET_NONE", "ET_REL", "ET_EXEC", "ET_DYN", "ET_CORE"};
  if (type < std::size(kNames)) return kNames[type];
  return fmt::format("{:#x}", type);
}

Expected<Arch> ArchFromMachine(uint16_t machine) {
  switch (machine) {
    case kEmAarch64: return Arch::kArm64;
    case kEmArm: return Arch::kArm;
    default: break;
  }
  // Names for the machines a wrong file most likely has, to make the error obvious.
  static constexpr std::pair<uint16_t, const char*> kKnown[] = {{3, " (EM_386)"},
                                                                {8, " (EM_MIPS)"},
                                                                {21, " (EM_PPC64)"},
                                                                {62, " (EM_X86_64)"},
                                                                {243, " (EM_RISCV)"}};
  const char* known = "";
  for (const auto& [number, name] : kKnown) {
    if (number == machine) known = name;
  }
  return Error(ErrorCode::kUnsupported,
               fmt::format("ELF machine {}{} is not supported: only EM_AARCH64 (183) and EM_ARM "
                           "(40) dumps can be read",
                           machine, known));
}

// e_ident: magic, class and byte order, which decide how to read the rest.
Status ParseIdent(std::span<const std::byte> bytes, ElfHeader& header) {
  if (bytes.size() < kIdentSize) {
    return Error(ErrorCode::kCorrupt,
                 fmt::format("ELF identification is truncated: the file has {} bytes, e_ident "
                             "needs {}",
                             bytes.size(), kIdentSize));
  }
  const auto ei_class = static_cast<uint8_t>(bytes[kIdentClass]);
  const auto ei_data = static_cast<uint8_t>(bytes[kIdentData]);
  if (ei_class != kClass32 && ei_class != kClass64) {
    return Error(ErrorCode::kCorrupt,
                 fmt::format("e_ident[EI_CLASS] at file offset {:#x} is {}, expected 1 "
                             "(ELFCLASS32) or 2 (ELFCLASS64)",
                             kIdentClass, ei_class));
  }
  if (ei_data != kData2Lsb && ei_data != kData2Msb) {
    return Error(ErrorCode::kCorrupt,
                 fmt::format("e_ident[EI_DATA] at file offset {:#x} is {}, expected 1 "
                             "(ELFDATA2LSB) or 2 (ELFDATA2MSB)",
                             kIdentData, ei_data));
  }
  header.is64 = ei_class == kClass64;
  header.endian = ei_data == kData2Lsb ? Endian::kLittle : Endian::kBig;
  return OkStatus();
}

Expected<ElfHeader> ParseHeader(std::span<const std::byte> bytes) {
  ElfHeader header;
  CSD_RETURN_IF_ERROR(ParseIdent(bytes, header));
  const ElfLayout& layout = LayoutOf(header.is64);
  if (bytes.size() < layout.ehdr_size) {
    return Error(ErrorCode::kCorrupt,
                 fmt::format("ELF header is truncated: the file has {} bytes, an ELFCLASS{} "
                             "header needs {}",
                             bytes.size(), header.is64 ? 64 : 32, layout.ehdr_size));
  }
  const ByteReader reader(bytes, header.endian, "ELF header");
  CSD_ASSIGN_OR_RETURN(uint16_t type, reader.U16(16));
  CSD_ASSIGN_OR_RETURN(uint16_t machine, reader.U16(18));
  if (type != kEtCore) {
    return Error(ErrorCode::kUnsupported,
                 fmt::format("ELF type {} ({}) is not a core dump: a vmcore has e_type ET_CORE "
                             "(4)",
                             type, ElfTypeName(type)));
  }
  CSD_ASSIGN_OR_RETURN(header.arch, ArchFromMachine(machine));
  CSD_ASSIGN_OR_RETURN(header.phoff, reader.Unsigned(layout.phoff, layout.word));
  CSD_ASSIGN_OR_RETURN(header.phentsize, reader.U16(layout.phentsize));
  CSD_ASSIGN_OR_RETURN(header.phnum, reader.U16(layout.phnum));
  return header;
}

// The program header table, bounds-checked against the file.
Expected<ByteReader> ProgramHeaderTable(const ByteReader& file, const ElfHeader& header) {
  const ElfLayout& layout = LayoutOf(header.is64);
  if (header.phnum == kPnXnum) {
    return Error(ErrorCode::kUnsupported,
                 "e_phnum is PN_XNUM (0xffff): dumps with 65535 or more program headers are "
                 "not supported");
  }
  if (header.phentsize < layout.phdr_size && header.phnum > 0) {
    return Error(ErrorCode::kCorrupt,
                 fmt::format("e_phentsize is {}, smaller than an ELFCLASS{} program header ({})",
                             header.phentsize, header.is64 ? 64 : 32, layout.phdr_size));
  }
  // phnum < 2^16 and phentsize < 2^16: the product cannot overflow.
  const uint64_t table_size = uint64_t{header.phnum} * header.phentsize;
  const auto table_end = CheckedAdd(header.phoff, table_size);
  if (!table_end || *table_end > file.size()) {
    return Error(ErrorCode::kCorrupt,
                 fmt::format("the program header table ({} entries of {} bytes at file offset "
                             "{:#x}) runs past the end of the file ({:#x} bytes)",
                             header.phnum, header.phentsize, header.phoff, file.size()));
  }
  return file.Sub(header.phoff, table_size);
}

Expected<ProgramHeader> ParseProgramHeader(const ByteReader& table, uint64_t offset, bool is64) {
  const ElfLayout& layout = LayoutOf(is64);
  ProgramHeader phdr;
  CSD_ASSIGN_OR_RETURN(phdr.type, table.U32(offset));
  CSD_ASSIGN_OR_RETURN(phdr.offset, table.Unsigned(offset + layout.p_offset, layout.word));
  CSD_ASSIGN_OR_RETURN(phdr.vaddr, table.Unsigned(offset + layout.p_vaddr, layout.word));
  CSD_ASSIGN_OR_RETURN(phdr.paddr, table.Unsigned(offset + layout.p_paddr, layout.word));
  CSD_ASSIGN_OR_RETURN(phdr.filesz, table.Unsigned(offset + layout.p_filesz, layout.word));
  CSD_ASSIGN_OR_RETURN(phdr.memsz, table.Unsigned(offset + layout.p_memsz, layout.word));
  return phdr;
}

// Notes past the end of the file are read up to the end, with a warning; the
// note cut in the middle then stops parsing with its own warning.
void ReadNoteSegment(const ByteReader& file, const ProgramHeader& phdr, size_t index,
                     const std::string& label, const NoteLimits& limits,
                     std::vector<DumpNote>& notes, DiagnosticSink& diagnostics) {
  const uint64_t available = phdr.offset >= file.size() ? 0 : file.size() - phdr.offset;
  const uint64_t size = std::min(phdr.filesz, available);
  if (size < phdr.filesz) {
    diagnostics.Warn(fmt::format(
        "{}: PT_NOTE (program header {}) at file offset {:#x}, {:#x} bytes, runs past the end "
        "of the file at offset {:#x}; reading the notes before it",
        label, index, phdr.offset, phdr.filesz, file.size()));
  }
  if (size == 0) return;
  auto stream = file.Sub(phdr.offset, size);
  if (stream.ok()) ParseElfNotes(*stream, phdr.offset, label, limits, notes, diagnostics);
}

class ElfCore final : public DumpFile {
 public:
  ElfCore(MappedFile file, const ElfHeader& header, std::vector<DumpSegment> segments,
          std::vector<DumpNote> notes, const DumpOpenOptions& options, DiagnosticSink& diagnostics)
      : file_(std::move(file)),
        header_(header),
        segments_(std::move(segments)),
        notes_(std::move(notes)),
        map_(segments_, file_, options, diagnostics, file_.path().string()) {}

  Status ReadPhysical(uint64_t pa, std::span<std::byte> out) const override {
    return map_.Read(pa, out);
  }
  std::vector<PhysicalRange> Ranges() const override { return map_.ranges(); }
  std::string FormatName() const override { return header_.is64 ? "elf64" : "elf32"; }
  std::string Producer() const override;
  Arch arch() const override { return header_.arch; }
  Endian endian() const override { return header_.endian; }
  // The kernel's pointer width, from the machine rather than the ELF class:
  // 32-bit Arm with LPAE may be dumped as ELFCLASS64 (RAM above 4 GiB).
  unsigned pointer_size() const override { return header_.arch == Arch::kArm64 ? 8 : 4; }
  const std::vector<DumpNote>& notes() const override { return notes_; }
  const std::vector<DumpSegment>& segments() const override { return segments_; }
  std::optional<std::string> VmcoreinfoText() const override { return FindVmcoreinfo(notes_); }
  const std::filesystem::path& path() const override { return file_.path(); }

 private:
  MappedFile file_;
  ElfHeader header_;
  std::vector<DumpSegment> segments_;
  std::vector<DumpNote> notes_;
  SegmentMap map_;  // refers to file_'s mapping, so declared after it
};

// kdump fills p_vaddr with kernel virtual addresses (linear map or kimage);
// QEMU writes 0 (or, in some versions, the physical address again).
std::string ElfCore::Producer() const {
  if (segments_.empty()) return "";
  const bool has_virtual = std::any_of(segments_.begin(), segments_.end(), [](const auto& s) {
    return s.vaddr != 0 && s.vaddr != s.paddr;
  });
  return has_virtual ? "kdump" : "qemu";
}

}  // namespace

bool IsElfFile(std::span<const std::byte> bytes) {
  return bytes.size() >= sizeof(kElfMagic) &&
         std::memcmp(bytes.data(), kElfMagic, sizeof(kElfMagic)) == 0;
}

Expected<std::unique_ptr<DumpFile>> OpenElfCore(MappedFile file, const DumpOpenOptions& options,
                                                DiagnosticSink& diagnostics) {
  const std::string label = file.path().string();
  CSD_ASSIGN_OR_RETURN(ElfHeader header, ParseHeader(file.bytes()));
  const ByteReader reader(file.bytes(), header.endian, "ELF core");
  CSD_ASSIGN_OR_RETURN(ByteReader table, ProgramHeaderTable(reader, header));
  std::vector<DumpSegment> segments;
  std::vector<DumpNote> notes;
  for (size_t i = 0; i < header.phnum; ++i) {
    CSD_ASSIGN_OR_RETURN(ProgramHeader phdr,
                         ParseProgramHeader(table, i * header.phentsize, header.is64));
    if (phdr.type == kPtLoad) {
      segments.push_back({phdr.paddr, phdr.vaddr, phdr.offset, phdr.filesz, phdr.memsz});
    } else if (phdr.type == kPtNote) {
      ReadNoteSegment(reader, phdr, i, label, options.notes, notes, diagnostics);
    }
  }
  if (segments.empty()) {
    diagnostics.Warn(
        fmt::format("{}: the ELF core has no PT_LOAD segments: no memory to read", label));
  }
  return std::unique_ptr<DumpFile>(new ElfCore(std::move(file), header, std::move(segments),
                                               std::move(notes), options, diagnostics));
}

}  // namespace csd
