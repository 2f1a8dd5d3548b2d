// SPDX-License-Identifier: MIT
// csdump-mkcore for "arch": "arm" specs: a 32-bit ARM kernel's memory with
// its short-descriptor or LPAE swapper_pg_dir, written as an ELF32 EM_ARM
// core the way kexec-tools writes /proc/vmcore (real-kernel-dumps.md,
// "32-bit ARM"): VMCOREINFO without PHYS_OFFSET, PAGE_OFFSET or
// KERNELOFFSET; with "format": "kdump" each lowmem PT_LOAD carries its linear
// p_vaddr and the highmem one a bogus p_vaddr over the vmalloc area (which a
// reader must not trust); with "format": "qemu" every p_vaddr is 0.
#pragma once

#include <filesystem>

#include "base/error.h"
#include "csdump-mkcore/core_builder.h"

namespace csd::mkcore {

Expected<BuiltCore> BuildArmCore(const Spec& spec, const KernelModel& kernel);

// Replaces the ELF64 headers WriteElfCore wrote at the start of `path` with
// ELF32 EM_ARM ones describing the same notes and loads. The ELF32 headers
// are smaller, so the plan's note and data offsets stay valid.
Status RewriteAsElf32Arm(const std::filesystem::path& path, const ElfCorePlan& plan);

}  // namespace csd::mkcore
