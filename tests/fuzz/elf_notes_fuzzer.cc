// SPDX-License-Identifier: MIT
// The ELF note stream parser on its own (PT_NOTE contents, and the notes
// blob of kdump-compressed headers).
#include "dump/elf/elf_notes.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  for (auto endian : {csd::Endian::kLittle, csd::Endian::kBig}) {
    csd::ByteReader stream(csd::fuzz::Bytes(data, size), endian, "fuzz notes");
    std::vector<csd::DumpNote> notes;
    csd::CollectingDiagnostics diagnostics;
    csd::ParseElfNotes(stream, 0, "fuzz", csd::NoteLimits{}, notes, diagnostics);
    (void)csd::FindVmcoreinfo(notes);
  }
  return 0;
}
