// SPDX-License-Identifier: MIT
// The composition root of csdump-mkcore: spec + vmlinux -> memory image ->
// page tables -> notes -> ELF plan -> vmcore + expected.json. BuildCore does
// no I/O so tests can inspect every intermediate product; WriteCore writes.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "base/error.h"
#include "csdump-mkcore/arm64_layout.h"
#include "csdump-mkcore/elf_core_writer.h"
#include "csdump-mkcore/kernel_layout_writer.h"
#include "csdump-mkcore/kernel_model.h"
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
};

Expected<BuiltCore> BuildCore(const Spec& spec, const KernelModel& kernel);

// Creates `out_dir` if needed; writes out_dir/vmcore and out_dir/expected.json
// (each through a temporary name, so a failed run leaves no half file).
Status WriteCore(const BuiltCore& core, const std::filesystem::path& out_dir);

// The whole tool: load the spec and vmlinux, build, write.
struct MkcoreOptions {
  std::filesystem::path spec_path;
  std::optional<std::filesystem::path> vmlinux;
  std::filesystem::path out_dir;
};
Expected<BuiltCore> RunMkcore(const MkcoreOptions& options);

}  // namespace csd::mkcore
