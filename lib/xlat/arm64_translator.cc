// SPDX-License-Identifier: MIT
// Chooses how to translate an arm64 kernel VA: the kernel image by
// kimage_voffset, the linear map by PAGE_OFFSET/PHYS_OFFSET arithmetic, and
// everything else (vmalloc, modules, fixmap, vmemmap) by the page-table walk.
#include "xlat/arm64_translator.h"

#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "xlat/arm64_paging.h"
#include "xlat/arm64_walker.h"
#include "xlat/tracing_translator.h"

namespace csd {

uint64_t Arm64PageOffset(const Arm64Params& params) {
  if (params.va_bits == 0 || params.va_bits > 63) return 0;
  // b6d00d47e81a (v5.4) put the linear map at the bottom of the kernel half,
  // -2^VA_BITS; before it, the linear map was the top half, -2^(VA_BITS-1).
  return params.flipped_layout ? ~uint64_t{0} << params.va_bits
                               : ~uint64_t{0} << (params.va_bits - 1);
}

unsigned Arm64VaBitsMin(const Arm64Params& params) {
  if (params.va_bits <= 48) return params.va_bits;
  return params.page_shift == 14 ? 47 : 48;
}

uint64_t Arm64PageEnd(const Arm64Params& params) {
  if (params.va_bits == 0 || params.va_bits > 63) return 0;
  if (!params.flipped_layout) return 0;  // the linear map runs to the top of the address space
  // PAGE_END = _PAGE_END(VA_BITS_MIN): with 52-bit VAs the linear map still
  // ends where the fallback VA size would end it, so a CPU without 52-bit
  // VAs can run the same kernel (v6.9 made VA_BITS_MIN 47 for 16K pages).
  return ~uint64_t{0} << (Arm64VaBitsMin(params) - 1);
}

unsigned Arm64Levels(const Arm64Params& params) {
  return Arm64LevelCount(params.page_shift, params.translation_va_bits);
}

namespace {

Status ValidateLayout(const Arm64Params& params) {
  if (params.va_bits < 36 || params.va_bits > 52) {
    return Error(ErrorCode::kInvalidArgument,
                 fmt::format("arm64 VA_BITS {} is outside 36..52", params.va_bits));
  }
  if (params.kimage_start > params.kimage_end) {
    return Error(ErrorCode::kInvalidArgument,
                 fmt::format("arm64 kernel image range [{:#x}, {:#x}) is reversed",
                             params.kimage_start, params.kimage_end));
  }
  return OkStatus();
}

class Arm64Translator final : public TracingTranslator {
 public:
  Arm64Translator(const Arm64Params& params, const PhysicalMemory& physical)
      : params_(params), page_offset_(Arm64PageOffset(params)), page_end_(Arm64PageEnd(params)) {
    auto geometry =
        MakeArm64Geometry(params.page_shift, params.translation_va_bits, params.pa_bits);
    if (!geometry.ok()) {
      status_ = std::move(geometry).error();
      return;
    }
    status_ = ValidateLayout(params);
    if (!status_.ok()) return;
    // The architecture aligns a top-level table to its own size (TTBR BADDR);
    // swapper_pg_dir is page aligned. A misaligned root is a wrong parameter.
    const uint64_t top_bytes = geometry->Entries(geometry->top_level) * 8;
    if (params.pgd_pa % top_bytes != 0) {
      status_ = Error(ErrorCode::kInvalidArgument,
                      fmt::format("arm64 page-table root PA {:#x} is not aligned to its {}-byte "
                                  "top-level table",
                                  params.pgd_pa, top_bytes));
      return;
    }
    walker_.emplace(*geometry, params.pgd_pa, physical);
  }

 private:
  bool InKimage(uint64_t va) const { return va >= params_.kimage_start && va < params_.kimage_end; }
  bool InLinear(uint64_t va) const {
    // page_end_ == 0 (pre-5.4) stands for 2^64.
    return va >= page_offset_ && (page_end_ == 0 || va < page_end_);
  }

  Expected<Translation> Resolve(uint64_t va, std::vector<std::string>* steps) const override {
    if (!status_.ok()) {
      if (steps) steps->push_back("invalid arm64 parameters: " + status_.error().Describe());
      return status_.error();
    }
    Translation t;
    if (InKimage(va)) {
      if (steps) {
        steps->push_back(
            fmt::format("VA {:#x}: kernel image [{:#x}, {:#x}), PA = VA - kimage_voffset {:#x}", va,
                        params_.kimage_start, params_.kimage_end, params_.kimage_voffset));
      }
      t = Translation{va - params_.kimage_voffset, params_.kimage_end - va, "kimage"};
    } else if (InLinear(va)) {
      // Both formulas wrap mod 2^64 on purpose: memstart_addr is "negative"
      // when the linear map is randomised (e.g. 0xfffff2ab80000000).
      if (params_.flipped_layout) {
        if (steps) {
          steps->push_back(
              fmt::format("VA {:#x}: linear map [{:#x}, {:#x}) (5.4+ layout), PA = VA - {:#x} + "
                          "PHYS_OFFSET {:#x}",
                          va, page_offset_, page_end_, page_offset_, params_.phys_offset));
        }
        t = Translation{va - page_offset_ + params_.phys_offset, page_end_ - va, "linear"};
      } else {
        if (steps) {
          steps->push_back(
              fmt::format("VA {:#x}: linear map [{:#x}, 2^64) (pre-5.4 layout), PA = (VA & {:#x}) "
                          "+ PHYS_OFFSET {:#x}",
                          va, page_offset_, ~page_offset_, params_.phys_offset));
        }
        // 0 - va is 2^64 - va: the bytes left to the top of the address space.
        t = Translation{(va & ~page_offset_) + params_.phys_offset, 0 - va, "linear"};
      }
    } else {
      auto walked = walker_->Walk(va, steps);
      if (!walked.ok()) return walked;
      t = *walked;
    }
    return t;
  }

  Arm64Params params_;
  uint64_t page_offset_;
  uint64_t page_end_;
  Status status_;                      // why the parameters are unusable, if they are
  std::optional<Arm64Walker> walker_;  // set when status_ is ok
};

}  // namespace

std::unique_ptr<Translator> MakeArm64Translator(const Arm64Params& params,
                                                const PhysicalMemory& physical) {
  return std::make_unique<Arm64Translator>(params, physical);
}

}  // namespace csd
