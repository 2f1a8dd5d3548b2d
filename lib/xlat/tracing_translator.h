// SPDX-License-Identifier: MIT
// Base for translators whose Explain() is the trace of Translate(): both run
// one Resolve() that appends a line per step when asked, so the explanation
// can never drift from the translation it explains.
#pragma once

#include <fmt/format.h>

#include <string>
#include <vector>

#include "memory/translator.h"

namespace csd {

class TracingTranslator : public Translator {
 public:
  Expected<Translation> Translate(uint64_t va) const final { return Trace(va, nullptr); }

  std::vector<std::string> Explain(uint64_t va) const final {
    std::vector<std::string> steps;
    (void)Trace(va, &steps);
    return steps;
  }

 protected:
  // Translates `va`; when `steps` is non-null, appends one line per step
  // (the failing step last). Must not allocate when `steps` is null.
  virtual Expected<Translation> Resolve(uint64_t va, std::vector<std::string>* steps) const = 0;

 private:
  Expected<Translation> Trace(uint64_t va, std::vector<std::string>* steps) const {
    auto t = Resolve(va, steps);
    if (t.ok() && steps) {
      steps->push_back(
          fmt::format("PA {:#x} ({}, {:#x} bytes contiguous)", t->pa, t->method, t->contiguous));
    }
    return t;
  }
};

}  // namespace csd
