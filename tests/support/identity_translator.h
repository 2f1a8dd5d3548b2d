// SPDX-License-Identifier: MIT
// A translator for unit tests: VA == PA, contiguous to the end of the page,
// so KernelMemory's page splitting is exercised too.
#pragma once

#include <fmt/format.h>

#include "memory/translator.h"

namespace csd::testing {

class IdentityTranslator final : public Translator {
 public:
  Expected<Translation> Translate(uint64_t va) const override {
    return Translation{va, 4096 - va % 4096, "identity"};
  }
  std::vector<std::string> Explain(uint64_t va) const override {
    return {fmt::format("identity {:#x}", va)};
  }
};

}  // namespace csd::testing
