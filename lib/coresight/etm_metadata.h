// SPDX-License-Identifier: MIT
// The per-CPU ETM metadata a PRE_PANIC node holds, in one model parsed in
// one place. In the v2 panic-dump series this is one perf cs_etm version-0
// ETMv4 block (kernel-abi.md §3.2): nine little-endian u64 words, magic
// first. ETMv3/PTM (6-word version-0, kernel-abi.md §3.1) and ETE
// (version-1 with nr_params, formats.md §2.3) blocks are decoded too.
// Registers are kept raw. A block whose magic is known is decoded even when
// it does not validate (wrong size, parameter count or cpu word): the
// EtmConfig keeps the registers it has and says why it did not validate, so
// no consumer reads the raw bytes again. Plain data and parsing, no I/O.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <utility>
#include <variant>

#include "base/error.h"

namespace csd {

// The perf cs_etm per-CPU block magics (kernel-abi.md §3.1), for the parser
// here and the perf.data writer alike.
inline constexpr uint64_t kEtmV3Magic = 0x3030303030303030;
inline constexpr uint64_t kEtmV4Magic = 0x4040404040404040;
inline constexpr uint64_t kEteMagic = 0x5050505050505050;
inline constexpr size_t kEtmV4BlockSize = 9 * 8;
inline constexpr size_t kEtmV3BlockSize = 6 * 8;
// ETE: magic, cpu, nr_params, then 8 params (ETMv4 list + TRCDEVARCH) or 9
// (with TS_SOURCE).
inline constexpr uint64_t kEteMinParams = 8;
inline constexpr uint64_t kEteMaxParams = 9;

// One ETMv4 register block (kernel-abi.md §3.2: perf cs_etm version-0 layout).
struct EtmV4Registers {
  uint64_t cpu = 0;
  uint64_t trcconfigr = 0;
  uint64_t trctraceidr = 0;
  uint64_t trcidr0 = 0;
  uint64_t trcidr1 = 0;
  uint64_t trcidr2 = 0;
  uint64_t trcidr8 = 0;
  uint64_t trcauthstatus = 0;
  uint8_t trace_id() const { return static_cast<uint8_t>(trctraceidr & 0x7f); }
};

// One ETMv3/PTM register block (kernel-abi.md §3.1: perf cs_etm version-0
// layout, 6 words). PTM and ETMv3 share the magic; ETMIDR tells them apart.
struct EtmV3Registers {
  uint64_t cpu = 0;
  uint64_t etmcr = 0;
  uint64_t etmtraceidr = 0;
  uint64_t etmccer = 0;
  uint64_t etmidr = 0;
  uint8_t trace_id() const { return static_cast<uint8_t>(etmtraceidr & 0x7f); }
  // perf's rule (formats.md §2.3, cs_etm__get_v7_protocol_version):
  // (ETMIDR & 0x300) == 0x300 is a PTM (PFTv1, ETMIDR major version 3).
  bool is_ptm() const { return (etmidr & 0x300) == 0x300; }
};

// One ETE register block (formats.md §2.3: perf version-1 layout; ETE has no
// version-0 form): the ETMv4 parameters, then TRCDEVARCH, then an optional
// TS_SOURCE that is kept but not needed by decoders.
struct EteRegisters {
  EtmV4Registers v4;
  uint64_t trcdevarch = 0;
  std::optional<uint64_t> ts_source;
  uint8_t trace_id() const { return v4.trace_id(); }
};

// The trace protocol of one CPU's source. PTM and ETMv3 share a metadata
// block and differ in the decoder they need.
enum class EtmProtocol { kEtmV4, kEte, kEtmV3, kPtm };

// "ETMv4", "ETE", "ETMv3", "PTM".
std::string_view EtmProtocolName(EtmProtocol protocol);

// One CPU's ETM configuration: the registers of exactly one protocol, and,
// when they came from a block that did not validate, why (problem()).
class EtmConfig {
 public:
  using Registers = std::variant<EtmV4Registers, EtmV3Registers, EteRegisters>;

  // Implicit from each register set, so a validated config is simply its
  // registers.
  // NOLINTNEXTLINE(google-explicit-constructor)
  EtmConfig(EtmV4Registers regs) : registers_(regs) {}
  // NOLINTNEXTLINE(google-explicit-constructor)
  EtmConfig(EtmV3Registers regs) : registers_(regs) {}
  // NOLINTNEXTLINE(google-explicit-constructor)
  EtmConfig(EteRegisters regs) : registers_(std::move(regs)) {}
  EtmConfig(Registers registers, std::optional<Error> problem)
      : registers_(std::move(registers)), problem_(std::move(problem)) {}

  EtmProtocol protocol() const;
  uint8_t trace_id() const;
  // The block's cpu word.
  uint64_t cpu() const;
  // The name of the block's magic: "ETMv4", "ETMv3/PTM" or "ETE".
  std::string_view block_name() const;

  const Registers& registers() const { return registers_; }
  // The registers of one protocol, or nullptr.
  const EtmV4Registers* etm4() const { return std::get_if<EtmV4Registers>(&registers_); }
  const EtmV3Registers* etm3() const { return std::get_if<EtmV3Registers>(&registers_); }
  const EteRegisters* ete() const { return std::get_if<EteRegisters>(&registers_); }
  // The ETMv4 register list of an ETMv4 or ETE block (ETE extends it);
  // nullptr for ETMv3/PTM.
  const EtmV4Registers* etm4_list() const {
    const EteRegisters* e = ete();
    return e != nullptr ? &e->v4 : etm4();
  }

  // Whether the block validated; when not, problem() says why (kCorrupt:
  // size, parameter count or cpu word) and the registers are the words the
  // block had at their places (those it lacked are 0): enough to tell its
  // protocol, not to decode with.
  bool validated() const { return !problem_.has_value(); }
  const std::optional<Error>& problem() const { return problem_; }

 private:
  Registers registers_;
  std::optional<Error> problem_;
};

// The one parse of a metadata block against the node's cpu. The magic
// selects the protocol; a block with a known magic gives an EtmConfig even
// when it does not validate (see EtmConfig::problem()). kCorrupt when no
// protocol can be told: shorter than a magic, or a magic none of the three.
Expected<EtmConfig> ParseEtmMetadata(std::span<const std::byte> block, int64_t node_cpu);

}  // namespace csd
