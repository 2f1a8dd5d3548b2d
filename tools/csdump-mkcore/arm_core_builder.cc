// SPDX-License-Identifier: MIT
#include "csdump-mkcore/arm_core_builder.h"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>

#include "base/byte_reader.h"
#include "csdump-mkcore/arm_pgtable_builder.h"
#include "csdump-mkcore/expected.h"
#include "csdump-mkcore/kdump_writer.h"
#include "csdump-mkcore/vmcoreinfo_writer.h"

namespace csd::mkcore {
namespace {

// struct elf_prstatus on 32-bit ARM: 148 bytes, pr_pid at offset 24
// (12-byte elf_siginfo, short cursig + padding, two unsigned longs).
ElfNote MakeArmPrstatus(uint32_t pid) {
  ElfNote note{"CORE", kNtPrstatus, std::vector<std::byte>(148)};
  StoreUnsigned(std::span(note.desc).subspan(24, 4), pid, Endian::kLittle);
  return note;
}

unsigned CpuCount(const Spec& spec) {
  if (spec.cpus) return *spec.cpus;
  int64_t highest = 0;
  for (const NodeSpec& n : spec.nodes) highest = std::max(highest, n.cpu);
  return static_cast<unsigned>(std::min<int64_t>(highest, 4095) + 1);
}

// ARM VMCOREINFO (kernel/crash_core.c + arch/arm/kernel/machine_kexec.c):
// none of the arm64 NUMBER()s and no KERNELOFFSET; CONFIG_ARM_LPAE=y when set.
// No MAX_PHYSMEM_BITS either: multi_v7 kernels are FLATMEM, not SPARSEMEM.
VmcoreinfoLines ArmVmcoreinfo(VmcoreinfoLines lines, bool lpae) {
  std::erase_if(lines, [](const auto& line) {
    const std::string& key = line.first;
    return key == "KERNELOFFSET" || key == "NUMBER(VA_BITS)" || key == "NUMBER(kimage_voffset)" ||
           key == "NUMBER(PHYS_OFFSET)" || key == "NUMBER(TCR_EL1_T1SZ)" ||
           key == "NUMBER(MAX_PHYSMEM_BITS)";
  });
  if (lpae) lines.emplace_back("CONFIG_ARM_LPAE", "y");
  return lines;
}

}  // namespace

Expected<BuiltCore> BuildArmCore(const Spec& spec, const KernelModel& kernel) {
  CSD_ASSIGN_OR_RETURN(Arm64Layout layout, Arm64Layout::CreateArm(spec, kernel));
  auto image = std::make_unique<PhysImage>(layout.ram());
  // swapper_pg_dir sits below _text (head.S); highmem is left to nothing but
  // the bogus-p_vaddr check, so every kmalloc/vmalloc page is lowmem.
  const uint64_t pgd_pa = kernel.swapper_pg_dir - spec.page_offset + layout.phys_offset();
  const uint64_t lowmem_end = layout.high_memory() - spec.page_offset + layout.phys_offset();
  const uint64_t ram_end = layout.ram().back().start + layout.ram().back().size;
  std::vector<PhysicalRange> reserved{
      {pgd_pa, layout.kernel_phys() + layout.image_size() - pgd_pa}};
  if (ram_end > lowmem_end) reserved.push_back({lowmem_end, ram_end - lowmem_end});
  PhysAllocator alloc(layout.ram(), reserved);

  if (!kernel.list_types) {
    Error error = kernel.dump_list_error.value_or(
        Error(ErrorCode::kLookup, "no coresight_dump_list in the vmlinux"));
    return std::move(error).AddContext("no panic-dump list in the vmlinux");
  }
  KernelLayoutWriter writer(spec, kernel, *kernel.list_types, layout, *image, alloc);
  CSD_RETURN_IF_ERROR(writer.PlaceKernelImage());
  CSD_ASSIGN_OR_RETURN(KernelWriteResult written,
                       writer.WriteDumpList(layout.Runtime(*kernel.dump_list)));

  const uint64_t root_align = spec.lpae ? 0x1000 : 0x4000;
  if (pgd_pa % root_align || kernel.swapper_pg_dir < spec.page_offset) {
    return Error(ErrorCode::kInvalidArgument,
                 fmt::format("vmlinux swapper_pg_dir {:#x} is not a {:#x}-aligned lowmem address",
                             kernel.swapper_pg_dir, root_align));
  }
  CSD_ASSIGN_OR_RETURN(
      ArmPgtableBuilder tables,
      ArmPgtableBuilder::Create(*image, spec.lpae, pgd_pa,
                                [&alloc](uint64_t size) { return alloc.AllocLow(size, size); }));
  // map_lowmem(): the whole of lowmem by sections/blocks; then vmalloc pages.
  CSD_RETURN_IF_ERROR(
      tables.MapRange(spec.page_offset, layout.phys_offset(), lowmem_end - layout.phys_offset()));
  for (const auto& [va, pa] : layout.vmalloc_pages()) CSD_RETURN_IF_ERROR(tables.MapPage(va, pa));
  // "corrupt": {"pte": ...}: the second page of a vmalloc buffer, so its
  // first page still reads and the reader must fail that node alone.
  for (size_t i = 0; i < spec.nodes.size() && i < written.nodes.size(); ++i) {
    const NodeCorruption::Pte pte = spec.nodes[i].corrupt.pte;
    if (pte == NodeCorruption::Pte::kNone) continue;
    if (spec.nodes[i].alloc != Alloc::kVmalloc || written.nodes[i].content.size() <= 4096) {
      return Error(
          ErrorCode::kInvalidArgument,
          fmt::format("spec.nodes[{}].corrupt.pte needs a vmalloc buffer of more than one page",
                      i));
    }
    CSD_RETURN_IF_ERROR(
        tables.CorruptLeaf(written.nodes[i].buf_va + 4096, pte == NodeCorruption::Pte::kInvalid));
  }

  VmcoreinfoValues values;
  values.osrelease = kernel.release;
  values.build_id = kernel.build_id;
  values.page_size = 4096;
  values.init_uts_ns = kernel.init_uts_ns;
  values.uts_name_offset = kernel.uts_name_offset;
  values.swapper_pg_dir = kernel.swapper_pg_dir;
  values.stext = kernel.stext;
  CSD_ASSIGN_OR_RETURN(
      VmcoreinfoLines lines,
      ApplyVmcoreinfoEdits(ArmVmcoreinfo(DefaultVmcoreinfo(values), spec.lpae), spec.vmcoreinfo));

  std::vector<ElfNote> notes;
  for (unsigned cpu = 0; cpu < CpuCount(spec); ++cpu) notes.push_back(MakeArmPrstatus(cpu + 1));
  const std::string vmcoreinfo = RenderVmcoreinfo(lines);
  notes.push_back(MakeVmcoreinfoNote(vmcoreinfo));

  // kexec-tools (kexec/arch/arm/crashdump-arm.c) writes one PT_LOAD per RAM
  // range with p_vaddr = the linear address; past lowmem that address is
  // meaningless (0xf0000000 and up). Here the highmem segment's p_vaddr is
  // our vmalloc base, so trusting it would read the wrong bytes.
  std::vector<ElfLoad> loads;
  const bool kdump = spec.format == DumpFormat::kKdump;
  const uint64_t bogus_vaddr = layout.vmalloc_pages().empty()
                                   ? 0xf0000000
                                   : layout.vmalloc_pages().begin()->first & ~0xfffffull;
  for (const PhysicalRange& r : layout.ram()) {
    std::vector<PhysicalRange> parts;
    if (r.start < lowmem_end && r.start + r.size > lowmem_end) {
      parts = {{r.start, lowmem_end - r.start}, {lowmem_end, r.start + r.size - lowmem_end}};
    } else {
      parts = {r};
    }
    for (const PhysicalRange& part : parts) {
      uint64_t vaddr = 0;
      if (kdump) vaddr = part.start < lowmem_end ? layout.LinearVa(part.start) : bogus_vaddr;
      loads.push_back({vaddr, part.start, part.size, part.size});
    }
  }
  CSD_ASSIGN_OR_RETURN(ElfCorePlan plan, PlanElfCore(std::move(notes), std::move(loads),
                                                     PhysImage::kChunk, spec.truncate_file));
  CSD_ASSIGN_OR_RETURN(
      std::string expected,
      BuildExpectedJson({spec, kernel, *kernel.list_types, layout, written, plan, *image,
                         [&tables](uint64_t va) { return tables.WalkDescriptorAddresses(va); }}));
  BuiltCore core{std::move(layout), std::move(image), std::move(written), pgd_pa,
                 vmcoreinfo,        std::move(plan),  std::move(expected)};
  core.release = kernel.release;
  core.elf32 = true;
  if (spec.kdump.enabled) {
    // makedumpfile on armhf: the EABI-padded 32-bit sub-header, phys_base =
    // PHYS_OFFSET, PFNs numbered from it. QEMU: its packed 32-bit struct and
    // absolute PFNs (real-kernel-dumps.md, 32-bit ARM).
    const bool qemu = spec.kdump.qemu;
    const uint64_t phys_offset = core.layout.phys_offset();
    core.kdump = spec.kdump;
    CSD_ASSIGN_OR_RETURN(
        core.kdump_files,
        RenderKdumpFiles({spec.kdump, core.plan, *core.image, 4096,
                          qemu ? core.layout.ram().front().start : phys_offset, kernel.release,
                          qemu ? KdumpHeaderLayout::k32Packed : KdumpHeaderLayout::k32Padded,
                          "armv7l", qemu ? 0 : phys_offset >> 12}));
    core.expected_json = KdumpExpectedJson(core.expected_json, core.kdump_files);
  }
  return core;
}

Status RewriteAsElf32Arm(const std::filesystem::path& path, const ElfCorePlan& plan) {
  constexpr uint64_t kEhdr = 52, kPhdr = 32;
  std::vector<std::byte> bytes;
  auto put = [&bytes](uint64_t value, size_t width) {
    for (size_t i = 0; i < width; ++i)
      bytes.push_back(static_cast<std::byte>((value >> (8 * i)) & 0xff));
  };
  const uint8_t ident[16] = {
      0x7f, 'E', 'L', 'F', 1 /*ELFCLASS32*/, 1 /*ELFDATA2LSB*/, 1 /*EV_CURRENT*/, 0};
  for (uint8_t b : ident) put(b, 1);
  put(4, 2);   // ET_CORE
  put(40, 2);  // EM_ARM
  put(1, 4);
  put(0, 4);      // e_entry
  put(kEhdr, 4);  // e_phoff
  put(0, 4);      // e_shoff
  put(0, 4);      // e_flags
  put(kEhdr, 2);
  put(kPhdr, 2);
  put(1 + plan.loads.size(), 2);
  put(40, 2);  // e_shentsize of ELF32
  put(0, 2);
  put(0, 2);
  put(4, 4);  // PT_NOTE
  put(plan.note_offset, 4);
  put(0, 4);
  put(0, 4);
  put(plan.note_size, 4);
  put(plan.note_size, 4);
  put(0, 4);
  put(4, 4);
  for (size_t i = 0; i < plan.loads.size(); ++i) {
    const ElfLoad& l = plan.loads[i];
    if (plan.load_offsets[i] > 0xffffffffu || l.paddr > 0xffffffffu || l.memsz > 0xffffffffu) {
      return Error(ErrorCode::kInvalidArgument,
                   fmt::format("PT_LOAD at PA {:#x} does not fit an ELF32 core", l.paddr));
    }
    put(1, 4);  // PT_LOAD
    put(plan.load_offsets[i], 4);
    put(l.vaddr, 4);
    put(l.paddr, 4);
    put(l.filesz, 4);
    put(l.memsz, 4);
    put(7, 4);  // RWX, as kexec-tools writes it
    put(0, 4);
  }
  if (bytes.size() > plan.note_offset) {
    return Error(ErrorCode::kInvalidArgument, "internal: ELF32 headers overlap the notes");
  }
  bytes.resize(plan.note_offset);
  std::fstream file(path, std::ios::in | std::ios::out | std::ios::binary);
  file.seekp(0);
  file.write(reinterpret_cast<const char*>(bytes.data()),
             static_cast<std::streamsize>(bytes.size()));
  if (!file.flush())
    return Error(ErrorCode::kIo, fmt::format("cannot rewrite the headers of {}", path.string()));
  return OkStatus();
}

}  // namespace csd::mkcore
