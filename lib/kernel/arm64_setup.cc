// SPDX-License-Identifier: MIT
#include "kernel/arm64_setup.h"

#include <fmt/format.h>

#include <bit>

namespace csd {

namespace {

std::string Hex(uint64_t value) {
  return fmt::format("{:#x}", value);
}

class Recorder {
 public:
  explicit Recorder(std::vector<DerivedValue>& out) : out_(out) {}
  void Add(std::string name, std::string value, std::string source) {
    out_.push_back({std::move(name), std::move(value), std::move(source)});
  }

 private:
  std::vector<DerivedValue>& out_;
};

// The kimage VA - PA offset of a kdump-style dump: the program header whose
// p_vaddr is the runtime _text (kexec puts the kernel image there).
std::optional<uint64_t> KimageVoffsetFromSegments(const DumpFile& dump, uint64_t runtime_text) {
  for (const auto& segment : dump.segments()) {
    if (segment.vaddr == runtime_text && segment.vaddr != segment.paddr) {
      return segment.vaddr - segment.paddr;
    }
  }
  return std::nullopt;
}

}  // namespace

Expected<Arm64Setup> DeriveArm64Setup(const Vmcoreinfo& vmcoreinfo, const DumpFile& dump,
                                      const DebugInfo* vmlinux,
                                      const TranslationOverrides& overrides,
                                      DiagnosticSink& diagnostics) {
  Arm64Setup setup;
  Recorder record(setup.derived);
  Arm64Params& p = setup.params;

  // Page size.
  uint64_t page_size = 0;
  std::string page_source;
  if (overrides.page_size) {
    page_size = *overrides.page_size;
    page_source = "--page-size";
  } else if (auto v = vmcoreinfo.PageSize()) {
    page_size = *v;
    page_source = "VMCOREINFO PAGESIZE";
  } else {
    return Error(ErrorCode::kUnsupported,
                 "VMCOREINFO has no PAGESIZE; pass --page-size (4096, 16384 or 65536)");
  }
  if (page_size != 4096 && page_size != 16384 && page_size != 65536) {
    return Error(ErrorCode::kUnsupported,
                 fmt::format("page size {} ({}) is not an arm64 granule (4096, 16384, 65536)",
                             page_size, page_source));
  }
  p.page_shift = static_cast<unsigned>(std::countr_zero(page_size));
  record.Add("page_size", std::to_string(page_size), page_source);

  // VA_BITS places PAGE_OFFSET; the walk may resolve fewer bits (TCR_EL1.T1SZ).
  std::string va_source;
  if (overrides.va_bits) {
    p.va_bits = *overrides.va_bits;
    va_source = "--va-bits";
  } else if (auto v = vmcoreinfo.Number("VA_BITS")) {
    p.va_bits = static_cast<unsigned>(*v);
    va_source = "VMCOREINFO NUMBER(VA_BITS)";
  } else {
    return Error(ErrorCode::kUnsupported, "VMCOREINFO has no NUMBER(VA_BITS); pass --va-bits");
  }
  if (p.va_bits < 36 || p.va_bits > 52) {
    return Error(ErrorCode::kUnsupported,
                 fmt::format("VA_BITS {} ({}) is outside 36..52", p.va_bits, va_source));
  }
  record.Add("va_bits", std::to_string(p.va_bits), va_source);

  // bbdbc11804ff (v5.9) exports TCR_EL1_T1SZ, the VA size the hardware walk
  // uses, which differs from VA_BITS on 52-bit kernels running on 48-bit
  // hardware with 4K/16K pages. With 64K pages swapper_pg_dir stays laid out
  // for VA_BITS (the "offset TTBR1" trick of v5.4), so VA_BITS is right there.
  auto t1sz = vmcoreinfo.Number("TCR_EL1_T1SZ");
  if (!t1sz) t1sz = vmcoreinfo.Number("tcr_el1_t1sz");
  if (overrides.va_bits) {
    p.translation_va_bits = p.va_bits;
    record.Add("translation_va_bits", std::to_string(p.translation_va_bits), "--va-bits");
  } else if (t1sz && *t1sz >= 12 && *t1sz <= 28 && p.page_shift != 16) {
    p.translation_va_bits = static_cast<unsigned>(64 - *t1sz);
    record.Add("translation_va_bits", std::to_string(p.translation_va_bits),
               "64 - VMCOREINFO NUMBER(TCR_EL1_T1SZ)");
  } else {
    p.translation_va_bits = p.va_bits;
    record.Add("translation_va_bits", std::to_string(p.translation_va_bits),
               p.page_shift == 16 ? "VA_BITS (64K pages)" : "VA_BITS (no TCR_EL1_T1SZ)");
  }

  // The descriptors' output-address format. With 4K/16K pages it follows the
  // walk, not MAX_PHYSMEM_BITS: Linux sets TCR_EL1.DS (LPA2, v6.9) exactly
  // when it runs with 52-bit VAs, which 4K/16K pages cannot have otherwise,
  // while MAX_PHYSMEM_BITS is the build's limit: 52 for every VA_BITS_52
  // kernel, also one that fell back to 48 bits on a CPU without LPA2 (its
  // desc[9:8] are shareability), and for every 4K/16K kernel since 6.14.
  // With 64K pages FEAT_LPA's desc[15:12] are RES0 below 2^48, so
  // MAX_PHYSMEM_BITS = 52 (CONFIG_ARM64_PA_BITS_52) is enough to decode them.
  const auto max_phys_bits = vmcoreinfo.Number("MAX_PHYSMEM_BITS");
  const std::string granule = fmt::format("{}K pages", (page_size >> 10));
  if (p.page_shift != 16) {
    p.pa_bits = p.translation_va_bits > 48 ? 52 : 48;
    std::string source =
        fmt::format("{}: {} with a {}-bit walk", p.pa_bits == 52 ? "LPA2" : "no LPA2", granule,
                    p.translation_va_bits);
    if (p.pa_bits == 48 && max_phys_bits && *max_phys_bits == 52) {
      source += "; NUMBER(MAX_PHYSMEM_BITS)=52 is only the kernel's limit";
    }
    record.Add("pa_bits", std::to_string(p.pa_bits), source);
  } else if (max_phys_bits) {
    p.pa_bits = *max_phys_bits == 52 ? 52 : 48;
    record.Add("pa_bits", std::to_string(p.pa_bits),
               p.pa_bits == 52
                   ? "VMCOREINFO NUMBER(MAX_PHYSMEM_BITS) (64K pages: FEAT_LPA)"
                   : fmt::format("VMCOREINFO NUMBER(MAX_PHYSMEM_BITS)={}", *max_phys_bits));
  } else {
    p.pa_bits = 48;
    record.Add("pa_bits", "48", "64K pages without NUMBER(MAX_PHYSMEM_BITS)");
  }

  // KASLR: runtime = link-time + offset.
  const auto vmlinux_stext =
      vmlinux ? vmlinux->Symbol("_stext") : Expected<SymbolInfo>(Error(ErrorCode::kLookup, ""));
  if (overrides.kaslr_offset) {
    setup.kaslr_offset = *overrides.kaslr_offset;
    record.Add("kaslr_offset", Hex(setup.kaslr_offset), "--kaslr-offset");
  } else if (auto v = vmcoreinfo.KernelOffset()) {
    setup.kaslr_offset = *v;
    record.Add("kaslr_offset", Hex(setup.kaslr_offset), "VMCOREINFO KERNELOFFSET");
  } else if (auto stext = vmcoreinfo.Symbol("_stext"); stext && vmlinux_stext.ok()) {
    setup.kaslr_offset = *stext - vmlinux_stext->address;
    record.Add("kaslr_offset", Hex(setup.kaslr_offset),
               "VMCOREINFO SYMBOL(_stext) - vmlinux _stext");
  } else {
    setup.kaslr_offset = 0;
    record.Add("kaslr_offset", "0x0", "assumed (no KERNELOFFSET or SYMBOL(_stext))");
    diagnostics.Warn("the dump gives no KASLR offset (KERNELOFFSET); assuming 0");
  }

  // Runtime kernel image bounds, for the kimage fast path.
  std::optional<uint64_t> runtime_text;
  if (vmlinux) {
    auto text = vmlinux->Symbol("_text");
    auto end = vmlinux->Symbol("_end");
    if (text.ok() && end.ok() && end->address > text->address) {
      runtime_text = text->address + setup.kaslr_offset;
      p.kimage_start = *runtime_text;
      p.kimage_end = end->address + setup.kaslr_offset;
      record.Add("kimage_range", fmt::format("{:#x}-{:#x}", p.kimage_start, p.kimage_end),
                 "vmlinux _text/_end + KASLR offset");
    }
  }

  // Linear-map origin.
  if (overrides.phys_offset) {
    p.phys_offset = *overrides.phys_offset;
    record.Add("phys_offset", Hex(p.phys_offset), "--phys-offset");
  } else if (auto v = vmcoreinfo.Number("PHYS_OFFSET")) {
    p.phys_offset = *v;
    record.Add("phys_offset", Hex(p.phys_offset), "VMCOREINFO NUMBER(PHYS_OFFSET)");
  } else {
    return Error(
        ErrorCode::kUnsupported,
        "VMCOREINFO has no NUMBER(PHYS_OFFSET) (kernel older than 4.12?); pass --phys-offset");
  }

  // kimage_voffset: VA - PA of the kernel image.
  if (overrides.kimage_voffset) {
    p.kimage_voffset = *overrides.kimage_voffset;
    record.Add("kimage_voffset", Hex(p.kimage_voffset), "--kimage-voffset");
  } else if (auto v = vmcoreinfo.Number("kimage_voffset")) {
    p.kimage_voffset = *v;
    record.Add("kimage_voffset", Hex(p.kimage_voffset), "VMCOREINFO NUMBER(kimage_voffset)");
  } else if (auto v2 =
                 runtime_text ? KimageVoffsetFromSegments(dump, *runtime_text) : std::nullopt) {
    p.kimage_voffset = *v2;
    record.Add("kimage_voffset", Hex(p.kimage_voffset), "kernel-image PT_LOAD p_vaddr - p_paddr");
  } else {
    return Error(ErrorCode::kUnsupported,
                 "cannot find kimage_voffset (no VMCOREINFO NUMBER(kimage_voffset) and no "
                 "kernel-image program header); pass --kimage-voffset");
  }

  // Layout: b6d00d47e81a (v5.4) moved the linear map to the bottom of the
  // kernel half. Tell them apart by where the kernel image lives, as
  // makedumpfile and libkdumpfile do: above PAGE_END means the flipped layout.
  const uint64_t flipped_page_end = ~uint64_t{0} << (Arm64VaBitsMin(p) - 1);
  std::optional<uint64_t> stext = vmcoreinfo.Symbol("_stext");
  std::string stext_source = "VMCOREINFO SYMBOL(_stext)";
  if (!stext && vmlinux_stext.ok()) {
    stext = vmlinux_stext->address + setup.kaslr_offset;
    stext_source = "vmlinux _stext + KASLR offset";
  }
  if (stext) {
    p.flipped_layout = *stext >= flipped_page_end;
    record.Add(
        "layout", p.flipped_layout ? "5.4+ (linear map low)" : "pre-5.4 (linear map high)",
        fmt::format("_stext {:#x} vs PAGE_END {:#x} ({})", *stext, flipped_page_end, stext_source));
  } else {
    p.flipped_layout = true;
    record.Add("layout", "5.4+ (linear map low)", "assumed (no _stext known)");
    diagnostics.Warn("no _stext known to tell the address layouts apart; assuming 5.4+");
  }
  record.Add("page_offset", Hex(Arm64PageOffset(p)), "computed from VA_BITS and layout");

  // Page-table root: swapper_pg_dir is a kernel-image symbol, so its PA comes
  // from kimage_voffset with no recursive translation.
  if (overrides.pgd_pa) {
    p.pgd_pa = *overrides.pgd_pa;
    record.Add("pgd_pa", Hex(p.pgd_pa), "--pgd");
  } else {
    std::optional<uint64_t> swapper = vmcoreinfo.Symbol("swapper_pg_dir");
    std::string source = "VMCOREINFO SYMBOL(swapper_pg_dir) - kimage_voffset";
    if (!swapper && vmlinux) {
      if (auto sym = vmlinux->Symbol("swapper_pg_dir"); sym.ok()) {
        swapper = sym->address + setup.kaslr_offset;
        source = "vmlinux swapper_pg_dir + KASLR offset - kimage_voffset";
      }
    }
    if (!swapper) {
      return Error(ErrorCode::kUnsupported,
                   "cannot find swapper_pg_dir (not in VMCOREINFO or the vmlinux); pass --pgd");
    }
    p.pgd_pa = *swapper - p.kimage_voffset;
    record.Add("pgd_pa", Hex(p.pgd_pa), source);
  }
  record.Add("levels", std::to_string(Arm64Levels(p)), "computed from page size and VA bits");
  return setup;
}

}  // namespace csd
