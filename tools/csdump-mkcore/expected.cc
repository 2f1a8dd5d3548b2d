// SPDX-License-Identifier: MIT
#include "csdump-mkcore/expected.h"

#include <fmt/format.h>
#include <openssl/evp.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <unordered_map>

#include "base/byte_reader.h"
#include "csdump-mkcore/node_content.h"

namespace csd::mkcore {
namespace {

using Json = nlohmann::ordered_json;

std::string Hex(uint64_t v) {
  return fmt::format("{:#x}", v);
}

class Oracle {
 public:
  explicit Oracle(const ExpectedInputs& in) : in_(in) {}

  // Whether a reader can fetch [va, va+size) from the written file: every
  // physical byte is file-backed and, for vmalloc addresses, so is every
  // descriptor a table walk reads.
  bool Readable(uint64_t va, uint64_t size) const { return !Unreadable(va, size); }

  // Why a reader cannot fetch [va, va+size): the manifest's error_code for
  // the first piece it fails on (page by page, each page's descriptors
  // before its bytes), or nullopt when Readable.
  std::optional<std::string> Unreadable(uint64_t va, uint64_t size) const {
    if (size == 0) return std::nullopt;
    const auto pieces = in_.layout.Resolve(va, size);
    if (!pieces) return "not-mapped";
    const bool walked = in_.layout.IsPageMapped(va);
    const uint64_t page = in_.layout.page_size();
    uint64_t piece_va = va;
    for (const PaPiece& p : *pieces) {
      if (walked) {
        for (uint64_t v = piece_va & ~(page - 1); v < piece_va + p.size; v += page) {
          for (uint64_t desc_pa : in_.descriptor_addresses(v)) {
            if (auto code = Unbacked(desc_pa, 8)) return code;
          }
        }
      }
      if (auto code = Unbacked(p.pa, p.size)) return code;
      piece_va += p.size;
    }
    return std::nullopt;
  }

  Expected<std::vector<std::byte>> Read(uint64_t va, uint64_t size) const {
    const auto pieces = in_.layout.Resolve(va, size);
    if (!pieces) return Error(ErrorCode::kNotMapped, fmt::format("internal: {:#x} unmapped", va));
    std::vector<std::byte> out;
    out.reserve(size);
    for (const PaPiece& p : *pieces) {
      std::vector<std::byte> chunk(p.size);
      CSD_RETURN_IF_ERROR(in_.image.ReadPhysical(p.pa, chunk));
      out.insert(out.end(), chunk.begin(), chunk.end());
    }
    return out;
  }

 private:
  // The error_code of a physical range that is not in the written file, or
  // nullopt when it is: pages a kdump-compressed dump leaves out of its
  // bitmap, or a PT_LOAD's tail beyond p_filesz (makedumpfile's excluded
  // pages), are "excluded"; bytes within p_filesz that a truncated file
  // lacks are "corrupt"; an address in no PT_LOAD is "not-mapped".
  std::optional<std::string> Unbacked(uint64_t pa, uint64_t size) const {
    const ElfCorePlan& plan = in_.plan;
    if (plan.IsFileBacked(pa, size)) return std::nullopt;
    const auto end = CheckedAdd(pa, size);
    if (!end) return "not-mapped";
    for (const PhysicalRange& w : plan.withheld) {
      if (pa < w.start + w.size && w.start < *end) return "excluded";
    }
    // The first byte no load serves from the file, as IsFileBacked finds it.
    uint64_t cur = pa;
    for (bool progress = true; cur < *end && progress;) {
      progress = false;
      for (size_t i = 0; i < plan.loads.size(); ++i) {
        const ElfLoad& l = plan.loads[i];
        const uint64_t in_file = plan.load_offsets[i] >= plan.file_size
                                     ? 0
                                     : std::min(l.filesz, plan.file_size - plan.load_offsets[i]);
        if (cur >= l.paddr && cur < l.paddr + in_file) {
          cur = std::min(*end, l.paddr + in_file);
          progress = true;
        }
      }
    }
    for (const ElfLoad& l : plan.loads) {
      if (cur < l.paddr || cur >= l.paddr + l.memsz) continue;
      // A kdump-compressed writer marks every page it cannot fill excluded.
      if (in_.spec.kdump.enabled || cur >= l.paddr + l.filesz) return "excluded";
      return "corrupt";
    }
    return "not-mapped";
  }

