// SPDX-License-Identifier: MIT
// The composition root of csdump-mkcore: spec + vmlinux -> memory image ->
// page tables -> notes -> ELF plan -> vmcore + expected.json. BuildCore does
// no I/O so tests can inspect every intermediate product; WriteCore writes.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/error.h"
#include "csdump-mkcore/arm64_layout.h"
#include "csdump-mkcore/elf_core_writer.h"
#include "csdump-mkcore/kernel_layout_writer.h"
#include "csdump-mkcore/kernel_model.h"
#include "csdump-mkcore/module_object.h"
#include "csdump-mkcore/module_writer.h"
#include "csdump-mkcore/phys_image.h"
#include "csdump-mkcore/spec.h"

namespace csd::mkcore {

struct BuiltCore {
  Arm64Layout layout;
  std::unique_ptr<PhysImage> image;
  KernelWriteResult written;
  uint64_t pgd_pa = 0;
  std::string vmcoreinfo;
  ElfCorePlan plan;
  std::string expected_json;
  // Set when the spec asks for "format": "kdump-compressed" (kdump_writer.h).
  std::optional<KdumpOptions> kdump = std::nullopt;
  std::vector<std::vector<std::byte>> kdump_files = {};  // vmcore, or vmcore.1..N
  std::string release = {};  // utsname.release for containers that carry it
  bool elf32 = false;        // a 32-bit ARM core: ELF32 EM_ARM headers (arm_core_builder.h)
  // Set for "format": "raw" (raw_writer.h): RAM image files instead of a vmcore.
  std::optional<RawVmcoreinfo> raw = std::nullopt;
  // Set when the vmlinux has a loaded-module list (module_writer.h).
  std::optional<ModuleWriteResult> modules = std::nullopt;
};

// `objects`: the module files spec "modules[].object" indexes (--module).
Expected<BuiltCore> BuildCore(const Spec& spec, const KernelModel& kernel,
                              std::span<const ModuleObject> objects = {});

// Creates `out_dir` if needed; writes out_dir/vmcore and out_dir/expected.json
// (each through a temporary name, so a failed run leaves no half file).
Status WriteCore(const BuiltCore& core, const std::filesystem::path& out_dir);

// The whole tool: load the spec and vmlinux, build, write.
struct MkcoreOptions {
  std::filesystem::path spec_path;
  std::optional<std::filesystem::path> vmlinux;
  std::filesystem::path out_dir;
  std::vector<std::filesystem::path> modules = {};  // --module, in order
};
Expected<BuiltCore> RunMkcore(const MkcoreOptions& options);

}  // namespace csd::mkcore
