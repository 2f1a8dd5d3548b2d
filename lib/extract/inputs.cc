// SPDX-License-Identifier: MIT
#include "extract/inputs.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <vector>

#include "base/mapped_file.h"
#include "dump/raw/raw_image.h"

namespace csd {

namespace {

// The vmlinux's e_machine, read from the ELF header alone so the dump can be
// opened before the DWARF is loaded (keeping the dump-first error order).
// nullopt when the file is not a readable ELF; DebugInfo::Open says why later.
std::optional<Arch> VmlinuxArch(const std::filesystem::path& path) {
  auto file = MappedFile::Open(path);
  if (!file.ok()) return std::nullopt;
  const auto bytes = file->bytes();
  constexpr std::array<unsigned char, 4> kMagic{0x7f, 'E', 'L', 'F'};
  if (bytes.size() < 20) return std::nullopt;
  for (size_t i = 0; i < kMagic.size(); ++i) {
    if (static_cast<unsigned char>(bytes[i]) != kMagic[i]) return std::nullopt;
  }
  const bool big = static_cast<unsigned char>(bytes[5]) == 2;  // EI_DATA
  const unsigned lo = static_cast<unsigned char>(bytes[big ? 19 : 18]);
  const unsigned hi = static_cast<unsigned char>(bytes[big ? 18 : 19]);
  const unsigned machine = lo | (hi << 8);
  if (machine == 183) return Arch::kArm64;  // EM_AARCH64
  if (machine == 40) return Arch::kArm;     // EM_ARM
  return std::nullopt;
}

}  // namespace

Expected<std::unique_ptr<DumpFile>> OpenInputDump(const DumpInput& input,
                                                  const DebuginfoInput& debuginfo,
                                                  const KernelLimits& limits,
                                                  DiagnosticSink& diagnostics) {
  if (input.ram.empty()) {
    // A split kdump-compressed dump: `vmcore` is its first file.
    std::vector<std::filesystem::path> paths{input.vmcore};
    paths.insert(paths.end(), input.split_parts.begin(), input.split_parts.end());
    return OpenDumpSet(paths, input.options, diagnostics);
  }
  Arch arch = Arch::kArm64;
  if (input.arch) {
    arch = *input.arch;
  } else if (auto from_vmlinux =
                 debuginfo.vmlinux ? VmlinuxArch(*debuginfo.vmlinux) : std::nullopt) {
    arch = *from_vmlinux;
  } else if (!debuginfo.vmlinux) {
    diagnostics.Warn(
        "raw RAM images do not say their architecture and no VMLINUX or --arch was "
        "given; assuming arm64");
  }
  RawDumpOptions raw_options;
  raw_options.max_vmcoreinfo_size = limits.max_vmcoreinfo_size;
  return OpenRawDump(input.ram, input.vmcoreinfo, arch, raw_options, diagnostics);
}

DebuginfoSearch DebuginfoSearchFor(const DebuginfoInput& debuginfo, std::string release) {
  return DebuginfoSearch(debuginfo.search, std::move(release));
}

Expected<DebugInfo> OpenVmlinux(const DebuginfoInput& debuginfo, const DumpFile& dump,
                                const KernelLimits& limits, DiagnosticSink& diagnostics) {
  if (debuginfo.vmlinux) return DebugInfo::Open(*debuginfo.vmlinux);
  CollectingDiagnostics quiet;  // ReadVmcoreinfo's warnings are repeated by the target
  auto vmcoreinfo = ReadVmcoreinfo(dump, limits, quiet);
  if (!vmcoreinfo.ok()) return vmcoreinfo.error();
  const std::string release = vmcoreinfo->OsRelease().value_or("");
  auto build_id = vmcoreinfo->BuildId();
  if (build_id) {
    std::transform(build_id->begin(), build_id->end(), build_id->begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  }
  const DebuginfoSearch search = DebuginfoSearchFor(debuginfo, release);
  ModuleDebuginfoLookup lookup =
      search.FindVmlinux(build_id, !release.empty() && BuildIdUnreliable(release));
  if (!lookup.found) {
    return Error(ErrorCode::kLookup,
                 fmt::format("no VMLINUX given and none found for release \"{}\" build-id {}: "
                             "name it, or point --debuginfo/--sysroot at the debug files; "
                             "looked at: {}",
                             release, build_id.value_or("unknown"), fmt::join(lookup.tried, "; ")));
  }
  diagnostics.Warn(fmt::format("no VMLINUX given: using {} (matched by {})",
                               lookup.found->info.path().string(), lookup.found->matched_by));
  return std::move(lookup.found->info);
}

std::string TargetRelease(const KernelTarget& target, const DebugInfo& vmlinux) {
  std::string release = target.summary().osrelease.value_or("");
  if (release.empty()) {
    if (auto from_vmlinux = VmlinuxRelease(vmlinux); from_vmlinux.ok()) release = *from_vmlinux;
  }
  return release;
}

}  // namespace csd