  const ExpectedInputs& in_;
};

// csdump-extract's default --max-buffer-size (man csdump-extract, LIMITS).
constexpr uint64_t kDefaultMaxBufferSize = uint64_t{1} << 30;

// A block csdump-extract will take as ETMv4 metadata without complaint.
bool IsCleanEtmBlock(const std::vector<std::byte>& bytes, int64_t cpu) {
  if (bytes.size() != kEtmV4BlockSize) return false;
  const uint64_t magic = LoadUnsigned(std::span<const std::byte>(bytes.data(), 8), Endian::kLittle);
  const uint64_t cpu_word =
      LoadUnsigned(std::span<const std::byte>(bytes.data() + 8, 8), Endian::kLittle);
  return magic == kEtmV4Magic && cpu_word == static_cast<uint64_t>(cpu);
}

constexpr const char* kModuleStateNames[] = {"live", "coming", "going", "unformed"};

Json ModulesJson(const ExpectedInputs& in) {
  if (!in.modules) return nullptr;
  Json modules = Json::array();
  for (size_t i = 0; i < in.modules->modules.size(); ++i) {
    const WrittenModule& m = in.modules->modules[i];
    Json sections = Json::array();
    for (const WrittenModuleSection& s : m.sections) {
      sections.push_back({{"name", s.name}, {"address", Hex(s.address)}, {"size", s.size}});
    }
    Json j;
    j["index"] = i;
    j["spec_index"] = m.spec_index;
    j["name"] = m.name;
    j["address"] = Hex(m.module_va);
    j["state"] = m.state >= 0 && m.state < 4 ? kModuleStateNames[m.state] : "unknown";
    j["has_object"] = m.has_object;
    j["owns_list"] = in.modules->list_owner == i;
    j["build_id"] = m.build_id ? Json(*m.build_id) : Json(nullptr);
    j["object_build_id"] = m.object_build_id ? Json(*m.object_build_id) : Json(nullptr);
    j["sect_attrs"] = m.sect_attrs_va ? Json(Hex(m.sect_attrs_va)) : Json(nullptr);
    j["notes_attrs"] = m.notes_attrs_va ? Json(Hex(m.notes_attrs_va)) : Json(nullptr);
    j["sections"] = std::move(sections);
    modules.push_back(std::move(j));
  }
  return modules;
}

}  // namespace

std::string Sha256Hex(std::span<const std::byte> bytes) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(bytes.data(), bytes.size(), md, &len, EVP_sha256(), nullptr);
  std::string hex;
  for (unsigned i = 0; i < len; ++i) hex += fmt::format("{:02x}", md[i]);
  return hex;
}

