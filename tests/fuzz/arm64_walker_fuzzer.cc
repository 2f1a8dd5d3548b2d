// SPDX-License-Identifier: MIT
// The arm64 translator over hostile page tables: the first bytes choose the
// geometry, the rest is physical memory from PA 0 holding the tables (root at
// PA 0). Translates and explains addresses taken from the input.
#include "base/byte_reader.h"
#include "fuzz_support.h"
#include "memory/kernel_memory.h"
#include "xlat/arm64_translator.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 32) return 0;
  const auto bytes = csd::fuzz::Bytes(data, size);
  csd::ByteReader header(bytes.first(32), csd::Endian::kLittle);
  csd::Arm64Params params;
  constexpr unsigned kShifts[] = {12, 14, 16};
  params.page_shift = kShifts[*header.U8(0) % 3];
  params.va_bits = 36 + *header.U8(1) % 17;
  params.translation_va_bits = 36 + *header.U8(2) % 17;
  params.pa_bits = (*header.U8(3) & 1) ? 52 : 48;
  params.flipped_layout = (*header.U8(3) & 2) != 0;
  params.phys_offset = *header.U64(8);
  params.kimage_voffset = *header.U64(16);
  params.pgd_pa = 0;
  csd::fuzz::SpanMemory memory(0, bytes.subspan(32));
  auto translator = csd::MakeArm64Translator(params, memory);
  csd::KernelMemory kernel(*translator, memory, csd::Endian::kLittle);
  const uint64_t seed = *header.U64(24);
  for (int i = 0; i < 8; ++i) {
    const uint64_t va = ~uint64_t{0} - (seed * (i + 1) * 0x9e3779b97f4a7c15ull >> (i * 3));
    (void)translator->Translate(va);
    (void)translator->Explain(va);
    std::byte buffer[64];
    (void)kernel.Read(va, buffer);
  }
  return 0;
}
