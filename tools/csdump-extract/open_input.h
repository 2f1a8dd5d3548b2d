// SPDX-License-Identifier: MIT
// The dump a command reads: a vmcore, or raw RAM images (--ram) whose
// architecture comes from the vmlinux or --arch, since a raw image has no header.
#pragma once

#include <array>
#include <filesystem>
#include <memory>
#include <optional>
#include <vector>

#include "base/diagnostics.h"
#include "base/mapped_file.h"
#include "debuginfo/debuginfo_search.h"
#include "dump/dump_file.h"
#include "dump/raw/raw_image.h"
#include "kernel/kernel_target.h"
#include "options.h"

namespace csd::cli {

// The vmlinux's e_machine, read from the ELF header alone so the dump can be
// opened before the DWARF is loaded (keeping the dump-first error order).
// nullopt when the file is not a readable ELF; DebugInfo::Open says why later.
inline std::optional<Arch> VmlinuxArch(const std::string& path) {
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

// Where module and vmlinux debug files are looked for: --debuginfo first,
// then the standard places under --sysroot for `release`.
inline DebuginfoSearch DebuginfoSearchFrom(const Options& options, std::string release) {
  return DebuginfoSearch(DebuginfoSearchOptions{.paths = {options.debuginfo_paths.begin(),
                                                          options.debuginfo_paths.end()},
                                                .sysroot = options.sysroot},
                         std::move(release));
}

// The crashed kernel's release: VMCOREINFO's, else the vmlinux's own.
inline std::string TargetRelease(const KernelTarget& target, const DebugInfo& vmlinux) {
  std::string release = target.summary().osrelease.value_or("");
  if (release.empty()) {
    if (auto from_vmlinux = VmlinuxRelease(vmlinux); from_vmlinux.ok()) release = *from_vmlinux;
  }
  return release;
}

inline DumpOpenOptions DumpOptionsFrom(const Options& options) {
  DumpOpenOptions dump_options;
  dump_options.zero_fill_excluded = options.zero_fill_excluded;
  dump_options.notes = options.note_limits;
  return dump_options;
}

inline TargetOptions TargetOptionsFrom(const Options& options) {
  TargetOptions target_options;
  target_options.overrides = options.overrides;
  target_options.allow_mismatch = options.allow_mismatch;
  target_options.limits = options.kernel_limits;
  return target_options;
}

inline Expected<std::unique_ptr<DumpFile>> OpenInputDump(const Options& options,
                                                         const DumpOpenOptions& dump_options,
                                                         DiagnosticSink& diagnostics) {
  if (options.ram.empty()) {
    // --split-part: VMCORE is the first file of a split kdump-compressed dump.
    std::vector<std::filesystem::path> paths{options.vmcore};
    paths.insert(paths.end(), options.split_parts.begin(), options.split_parts.end());
    return OpenDumpSet(paths, dump_options, diagnostics);
  }
  Arch arch = Arch::kArm64;
  if (options.arch) {
    arch = *options.arch;
  } else if (auto from_vmlinux = options.vmlinux ? VmlinuxArch(*options.vmlinux) : std::nullopt) {
    arch = *from_vmlinux;
  } else if (!options.vmlinux) {
    diagnostics.Warn(
        "raw RAM images do not say their architecture and no VMLINUX or --arch was "
        "given; assuming arm64");
  }
  std::optional<std::filesystem::path> vmcoreinfo;
  if (options.vmcoreinfo_file) vmcoreinfo = *options.vmcoreinfo_file;
  RawDumpOptions raw_options;
  raw_options.max_vmcoreinfo_size = options.kernel_limits.max_vmcoreinfo_size;
  return OpenRawDump(options.ram, vmcoreinfo, arch, raw_options, diagnostics);
}

}  // namespace csd::cli
