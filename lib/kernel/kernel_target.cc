// SPDX-License-Identifier: MIT
#include "kernel/kernel_target.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "kernel/arm64_setup.h"
#include "kernel/arm_setup.h"

namespace csd {

namespace {

// struct new_utsname: six char[65] fields.
constexpr uint64_t kUtsFieldLength = 65;

std::string Lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

// "6.1.115-arm64" -> {6, 1, 115}; missing parts are 0.
std::array<unsigned, 3> ParseVersion(std::string_view release) {
  std::array<unsigned, 3> parts{0, 0, 0};
  size_t index = 0;
  for (char c : release) {
    if (c >= '0' && c <= '9') {
      parts[index] = parts[index] * 10 + static_cast<unsigned>(c - '0');
      if (parts[index] > 100000) break;
    } else if (c == '.' && index < 2) {
      ++index;
    } else {
      break;
    }
  }
  return parts;
}

}  // namespace

bool BuildIdUnreliable(std::string_view osrelease) {
  // No structured bindings: clang 14 (the fuzz build) cannot capture them.
  const std::array<unsigned, 3> version = ParseVersion(osrelease);
  auto in = [&version](unsigned mj, unsigned mn, unsigned lo, unsigned hi) {
    return version[0] == mj && version[1] == mn && version[2] >= lo && version[2] <= hi;
  };
  return in(6, 1, 113, 118) || in(6, 6, 55, 62) || in(6, 10, 14, ~0u) || in(6, 11, 3, 9) ||
         in(5, 15, 168, ~0u);
}

Expected<Vmcoreinfo> ReadVmcoreinfo(const DumpFile& dump, const KernelLimits& limits,
                                    DiagnosticSink& diagnostics) {
  auto text = dump.VmcoreinfoText();
  if (!text) {
    diagnostics.Warn(fmt::format("{} carries no VMCOREINFO note; translation needs overrides",
                                 dump.path().string()));
    return Vmcoreinfo::Parse("", diagnostics, limits.max_vmcoreinfo_size);
  }
  return Vmcoreinfo::Parse(*text, diagnostics, limits.max_vmcoreinfo_size);
}

Expected<TranslationSetup> SetUpTranslation(const DumpFile& dump, const Vmcoreinfo& vmcoreinfo,
                                            const DebugInfo* vmlinux,
                                            const TranslationOverrides& overrides,
                                            DiagnosticSink& diagnostics) {
  switch (dump.arch()) {
    case Arch::kArm64: {
      // Without VMCOREINFO (a raw RAM image) every parameter must be a flag;
      // name all the missing ones at once rather than one per attempt.
      if (vmcoreinfo.lines().empty()) {
        std::string missing;
        auto need = [&missing](bool given, const char* flag) {
          if (given) return;
          if (!missing.empty()) missing += ", ";
          missing += flag;
        };
        need(overrides.page_size.has_value(), "--page-size");
        need(overrides.va_bits.has_value(), "--va-bits");
        need(overrides.phys_offset.has_value(), "--phys-offset");
        need(overrides.kimage_voffset.has_value(), "--kimage-voffset");
        need(overrides.kaslr_offset.has_value(), "--kaslr-offset");
        need(overrides.pgd_pa.has_value() || vmlinux != nullptr, "--pgd (or a VMLINUX)");
        if (!missing.empty()) {
          return Error(ErrorCode::kUnsupported,
                       fmt::format("{} has no VMCOREINFO, so the translation parameters must be "
                                   "given: pass {} (or --vmcoreinfo FILE for a raw RAM image)",
                                   dump.path().string(), missing));
        }
      }
      CSD_ASSIGN_OR_RETURN(Arm64Setup setup,
                           DeriveArm64Setup(vmcoreinfo, dump, vmlinux, overrides, diagnostics));
      TranslationSetup result;
      result.translator = MakeArm64Translator(setup.params, dump);
      result.kaslr_offset = setup.kaslr_offset;
      result.page_size = uint64_t{1} << setup.params.page_shift;
      result.derived = std::move(setup.derived);
      return result;
    }
    case Arch::kArm: {
      CSD_ASSIGN_OR_RETURN(ArmSetup setup,
                           DeriveArmSetup(vmcoreinfo, dump, vmlinux, overrides, diagnostics));
      TranslationSetup result;
      result.translator = MakeArmTranslator(setup.params, dump);
      result.page_size = 4096;  // no KASLR on 32-bit ARM: kaslr_offset stays 0
      result.derived = std::move(setup.derived);
      return result;
    }
    case Arch::kUnknown: break;
  }
  return Error(ErrorCode::kUnsupported, "the dump's machine type is not ARM or arm64");
}

Expected<std::string> VmlinuxRelease(const DebugInfo& vmlinux) {
  CSD_ASSIGN_OR_RETURN(SymbolInfo uts, vmlinux.Symbol("init_uts_ns"));
  CSD_ASSIGN_OR_RETURN(MemberLayout release, vmlinux.MemberPath("uts_namespace", "name.release"));
  CSD_ASSIGN_OR_RETURN(auto bytes, vmlinux.ReadLinkTime(uts.address + release.offset,
                                                        std::min(release.size, kUtsFieldLength)));
  std::string text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  return text.substr(0, text.find('\0'));
}

Expected<KernelTarget> KernelTarget::Open(const DumpFile& dump, const DebugInfo& vmlinux,
                                          const TargetOptions& options,
                                          DiagnosticSink& diagnostics) {
  if (vmlinux.arch() != dump.arch()) {
    Error error(ErrorCode::kMismatch, fmt::format("the vmlinux is {} but the dump is {}",
                                                  ArchName(vmlinux.arch()), ArchName(dump.arch())));
    if (!options.allow_mismatch) return error;
    diagnostics.Warn(error.Describe());
  }
  // Every vmlinux symbol the translation, the identity checks, the module
  // list and the panic-dump list ask for, in one pass.
  vmlinux.PrefetchSymbols({"_text", "_stext", "_etext", "_end", "swapper_pg_dir", "init_uts_ns",
                           "high_memory", "modules", "mod_sysfs_setup", "coresight_dump_list"});
  CSD_ASSIGN_OR_RETURN(Vmcoreinfo vmcoreinfo, ReadVmcoreinfo(dump, options.limits, diagnostics));
  CSD_ASSIGN_OR_RETURN(TranslationSetup setup, SetUpTranslation(dump, vmcoreinfo, &vmlinux,
                                                                options.overrides, diagnostics));

  KernelTarget target;
  target.dump_ = &dump;
  target.vmlinux_ = &vmlinux;
  target.limits_ = options.limits;
  target.translator_ = std::move(setup.translator);
  target.memory_ = std::make_unique<KernelMemory>(*target.translator_, dump, dump.endian());
  TargetSummary& s = target.summary_;
  s.dump_path = dump.path().string();
  s.dump_format = dump.FormatName();
  s.dump_producer = dump.Producer();
  s.arch = std::string(ArchName(dump.arch()));
  s.vmlinux_path = vmlinux.path().string();
  s.osrelease = vmcoreinfo.OsRelease();
  s.build_id = vmcoreinfo.BuildId();
  s.vmlinux_build_id = vmlinux.BuildId();
  s.page_size = setup.page_size;
  s.kaslr_offset = setup.kaslr_offset;
  s.parameters = std::move(setup.derived);
  CSD_RETURN_IF_ERROR(target.CheckIdentity(vmcoreinfo, options, diagnostics));
  return target;
}

Status KernelTarget::CheckIdentity(const Vmcoreinfo& vmcoreinfo, const TargetOptions& options,
                                   DiagnosticSink& diagnostics) {
  auto fail = [&](std::string message) -> Status {
    if (!options.allow_mismatch) {
      return Error(ErrorCode::kMismatch, message + " (use --allow-mismatch to extract anyway)");
    }
    diagnostics.Warn(message + " (--allow-mismatch given; continuing)");
    summary_.checks.push_back("MISMATCH: " + message);
    return OkStatus();
  };

  auto vmlinux_release = VmlinuxRelease(*vmlinux_);
  const auto dump_release = vmcoreinfo.OsRelease();
  if (vmlinux_release.ok() && dump_release) {
    if (*vmlinux_release != *dump_release) {
      CSD_RETURN_IF_ERROR(fail(
          fmt::format("the vmlinux is release \"{}\" but the dump's VMCOREINFO OSRELEASE is \"{}\"",
                      *vmlinux_release, *dump_release)));
    } else {
      summary_.checks.push_back(fmt::format(
          "VMCOREINFO OSRELEASE matches the vmlinux init_uts_ns (\"{}\")", *dump_release));
    }
  } else if (!vmlinux_release.ok()) {
    diagnostics.Warn("cannot read the release string from the vmlinux: " +
                     vmlinux_release.error().Describe());
  }

  const auto dump_build_id = vmcoreinfo.BuildId();
  const auto vmlinux_build_id = vmlinux_->BuildId();
  if (dump_build_id && vmlinux_build_id) {
    if (Lower(*dump_build_id) != Lower(*vmlinux_build_id)) {
      const std::string message =
          fmt::format("the vmlinux build-id {} differs from the dump's VMCOREINFO BUILD-ID {}",
                      *vmlinux_build_id, *dump_build_id);
      if (dump_release && BuildIdUnreliable(*dump_release)) {
        diagnostics.Warn(
            message +
            fmt::format(" (ignored: kernel {} writes an unreliable BUILD-ID)", *dump_release));
        summary_.checks.push_back("BUILD-ID differs (unreliable for this release; ignored)");
      } else {
        CSD_RETURN_IF_ERROR(fail(message));
      }
    } else {
      summary_.checks.push_back("VMCOREINFO BUILD-ID matches the vmlinux build-id");
    }
  }

  // The translation check that always runs (formats.md §4.4): the release
  // string read from the dump's memory through our translation must be the
  // one the kernel reported. It proves KASLR, linear map and page tables.
  auto uts = RuntimeSymbol("init_uts_ns");
  auto release_member = vmlinux_->MemberPath("uts_namespace", "name.release");
  if (uts.ok() && release_member.ok()) {
    const uint64_t va = uts->address + release_member->offset;
    auto in_memory = memory_->ReadCString(va, kUtsFieldLength);
    const std::string expected =
        dump_release.value_or(vmlinux_release.ok() ? *vmlinux_release : "");
    if (!in_memory.ok()) {
      CSD_RETURN_IF_ERROR(
          fail(fmt::format("cannot read init_uts_ns release from the dump at {:#x}: {}", va,
                           in_memory.error().Describe())));
    } else if (!expected.empty() && *in_memory != expected) {
      CSD_RETURN_IF_ERROR(fail(fmt::format(
          "the release string in the dump's memory at {:#x} is \"{}\", expected \"{}\": the "
          "vmlinux or the translation parameters do not fit this dump",
          va, *in_memory, expected)));
    } else {
      summary_.checks.push_back(fmt::format(
          "init_uts_ns release read through translation at {:#x} is \"{}\"", va, *in_memory));
      // No VMCOREINFO (QEMU dumps of a kernel without qemu_fw_cfg): the
      // release is the one in the dump's memory, checked against the vmlinux.
      if (!dump_release && !expected.empty()) summary_.osrelease = *in_memory;
    }
  }
  return OkStatus();
}

Expected<SymbolInfo> KernelTarget::RuntimeSymbol(std::string_view name) const {
  CSD_ASSIGN_OR_RETURN(SymbolInfo symbol, vmlinux_->Symbol(name));
  symbol.address += summary_.kaslr_offset;
  return symbol;
}

}  // namespace csd
