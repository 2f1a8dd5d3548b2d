// SPDX-License-Identifier: MIT
// Every dump container through the same probe the tool uses (ELF cores and
// their notes, and each backend registered in dump/probe.cc), then reads of
// every segment, as extraction would do.
#include <array>

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
    for (const auto& range : (*dump)->Ranges()) {
      (void)(*dump)->ReadPhysical(range.start + range.size / 2, buffer);
    }
  }
  return 0;
}
