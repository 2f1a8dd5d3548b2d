// SPDX-License-Identifier: MIT
// expected.json: the oracle end-to-end tests compare csdump-extract's
// manifest against. It is derived from what was actually written (not from
// the spec's intent alone): the list is walked over the written pointers with
// cycle detection, and every byte a reader needs is checked against the
// final file (truncation, excluded tail, vmalloc table pages), so a corruption
// yields the same verdict a correct reader must reach.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "base/error.h"
#include "csdump-mkcore/arm64_layout.h"
#include "csdump-mkcore/arm64_pgtable_builder.h"
#include "csdump-mkcore/elf_core_writer.h"
#include "csdump-mkcore/kernel_layout_writer.h"
#include "csdump-mkcore/kernel_model.h"
#include "csdump-mkcore/module_writer.h"
#include "csdump-mkcore/phys_image.h"
#include "csdump-mkcore/spec.h"

namespace csd::mkcore {

struct ExpectedInputs {
  const Spec& spec;
  const KernelModel& kernel;
  const DumpListTypes& types;  // of the list as written (vmlinux or owning module)
  const Arm64Layout& layout;
  const KernelWriteResult& written;
  const ElfCorePlan& plan;
  const PhysImage& image;
  // The PAs of the descriptors a table walk of a VA reads (the arm64 or ARM
  // builder's WalkDescriptorAddresses).
  std::function<std::vector<uint64_t>(uint64_t)> descriptor_addresses;
  // The loaded-module list, when the vmlinux has one.
  const ModuleWriteResult* modules = nullptr;
};

// Pretty-printed JSON text with a trailing newline; keys in a fixed order.
Expected<std::string> BuildExpectedJson(const ExpectedInputs& in);

std::string Sha256Hex(std::span<const std::byte> bytes);

}  // namespace csd::mkcore
