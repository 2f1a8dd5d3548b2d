// SPDX-License-Identifier: MIT
#include "memory/kernel_memory.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <optional>

namespace csd {

namespace {

// A coalesced run never grows past this, so a bounded physical read still
// reports a failure close to where it happened and large reads interleave
// with the translation of what follows.
constexpr uint64_t kMaxRun = uint64_t{64} << 20;
// Runs handed to the physical memory in one batch. A vmalloc'd buffer is
// one run per page, so this is enough pages (1 MiB of 4 KiB pages) for a
// backend to spread over threads; the arrays live on the stack, because
// Read() must not allocate (it runs once per page of every buffer).
constexpr size_t kBatchRuns = 256;

}  // namespace

Status KernelMemory::Read(uint64_t va, std::span<std::byte> out) const {
  struct Run {
    uint64_t va = 0;
    uint64_t first_chunk = 0;  // bytes of the run's first translation
    const char* method = "";
  };
  std::array<PhysicalMemory::Request, kBatchRuns> requests;
  std::array<Run, kBatchRuns> runs;
  size_t done = 0;
  // Translated ahead while extending a run (a plain pair, not an optional:
  // gcc 12 warns spuriously about an optional<Translation> here).
  Translation next;
  bool have_next = false;
  while (done < out.size()) {
    // Translate as many runs as fit in a batch, stopping at the first
    // translation that fails: the reads before it still come first, so the
    // error reported is the one a byte-by-byte read would meet first.
    size_t count = 0;
    size_t batch_end = done;
    std::optional<Error> translation_error;
    while (batch_end < out.size() && count < kBatchRuns) {
      const uint64_t cur = va + batch_end;
      if (cur < va) {
        translation_error =
            Error(ErrorCode::kNotMapped, fmt::format("read at {:#x} wraps the address space", va));
        break;
      }
      Translation first;
      if (have_next) {
        first = next;
        have_next = false;
      } else {
        auto translation = translator_.Translate(cur);
        if (!translation.ok()) {
          translation_error =
              std::move(translation).error().AddContext(fmt::format("reading VA {:#x}", cur));
          break;
        }
        first = *translation;
      }
      const uint64_t remaining = out.size() - batch_end;
      const uint64_t first_chunk =
          std::min<uint64_t>(remaining, std::max<uint64_t>(first.contiguous, 1));
      // Pages of a vmalloc buffer are often physically adjacent: extend the
      // run while the next VA continues the same physical range, so the
      // physical memory sees one large read instead of one per page. A
      // translation that fails or jumps ends the run; it is redone (or
      // reused) as the next one.
      uint64_t run = first_chunk;
      while (run < remaining && run < kMaxRun) {
        auto ahead = translator_.Translate(cur + run);
        if (!ahead.ok()) break;
        if (ahead->pa != first.pa + run || first.pa + run < first.pa) {
          next = *ahead;
          have_next = true;
          break;
        }
        run += std::min<uint64_t>(remaining - run, std::max<uint64_t>(ahead->contiguous, 1));
      }
      requests[count] = {first.pa, out.subspan(batch_end, run)};
      runs[count] = {cur, first_chunk, first.method};
      ++count;
      batch_end += run;
    }
    if (count > 0) {
      size_t failed = 0;
      auto status = count == 1
                        ? physical_.ReadPhysical(requests[0].pa, requests[0].out)
                        : physical_.ReadPhysicalBatch(std::span(requests).first(count), failed);
      if (!status.ok()) {
        const Run& bad = runs[failed];
        const PhysicalMemory::Request& request = requests[failed];
        if (request.out.size() > bad.first_chunk) {
          // A coalesced run: redo it one translation at a time to name the
          // exact VA.
          CSD_RETURN_IF_ERROR(ReadUncoalesced(bad.va, request.out));
        }
        return std::move(status).error().AddContext(
            fmt::format("reading VA {:#x} (PA {:#x} via {})", bad.va, request.pa, bad.method));
      }
    }
    if (translation_error) return std::move(*translation_error);
    done = batch_end;
  }
  return OkStatus();
}

Status KernelMemory::ReadUncoalesced(uint64_t va, std::span<std::byte> out) const {
  size_t done = 0;
  while (done < out.size()) {
    const uint64_t cur = va + done;
    auto translation = translator_.Translate(cur);
    if (!translation.ok()) {
      return std::move(translation).error().AddContext(fmt::format("reading VA {:#x}", cur));
    }
    const uint64_t chunk =
        std::min<uint64_t>(out.size() - done, std::max<uint64_t>(translation->contiguous, 1));
    auto status = physical_.ReadPhysical(translation->pa, out.subspan(done, chunk));
    if (!status.ok()) {
      return std::move(status).error().AddContext(fmt::format(
          "reading VA {:#x} (PA {:#x} via {})", cur, translation->pa, translation->method));
    }
    done += chunk;
  }
  return OkStatus();
}

Expected<uint64_t> KernelMemory::ReadUnsigned(uint64_t va, size_t width) const {
  if (width == 0 || width > 8) {
    return Error(ErrorCode::kUnsupported, fmt::format("integer width {} at {:#x}", width, va));
  }
  std::array<std::byte, 8> buffer{};
  CSD_RETURN_IF_ERROR(Read(va, std::span(buffer).first(width)));
  return LoadUnsigned(std::span(buffer).first(width), endian_);
}

Expected<std::string> KernelMemory::ReadCString(uint64_t va, size_t max_length) const {
  std::string result;
  std::array<std::byte, 64> chunk{};
  while (result.size() < max_length) {
    const uint64_t cur = va + result.size();
    // Never read across a page we do not need: stop each chunk at a 64-byte
    // boundary so a short string at the end of a mapped page still reads.
    const size_t n =
        std::min<size_t>(chunk.size() - (cur % chunk.size()), max_length - result.size());
    CSD_RETURN_IF_ERROR(Read(cur, std::span(chunk).first(n)));
    for (size_t i = 0; i < n; ++i) {
      if (chunk[i] == std::byte{0}) return result;
      result.push_back(static_cast<char>(chunk[i]));
    }
  }
  return Error(ErrorCode::kLimit,
               fmt::format("string at {:#x} has no terminator within {} bytes", va, max_length));
}

}  // namespace csd
