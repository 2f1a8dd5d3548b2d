// SPDX-License-Identifier: MIT
// The interface between kernel virtual addresses and physical ones. xlat/
// implements it per architecture; kernel/ uses it through KernelMemory.
//
// Adding an architecture: implement Translator in xlat/<arch>/, add a
// Make<Arch>Translator factory in xlat/, derive its parameters from VMCOREINFO in
// kernel/arch_params.cc, and add synthetic-dump cases for it to the e2e tests.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/error.h"

namespace csd {

struct Translation {
  uint64_t pa = 0;
  // Bytes from the translated VA onwards that are known to map linearly to
  // pa onwards (at least 1; up to the end of the page, block or linear region).
  uint64_t contiguous = 1;
  // How it was translated: "linear", "kimage" or "page-table".
  const char* method = "";
};

class Translator {
 public:
  virtual ~Translator() = default;

  // kNotMapped when the VA has no valid mapping (with the level and entry at
  // which the walk stopped); kCorrupt when a descriptor is malformed; errors
  // from the physical memory when a table page cannot be read.
  virtual Expected<Translation> Translate(uint64_t va) const = 0;

  // The steps of translating `va`, one line each, for `info`/`--explain` and as
  // a test oracle. Never fails: a failing step is the last line.
  virtual std::vector<std::string> Explain(uint64_t va) const = 0;
};

}  // namespace csd
