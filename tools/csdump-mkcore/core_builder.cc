// SPDX-License-Identifier: MIT
#include "csdump-mkcore/core_builder.h"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>

#include "csdump-mkcore/arm64_pgtable_builder.h"
#include "csdump-mkcore/arm_core_builder.h"
#include "csdump-mkcore/expected.h"
#include "csdump-mkcore/kdump_writer.h"
#include "csdump-mkcore/raw_writer.h"
#include "csdump-mkcore/vmcoreinfo_writer.h"
#include "debuginfo/debug_info.h"

namespace csd::mkcore {
namespace {

unsigned PageShift(uint64_t page_size) {
  unsigned shift = 0;
  while ((1ull << shift) < page_size) ++shift;
  return shift;
}

unsigned CpuCount(const Spec& spec) {
  if (spec.cpus) return *spec.cpus;
  int64_t highest = 0;
  for (const NodeSpec& n : spec.nodes) highest = std::max(highest, n.cpu);
  return static_cast<unsigned>(std::min<int64_t>(highest, 4095) + 1);
}

Status MapKernelAddressSpace(const Arm64Layout& layout, Arm64PgtableBuilder& tables) {
  // The kernel image with pages, the linear map with blocks where aligned
  // (as map_mem() does), then every vmalloc page.
  CSD_RETURN_IF_ERROR(
      tables.MapRange(layout.text(), layout.kernel_phys(), layout.image_size(), false));
  for (const PhysicalRange& r : layout.ram()) {
    CSD_RETURN_IF_ERROR(tables.MapRange(layout.LinearVa(r.start), r.start, r.size, true));
  }
  for (const auto& [va, pa] : layout.vmalloc_pages()) CSD_RETURN_IF_ERROR(tables.MapPage(va, pa));
  return OkStatus();
}

// Where "corrupt": {"pte": "outside-ram"} points a page: above any RAM a
// spec lays out, with every PA bit the descriptor format can carry above 47
// set for 52-bit formats (PA[51:50] are LPA2's desc[9:8]).
constexpr uint64_t kOutsideRam48 = 0x0000fff000000000ull;
constexpr uint64_t kOutsideRam52 = 0x000ffff000000000ull;

// "corrupt": {"pte": ...}: damages the leaf descriptor of the second page of
// a vmalloc buffer, after the tables are complete, so the first page still
// reads and the reader must fail that node alone, naming the level and entry.
Status CorruptBufferPtes(const Spec& spec, const KernelWriteResult& written,
                         const Arm64PgtableBuilder& tables, PhysImage& image, uint64_t page_size) {
  for (size_t i = 0; i < spec.nodes.size() && i < written.nodes.size(); ++i) {
    const NodeCorruption::Pte pte = spec.nodes[i].corrupt.pte;
    if (pte == NodeCorruption::Pte::kNone) continue;
    const WrittenNode& node = written.nodes[i];
    if (spec.nodes[i].alloc != Alloc::kVmalloc || node.content.size() <= page_size) {
      return Error(
          ErrorCode::kInvalidArgument,
          fmt::format("spec.nodes[{}].corrupt.pte needs a vmalloc buffer of more than one page",
                      i));
    }
    const std::vector<uint64_t> descriptors =
        tables.WalkDescriptorAddresses(node.buf_va + page_size);
    if (descriptors.empty())
      return Error(ErrorCode::kInvalidArgument, "corrupt.pte: page not mapped");
    // A page descriptor whose output address lies far above any RAM we lay
    // out; with 52-bit PAs it sets PA[51:48] too, so a reader that drops
    // them (or takes LPA2's desc[9:8] for shareability) names another address.
    const Arm64PgtableGeometry& g = tables.geometry();
    const uint64_t outside_pa = g.pa_bits == 52 ? kOutsideRam52 : kOutsideRam48;
    if (image.InRam(outside_pa, page_size)) {
      return Error(ErrorCode::kInvalidArgument,
                   fmt::format("spec.nodes[{}].corrupt.pte: \"outside-ram\" points at PA {:#x}, "
                               "which this spec's RAM covers",
                               i, outside_pa));
    }
    const uint64_t outside = g.EncodeAddress(outside_pa) | g.leaf_attrs() | arm64_desc::kValid |
                             arm64_desc::kTableOrPage;
    const uint64_t value = pte == NodeCorruption::Pte::kInvalid ? 0 : outside;
    CSD_RETURN_IF_ERROR(image.WriteUnsigned(descriptors.back(), value, 8));
  }
  return OkStatus();
}

// "exclude_node_buffer": that node's buffer pages leave the 2nd bitmap, so
// the plan (and expected.json) must call them absent.
Status WithholdNodeBuffer(const Spec& spec, const Arm64Layout& layout,
                          const KernelWriteResult& written, ElfCorePlan& plan) {
  if (!spec.kdump.exclude_node_buffer) return OkStatus();
  const size_t index = *spec.kdump.exclude_node_buffer;
  if (index >= written.nodes.size() || written.nodes[index].content.empty()) {
    return Error(
        ErrorCode::kInvalidArgument,
        fmt::format("spec.exclude_node_buffer: node {} does not exist or has no buffer", index));
  }
  const WrittenNode& node = written.nodes[index];
  const auto pieces = layout.Resolve(node.buf_va, node.content.size());
  if (!pieces)
    return Error(ErrorCode::kInvalidArgument, "spec.exclude_node_buffer: the buffer is not mapped");
  const uint64_t page = layout.page_size();
  for (const PaPiece& p : *pieces) {
    const uint64_t start = p.pa & ~(page - 1);
    plan.withheld.push_back({start, ((p.pa + p.size + page - 1) & ~(page - 1)) - start});
  }
  return OkStatus();
}

// "exclude_kernel_text": the page at _text leaves the 2nd bitmap. One page
// is enough to make _text.._etext unreadable from the dump (the reader then
// falls back to the vmlinux), and the Image header page holds nothing else
// csdump reads.
void WithholdKernelText(const Spec& spec, const KernelModel& kernel, const Arm64Layout& layout,
                        ElfCorePlan& plan) {
  if (!spec.kdump.exclude_kernel_text) return;
  const uint64_t page = layout.page_size();
  const uint64_t pa = layout.KimagePa(layout.Runtime(kernel.text)) & ~(page - 1);
  plan.withheld.push_back({pa, page});
}

// The types the panic-dump list is written with: from the object of the
// module that owns it, else from the vmlinux.
Expected<const DumpListTypes*> ListTypes(const Spec& spec, const KernelModel& kernel,
                                         std::span<const ModuleObject> objects) {
  if (const auto owner = spec.list_owner()) {
    const size_t object = *spec.modules[*owner].object;
    const std::string where = fmt::format("spec.modules[{}]", *owner);
    if (object >= objects.size())
      return MissingModuleObject(spec, *owner, objects.size()).AddContext(where);
    if (!objects[object].list_types) {
      Error error = objects[object].dump_list_error.value_or(
          Error(ErrorCode::kLookup, "no coresight_dump_list in the object"));
      return std::move(error).AddContext(
          fmt::format("{}.owns_list: {} cannot hold the panic-dump list", where,
                      objects[object].path.filename().string()));
    }
    return &*objects[object].list_types;
  }
  if (!kernel.list_types) {
    Error error = kernel.dump_list_error.value_or(
        Error(ErrorCode::kLookup, "no coresight_dump_list in the vmlinux"));
    return std::move(error).AddContext(
        "no panic-dump list: the vmlinux has none usable and no spec.modules entry \"owns_list\"");
  }
  return &*kernel.list_types;
}

}  // namespace

Expected<BuiltCore> BuildCore(const Spec& spec, const KernelModel& kernel,
                              std::span<const ModuleObject> objects) {
  if (spec.arm) return BuildArmCore(spec, kernel);
  CSD_ASSIGN_OR_RETURN(const DumpListTypes* types, ListTypes(spec, kernel, objects));
  CSD_ASSIGN_OR_RETURN(Arm64Layout layout, Arm64Layout::Create(spec, kernel));
  auto image = std::make_unique<PhysImage>(layout.ram());
  PhysAllocator alloc(layout.ram(), {{layout.kernel_phys(), layout.image_size()}});

  KernelLayoutWriter writer(spec, kernel, *types, layout, *image, alloc);
  CSD_RETURN_IF_ERROR(writer.PlaceKernelImage());
  // The module list first: a module that owns the panic-dump list must be
  // placed before the list is linked into its .data.
  std::optional<ModuleWriteResult> modules;
  if (kernel.module_list || !spec.modules.empty()) {
    CSD_ASSIGN_OR_RETURN(modules, WriteModules(spec, kernel, objects, layout, *image, alloc));
  }
  const uint64_t head_va =
      modules && modules->list_owner ? modules->list_head_va : layout.Runtime(*kernel.dump_list);
  CSD_ASSIGN_OR_RETURN(KernelWriteResult written, writer.WriteDumpList(head_va));

  const Arm64PgtableGeometry geometry{PageShift(spec.page_size), spec.va_bits,
                                      spec.pa_bits_or_default()};
  const uint64_t pgd_pa = layout.KimagePa(layout.Runtime(kernel.swapper_pg_dir));
  if (pgd_pa % spec.page_size) {
    return Error(ErrorCode::kInvalidArgument,
                 fmt::format("vmlinux swapper_pg_dir {:#x} is not aligned to page_size {:#x}",
                             kernel.swapper_pg_dir, spec.page_size));
  }
  if (kernel.swapper_pg_dir_size != 0 && kernel.swapper_pg_dir_size < geometry.root_bytes()) {
    return Error(
        ErrorCode::kInvalidArgument,
        fmt::format("vmlinux swapper_pg_dir is {} bytes; a {}-bit table with page_size {} needs {}",
                    kernel.swapper_pg_dir_size, spec.va_bits, spec.page_size,
                    geometry.root_bytes()));
  }
  const bool tables_high = spec.page_tables == PageTables::kHigh;
  CSD_ASSIGN_OR_RETURN(
      Arm64PgtableBuilder tables,
      Arm64PgtableBuilder::Create(*image, geometry, pgd_pa, [&alloc, tables_high](uint64_t size) {
        return tables_high ? alloc.AllocHigh(size, size) : alloc.AllocLow(size, size);
      }));
  CSD_RETURN_IF_ERROR(MapKernelAddressSpace(layout, tables));
  CSD_RETURN_IF_ERROR(CorruptBufferPtes(spec, written, tables, *image, spec.page_size));

  VmcoreinfoValues values;
  values.osrelease = kernel.release;
  values.build_id = kernel.build_id;
  values.page_size = spec.page_size;
  values.init_uts_ns = layout.Runtime(kernel.init_uts_ns);
  values.uts_name_offset = kernel.uts_name_offset;
  values.swapper_pg_dir = layout.Runtime(kernel.swapper_pg_dir);
  values.stext = layout.Runtime(kernel.stext);
  values.va_bits = spec.va_bits;
  values.max_physmem_bits = spec.pa_bits_or_default();
  values.kimage_voffset = layout.kimage_voffset();
  values.phys_offset = layout.phys_offset();
  values.kaslr_offset = layout.kaslr_offset();
  CSD_ASSIGN_OR_RETURN(VmcoreinfoLines lines,
                       ApplyVmcoreinfoEdits(DefaultVmcoreinfo(values), spec.vmcoreinfo));

  std::vector<ElfNote> notes;
  for (unsigned cpu = 0; cpu < CpuCount(spec); ++cpu) notes.push_back(MakeArm64Prstatus(cpu + 1));
  const std::string vmcoreinfo = RenderVmcoreinfo(lines);
  if (spec.format == DumpFormat::kRaw && spec.raw_vmcoreinfo == RawVmcoreinfo::kEmbedded) {
    CSD_RETURN_IF_ERROR(EmbedVmcoreinfo(*image, alloc, vmcoreinfo, spec.page_size));
  }
  notes.push_back(MakeVmcoreinfoNote(vmcoreinfo));

  std::vector<ElfLoad> loads;
  const bool kdump = spec.format == DumpFormat::kKdump;
  if (kdump) {
    // crash_prepare_elf64_headers(): the kernel image first, at its kimage VA.
    const uint64_t size = kernel.end - kernel.text;
    loads.push_back({layout.text(), layout.kernel_phys(), size, size});
  }
  for (size_t i = 0; i < layout.ram().size(); ++i) {
    const PhysicalRange& r = layout.ram()[i];
    ElfLoad load{kdump ? layout.LinearVa(r.start) : 0, r.start, r.size, r.size};
    if (spec.excluded_tail && i + 1 == layout.ram().size()) load.filesz -= *spec.excluded_tail;
    loads.push_back(load);
  }
  const uint64_t data_align = std::max<uint64_t>(spec.page_size, PhysImage::kChunk);
  CSD_ASSIGN_OR_RETURN(ElfCorePlan plan, PlanElfCore(std::move(notes), std::move(loads), data_align,
                                                     spec.truncate_file));
  CSD_RETURN_IF_ERROR(WithholdNodeBuffer(spec, layout, written, plan));
  WithholdKernelText(spec, kernel, layout, plan);

  CSD_ASSIGN_OR_RETURN(
      std::string expected,
      BuildExpectedJson({spec, kernel, *types, layout, written, plan, *image,
                         [&tables](uint64_t va) { return tables.WalkDescriptorAddresses(va); },
                         modules ? &*modules : nullptr}));
  BuiltCore core{std::move(layout), std::move(image), std::move(written), pgd_pa,
                 vmcoreinfo,        std::move(plan),  std::move(expected)};
  core.modules = std::move(modules);
  if (spec.format == DumpFormat::kRaw) core.raw = spec.raw_vmcoreinfo;
  core.release = kernel.release;
  if (spec.kdump.enabled) {
    // makedumpfile's phys_base is PHYS_OFFSET on arm64; QEMU's the lowest RAM address.
    core.kdump = spec.kdump;
    const uint64_t phys_base =
        spec.kdump.qemu ? core.layout.ram().front().start : core.layout.phys_offset();
    CSD_ASSIGN_OR_RETURN(core.kdump_files,
                         RenderKdumpFiles({spec.kdump, core.plan, *core.image,
                                           core.layout.page_size(), phys_base, kernel.release}));
    core.expected_json = KdumpExpectedJson(core.expected_json, core.kdump_files);
  }
  return core;
}

Status WriteCore(const BuiltCore& core, const std::filesystem::path& out_dir) {
  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  if (ec)
    return Error(ErrorCode::kIo,
                 fmt::format("cannot create {}: {}", out_dir.string(), ec.message()));
  if (core.raw) {
    CSD_RETURN_IF_ERROR(WriteRawCore(out_dir, *core.image, core.vmcoreinfo, *core.raw));
  } else if (core.kdump) {
    CSD_RETURN_IF_ERROR(WriteKdumpFiles(out_dir, core.kdump_files));
  } else {
    CSD_RETURN_IF_ERROR(WriteElfCore(out_dir / "vmcore", core.plan, *core.image));
    if (core.elf32) CSD_RETURN_IF_ERROR(RewriteAsElf32Arm(out_dir / "vmcore", core.plan));
  }
  const std::filesystem::path expected = out_dir / "expected.json";
  const std::filesystem::path tmp = out_dir / "expected.json.tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << core.expected_json;
    if (!out.flush()) return Error(ErrorCode::kIo, fmt::format("cannot write {}", tmp.string()));
  }
  std::filesystem::rename(tmp, expected, ec);
  if (ec)
    return Error(ErrorCode::kIo,
                 fmt::format("cannot rename to {}: {}", expected.string(), ec.message()));
  return OkStatus();
}

Expected<BuiltCore> RunMkcore(const MkcoreOptions& options) {
  CSD_ASSIGN_OR_RETURN(Spec spec, LoadSpecFile(options.spec_path));
  CSD_ASSIGN_OR_RETURN(std::filesystem::path vmlinux,
                       ResolveVmlinux(spec, options.spec_path, options.vmlinux));
  auto info = DebugInfo::Open(vmlinux);
  if (!info.ok())
    return std::move(info).error().AddContext(fmt::format("vmlinux {}", vmlinux.string()));
  auto kernel = LoadKernelModel(*info);
  if (!kernel.ok())
    return std::move(kernel).error().AddContext(fmt::format("vmlinux {}", vmlinux.string()));
  std::vector<ModuleObject> objects;
  for (const std::filesystem::path& path : options.modules) {
    auto object = LoadModuleObject(path);
    if (!object.ok()) return std::move(object).error().AddContext("--module");
    objects.push_back(std::move(*object));
  }
  auto core = BuildCore(spec, *kernel, objects);
  if (!core.ok()) return std::move(core).error().AddContext(options.spec_path.string());
  CSD_RETURN_IF_ERROR(WriteCore(*core, options.out_dir));
  return core;
}

}  // namespace csd::mkcore
