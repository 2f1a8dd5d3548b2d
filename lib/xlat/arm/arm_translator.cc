// SPDX-License-Identifier: MIT
// Chooses how to translate a 32-bit ARM kernel VA: lowmem by the linear
// formula (arch/arm/include/asm/memory.h __virt_to_phys), everything else by
// walking swapper_pg_dir.
#include "xlat/arm/arm_translator.h"

#include <fmt/format.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "xlat/arm/arm_walker.h"
#include "xlat/tracing_translator.h"

namespace csd {

namespace {

Status Validate(const ArmParams& params) {
  // Non-LPAE: TTBR0 with TTBCR.N = 0 holds a 16 KiB-aligned L1 table (ARM ARM
  // B4.1.154); LPAE: the first-level table of 4 entries is 32-byte aligned
  // (B4.1.155). swapper_pg_dir satisfies both (arch/arm/kernel/head.S).
  const uint64_t alignment = params.lpae ? 32 : 0x4000;
  if (params.pgd_pa % alignment != 0) {
    return Error(ErrorCode::kInvalidArgument,
                 fmt::format("ARM page-table root PA {:#x} is not aligned to {} bytes ({} tables)",
                             params.pgd_pa, alignment, params.lpae ? "LPAE" : "short-descriptor"));
  }
  if (!params.lpae && params.pgd_pa > 0xffffffffu) {
    return Error(ErrorCode::kInvalidArgument,
                 fmt::format("ARM page-table root PA {:#x} is above 4 GiB, which TTBR cannot hold "
                             "without LPAE",
                             params.pgd_pa));
  }
  if (params.high_memory != 0 &&
      (params.high_memory <= params.page_offset || params.high_memory > kArmVmallocEnd)) {
    return Error(ErrorCode::kInvalidArgument,
                 fmt::format("ARM high_memory {:#x} is outside (PAGE_OFFSET {:#x}, {:#x}]",
                             params.high_memory, params.page_offset, kArmVmallocEnd));
  }
  return OkStatus();
}

class ArmTranslator final : public TracingTranslator {
 public:
  ArmTranslator(const ArmParams& params, const PhysicalMemory& physical)
      : params_(params), status_(Validate(params)) {
    if (status_.ok()) walker_.emplace(params.lpae, params.pgd_pa, physical);
  }

 private:
  bool InLowmem(uint64_t va) const {
    return params_.high_memory != 0 && va >= params_.page_offset && va < params_.high_memory;
  }

  Expected<Translation> Resolve(uint64_t va, std::vector<std::string>* steps) const override {
    if (!status_.ok()) {
      if (steps) steps->push_back("invalid ARM parameters: " + status_.error().Describe());
      return status_.error();
    }
    Translation t;
    if (InLowmem(va)) {
      if (steps) {
        steps->push_back(fmt::format(
            "VA {:#x}: lowmem [{:#x}, high_memory {:#x}), PA = VA - PAGE_OFFSET {:#x} + "
            "PHYS_OFFSET {:#x}",
            va, params_.page_offset, params_.high_memory, params_.page_offset,
            params_.phys_offset));
      }
      t = Translation{va - params_.page_offset + params_.phys_offset, params_.high_memory - va,
                      "linear"};
    } else {
      auto walked = walker_->Walk(va, steps);
      if (!walked.ok()) return walked;
      t = *walked;
    }
    return t;
  }

  ArmParams params_;
  Status status_;                    // why the parameters are unusable, if they are
  std::optional<ArmWalker> walker_;  // set when status_ is ok
};

}  // namespace

std::unique_ptr<Translator> MakeArmTranslator(const ArmParams& params,
                                              const PhysicalMemory& physical) {
  return std::make_unique<ArmTranslator>(params, physical);
}

}  // namespace csd
