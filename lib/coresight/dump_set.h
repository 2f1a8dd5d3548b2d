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
#include "base/error.h"
#include "base/staging.h"
#include "coresight/etm_metadata.h"
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
  // ETM metadata nodes: the block as decoded when its magic is known,
  // validated or not (etm->validated(); why not is also in warnings).
  std::optional<EtmConfig> etm;
  bool starts_with_barrier = false;  // sinks: the hardware buffer wrapped
  std::vector<std::string> warnings;
  // Why data (or the name) could not be read, with the failed read's code.
  // When several reads failed: the first one's code, and a message that
  // joins every description with "; " (Describe() gives the whole text).
  std::optional<Error> error;
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
