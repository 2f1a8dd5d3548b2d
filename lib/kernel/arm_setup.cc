// SPDX-License-Identifier: MIT
#include "kernel/arm_setup.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <array>
#include <optional>
#include <string>

#include "base/byte_reader.h"
#include "memory/kernel_memory.h"

namespace csd {

namespace {

// CONFIG_PAGE_OFFSET choices (arch/arm/Kconfig VMSPLIT_*), most common first.
constexpr uint32_t kPageOffsetCandidates[] = {0xC0000000, 0xB0000000, 0x80000000, 0x40000000};
// struct new_utsname: six char[65] fields; release is the third.
constexpr uint64_t kUtsFieldLength = 65;

std::string Hex(uint64_t value) {
  return fmt::format("{:#x}", value);
}

// Where init_uts_ns.name.release lives and what it must read: the check of
// formats.md §4.4.
struct ReleaseProbe {
  uint64_t va = 0;
  std::string expected;
  std::string source;
  bool va_from_vmlinux = false;  // va is the vmlinux's init_uts_ns (link time = run time)
};

std::optional<ReleaseProbe> FindReleaseProbe(const Vmcoreinfo& vmcoreinfo,
                                             const DebugInfo* vmlinux) {
  ReleaseProbe probe;
  const auto osrelease = vmcoreinfo.OsRelease();
  if (vmlinux) {
    auto uts = vmlinux->Symbol("init_uts_ns");
    auto member = vmlinux->MemberPath("uts_namespace", "name.release");
    if (uts.ok() && member.ok()) {
      probe.va = uts->address + member->offset;
      probe.source = "vmlinux init_uts_ns";
      probe.va_from_vmlinux = true;
    }
  }
  if (probe.va == 0) {
    auto uts = vmcoreinfo.Symbol("init_uts_ns");
    auto name = vmcoreinfo.Offset("uts_namespace.name");
    if (!uts || !name) return std::nullopt;
    probe.va = *uts + *name + 2 * kUtsFieldLength;
    probe.source = "VMCOREINFO SYMBOL(init_uts_ns) + OFFSET(uts_namespace.name)";
  }
  if (osrelease && !osrelease->empty()) {
    probe.expected = *osrelease;
    return probe;
  }
  // No VMCOREINFO (a QEMU dump of a kernel without qemu_fw_cfg): the release
  // the vmlinux was built with, from init_uts_ns's initialised data.
  if (!vmlinux || !probe.va_from_vmlinux) return std::nullopt;
  auto bytes = vmlinux->ReadLinkTime(probe.va, kUtsFieldLength);
  if (!bytes.ok()) return std::nullopt;
  for (std::byte b : *bytes) {
    const auto c = std::to_integer<unsigned char>(b);
    if (c == 0) break;
    if (c < 0x21 || c > 0x7e) return std::nullopt;
    probe.expected += static_cast<char>(c);
  }
  if (probe.expected.empty() || probe.expected.size() == kUtsFieldLength) return std::nullopt;
  probe.source += " (the release in the vmlinux's initialised data; no OSRELEASE)";
  return probe;
}

// swapper_pg_dir's link-time VA: VMCOREINFO first (it is what the crashed
// kernel reported), then the vmlinux.
std::optional<std::pair<uint64_t, std::string>> FindSwapper(const Vmcoreinfo& vmcoreinfo,
                                                            const DebugInfo* vmlinux) {
  if (auto v = vmcoreinfo.Symbol("swapper_pg_dir")) {
    return std::make_pair(*v, std::string("VMCOREINFO SYMBOL(swapper_pg_dir)"));
  }
  if (vmlinux) {
    if (auto sym = vmlinux->Symbol("swapper_pg_dir"); sym.ok()) {
      return std::make_pair(sym->address, std::string("vmlinux swapper_pg_dir"));
    }
  }
  return std::nullopt;
}

// sizeof(pteval_t), 8 with LPAE and 4 without, from the vmlinux's
// pgprot_kernel (arch/arm/mm/mmu.c; pgprot_t is pteval_t or a struct of one).
std::optional<uint64_t> PteWidth(const DebugInfo* vmlinux) {
  if (!vmlinux) return std::nullopt;
  auto type = vmlinux->VariableType("pgprot_kernel");
  if (!type.ok() || (type->size != 4 && type->size != 8)) return std::nullopt;
  return type->size;
}

}  // namespace

Expected<ArmSetup> DeriveArmSetup(const Vmcoreinfo& vmcoreinfo, const DumpFile& dump,
                                  const DebugInfo* vmlinux, const TranslationOverrides& overrides,
                                  DiagnosticSink& diagnostics) {
  ArmSetup setup;
  auto record = [&](std::string name, std::string value, std::string source) {
    setup.derived.push_back({std::move(name), std::move(value), std::move(source)});
  };
  ArmParams& p = setup.params;

  // Linux/ARM uses 4 KiB pages only.
  if (auto v = vmcoreinfo.PageSize(); v && *v != 4096) {
    return Error(ErrorCode::kUnsupported,
                 fmt::format("VMCOREINFO PAGESIZE {} is not the 4096 of 32-bit ARM Linux", *v));
  }
  if (overrides.page_size && *overrides.page_size != 4096) {
    return Error(
        ErrorCode::kInvalidArgument,
        fmt::format("--page-size {} is not the 4096 of 32-bit ARM Linux", *overrides.page_size));
  }
  record("page_size", "4096", "32-bit ARM Linux (4 KiB pages only)");

  // LPAE: the kernel exports CONFIG_ARM_LPAE=y (kernel/crash_core.c); crash
  // falls back to the size of swapper_pg_dir, 0x5000 with LPAE and 0x4000
  // without (arch/arm/kernel/head.S PG_DIR_SIZE).
  if (overrides.lpae) {
    p.lpae = *overrides.lpae;
    record("lpae", p.lpae ? "yes" : "no", *overrides.lpae ? "--lpae" : "--no-lpae");
  } else if (vmcoreinfo.HasConfig("ARM_LPAE")) {
    p.lpae = true;
    record("lpae", "yes", "VMCOREINFO CONFIG_ARM_LPAE=y");
  } else if (auto width = vmcoreinfo.OsRelease() ? std::nullopt : PteWidth(vmlinux)) {
    // No VMCOREINFO at all (QEMU dumps of a kernel without qemu_fw_cfg), or
    // one without OSRELEASE: the vmlinux's types say. (swapper_pg_dir is an untyped, sizeless
    // absolute symbol in Debian's armhf vmlinux.)
    p.lpae = *width == 8;
    record("lpae", p.lpae ? "yes" : "no",
           fmt::format("vmlinux pgprot_kernel is {} bytes (pteval_t); no OSRELEASE or "
                       "CONFIG_ARM_LPAE in VMCOREINFO", *width));
  } else if (auto sym = vmlinux ? vmlinux->Symbol("swapper_pg_dir")
                                : Expected<SymbolInfo>(Error(ErrorCode::kLookup, ""));
             sym.ok() && sym->size == 0x5000) {
    p.lpae = true;
    record("lpae", "yes", "vmlinux swapper_pg_dir size 0x5000");
  } else {
    p.lpae = false;
    record("lpae", "no", "no CONFIG_ARM_LPAE in VMCOREINFO");
  }

  // PHYS_OFFSET: the lowest p_paddr (crash arm_kdump_phys_base, makedumpfile
  // get_phys_base_arm). Never p_vaddr: kexec-tools writes garbage there for
  // highmem.
  std::string phys_source;
  if (overrides.phys_offset) {
    p.phys_offset = *overrides.phys_offset;
    phys_source = "--phys-offset";
  } else {
    std::optional<uint64_t> lowest;
    for (const auto& segment : dump.segments()) {
      if (!lowest || segment.paddr < *lowest) lowest = segment.paddr;
    }
    phys_source = "lowest PT_LOAD p_paddr";
    if (!lowest) {
      // kdump-compressed dumps have no PT_LOADs: their first bitmap says
      // where RAM is (the reader has applied armhf's PFN origin already).
      for (const auto& range : dump.Ranges()) {
        if (!lowest || range.start < *lowest) lowest = range.start;
      }
      phys_source = "lowest RAM address in the dump";
    }
    if (!lowest) {
      return Error(ErrorCode::kUnsupported,
                   "the dump has no memory ranges to take PHYS_OFFSET from; pass --phys-offset");
    }
    p.phys_offset = *lowest;
  }

  // PAGE_OFFSET candidates: the override alone, else the _stext hint
  // (makedumpfile: _stext & 0xffc00000) first, then the Kconfig values.
  std::vector<uint32_t> candidates;
  std::string page_offset_source = "--page-offset";
  if (overrides.page_offset) {
    if (*overrides.page_offset > 0xffffffffu || *overrides.page_offset % 0x1000000 != 0) {
      return Error(ErrorCode::kInvalidArgument,
                   fmt::format("--page-offset {:#x} is not a 16 MiB-aligned 32-bit address",
                               *overrides.page_offset));
    }
    candidates.push_back(static_cast<uint32_t>(*overrides.page_offset));
  } else {
    std::optional<uint64_t> stext = vmcoreinfo.Symbol("_stext");
    if (!stext && vmlinux) {
      if (auto sym = vmlinux->Symbol("_stext"); sym.ok()) stext = sym->address;
    }
    if (stext) {
      const auto hint = static_cast<uint32_t>(*stext & 0xffc00000u);
      if (std::find(std::begin(kPageOffsetCandidates), std::end(kPageOffsetCandidates), hint) !=
          std::end(kPageOffsetCandidates)) {
        candidates.push_back(hint);
      }
    }
    for (uint32_t c : kPageOffsetCandidates) {
      if (std::find(candidates.begin(), candidates.end(), c) == candidates.end()) {
        candidates.push_back(c);
      }
    }
  }

  const auto swapper = FindSwapper(vmcoreinfo, vmlinux);
  if (!overrides.pgd_pa && !swapper) {
    return Error(ErrorCode::kUnsupported,
                 "cannot find swapper_pg_dir (not in VMCOREINFO or the vmlinux); pass --pgd");
  }
  const auto probe = FindReleaseProbe(vmcoreinfo, vmlinux);
  const auto high_memory_sym = vmlinux ? vmlinux->Symbol("high_memory")
                                       : Expected<SymbolInfo>(Error(ErrorCode::kLookup, ""));

  // Parameters for one candidate; high_memory is read through the linear map
  // (the variable is in the kernel image, which is lowmem).
  auto params_for = [&](uint32_t page_offset, std::string* high_source) {
    ArmParams c = p;
    c.page_offset = page_offset;
    c.pgd_pa = overrides.pgd_pa ? *overrides.pgd_pa : swapper->first - page_offset + p.phys_offset;
    c.high_memory = 0;
    if (high_memory_sym.ok() && high_memory_sym->address >= page_offset) {
      const uint64_t pa = high_memory_sym->address - page_offset + p.phys_offset;
      std::array<std::byte, 4> bytes{};
      if (dump.ReadPhysical(pa, bytes).ok()) {
        const uint64_t value = LoadUnsigned(bytes, dump.endian());
        if (value > page_offset && value <= kArmVmallocEnd) {
          c.high_memory = value;
          *high_source = "vmlinux high_memory read through the linear map";
        }
      }
    }
    return c;
  };

  std::vector<std::string> tried;
  std::optional<ArmParams> chosen;
  std::string high_source = "unknown (every VA is walked)";
  std::string check_source;
  for (uint32_t candidate : candidates) {
    std::string candidate_high = "unknown (every VA is walked)";
    ArmParams c = params_for(candidate, &candidate_high);
    if (!probe) {
      chosen = c;
      high_source = candidate_high;
      if (!overrides.page_offset) {
        page_offset_source = "first candidate, unvalidated (no OSRELEASE or init_uts_ns)";
        diagnostics.Warn(fmt::format(
            "no OSRELEASE or init_uts_ns to validate PAGE_OFFSET against; assuming {:#x}",
            candidate));
      }
      break;
    }
    // Validate by the page tables alone (high_memory unset): a wrong candidate
    // may have read a plausible-looking high_memory from the wrong place.
    ArmParams walk_only = c;
    walk_only.high_memory = 0;
    auto translator = MakeArmTranslator(walk_only, dump);
    KernelMemory memory(*translator, dump, dump.endian());
    auto release = memory.ReadCString(probe->va, kUtsFieldLength);
    // init_uts_ns is in the kernel image, hence lowmem: the walk must land
    // where the linear formula says. Without this, any pair with the same
    // PHYS_OFFSET - PAGE_OFFSET finds the same swapper_pg_dir and passes.
    std::string linear_mismatch;
    if (release.ok() && *release == probe->expected) {
      const uint64_t linear = probe->va - candidate + c.phys_offset;
      auto walked = translator->Translate(probe->va);
      if (probe->va < candidate) {
        linear_mismatch = fmt::format("init_uts_ns {:#x} is below it", probe->va);
      } else if (walked.ok() && walked->pa != linear) {
        linear_mismatch =
            fmt::format("the page tables map init_uts_ns to PA {:#x}, the linear map to {:#x}",
                        walked->pa, linear);
      }
    }
    if (release.ok() && *release == probe->expected && linear_mismatch.empty()) {
      chosen = c;
      high_source = candidate_high;
      if (!overrides.page_offset) page_offset_source = "validated candidate";
      check_source = fmt::format(
          "init_uts_ns release at {:#x} ({}) reads \"{}\" through swapper_pg_dir, at the "
          "linear-map PA",
          probe->va, probe->source, *release);
      break;
    }
    tried.push_back(fmt::format("PAGE_OFFSET {:#x} (pgd PA {:#x}): {}", candidate, c.pgd_pa,
                                !linear_mismatch.empty() ? linear_mismatch
                                : release.ok() ? fmt::format("release reads \"{}\"", *release)
                                               : release.error().Describe()));
  }
  if (!chosen && overrides.page_offset && overrides.phys_offset) {
    // Both forced: the user knows better; KernelTarget's identity check will
    // still report the mismatch.
    diagnostics.Warn(
        fmt::format("the forced PAGE_OFFSET/PHYS_OFFSET do not read back OSRELEASE: {}",
                    tried.empty() ? "" : tried.front()));
    chosen = params_for(candidates.front(), &high_source);
  }
  if (!chosen) {
    return Error(
        ErrorCode::kUnsupported,
        fmt::format("no PAGE_OFFSET reads back OSRELEASE \"{}\" with PHYS_OFFSET {:#x} ({}): "
                    "tried {}; pass --page-offset/--phys-offset",
                    probe->expected, p.phys_offset, phys_source, fmt::join(tried, "; ")));
  }
  p = *chosen;
  record("page_offset", Hex(p.page_offset), page_offset_source);
  record("phys_offset", Hex(p.phys_offset), phys_source);
  record("pgd_pa", Hex(p.pgd_pa),
         overrides.pgd_pa ? "--pgd" : swapper->second + " - PAGE_OFFSET + PHYS_OFFSET");
  record("high_memory", p.high_memory ? Hex(p.high_memory) : "unknown", high_source);
  if (!check_source.empty()) record("validation", "passed", check_source);
  return setup;
}

}  // namespace csd
