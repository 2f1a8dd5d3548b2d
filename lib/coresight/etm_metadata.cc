// SPDX-License-Identifier: MIT
#include "coresight/etm_metadata.h"

#include <fmt/format.h>

#include "base/byte_reader.h"

namespace csd {

std::string_view EtmProtocolName(EtmProtocol protocol) {
  switch (protocol) {
    case EtmProtocol::kEtmV4: return "ETMv4";
    case EtmProtocol::kEte: return "ETE";
    case EtmProtocol::kEtmV3: return "ETMv3";
    case EtmProtocol::kPtm: return "PTM";
  }
  return "unknown";
}

EtmProtocol EtmConfig::protocol() const {
  if (ete() != nullptr) return EtmProtocol::kEte;
  if (const EtmV3Registers* r = etm3())
    return r->is_ptm() ? EtmProtocol::kPtm : EtmProtocol::kEtmV3;
  return EtmProtocol::kEtmV4;
}

uint8_t EtmConfig::trace_id() const {
  return std::visit([](const auto& r) { return r.trace_id(); }, registers_);
}

uint64_t EtmConfig::cpu() const {
  if (const EtmV3Registers* r = etm3()) return r->cpu;
  return etm4_list()->cpu;
}

std::string_view EtmConfig::block_name() const {
  if (ete() != nullptr) return "ETE";
  if (etm3() != nullptr) return "ETMv3/PTM";
  return "ETMv4";
}

namespace {

// The block's u64 words; a word the block does not have reads as 0, so a
// block that fails validation still yields the registers it has.
class Words {
 public:
  explicit Words(std::span<const std::byte> block) : block_(block) {}
  uint64_t operator[](size_t index) const {
    if (block_.size() < 8 * (index + 1)) return 0;
    return LoadUnsigned(block_.subspan(8 * index, 8), Endian::kLittle);
  }
  bool has(size_t index) const { return block_.size() >= 8 * (index + 1); }

 private:
  std::span<const std::byte> block_;
};

Error Corrupt(std::string message) {
  return Error(ErrorCode::kCorrupt, std::move(message));
}

std::optional<Error> CheckCpu(uint64_t cpu, int64_t node_cpu) {
  if (static_cast<int64_t>(cpu) == node_cpu) return std::nullopt;
  return Corrupt(
      fmt::format("the block's cpu word is {} but the node is for cpu {}", cpu, node_cpu));
}

// Version-0 ETMv4 (kernel-abi.md §3.2): checks size, then cpu.
EtmConfig DecodeEtmV4(std::span<const std::byte> block, int64_t node_cpu) {
  const Words w(block);
  EtmV4Registers regs;
  regs.cpu = w[1];
  regs.trcconfigr = w[2];
  regs.trctraceidr = w[3];
  regs.trcidr0 = w[4];
  regs.trcidr1 = w[5];
  regs.trcidr2 = w[6];
  regs.trcidr8 = w[7];
  regs.trcauthstatus = w[8];
  std::optional<Error> problem;
  if (block.size() != kEtmV4BlockSize) {
    problem = Corrupt(
        fmt::format("{} bytes, but an ETMv4 block is {} bytes", block.size(), kEtmV4BlockSize));
  } else {
    problem = CheckCpu(regs.cpu, node_cpu);
  }
  return EtmConfig(regs, std::move(problem));
}

// Version-0 ETMv3/PTM (kernel-abi.md §3.1): checks size, then cpu.
EtmConfig DecodeEtmV3(std::span<const std::byte> block, int64_t node_cpu) {
  const Words w(block);
  EtmV3Registers regs;
  regs.cpu = w[1];
  regs.etmcr = w[2];
  regs.etmtraceidr = w[3];
  regs.etmccer = w[4];
  regs.etmidr = w[5];
  std::optional<Error> problem;
  if (block.size() != kEtmV3BlockSize) {
    problem = Corrupt(
        fmt::format("{} bytes, but an ETMv3/PTM block is {} bytes", block.size(), kEtmV3BlockSize));
  } else {
    problem = CheckCpu(regs.cpu, node_cpu);
  }
  return EtmConfig(regs, std::move(problem));
}

// Version-1 ETE (formats.md §2.3): checks the header's size, nr_params, that
// the size is exactly what nr_params says, then cpu.
EtmConfig DecodeEte(std::span<const std::byte> block, int64_t node_cpu) {
  const Words w(block);
  const uint64_t nr = w[2];
  EteRegisters regs;
  regs.v4.cpu = w[1];
  regs.v4.trcconfigr = w[3];
  regs.v4.trctraceidr = w[4];
  regs.v4.trcidr0 = w[5];
  regs.v4.trcidr1 = w[6];
  regs.v4.trcidr2 = w[7];
  regs.v4.trcidr8 = w[8];
  regs.v4.trcauthstatus = w[9];
  regs.trcdevarch = w[10];
  if (nr == kEteMaxParams && w.has(11)) regs.ts_source = w[11];
  std::optional<Error> problem;
  if (block.size() < 3 * 8) {
    problem = Corrupt(fmt::format("{} bytes, too short for an ETE block header", block.size()));
  } else if (nr < kEteMinParams || nr > kEteMaxParams) {
    problem = Corrupt(fmt::format("ETE block has {} parameters; expected {} or {}", nr,
                                  kEteMinParams, kEteMaxParams));
  } else if (block.size() != (3 + nr) * 8) {
    problem = Corrupt(fmt::format("{} bytes, but an ETE block with {} parameters is {} bytes",
                                  block.size(), nr, (3 + nr) * 8));
  } else {
    problem = CheckCpu(regs.v4.cpu, node_cpu);
  }
  return EtmConfig(std::move(regs), std::move(problem));
}

}  // namespace

Expected<EtmConfig> ParseEtmMetadata(std::span<const std::byte> block, int64_t node_cpu) {
  // ETMv4 is the v2 series' format: a block without a known magic is
  // reported against it.
  if (block.size() < 8) {
    return Corrupt(
        fmt::format("{} bytes, but an ETMv4 block is {} bytes", block.size(), kEtmV4BlockSize));
  }
  const uint64_t magic = Words(block)[0];
  switch (magic) {
    case kEtmV4Magic: return DecodeEtmV4(block, node_cpu);
    case kEtmV3Magic: return DecodeEtmV3(block, node_cpu);
    case kEteMagic: return DecodeEte(block, node_cpu);
    default: break;
  }
  return Corrupt(fmt::format("magic {:#018x} is not the ETMv4 magic {:#018x}", magic, kEtmV4Magic));
}

}  // namespace csd
