// SPDX-License-Identifier: MIT
// The scan of raw RAM images for VMCOREINFO text (the seed's hang case:
// memory dumped by a bootloader, with no container to say where it is).
#include "dump/raw/raw_image.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto bytes = csd::fuzz::Bytes(data, size);
  (void)csd::ScanForVmcoreinfo(bytes, size, 64);
  (void)csd::ScanForVmcoreinfo(bytes, size / 2, 2);
  return 0;
}
