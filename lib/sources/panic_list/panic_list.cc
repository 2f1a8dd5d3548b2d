// SPDX-License-Identifier: MIT
#include "sources/panic_list/panic_list.h"

#include <fmt/format.h>

#include <algorithm>
#include <optional>

#include "base/chunk_fanout.h"
#include "base/sha256.h"
#include "coresight/etm_metadata.h"
#include "coresight/sink_buffer.h"
#include "kernel/object_view.h"

namespace csd {

namespace {

constexpr const char* kListSymbol = "coresight_dump_list";
constexpr const char* kNodeStruct = "coresight_dump_node";
constexpr int64_t kPrePanic = 0;  // CORESIGHT_DUMP_TYPE_PRE_PANIC: ETM metadata
constexpr int64_t kPanic = 1;     // CORESIGHT_DUMP_TYPE_PANIC: sink trace

// A buffer of this size or more is hashed on a second thread while it is
// read, in kReadChunk steps, so its digest is ready when its last byte is:
// hashing a GiB costs about as much as reading it, and the writers would
// otherwise do it after the read. Smaller buffers are hashed by the writers.
// With a BufferStaging, such a buffer is also streamed into it (a file in the
// output directory) through two kReadChunk buffers instead of being kept in
// memory: see base/chunk_fanout.h for why.
constexpr uint64_t kLargeBuffer = uint64_t{4} << 20;
constexpr uint64_t kReadChunk = uint64_t{8} << 20;

Expected<MemberLayout> RequireMember(const StructLayout& layout, const char* name,
                                     MemberLayout::Kind kind) {
  const MemberLayout* member = layout.Find(name);
  if (member == nullptr) {
    return Error(ErrorCode::kUnsupported,
                 fmt::format("struct {} in this vmlinux has no member '{}': not the panic-dump "
                             "layout this version reads",
                             layout.name, name));
  }
  const bool kind_ok = member->kind == kind || (kind == MemberLayout::Kind::kInteger &&
                                                member->kind == MemberLayout::Kind::kEnum);
  if (!kind_ok ||
      (kind != MemberLayout::Kind::kStruct && (member->size == 0 || member->size > 8))) {
    return Error(ErrorCode::kUnsupported,
                 fmt::format("member {}.{} has an unexpected type ({}, {} bytes)", layout.name,
                             name, member->type_name, member->size));
  }
  return *member;
}

class NodeReader {
 public:
  NodeReader(const KernelTarget& target, const DumpNodeLayout& layout, const ReadLimits& limits,
             BufferStaging* staging)
      : memory_(target.memory()),
        layout_(layout),
        limits_(limits),
        max_object_size_(target.limits().max_object_size),
        staging_(staging) {}

  DumpNode Read(size_t index, uint64_t list_entry) const {
    DumpNode node;
    node.index = index;
    node.node_address = list_entry - layout_.list.offset;
    auto view = ObjectView::Read(memory_, node.node_address, layout_.node, max_object_size_);
    if (!view.ok()) {
      node.error = view.error();
      return node;
    }
    auto cpu = view->Signed(layout_.cpu);
    auto type = view->Signed(layout_.type);
    auto csdev = view->Unsigned(layout_.csdev);
    auto buf = view->Unsigned(layout_.buf);
    auto buf_size = view->Unsigned(layout_.buf_size);
    // Layouts were validated by ResolveDumpNodeLayout, so these only fail if
    // DWARF placed a member outside its struct.
    for (const Error* error :
         {cpu.ok() ? nullptr : &cpu.error(), type.ok() ? nullptr : &type.error(),
          csdev.ok() ? nullptr : &csdev.error(), buf.ok() ? nullptr : &buf.error(),
          buf_size.ok() ? nullptr : &buf_size.error()}) {
      if (error != nullptr) {
        node.error = *error;
        return node;
      }
    }
    node.cpu = *cpu;
    node.type = *type;
    node.csdev_address = *csdev;
    node.buf_address = *buf;
    node.buf_size = *buf_size;
    node.kind = *type == kPrePanic ? NodeKind::kEtmMetadata
                : *type == kPanic  ? NodeKind::kSink
                                   : NodeKind::kUnknown;
    if (node.kind == NodeKind::kUnknown) {
      node.warnings.push_back(fmt::format("unknown dump type {}; buffer written raw", *type));
    }
    ReadName(node);
    ReadBuffer(node);
    return node;
  }