Expected<std::string> BuildExpectedJson(const ExpectedInputs& in) {
  const Oracle oracle(in);
  const KernelWriteResult& w = in.written;

  // Walk the list as written, like a careful reader: stop at the head, at a
  // pointer that is not one of our nodes (wild), at a node seen before
  // (cycle), or at a node whose bytes are not in the file.
  std::unordered_map<uint64_t, size_t> by_list;
  for (size_t k = 0; k < w.nodes.size(); ++k) by_list.emplace(w.nodes[k].list_va, k);
  std::vector<size_t> order;
  std::vector<bool> visited(w.nodes.size());
  std::string walk_error;
  if (!oracle.Readable(w.list_head_va, in.types.list_next.offset + 8)) {
    walk_error = "list head not in the file";
  } else {
    for (uint64_t cur = w.list_head_next; cur != w.list_head_va;) {
      auto it = by_list.find(cur);
      if (it == by_list.end()) {
        walk_error = fmt::format("next pointer {:#x} is not a node", cur);
        break;
      }
      const size_t k = it->second;
      if (visited[k]) {
        walk_error = fmt::format("cycle back to node {}", k);
        break;
      }
      visited[k] = true;
      if (!oracle.Readable(w.nodes[k].node_va, in.types.node.size)) {
        walk_error = fmt::format("node at {:#x} not in the file", w.nodes[k].node_va);
        break;
      }
      order.push_back(k);
      cur = w.nodes[k].next;
    }
  }

  Json nodes = Json::array();
  uint64_t extra_reached = 0;
  for (size_t index = 0; index < order.size(); ++index) {
    const WrittenNode& node = w.nodes[order[index]];
    if (!node.spec_index) {
      ++extra_reached;
      continue;
    }
    const NodeSpec& spec = in.spec.nodes[*node.spec_index];
    std::optional<std::string> name_error = oracle.Unreadable(node.csdev_va, in.types.csdev_size);
    if (!name_error) name_error = oracle.Unreadable(node.name_va, spec.device.size() + 1);
    const bool name_ok = !name_error;
    bool data_ok = true;
    std::optional<std::string> data_error;
    std::optional<std::vector<std::byte>> data;
    if (node.buf_size > 0) {
      data_error = node.buf_va == 0 ? "corrupt" : oracle.Unreadable(node.buf_va, node.buf_size);
      data_ok = !data_error;
      if (data_ok) {
        CSD_ASSIGN_OR_RETURN(data, oracle.Read(node.buf_va, node.buf_size));
      }
      // The reader refuses a size over its cap before reading (default
      // --max-buffer-size), and the leaf descriptor corruptions leave the
      // buffer's second page unmapped or outside every RAM range: the
      // oracle's layout does not see either.
      if (node.buf_va != 0 && node.buf_size > kDefaultMaxBufferSize) {
        data_error = "limit";
      } else if (spec.corrupt.pte != NodeCorruption::Pte::kNone) {
        data_error = "not-mapped";
      }
    }
    const bool expect_error = spec.expect.error.value_or(!name_ok || !data_ok);
    // A node keeps the code of its first failure; the name is read first.
    std::optional<std::string> error_code = name_error ? name_error : data_error;
    if (!expect_error) error_code.reset();
    std::string kind = "unknown";
    if (spec.type == 1) {
      kind = "sink";
    } else if (spec.content.kind == NodeContent::Kind::kEtmV4 ||
               IsCleanEtmBlock(node.content, spec.cpu)) {
      kind = "etm-metadata";
    }
    const bool warning = spec.type == 0 && data && !IsCleanEtmBlock(*data, spec.cpu);

    Json j;
    j["index"] = index;
    j["spec_index"] = *node.spec_index;
    j["cpu"] = spec.cpu;
    j["type"] = spec.type;
    j["device"] = spec.device;
    j["name_via"] = spec.name_via == NameVia::kKobj ? "dev.kobj.name" : "dev.init_name";
    j["alloc"] = spec.alloc == Alloc::kKmalloc ? "kmalloc" : "vmalloc";
    j["kind"] = spec.expect.kind.value_or(kind);
    j["node_address"] = Hex(node.node_va);
    j["buf_address"] = Hex(node.buf_va);
    j["buf_size"] = node.buf_size;
    j["sha256"] = data ? Json(Sha256Hex(*data)) : Json(nullptr);
    j["barrier"] = data && StartsWithBarrier(*data);
    j["expect_error"] = expect_error;
    // The manifest's error_code (schema version 2), when the oracle can tell.
    j["expect_error_code"] = error_code ? Json(*error_code) : Json(nullptr);
    j["expect_warning"] = spec.expect.warning.value_or(warning);
    nodes.push_back(std::move(j));
  }

  Json root;
  root["kernel"] = in.spec.kernel ? Json(*in.spec.kernel) : Json(nullptr);
  root["format"] = in.spec.format == DumpFormat::kKdump ? "kdump" : "qemu";
  root["osrelease"] = in.kernel.release;
  root["build_id"] = in.kernel.build_id ? Json(*in.kernel.build_id) : Json(nullptr);
  root["kaslr_offset"] = Hex(in.layout.kaslr_offset());
  root["list_symbol"] = "coresight_dump_list";
  root["list_address"] = Hex(w.list_head_va);
  // The module whose .data holds the list head (null: the vmlinux's), and
  // the loaded-module list (null: the vmlinux has none).
  const bool in_module = in.modules && in.modules->list_owner;
  root["list_module"] =
      in_module ? Json(in.modules->modules[*in.modules->list_owner].name) : Json(nullptr);
  root["modules_address"] = in.modules ? Json(Hex(in.modules->modules_head_va)) : Json(nullptr);
  root["modules"] = ModulesJson(in);
  root["node_struct_size"] = in.types.node.size;
  root["list_offset"] = in.types.node.list.offset;
  root["nodes"] = std::move(nodes);
  root["extra_nodes"] = {{"count", extra_reached}, {"device", kExtraNodeDevice}, {"buf_size", 0}};
  root["total_nodes"] = order.size();
  root["walk_error_expected"] = in.spec.expect_walk_error.value_or(!walk_error.empty());
  root["walk_error_reason"] = walk_error.empty() ? Json(nullptr) : Json(walk_error);
  root["file_size"] = in.plan.file_size;
  return root.dump(2) + "\n";
}

}  // namespace csd::mkcore
