// SPDX-License-Identifier: MIT
// The CoreSight panic-dump list as read from a dump: plain data, no I/O.
// Produced by coresight/panic_list, consumed by output/ writers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "base/byte_buffer.h"
#include "base/staging.h"
#include "kernel/target_summary.h"

namespace csd {

// A node's buffer, read-only: in memory, or staged outside it (large sinks
// read with a BufferStaging, base/staging.h), in which case writers may ask
// the staging's owner to publish it without copying (staged()).
class NodeBytes {
 public:
  // Implicit: a buffer read into memory is simply a node's bytes.
  // NOLINTNEXTLINE(google-explicit-constructor)
  NodeBytes(ByteBuffer bytes) : memory_(std::move(bytes)) {}
  explicit NodeBytes(std::shared_ptr<const StagedBuffer> staged) : staged_(std::move(staged)) {}

  std::span<const std::byte> span() const {
    return staged_ ? staged_->bytes() : std::span<const std::byte>(memory_);
  }
  // Implicit, so writers take a node's bytes as the span they are.
  // NOLINTNEXTLINE(google-explicit-constructor)
  operator std::span<const std::byte>() const { return span(); }
  const std::byte* data() const { return span().data(); }
  size_t size() const { return span().size(); }
  bool empty() const { return size() == 0; }
  // The staged form, or nullptr when the bytes are in memory.
  const StagedBuffer* staged() const { return staged_.get(); }

 private:
  ByteBuffer memory_;
  std::shared_ptr<const StagedBuffer> staged_;
};

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

enum class NodeKind { kEtmMetadata, kSink, kUnknown };

struct DumpNode {
  size_t index = 0;           // position in list order
  uint64_t node_address = 0;  // KVA of struct coresight_dump_node
  int64_t cpu = -1;
  int64_t type = -1;  // 0 PRE_PANIC, 1 PANIC (raw value kept)
  NodeKind kind = NodeKind::kUnknown;
  uint64_t csdev_address = 0;
  std::optional<std::string> device_name;  // exactly as in the kernel
  std::string name_source;                 // "dev.kobj.name", "dev.init_name", ""
  uint64_t buf_address = 0;
  uint64_t buf_size = 0;
  // The buffer bytes; present only when the whole buffer was read.
  std::optional<NodeBytes> data;
  // SHA-256 of data (lower-case hex) when it was computed while the buffer
  // was read (large buffers); writers use it instead of hashing again.
  std::optional<std::string> data_sha256;
  std::optional<EtmV4Registers> etm;   // when the metadata block validated as ETMv4
  std::optional<EtmV3Registers> etm3;  // ... as ETMv3/PTM
  std::optional<EteRegisters> ete;     // ... as ETE
  bool starts_with_barrier = false;    // sinks: the hardware buffer wrapped
  std::vector<std::string> warnings;
  std::optional<std::string> error;  // why data (or the name) could not be read
};

struct ListSummary {
  std::string symbol;         // "coresight_dump_list"
  uint64_t address = 0;       // runtime KVA of the list head
  std::string layout_source;  // "DWARF (vmlinux)"
  std::string node_struct;    // "coresight_dump_node"
  uint64_t node_size = 0;
  uint64_t list_offset = 0;  // offsetof(node, list)
  // Set when the list lives in a loaded module (CoreSight built as modules).
  struct Module {
    std::string name;
    std::string debuginfo;                // the debug file its symbol and types came from
    std::optional<std::string> build_id;  // the loaded module's, from the dump
    std::string matched_by;               // "build-id" or "name"
    std::string section;                  // the list head's section
    uint64_t section_address = 0;         // where the kernel placed that section
  };
  std::optional<Module> module;
};

// Bytes of the crashed kernel at a runtime VA, for decoders that follow the
// executed code (coresight/kernel_text). `source` is "dump" or "vmlinux".
struct MemoryImage {
  uint64_t va = 0;
  std::vector<std::byte> bytes;
  std::string source;
};

struct DumpSet {
  TargetSummary target;
  std::string source;  // the trace source that produced it (TraceSource::name())
  ListSummary list;
  std::vector<DumpNode> nodes;  // list order
  std::vector<std::string> warnings;
  std::optional<std::string> walk_error;   // the walk stopped early (cycle, cap, bad pointer)
  std::vector<MemoryImage> memory_images;  // kernel text for full decode; may be empty
  bool complete() const;                   // no walk error, no node error
};

inline bool DumpSet::complete() const {
  if (walk_error) return false;
  for (const auto& node : nodes) {
    if (node.error) return false;
  }
  return true;
}

constexpr const char* NodeKindName(NodeKind kind) {
  switch (kind) {
    case NodeKind::kEtmMetadata: return "etm-metadata";
    case NodeKind::kSink: return "sink";
    case NodeKind::kUnknown: break;
  }
  return "unknown";
}

}  // namespace csd