 private:
  void ReadName(DumpNode& node) const {
    if (node.csdev_address == 0) {
      node.warnings.push_back("node has no coresight_device (csdev is NULL)");
      return;
    }
    std::optional<Error> last_error;
    for (const auto* member : {&layout_.kobj_name, &layout_.init_name}) {
      if (!member->has_value()) continue;
      auto pointer = memory_.ReadUnsigned(node.csdev_address + (*member)->offset, (*member)->size);
      if (!pointer.ok()) {
        last_error = std::move(pointer).error();
        continue;
      }
      if (*pointer == 0) continue;
      auto name = memory_.ReadCString(*pointer, limits_.max_name_length);
      if (!name.ok()) {
        last_error = std::move(name).error();
        continue;
      }
      node.device_name = std::move(*name);
      node.name_source = member == &layout_.kobj_name ? "dev.kobj.name" : "dev.init_name";
      return;
    }
    // The read's own error, in the context of the name ("...: why").
    Error error = last_error ? std::move(*last_error)
                             : Error(ErrorCode::kCorrupt, "both name pointers are NULL");
    SetError(node,
             std::move(error).AddContext(fmt::format(
                 "device name of coresight_device at {:#x} cannot be read", node.csdev_address)));
  }

  void ReadBuffer(DumpNode& node) const {
    if (node.buf_size == 0) {
      node.warnings.push_back("buffer was never filled (buf_size 0)");
      return;
    }
    if (node.buf_address == 0) {
      SetError(node, Error(ErrorCode::kCorrupt,
                           fmt::format("buf is NULL but buf_size is {}", node.buf_size)));
      return;
    }
    if (node.buf_size > limits_.max_buffer_size) {
      SetError(node,
               Error(ErrorCode::kLimit,
                     fmt::format("buf_size {:#x} ({} bytes) exceeds the cap of {} bytes; not read "
                                 "(raise with --max-buffer-size)",
                                 node.buf_size, node.buf_size, limits_.max_buffer_size)));
      return;
    }
    // Metadata is parsed from memory; it is a few hundred bytes anyway.
    if (staging_ != nullptr && node.buf_size >= kLargeBuffer &&
        node.kind != NodeKind::kEtmMetadata && ReadStaged(node)) {
      return;
    }
    // Not zero-filled: the read overwrites every byte or the buffer is dropped.
    ByteBuffer data(node.buf_size);
    std::optional<Sha256Follower> hasher;
    if (data.size() >= kLargeBuffer) hasher.emplace(data);
    Status status = OkStatus();
    for (uint64_t done = 0; done < data.size() && status.ok();) {
      const uint64_t n = std::min<uint64_t>(kReadChunk, data.size() - done);
      status = memory_.Read(node.buf_address + done, std::span(data).subspan(done, n));
      done += n;
      if (status.ok() && hasher) hasher->Advance(done);
    }
    if (!status.ok()) {
      SetReadError(node, status.error());
      return;
    }
    if (node.kind == NodeKind::kEtmMetadata) {
      DecodeMetadata(node, data);
    } else if (node.kind == NodeKind::kSink) {
      node.starts_with_barrier = StartsWithBarrier(data);
    }
    if (hasher) {
      // Without a digest here the writers hash the bytes themselves.
      if (auto digest = hasher->Finish(); digest.ok()) node.data_sha256 = std::move(*digest);
      hasher.reset();
    }
    node.data = std::move(data);
  }

