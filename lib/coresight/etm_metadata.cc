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

namespace {

// The magic check shared by every parser: a block of another known protocol
// is named, so the warning says what the dump holds.
Status CheckMagic(ByteReader& reader, size_t size, uint64_t want, std::string_view name) {
  if (size < 8) return Status();
  const uint64_t magic = *reader.U64(0);
  if (magic == want) return Status();
  const std::string known = EtmMagicName(magic);
  return Error(
      ErrorCode::kCorrupt,
      known.empty()
          ? fmt::format("magic {:#018x} is not the {} magic {:#018x}", magic, name, want)
          : fmt::format("{} metadata (magic {:#018x}) is not an {} block", known, magic, name));
}

Status CheckCpu(uint64_t cpu, int64_t node_cpu) {
  if (static_cast<int64_t>(cpu) == node_cpu) return Status();
  return Error(ErrorCode::kCorrupt,
               fmt::format("the block's cpu word is {} but the node is for cpu {}", cpu, node_cpu));
}

}  // namespace

Expected<EtmV3Registers> ParseEtmV3Metadata(std::span<const std::byte> block, int64_t node_cpu) {
  ByteReader reader(block, Endian::kLittle, "ETM metadata");
  CSD_RETURN_IF_ERROR(CheckMagic(reader, block.size(), kEtmV3Magic, "ETMv3/PTM"));
  if (block.size() != kEtmV3BlockSize) {
    return Error(ErrorCode::kCorrupt, fmt::format("{} bytes, but an ETMv3/PTM block is {} bytes",
                                                  block.size(), kEtmV3BlockSize));
  }
  EtmV3Registers regs;
  regs.cpu = *reader.U64(8);
  regs.etmcr = *reader.U64(16);
  regs.etmtraceidr = *reader.U64(24);
  regs.etmccer = *reader.U64(32);
  regs.etmidr = *reader.U64(40);
  CSD_RETURN_IF_ERROR(CheckCpu(regs.cpu, node_cpu));
  return regs;
}

Expected<EteRegisters> ParseEteMetadata(std::span<const std::byte> block, int64_t node_cpu) {
  ByteReader reader(block, Endian::kLittle, "ETM metadata");
  CSD_RETURN_IF_ERROR(CheckMagic(reader, block.size(), kEteMagic, "ETE"));
  if (block.size() < 3 * 8) {
    return Error(ErrorCode::kCorrupt,
                 fmt::format("{} bytes, too short for an ETE block header", block.size()));
  }
  const uint64_t nr = *reader.U64(16);
  if (nr < kEteMinParams || nr > kEteMaxParams) {
    return Error(ErrorCode::kCorrupt, fmt::format("ETE block has {} parameters; expected {} or {}",
                                                  nr, kEteMinParams, kEteMaxParams));
  }
  if (block.size() != (3 + nr) * 8) {
    return Error(ErrorCode::kCorrupt,
                 fmt::format("{} bytes, but an ETE block with {} parameters is {} bytes",
                             block.size(), nr, (3 + nr) * 8));
  }
  EteRegisters regs;
  regs.v4.cpu = *reader.U64(8);
  regs.v4.trcconfigr = *reader.U64(24);
  regs.v4.trctraceidr = *reader.U64(32);
  regs.v4.trcidr0 = *reader.U64(40);
  regs.v4.trcidr1 = *reader.U64(48);
  regs.v4.trcidr2 = *reader.U64(56);
  regs.v4.trcidr8 = *reader.U64(64);
  regs.v4.trcauthstatus = *reader.U64(72);
  regs.trcdevarch = *reader.U64(80);
  if (nr == kEteMaxParams) regs.ts_source = *reader.U64(88);
  CSD_RETURN_IF_ERROR(CheckCpu(regs.v4.cpu, node_cpu));
  return regs;
}

Expected<EtmV4Registers> ParseEtmV4Metadata(std::span<const std::byte> block, int64_t node_cpu) {
  ByteReader reader(block, Endian::kLittle, "ETM metadata");
  if (block.size() >= 8) {
    const uint64_t magic = *reader.U64(0);
    if (magic != kEtmV4Magic) {
      const std::string known = EtmMagicName(magic);
      return Error(
          ErrorCode::kCorrupt,
          known.empty()
              ? fmt::format("magic {:#018x} is not the ETMv4 magic {:#018x}", magic, kEtmV4Magic)
              : fmt::format("{} metadata (magic {:#018x}) is not decoded by this version", known,
                            magic));
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
    return Error(
        ErrorCode::kCorrupt,
        fmt::format("the block's cpu word is {} but the node is for cpu {}", regs.cpu, node_cpu));
  }
  return regs;
}

}  // namespace csd
