// SPDX-License-Identifier: MIT
#include "coresight/etm_metadata.h"

#include <fmt/format.h>

#include "base/byte_reader.h"

namespace csd {

std::string EtmMagicName(uint64_t magic) {
  switch (magic) {
    case kEtmV3Magic: return "ETMv3/PTM";
    case kEtmV4Magic: return "ETMv4";
    case kEteMagic: return "ETE";
    default: return "";
  }
}

Expected<EtmV4Registers> ParseEtmV4Metadata(std::span<const std::byte> block, int64_t node_cpu) {
  ByteReader reader(block, Endian::kLittle, "ETM metadata");
  if (block.size() >= 8) {
    const uint64_t magic = *reader.U64(0);
    if (magic != kEtmV4Magic) {
      const std::string known = EtmMagicName(magic);
      return Error(ErrorCode::kCorrupt,
                   known.empty()
                       ? fmt::format("magic {:#018x} is not the ETMv4 magic {:#018x}", magic,
                                     kEtmV4Magic)
                       : fmt::format("{} metadata (magic {:#018x}) is not decoded by this version",
                                     known, magic));
    }
  }
  if (block.size() != kEtmV4BlockSize) {
    return Error(ErrorCode::kCorrupt, fmt::format("{} bytes, but an ETMv4 block is {} bytes",
                                                  block.size(), kEtmV4BlockSize));
  }
  EtmV4Registers regs;
  regs.cpu = *reader.U64(8);
  regs.trcconfigr = *reader.U64(16);
  regs.trctraceidr = *reader.U64(24);
  regs.trcidr0 = *reader.U64(32);
  regs.trcidr1 = *reader.U64(40);
  regs.trcidr2 = *reader.U64(48);
  regs.trcidr8 = *reader.U64(56);
  regs.trcauthstatus = *reader.U64(64);
  if (static_cast<int64_t>(regs.cpu) != node_cpu) {
    return Error(ErrorCode::kCorrupt,
                 fmt::format("the block's cpu word is {} but the node is for cpu {}", regs.cpu,
                             node_cpu));
  }
  return regs;
}

}  // namespace csd