  // Streams the buffer into the staging, hashing it on the way; true when
  // the node is done (read, or failed to read). False when the staging
  // itself failed (a full disk, say): the caller then reads into memory, so
  // the run does what it did without staging and the writers report the
  // disk's error where it belongs.
  bool ReadStaged(DumpNode& node) const {
    auto writer = staging_->Begin(node.buf_size);
    if (!writer.ok()) return false;
    Sha256 hash;
    StagingWriter& sink = **writer;
    ChunkFanout fanout(kReadChunk,
                       {[&hash](std::span<const std::byte> chunk) {
                          hash.Update(chunk);
                          return OkStatus();
                        },
                        [&sink](std::span<const std::byte> chunk) { return sink.Append(chunk); }});
    Status read = OkStatus();
    for (uint64_t done = 0; done < node.buf_size;) {
      const uint64_t n = std::min<uint64_t>(kReadChunk, node.buf_size - done);
      std::span<std::byte> chunk = fanout.Acquire().first(n);
      read = memory_.Read(node.buf_address + done, chunk);
      if (!read.ok()) break;
      if (done == 0 && node.kind == NodeKind::kSink) {
        node.starts_with_barrier = StartsWithBarrier(chunk);
      }
      done += n;
      if (!fanout.Publish(n).ok()) break;
    }
    Status consumed = fanout.Finish();
    if (!read.ok()) {
      SetReadError(node, read.error());
      return true;
    }
    if (!consumed.ok()) return false;
    auto staged = sink.Finish();
    if (!staged.ok()) return false;
    if (auto digest = hash.Finish(); digest.ok()) node.data_sha256 = std::move(*digest);
    node.data = NodeBytes(std::move(*staged));
    return true;
  }

  // The block is parsed once (coresight/etm_metadata.h); what it yields is
  // kept even when it does not validate, and the reason becomes a warning:
  // the buffer is written raw either way.
  static void DecodeMetadata(DumpNode& node, std::span<const std::byte> data) {
    auto parsed = ParseEtmMetadata(data, node.cpu);
    if (!parsed.ok()) {
      node.warnings.push_back("ETM metadata not decoded, written raw: " +
                              parsed.error().Describe());
      return;
    }
    node.etm = std::move(parsed).value();
    if (const auto& problem = node.etm->problem()) {
      node.warnings.push_back("ETM metadata not decoded, written raw: " + problem->Describe());
    }
  }

  // The same words whether the buffer was read into memory or staged.
  static void SetReadError(DumpNode& node, const Error& error) {
    SetError(node, Error(error).AddContext(fmt::format("buffer of {} bytes at {:#x} cannot be read",
                                                       node.buf_size, node.buf_address)));
  }

  // A node keeps one Error: the first failure's code, every failure's words.
  static void SetError(DumpNode& node, Error error) {
    if (!node.error) {
      node.error = std::move(error);
      return;
    }
    node.error = Error(node.error->code(), node.error->Describe() + "; " + error.Describe());
  }

