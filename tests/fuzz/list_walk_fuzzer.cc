// SPDX-License-Identifier: MIT
// The list walker over hostile memory: VA == PA, the input is memory at
// 0x1000 with the head at its start; the first byte picks the layout.
#include "fuzz_support.h"
#include "kernel/list_walk.h"
#include "memory/kernel_memory.h"

namespace {
class Identity final : public csd::Translator {
 public:
  csd::Expected<csd::Translation> Translate(uint64_t va) const override {
    return csd::Translation{va, 4096 - va % 4096, "identity"};
  }
  std::vector<std::string> Explain(uint64_t) const override { return {}; }
};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  csd::fuzz::SpanMemory memory(0x1000, csd::fuzz::Bytes(data + 1, size - 1));
  Identity identity;
  csd::KernelMemory kernel(identity, memory, csd::Endian::kLittle);
  const bool swapped = data[0] & 1;
  const unsigned pointer = (data[0] & 2) ? 4 : 8;
  csd::ListHeadLayout layout{swapped ? pointer : 0, swapped ? 0 : pointer, pointer};
  auto result = csd::WalkList(kernel, 0x1000, layout, 1000);
  (void)result;
  return 0;
}
