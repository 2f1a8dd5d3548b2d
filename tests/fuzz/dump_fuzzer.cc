// SPDX-License-Identifier: MIT
// Every dump container through the same probe the tool uses (ELF cores and
// their notes, and each backend registered in dump/probe.cc), then reads of
// every segment, as extraction would do, and one batch of reads across the
// ranges, as a scattered vmalloc buffer is read (kdump decodes it on threads).
#include <algorithm>
#include <array>
#include <vector>

#include "dump/dump_file.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  csd::fuzz::MemFile file(csd::fuzz::Bytes(data, size));
  if (!file.ok()) return 0;
  for (bool zero_fill : {false, true}) {
    csd::CollectingDiagnostics diagnostics;
    csd::DumpOpenOptions options;
    options.zero_fill_excluded = zero_fill;
    auto dump = csd::OpenDump(file.path(), options, diagnostics);
    if (!dump.ok()) continue;
    (void)(*dump)->VmcoreinfoText();
    std::array<std::byte, 512> buffer{};
    for (const auto& segment : (*dump)->segments()) {
      (void)(*dump)->ReadPhysical(segment.paddr, buffer);
      (void)(*dump)->ReadPhysical(segment.paddr + segment.mem_size - 1, std::span(buffer).first(1));
    }
    std::vector<csd::PhysicalMemory::Request> batch;
    std::vector<std::array<std::byte, 4096>> pages;
    const auto ranges = (*dump)->Ranges();
    pages.resize(std::min<size_t>(ranges.size(), 16) * 4);
    for (const auto& range : ranges) {
      (void)(*dump)->ReadPhysical(range.start + range.size / 2, buffer);
      // Whole pages from the start, the middle and the end of each range,
      // and one that straddles its end: the batch mixes every path.
      for (uint64_t pa : {range.start, range.start + range.size / 2 / 4096 * 4096,
                          range.start + range.size - 4096, range.start + range.size - 100}) {
        if (batch.size() == pages.size()) break;
        batch.push_back({pa, pages[batch.size()]});
      }
    }
    size_t failed = 0;
    (void)(*dump)->ReadPhysicalBatch(batch, failed);
  }
  return 0;
}
