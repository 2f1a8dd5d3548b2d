// SPDX-License-Identifier: MIT
// The raw RAM image reader (--ram FILE@ADDR, --vmcoreinfo FILE) over hostile
// input: the --ram argument text, a VMCOREINFO file (kernel text or the
// "PA SIZE" line of /sys/kernel/vmcoreinfo that points into the image), and
// the image bytes, which the VMCOREINFO scan and page reads then cover.
// Layout of the input: byte 0 = flags, bytes 1..8 = image base (LE), then
// up to 512 bytes of VMCOREINFO file up to the first 0xff byte, then the image.
#include <cstring>

#include "base/diagnostics.h"
#include "dump/raw/raw_image.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 10) return 0;
  const uint8_t flags = data[0];
  uint64_t base = 0;
  std::memcpy(&base, data + 1, 8);
  if ((flags & 1) == 0) base &= 0xffffffffffull;  // mostly plausible bases
  size_t at = 9;
  size_t info_end = at;
  while (info_end < size && info_end - at < 512 && data[info_end] != 0xff) ++info_end;
  const auto info_bytes = csd::fuzz::Bytes(data + at, info_end - at);
  const size_t image_at = info_end < size ? info_end + 1 : size;
  if (image_at >= size) return 0;
  csd::fuzz::MemFile image(csd::fuzz::Bytes(data + image_at, size - image_at));
  csd::fuzz::MemFile info(info_bytes);
  if (!image.ok() || !info.ok()) return 0;

  // The argument parser, on text derived from the input.
  std::string argument(reinterpret_cast<const char*>(info_bytes.data()),
                       std::min<size_t>(info_bytes.size(), 64));
  (void)csd::ParseRawImageArgument(argument);

  std::vector<csd::RawImageSpec> specs{{image.path(), base}};
  if (flags & 2) specs.push_back({image.path(), base + (size - image_at) + 4096 * (flags >> 4)});
  csd::RawDumpOptions options;
  options.max_scan_bytes = 1 << 20;
  options.scan_for_vmcoreinfo = (flags & 4) != 0;
  csd::CollectingDiagnostics diagnostics;
  std::optional<std::filesystem::path> vmcoreinfo;
  if (flags & 8) vmcoreinfo = info.path();
  auto dump = csd::OpenRawDump(specs, vmcoreinfo,
                               (flags & 0x10) ? csd::Arch::kArm : csd::Arch::kArm64, options,
                               diagnostics);
  if (!dump.ok()) return 0;
  (void)(*dump)->VmcoreinfoText();
  (void)(*dump)->Describe();
  std::byte page[4096];
  for (uint64_t pa : {base, base + 4095, base + (size - image_at) - 1, base + (size - image_at)}) {
    (void)(*dump)->ReadPhysical(pa, std::span(page).first(64));
  }
  return 0;
}
