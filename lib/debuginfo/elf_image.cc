// SPDX-License-Identifier: MIT
#include "debuginfo/elf_image.h"

#include <elf.h>
#include <fmt/format.h>
#include <gelf.h>

#include "base/input_file.h"

namespace csd::debuginfo_detail {

namespace {

// A ReadLinkTime of .bss yields zeros; cap what a hostile NOBITS header can
// make us allocate.
constexpr uint64_t kMaxLinkTimeRead = uint64_t{1} << 30;

bool LibelfReady() {
  // elf_version must be called once before any other libelf call.
  static const bool ready = elf_version(EV_CURRENT) != EV_NONE;
  return ready;
}

std::optional<std::string> BuildIdInNotes(Elf_Data* data) {
  if (data == nullptr || data->d_buf == nullptr) return std::nullopt;
  const auto* bytes = static_cast<const unsigned char*>(data->d_buf);
  size_t offset = 0;
  GElf_Nhdr header;
  size_t name_offset;
  size_t desc_offset;
  // gelf_getnote bounds-checks each note against d_size.
  while (offset < data->d_size) {
    size_t next = gelf_getnote(data, offset, &header, &name_offset, &desc_offset);
    if (next == 0) break;
    if (header.n_type == NT_GNU_BUILD_ID && header.n_namesz == 4 &&
        std::memcmp(bytes + name_offset, "GNU", 4) == 0 && header.n_descsz > 0) {
      return LowerHex(
          std::span(reinterpret_cast<const std::byte*>(bytes + desc_offset), header.n_descsz));
    }
    offset = next;
  }
  return std::nullopt;
}

}  // namespace

Expected<ElfImage> ElfImage::Open(const std::filesystem::path& path) {
  ElfImage image;
  image.path_ = path;
  const std::string file = path.string();
  if (!LibelfReady()) {
    return Error(ErrorCode::kUnsupported,
                 fmt::format("libelf refused EV_CURRENT: {}", elf_errmsg(-1)));
  }

  // Through OpenInputFile: a FIFO or other special file is refused without
  // blocking in open(2).
  CSD_ASSIGN_OR_RETURN(InputFile input, OpenInputFile(path, "vmlinux"));
  image.fd_ = std::move(input.fd);

  image.elf_.reset(elf_begin(image.fd_.get(), ELF_C_READ_MMAP, nullptr));
  if (!image.elf_) {
    return Error(ErrorCode::kCorrupt,
                 fmt::format("{} is not a readable ELF file: {}", file, elf_errmsg(-1)));
  }
  Elf* elf = image.elf_.get();
  if (elf_kind(elf) != ELF_K_ELF) {
    return Error(ErrorCode::kCorrupt, fmt::format("{} is not an ELF file", file));
  }
  GElf_Ehdr ehdr;
  if (gelf_getehdr(elf, &ehdr) == nullptr) {
    return Error(ErrorCode::kCorrupt, fmt::format("{}: bad ELF header: {}", file, elf_errmsg(-1)));
  }
  switch (ehdr.e_ident[EI_DATA]) {
    case ELFDATA2LSB: image.endian_ = Endian::kLittle; break;
    case ELFDATA2MSB: image.endian_ = Endian::kBig; break;
    default:
      return Error(ErrorCode::kCorrupt,
                   fmt::format("{}: unknown ELF data encoding {}", file, ehdr.e_ident[EI_DATA]));
  }
  image.pointer_size_ = ehdr.e_ident[EI_CLASS] == ELFCLASS64 ? 8 : 4;
  image.relocatable_ = ehdr.e_type == ET_REL;
  switch (ehdr.e_machine) {
    case EM_AARCH64: image.arch_ = Arch::kArm64; break;
    case EM_ARM: image.arch_ = Arch::kArm; break;
    default: image.arch_ = Arch::kUnknown; break;  // the caller decides whether that matters
  }
  CSD_RETURN_IF_ERROR(image.ReadSections());
  return image;
}

Status ElfImage::ReadSections() {
  Elf* elf = elf_.get();
  const std::string file = File();
  size_t shstrndx;
  if (elf_getshdrstrndx(elf, &shstrndx) != 0) {
    return Error(ErrorCode::kCorrupt,
                 fmt::format("{}: no section name table: {}", file, elf_errmsg(-1)));
  }
  for (Elf_Scn* scn = elf_nextscn(elf, nullptr); scn != nullptr; scn = elf_nextscn(elf, scn)) {
    GElf_Shdr shdr;
    if (gelf_getshdr(scn, &shdr) == nullptr) {
      return Error(ErrorCode::kCorrupt, fmt::format("{}: bad section header {}: {}", file,
                                                    elf_ndxscn(scn), elf_errmsg(-1)));
    }
    const char* name = elf_strptr(elf, shstrndx, shdr.sh_name);
    SectionInfo info;
    info.name = name ? name : "";
    info.address = shdr.sh_addr;
    info.size = shdr.sh_size;
    info.file_offset = shdr.sh_offset;
    info.has_bits = shdr.sh_type != SHT_NOBITS;
    if (info.name == ".debug_info" || info.name == ".zdebug_info") has_dwarf_ = true;
    if (shdr.sh_type == SHT_NOTE && !build_id_) {
      build_id_ = BuildIdInNotes(elf_getdata(scn, nullptr));
    }
    sections_.push_back(std::move(info));
    section_indices_.push_back(elf_ndxscn(scn));
    section_alloc_.push_back((shdr.sh_flags & SHF_ALLOC) != 0);
    const size_t elf_index = elf_ndxscn(scn);
    if (code_by_index_.size() <= elf_index) code_by_index_.resize(elf_index + 1);
    code_by_index_[elf_index] =
        (shdr.sh_flags & (SHF_ALLOC | SHF_EXECINSTR)) == (SHF_ALLOC | SHF_EXECINSTR);
  }
  if (!build_id_) {
    // A vmlinux whose note section lost its type still has the PT_NOTE segment.
    size_t phnum = 0;
    if (elf_getphdrnum(elf, &phnum) == 0) {
      for (size_t i = 0; i < phnum && !build_id_; ++i) {
        GElf_Phdr phdr;
        if (gelf_getphdr(elf, static_cast<int>(i), &phdr) == nullptr) break;
        if (phdr.p_type != PT_NOTE) continue;
        build_id_ = BuildIdInNotes(elf_getdata_rawchunk(elf, static_cast<int64_t>(phdr.p_offset),
                                                        phdr.p_filesz, ELF_T_NHDR));
      }
    }
  }
  return OkStatus();
}

Elf_Scn* ElfImage::Section(size_t i) const {
  return elf_getscn(elf_.get(), section_indices_[i]);
}

std::string ElfImage::SectionNameAt(size_t elf_index) const {
  for (size_t i = 0; i < sections_.size(); ++i) {
    if (section_indices_[i] == elf_index) return sections_[i].name;
  }
  return {};
}

bool ElfImage::IsCode(size_t elf_index) const {
  return elf_index < code_by_index_.size() && code_by_index_[elf_index];
}

std::optional<std::span<const std::byte>> ElfImage::RawSection(std::string_view name) const {
  for (size_t i = 0; i < sections_.size(); ++i) {
    if (sections_[i].name != name) continue;
    Elf_Scn* scn = Section(i);
    Elf_Data* data = scn ? elf_rawdata(scn, nullptr) : nullptr;
    if (data == nullptr || data->d_buf == nullptr) return std::nullopt;
    return std::span(static_cast<const std::byte*>(data->d_buf), data->d_size);
  }
  return std::nullopt;
}

Expected<std::vector<std::byte>> ElfImage::ReadLinkTime(uint64_t address, uint64_t size) const {
  auto end = CheckedAdd(address, size);
  if (!end) {
    return Error(ErrorCode::kInvalidArgument,
                 fmt::format("link-time range {:#x}+{:#x} wraps around", address, size));
  }
  for (size_t i = 0; i < sections_.size(); ++i) {
    const SectionInfo& section = sections_[i];
    if (!section_alloc_[i] || section.size == 0) continue;
    auto section_end = CheckedAdd(section.address, section.size);
    if (!section_end || address < section.address || *end > *section_end) continue;
    if (size > kMaxLinkTimeRead) {
      return Error(ErrorCode::kLimit, fmt::format("link-time read of {:#x} bytes at {:#x} "
                                                  "exceeds the {:#x}-byte cap",
                                                  size, address, kMaxLinkTimeRead));
    }
    uint64_t offset = address - section.address;
    if (!section.has_bits) return std::vector<std::byte>(size);  // .bss: zero at link time
    Elf_Scn* scn = Section(i);
    Elf_Data* data = scn ? elf_rawdata(scn, nullptr) : nullptr;
    if (data == nullptr || data->d_buf == nullptr || data->d_size < offset + size) {
      return Error(ErrorCode::kCorrupt,
                   fmt::format("{}: section {} is not fully present in the file ({})", File(),
                               section.name, elf_errmsg(-1)));
    }
    const auto* bytes = static_cast<const std::byte*>(data->d_buf) + offset;
    return std::vector<std::byte>(bytes, bytes + size);
  }
  return Error(ErrorCode::kNotMapped,
               fmt::format("link-time range [{:#x}, {:#x}) is not inside one allocated section "
                           "of {}",
                           address, *end, File()));
}

}  // namespace csd::debuginfo_detail