  const KernelMemory& memory_;
  const DumpNodeLayout& layout_;
  const ReadLimits& limits_;
  uint64_t max_object_size_;
  BufferStaging* staging_;  // nullptr: every buffer is read into memory
};

}  // namespace

Expected<DumpNodeLayout> ResolveDumpNodeLayout(const DebugInfo& types, const DebugInfo* fallback) {
  using Kind = MemberLayout::Kind;
  // Every type is looked up first in the compile unit that defines the list
  // head: it defines the node and, through its includes, list_head and
  // coresight_device. The CoreSight drivers are linked late, and without an
  // anchor the lookup walks every unit linked before them (200 ms for the
  // 3000 small units of bench/run.py's debuginfo case; under 1 anchored). A
  // global head gives no unit (UnitOf): the lookups then scan as before.
  // A module's DWARF may only declare a type the kernel defines (and the
  // other way round): use the first definition, the list's own object first.
  auto find_struct = [&](std::string_view name) -> Expected<StructLayout> {
    auto found = types.Struct(name, {kListSymbol});
    if (found.ok() || fallback == nullptr || fallback == &types) return found;
    auto other = fallback->Struct(name);
    return other.ok() ? std::move(other) : std::move(found);
  };
  auto find_path = [&](std::string_view name, std::string_view path) -> Expected<MemberLayout> {
    auto found = types.MemberPath(name, path, {kListSymbol});
    if (found.ok() || fallback == nullptr || fallback == &types) return found;
    auto other = fallback->MemberPath(name, path);
    return other.ok() ? std::move(other) : std::move(found);
  };
  DumpNodeLayout layout;
  CSD_ASSIGN_OR_RETURN(layout.node, types.Struct(kNodeStruct, {kListSymbol}));
  CSD_ASSIGN_OR_RETURN(layout.cpu, RequireMember(layout.node, "cpu", Kind::kInteger));
  CSD_ASSIGN_OR_RETURN(layout.type, RequireMember(layout.node, "type", Kind::kInteger));
  CSD_ASSIGN_OR_RETURN(layout.csdev, RequireMember(layout.node, "csdev", Kind::kPointer));
  CSD_ASSIGN_OR_RETURN(layout.buf, RequireMember(layout.node, "buf", Kind::kPointer));
  CSD_ASSIGN_OR_RETURN(layout.buf_size, RequireMember(layout.node, "buf_size", Kind::kInteger));
  CSD_ASSIGN_OR_RETURN(layout.list, RequireMember(layout.node, "list", Kind::kStruct));
  CSD_ASSIGN_OR_RETURN(StructLayout list_head, find_struct("list_head"));
  CSD_ASSIGN_OR_RETURN(MemberLayout next, RequireMember(list_head, "next", Kind::kPointer));
  CSD_ASSIGN_OR_RETURN(MemberLayout prev, RequireMember(list_head, "prev", Kind::kPointer));
  layout.list_head = {next.offset, prev.offset, static_cast<unsigned>(next.size)};
  if (auto m = find_path("coresight_device", "dev.kobj.name"); m.ok()) {
    layout.kobj_name = *m;
  }
  if (auto m = find_path("coresight_device", "dev.init_name"); m.ok()) {
    layout.init_name = *m;
  }
  if (!layout.kobj_name && !layout.init_name) {
    return Error(ErrorCode::kUnsupported,
                 "struct coresight_device has neither dev.kobj.name nor dev.init_name");
  }
  return layout;
}

Expected<DumpSet> ReadPanicDumpList(const KernelTarget& target, KernelSymbols& symbols,
                                    const ReadLimits& limits, DiagnosticSink& diagnostics,
                                    BufferStaging* staging) {
  auto head = symbols.Locate(kListSymbol);
  if (!head.ok()) {
    if (head.error().code() != ErrorCode::kLookup) return head.error();
    return Error(ErrorCode::kLookup,
                 fmt::format("no {} found (a kernel without the CoreSight panic-dump patches, "
                             "or the list is in a module whose matching debuginfo was not "
                             "given with --debuginfo): {}",
                             kListSymbol, head.error().message()));
  }
  const DebugInfo& types = *head->types;
  // The list head exists, so a layout failure is the debuginfo's fault
  // (corrupt or different DWARF), not a missing list: say so, and exit as such.
  auto resolved = ResolveDumpNodeLayout(types, &target.debuginfo());
  if (!resolved.ok()) {
    return Error(ErrorCode::kUnsupported,
                 fmt::format("{} exists, but its node layout cannot be read from {}: {}",
                             kListSymbol, types.path().string(), resolved.error().Describe()));
  }
  DumpNodeLayout layout = std::move(resolved).value();

  DumpSet set;
  set.target = target.summary();
  set.list = {kListSymbol, head->symbol.address, "DWARF (" + types.path().filename().string() + ")",
              kNodeStruct, layout.node.size,     layout.list.offset,
              std::nullopt};
  if (head->module) {
    const SymbolModule& module = *head->module;
    set.list.module = ListSummary::Module{module.name,     module.debuginfo_path.string(),
                                          module.build_id, module.matched_by,
                                          module.section,  module.section_address};
    if (module.matched_by != "build-id") {
      set.warnings.push_back(fmt::format(
          "module {}: {} was matched by name only ({} has no build-id to compare); if it is "
          "from another build, addresses and layouts read through it are wrong",
          module.name, module.debuginfo_path.string(),
          module.build_id ? "the debug file" : "the dump"));
    }
  }

  ListWalkResult walk =
      WalkList(target.memory(), head->symbol.address, layout.list_head, limits.max_nodes);
  if (walk.stop_error) {
    if (walk.head_unreadable) {
      return std::move(*walk.stop_error).AddContext(fmt::format("walking {}", kListSymbol));
    }
    set.walk_error = walk.stop_error->Describe();
    diagnostics.Warn(fmt::format("{}: walk stopped after {} nodes: {}", kListSymbol,
                                 walk.entries.size(), *set.walk_error));
  }
  for (auto& warning : walk.warnings) set.warnings.push_back(std::move(warning));

  NodeReader reader(target, layout, limits, staging);
  for (size_t i = 0; i < walk.entries.size(); ++i) {
    set.nodes.push_back(reader.Read(i, walk.entries[i]));
  }
  return set;
}

}  // namespace csd
