// SPDX-License-Identifier: MIT
#include "output/manifest.h"

#include <charconv>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>

#ifndef CSD_PROJECT_VERSION
#error "CSD_PROJECT_VERSION must be defined by the build (lib/output/CMakeLists.txt)"
#endif

namespace csd {

namespace {

using Json = nlohmann::ordered_json;

Json OptionalString(const std::optional<std::string>& value) {
  if (!value) return nullptr;
  return *value;
}

Json DumpObject(const TargetSummary& target) {
  Json dump = Json::object();
  dump["path"] = target.dump_path;
  dump["format"] = target.dump_format;
  dump["producer"] = target.dump_producer;
  dump["arch"] = target.arch;
  dump["osrelease"] = OptionalString(target.osrelease);
  dump["build_id"] = OptionalString(target.build_id);
  dump["vmlinux"] = target.vmlinux_path;
  dump["vmlinux_build_id"] = OptionalString(target.vmlinux_build_id);
  dump["page_size"] = target.page_size;
  dump["kaslr_offset"] = HexString(target.kaslr_offset);
  Json parameters = Json::array();
  for (const auto& parameter : target.parameters) {
    Json entry = Json::object();
    entry["name"] = parameter.name;
    entry["value"] = parameter.value;
    entry["source"] = parameter.source;
    parameters.push_back(std::move(entry));
  }
  dump["parameters"] = std::move(parameters);
  dump["checks"] = target.checks;
  return dump;
}

Json ListObject(const ListSummary& list) {
  Json out = Json::object();
  out["symbol"] = list.symbol;
  out["address"] = HexString(list.address);
  out["layout_source"] = list.layout_source;
  out["node_struct"] = list.node_struct;
  out["node_size"] = list.node_size;
  out["list_offset"] = list.list_offset;
  if (list.module) {
    Json module = Json::object();
    module["name"] = list.module->name;
    module["debuginfo"] = list.module->debuginfo;
    module["build_id"] = list.module->build_id ? Json(*list.module->build_id) : Json(nullptr);
    module["matched_by"] = list.module->matched_by;
    module["section"] = list.module->section;
    module["section_address"] = HexString(list.module->section_address);
    out["module"] = std::move(module);
  } else {
    out["module"] = nullptr;
  }
  return out;
}

Json EtmObject(const EtmV4Registers* etm) {
  if (etm == nullptr) return nullptr;
  Json out = Json::object();
  out["trace_id"] = HexString(etm->trace_id());
  out["trcconfigr"] = HexString(etm->trcconfigr);
  out["trctraceidr"] = HexString(etm->trctraceidr);
  out["trcidr0"] = HexString(etm->trcidr0);
  out["trcidr1"] = HexString(etm->trcidr1);
  out["trcidr2"] = HexString(etm->trcidr2);
  out["trcidr8"] = HexString(etm->trcidr8);
  out["trcauthstatus"] = HexString(etm->trcauthstatus);
  return out;
}

Json Etm3Object(const EtmV3Registers* etm3) {
  if (etm3 == nullptr) return nullptr;
  Json out = Json::object();
  out["protocol"] = etm3->is_ptm() ? "PTM" : "ETMv3";
  out["trace_id"] = HexString(etm3->trace_id());
  out["etmcr"] = HexString(etm3->etmcr);
  out["etmtraceidr"] = HexString(etm3->etmtraceidr);
  out["etmccer"] = HexString(etm3->etmccer);
  out["etmidr"] = HexString(etm3->etmidr);
  return out;
}

Json EteObject(const EteRegisters* ete) {
  if (ete == nullptr) return nullptr;
  Json out = EtmObject(&ete->v4);
  out["trcdevarch"] = HexString(ete->trcdevarch);
  out["ts_source"] = ete->ts_source ? Json(HexString(*ete->ts_source)) : Json(nullptr);
  return out;
}

Json NodeObject(const DumpNode& node, const FileRecord* file) {
  Json out = Json::object();
  out["index"] = node.index;
  out["kind"] = NodeKindName(node.kind);
  out["cpu"] = node.cpu;
  out["type"] = node.type;
  out["device"] = OptionalString(node.device_name);
  out["name_source"] = node.name_source;
  out["node_address"] = HexString(node.node_address);
  out["csdev_address"] = HexString(node.csdev_address);
  out["buf_address"] = HexString(node.buf_address);
  out["buf_size"] = node.buf_size;
  out["file"] = file ? Json(file->path) : Json(nullptr);
  out["sha256"] = file ? Json(file->sha256) : Json(nullptr);
  // Every node has every key, so readers need no existence checks; fields
  // that do not apply to the node's kind are null.
  out["barrier"] = node.kind == NodeKind::kSink ? Json(node.starts_with_barrier) : Json(nullptr);
  // Registers of a block that did not validate are not shown: its warning
  // says why, and the raw block is in `file`.
  const EtmConfig* etm = node.etm && node.etm->validated() ? &*node.etm : nullptr;
  out["etm"] = EtmObject(etm ? etm->etm4() : nullptr);
  out["etm3"] = Etm3Object(etm ? etm->etm3() : nullptr);
  out["ete"] = EteObject(etm ? etm->ete() : nullptr);
  out["warnings"] = node.warnings;
  out["error"] = node.error ? Json(node.error->Describe()) : Json(nullptr);
  out["error_code"] = node.error ? Json(ManifestErrorCode(node.error->code())) : Json(nullptr);
  return out;
}

Json DecoderObject(const DumpSet& dump_set, const DecoderOutputsRecord& decoder) {
  Json out = Json::object();
  out["formats"] = decoder.formats;
  Json files = Json::array();
  for (const auto& file : decoder.files) {
    Json entry = Json::object();
    entry["format"] = file.format;
    entry["path"] = file.path;
    entry["sha256"] = file.sha256;
    entry["size"] = file.size;
    files.push_back(std::move(entry));
  }
  out["files"] = std::move(files);
  Json images = Json::array();
  for (const auto& image : dump_set.memory_images) {
    Json entry = Json::object();
    entry["va"] = HexString(image.va);
    entry["size"] = image.bytes.size();
    entry["source"] = image.source;
    images.push_back(std::move(entry));
  }
  out["memory_images"] = std::move(images);
  out["guesses"] = decoder.guesses;
  out["warnings"] = decoder.warnings;
  return out;
}

}  // namespace

std::string_view ManifestErrorCode(ErrorCode code) {
  // No default: a new ErrorCode does not compile (-Wswitch) until it has a
  // string here, in manifest-schema.md and in the man page.
  switch (code) {
    case ErrorCode::kIo: return "io";
    case ErrorCode::kCorrupt: return "corrupt";
    case ErrorCode::kNotMapped: return "not-mapped";
    case ErrorCode::kExcluded: return "excluded";
    case ErrorCode::kUnsupported: return "unsupported";
    case ErrorCode::kLookup: return "lookup";
    case ErrorCode::kMismatch: return "mismatch";
    case ErrorCode::kLimit: return "limit";
    case ErrorCode::kInvalidArgument: return "invalid-argument";
  }
  // Only a value outside the enumeration gets here.
  return "unknown";
}

std::string_view ToolVersion() {
  return CSD_PROJECT_VERSION;
}

std::string HexString(uint64_t value) {
  char buffer[2 + 16];
  buffer[0] = '0';
  buffer[1] = 'x';
  auto result = std::to_chars(buffer + 2, buffer + sizeof(buffer), value, 16);
  return std::string(buffer, result.ptr);
}

nlohmann::ordered_json BuildManifest(const DumpSet& dump_set,
                                     const std::vector<FileRecord>& files) {
  return BuildManifest(dump_set, files, DecoderOutputsRecord{});
}

nlohmann::ordered_json BuildManifest(const DumpSet& dump_set, const std::vector<FileRecord>& files,
                                     const DecoderOutputsRecord& decoder) {
  // The first record for a node wins; writers produce at most one.
  std::map<size_t, const FileRecord*> by_node;
  for (const auto& file : files) by_node.emplace(file.node_index, &file);

  Json manifest = Json::object();
  manifest["schema"] = kManifestSchema;
  manifest["schema_version"] = kManifestSchemaVersion;
  Json tool = Json::object();
  tool["name"] = kManifestToolName;
  tool["version"] = ToolVersion();
  manifest["tool"] = std::move(tool);
  manifest["dump"] = DumpObject(dump_set.target);
  manifest["list"] = ListObject(dump_set.list);
  Json nodes = Json::array();
  for (const auto& node : dump_set.nodes) {
    auto it = by_node.find(node.index);
    nodes.push_back(NodeObject(node, it == by_node.end() ? nullptr : it->second));
  }
  manifest["nodes"] = std::move(nodes);
  manifest["warnings"] = dump_set.warnings;
  manifest["walk_error"] = OptionalString(dump_set.walk_error);
  manifest["complete"] = dump_set.complete();
  manifest["decoder_outputs"] = DecoderObject(dump_set, decoder);
  return manifest;
}

std::string SerializeManifest(const nlohmann::ordered_json& manifest) {
  // error_handler_t::replace: never throw on a non-UTF-8 kernel string.
  std::string text = manifest.dump(2, ' ', /*ensure_ascii=*/false, Json::error_handler_t::replace);
  text.push_back('\n');
  return text;
}

}  // namespace csd
