// SPDX-License-Identifier: MIT
// The 32-bit ARM translator (short-descriptor and LPAE) over hostile tables:
// the first bytes choose the parameters, the rest is physical memory from PA 0
// with the root table at 0 (16 KiB-aligned as the short format requires).
#include "base/byte_reader.h"
#include "fuzz_support.h"
#include "memory/kernel_memory.h"
#include "xlat/arm/arm_translator.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 24) return 0;
  const auto bytes = csd::fuzz::Bytes(data, size);
  csd::ByteReader header(bytes.first(24), csd::Endian::kLittle);
  constexpr uint32_t kPageOffsets[] = {0xC0000000, 0xB0000000, 0x80000000, 0x40000000};
  csd::ArmParams params;
  params.page_offset = kPageOffsets[*header.U8(0) % 4];
  params.lpae = (*header.U8(1) & 1) != 0;
  params.phys_offset = *header.U32(4);
  params.high_memory = (*header.U8(1) & 2) ? *header.U32(8) : 0;
  params.pgd_pa = 0;
  csd::fuzz::SpanMemory memory(0, bytes.subspan(24));
  auto translator = csd::MakeArmTranslator(params, memory);
  csd::KernelMemory kernel(*translator, memory, csd::Endian::kLittle);
  const uint64_t seed = *header.U64(16);
  for (int i = 0; i < 8; ++i) {
    const uint64_t va = static_cast<uint32_t>(seed >> (i * 4)) | (i % 2 ? 0xf0000000u : 0);
    (void)translator->Translate(va);
    (void)translator->Explain(va);
    std::byte buffer[64];
    (void)kernel.Read(va, buffer);
  }
  return 0;
}
