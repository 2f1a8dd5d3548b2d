// SPDX-License-Identifier: MIT
#include "csdump-mkcore/spec.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <initializer_list>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "base/byte_reader.h"
#include "base/parse_number.h"
#include "csdump-mkcore/kdump_spec.h"
#include "csdump-mkcore/spec_json.h"
#include "csdump-mkcore/spec_nodes.h"

namespace csd::mkcore {
namespace {

using namespace spec_json;  // NOLINT(google-build-using-namespace): the spec readers' vocabulary

Expected<VmcoreinfoEdits> ParseVmcoreinfo(const json& value, const std::string& where) {
  CSD_RETURN_IF_ERROR(CheckKeys(value, where, {"omit", "set"}));
  VmcoreinfoEdits edits;
  auto check_key = [](const std::string& key, const std::string& w) -> Status {
    if (key.empty() || key.find_first_of("=\n") != std::string::npos) {
      return SpecError(
          w,
          fmt::format("\"{}\" is not a valid VMCOREINFO key (empty, or has '=' or newline)", key));
    }
    return OkStatus();
  };
  if (value.contains("omit")) {
    const std::string w = Child(where, "omit");
    if (!value["omit"].is_array()) return SpecError(w, "must be a list of keys");
    for (size_t i = 0; i < value["omit"].size(); ++i) {
      CSD_ASSIGN_OR_RETURN(std::string key, ParseString(value["omit"][i], Index(w, i)));
      CSD_RETURN_IF_ERROR(check_key(key, Index(w, i)));
      edits.omit.push_back(std::move(key));
    }
  }
  if (value.contains("set")) {
    const std::string w = Child(where, "set");
    if (!value["set"].is_object()) return SpecError(w, "must be an object of key: value strings");
    for (const auto& [key, v] : value["set"].items()) {
      CSD_RETURN_IF_ERROR(check_key(key, w));
      CSD_ASSIGN_OR_RETURN(std::string text, ParseString(v, Child(w, key)));
      if (text.find('\n') != std::string::npos)
        return SpecError(Child(w, key), "must not contain a newline");
      edits.set.emplace_back(key, std::move(text));
    }
  }
  return edits;
}

constexpr const char* kModuleStates[] = {"live", "coming", "going", "unformed"};

Expected<ModuleSpec> ParseModule(const json& value, const std::string& where) {
  CSD_RETURN_IF_ERROR(CheckKeys(value, where,
                                {"comment", "name", "object", "owns_list", "build_id", "sect_attrs",
                                 "notes_attrs", "state"}));
  ModuleSpec m;
  if (!value.contains("name")) return SpecError(where, "missing required key \"name\"");
  CSD_ASSIGN_OR_RETURN(m.name, ParseString(value["name"], Child(where, "name")));
  if (m.name.empty() || m.name.find('\0') != std::string::npos) {
    return SpecError(Child(where, "name"), "must be a non-empty string without NUL");
  }
  if (value.contains("comment"))
    CSD_RETURN_IF_ERROR(ParseString(value["comment"], Child(where, "comment")));
  if (value.contains("object")) {
    CSD_ASSIGN_OR_RETURN(int64_t object, ParseInt(value["object"], Child(where, "object"), 0, 63));
    m.object = static_cast<size_t>(object);
  }
  if (value.contains("owns_list")) {
    CSD_ASSIGN_OR_RETURN(m.owns_list, ParseBool(value["owns_list"], Child(where, "owns_list")));
    if (m.owns_list && !m.object) {
      return SpecError(Child(where, "owns_list"),
                       "needs \"object\" (the list head is the object's coresight_dump_list)");
    }
  }
  if (value.contains("build_id")) {
    CSD_ASSIGN_OR_RETURN(
        m.build_id, ParseEnum<ModuleSpec::BuildId>(value["build_id"], Child(where, "build_id"),
                                                   {{"match", ModuleSpec::BuildId::kMatch},
                                                    {"mismatch", ModuleSpec::BuildId::kMismatch},
                                                    {"absent", ModuleSpec::BuildId::kAbsent}}));
    if (m.build_id != ModuleSpec::BuildId::kAbsent && !m.object) {
      return SpecError(Child(where, "build_id"),
                       "\"match\" and \"mismatch\" need \"object\" (a decoy's build-id is "
                       "made up, or \"absent\")");
    }
  }
  if (value.contains("sect_attrs")) {
    using S = ModuleSpec::SectAttrs;
    CSD_ASSIGN_OR_RETURN(m.sect_attrs, ParseEnum<S>(value["sect_attrs"], Child(where, "sect_attrs"),
                                                    {{"present", S::kPresent},
                                                     {"null", S::kNull},
                                                     {"unterminated", S::kUnterminated},
                                                     {"wild-address", S::kWildAddress}}));
  }
  if (value.contains("notes_attrs")) {
    CSD_ASSIGN_OR_RETURN(m.notes_attrs_null,
                         ParseEnum<bool>(value["notes_attrs"], Child(where, "notes_attrs"),
                                         {{"present", false}, {"null", true}}));
  }
  if (value.contains("state")) {
    CSD_ASSIGN_OR_RETURN(m.state, ParseEnum<int64_t>(value["state"], Child(where, "state"),
                                                     {{kModuleStates[0], 0},
                                                      {kModuleStates[1], 1},
                                                      {kModuleStates[2], 2},
                                                      {kModuleStates[3], 3}}));
  }
  return m;
}

Status ParseModules(const json& root, const std::string& where, Spec& spec) {
  if (root.contains("module_objects")) {
    const std::string w = Child(where, "module_objects");
    if (!root["module_objects"].is_array()) return SpecError(w, "must be a list of file names");
    for (size_t i = 0; i < root["module_objects"].size(); ++i) {
      CSD_ASSIGN_OR_RETURN(std::string name, ParseString(root["module_objects"][i], Index(w, i)));
      spec.module_objects.push_back(std::move(name));
    }
  }
  if (!root.contains("modules")) return OkStatus();
  const std::string w = Child(where, "modules");
  if (!root["modules"].is_array()) return SpecError(w, "must be a list");
  if (root["modules"].size() > kMaxModules) {
    return SpecError(w, fmt::format("must hold at most {} modules", kMaxModules));
  }
  if (spec.arm) return SpecError(w, "modules are only laid out for \"arch\": \"arm64\"");
  for (size_t i = 0; i < root["modules"].size(); ++i) {
    CSD_ASSIGN_OR_RETURN(ModuleSpec m, ParseModule(root["modules"][i], Index(w, i)));
    if (m.owns_list && spec.list_owner()) {
      return SpecError(Child(Index(w, i), "owns_list"),
                       fmt::format("spec.modules[{}] already owns the list", *spec.list_owner()));
    }
    if (m.object && !spec.module_objects.empty() && *m.object >= spec.module_objects.size()) {
      return SpecError(Child(Index(w, i), "object"),
                       fmt::format("{} is out of range (module_objects has {})", *m.object,
                                   spec.module_objects.size()));
    }
    spec.modules.push_back(std::move(m));
  }
  return OkStatus();
}

Status ValidateGeometry(const Spec& spec) {
  const uint64_t page = spec.page_size;
  if (spec.ram.empty()) return SpecError("spec.ram", "must list at least one RAM range");
  uint64_t total = 0;
  for (size_t i = 0; i < spec.ram.size(); ++i) {
    const RamRange& r = spec.ram[i];
    const std::string w = Index("spec.ram", i);
    if (r.size == 0) return SpecError(w, "size must not be 0");
    if (r.start % page || r.size % page) {
      return SpecError(w,
                       fmt::format("start and size must be multiples of page_size ({:#x})", page));
    }
    const unsigned pa_bits = spec.pa_bits_or_default();
    if (!CheckedAdd(r.start, r.size) || r.start + r.size > (1ull << pa_bits)) {
      return SpecError(w, fmt::format("must lie below 2^{} ({}-bit physical addresses{})", pa_bits,
                                      pa_bits, pa_bits == 52 ? "" : "; see \"pa_bits\""));
    }
    if (i > 0 && spec.ram[i - 1].start + spec.ram[i - 1].size > r.start) {
      return SpecError(w, "overlaps the previous RAM range");
    }
    total += r.size;
  }
  if (total > kMaxRamBytes) {
    return SpecError(
        "spec.ram", fmt::format("{} bytes of RAM is more than the cap of {}", total, kMaxRamBytes));
  }
  if (spec.kaslr_offset % page)
    return SpecError("spec.kaslr_offset", "must be a multiple of page_size");
  if (spec.kernel_phys_or_default() % page)
    return SpecError("spec.kernel_phys", "must be a multiple of page_size");
  if (spec.phys_offset_or_default() % page)
    return SpecError("spec.phys_offset", "must be a multiple of page_size");
  if (spec.excluded_tail) {
    if (*spec.excluded_tail == 0 || *spec.excluded_tail > spec.ram.back().size) {
      return SpecError("spec.makedumpfile_excluded_tail",
                       fmt::format("must be in [1, {:#x}] (the size of the last RAM range)",
                                   spec.ram.back().size));
    }
  }
  if (spec.cpus && *spec.cpus == 0) return SpecError("spec.cpus", "must be at least 1");
  // Linux sets TCR_EL1.DS (LPA2) exactly when it runs with 52-bit VAs and
  // 4K/16K pages, and the architecture has no other way to resolve them.
  if (!spec.arm && spec.page_size != 65536 &&
      (spec.va_bits > 48) != (spec.pa_bits_or_default() == 52)) {
    return SpecError("spec.pa_bits",
                     fmt::format("with {} KiB pages, 52-bit PAs (LPA2) go with va_bits 52 and "
                                 "48-bit PAs with va_bits up to 48 (va_bits is {}, pa_bits {})",
                                 spec.page_size >> 10, spec.va_bits, spec.pa_bits_or_default()));
  }
  return OkStatus();
}

}  // namespace

Expected<Spec> ParseSpec(std::string_view json_text, std::string_view origin) {
  json root;
  try {
    root = json::parse(json_text);
  } catch (const json::parse_error& e) {
    return Error(ErrorCode::kInvalidArgument,
                 fmt::format("{}: not valid JSON: {}", origin, e.what()));
  }
  const std::string where = "spec";
  CSD_RETURN_IF_ERROR(CheckKeys(root, where,
                                {"comment",
                                 "kernel",
                                 "vmlinux",
                                 "format",
                                 "raw_vmcoreinfo",
                                 "page_size",
                                 "va_bits",
                                 "pa_bits",
                                 "page_tables",
                                 "layout",
                                 "kaslr_offset",
                                 "phys_offset",
                                 "ram",
                                 "kernel_phys",
                                 "vmcoreinfo",
                                 "makedumpfile_excluded_tail",
                                 "truncate_file",
                                 "seed",
                                 "cpus",
                                 "nodes",
                                 "modules",
                                 "module_objects",
                                 "extra_nodes",
                                 "expect",
                                 "compression",
                                 "header_version",
                                 "dump_level",
                                 "flattened",
                                 "split",
                                 "incomplete",
                                 "exclude_node_buffer",
                                 "exclude_kernel_text",
                                 "kdump_producer",
                                 "kdump_corrupt",
                                 "arch",
                                 "page_offset",
                                 "lpae",
                                 "highmem"}));
  Spec spec;
  if (root.contains("comment"))
    CSD_RETURN_IF_ERROR(ParseString(root["comment"], Child(where, "comment")));
  if (root.contains("kernel")) {
    CSD_ASSIGN_OR_RETURN(spec.kernel, ParseString(root["kernel"], Child(where, "kernel")));
  }
  if (root.contains("vmlinux")) {
    CSD_ASSIGN_OR_RETURN(spec.vmlinux, ParseString(root["vmlinux"], Child(where, "vmlinux")));
  }
  if (root.contains("format")) {
    CSD_ASSIGN_OR_RETURN(spec.format,
                         ParseEnum<DumpFormat>(root["format"], Child(where, "format"),
                                               {{"kdump", DumpFormat::kKdump},
                                                {"qemu", DumpFormat::kQemu},
                                                {"kdump-compressed", DumpFormat::kKdump},
                                                {"raw", DumpFormat::kRaw}}));
  }
  CSD_RETURN_IF_ERROR(ParseKdumpOptions(root, where, spec.kdump));
  if (root.contains("raw_vmcoreinfo")) {
    if (spec.format != DumpFormat::kRaw)
      return SpecError(Child(where, "raw_vmcoreinfo"), "needs \"format\": \"raw\"");
    CSD_ASSIGN_OR_RETURN(
        spec.raw_vmcoreinfo,
        ParseEnum<RawVmcoreinfo>(root["raw_vmcoreinfo"], Child(where, "raw_vmcoreinfo"),
                                 {{"file", RawVmcoreinfo::kFile},
                                  {"embedded", RawVmcoreinfo::kEmbedded},
                                  {"none", RawVmcoreinfo::kNone}}));
  }
  if (root.contains("page_size")) {
    CSD_ASSIGN_OR_RETURN(spec.page_size, ParseU64(root["page_size"], Child(where, "page_size")));
    if (spec.page_size != 4096 && spec.page_size != 16384 && spec.page_size != 65536) {
      return SpecError(Child(where, "page_size"), "must be 4096, 16384 or 65536");
    }
  }
  if (root.contains("va_bits")) {
    CSD_ASSIGN_OR_RETURN(int64_t bits, ParseInt(root["va_bits"], Child(where, "va_bits"), 0, 64));
    // The table builder handles any VA size for every granule; above 48
    // bits 4K and 16K pages need LPA2 (pa_bits 52, checked with the RAM).
    if (bits < 36 || bits > 52) return SpecError(Child(where, "va_bits"), "must be in [36, 52]");
    spec.va_bits = static_cast<unsigned>(bits);
  }
  if (root.contains("pa_bits")) {
    CSD_ASSIGN_OR_RETURN(int64_t bits, ParseInt(root["pa_bits"], Child(where, "pa_bits"), 0, 64));
    if (bits != 48 && bits != 52) return SpecError(Child(where, "pa_bits"), "must be 48 or 52");
    spec.pa_bits = static_cast<unsigned>(bits);
  }
  if (root.contains("page_tables")) {
    CSD_ASSIGN_OR_RETURN(
        spec.page_tables,
        ParseEnum<PageTables>(root["page_tables"], Child(where, "page_tables"),
                              {{"low", PageTables::kLow}, {"high", PageTables::kHigh}}));
  }
  if (root.contains("layout")) {
    CSD_ASSIGN_OR_RETURN(spec.layout, ParseEnum<VaLayout>(root["layout"], Child(where, "layout"),
                                                          {{"flipped", VaLayout::kFlipped},
                                                           {"legacy", VaLayout::kLegacy}}));
  }
  if (root.contains("arch")) {
    CSD_ASSIGN_OR_RETURN(spec.arm, ParseEnum<bool>(root["arch"], Child(where, "arch"),
                                                   {{"arm64", false}, {"arm", true}}));
  }
  if (root.contains("page_offset")) {
    CSD_ASSIGN_OR_RETURN(spec.page_offset,
                         ParseU64(root["page_offset"], Child(where, "page_offset")));
    if (spec.page_offset != 0xC0000000 && spec.page_offset != 0xB0000000 &&
        spec.page_offset != 0x80000000 && spec.page_offset != 0x40000000) {
      return SpecError(Child(where, "page_offset"),
                       "must be 0xC0000000, 0xB0000000, 0x80000000 or 0x40000000");
    }
  }
  if (root.contains("lpae")) {
    if (!root["lpae"].is_boolean()) return SpecError(Child(where, "lpae"), "must be true or false");
    spec.lpae = root["lpae"].get<bool>();
  }
  if (root.contains("highmem")) {
    CSD_ASSIGN_OR_RETURN(spec.highmem, ParseU64(root["highmem"], Child(where, "highmem")));
  }
  if ((root.contains("page_offset") || root.contains("lpae") || root.contains("highmem")) &&
      !spec.arm) {
    return SpecError(where, "\"page_offset\", \"lpae\" and \"highmem\" need \"arch\": \"arm\"");
  }
  if ((root.contains("pa_bits") || root.contains("page_tables")) && spec.arm) {
    return SpecError(where, "\"pa_bits\" and \"page_tables\" apply to arm64 only");
  }
  if (root.contains("kaslr_offset")) {
    CSD_ASSIGN_OR_RETURN(spec.kaslr_offset,
                         ParseU64(root["kaslr_offset"], Child(where, "kaslr_offset")));
  }
  if (root.contains("phys_offset")) {
    CSD_ASSIGN_OR_RETURN(spec.phys_offset,
                         ParseU64(root["phys_offset"], Child(where, "phys_offset")));
  }
  if (root.contains("kernel_phys")) {
    CSD_ASSIGN_OR_RETURN(spec.kernel_phys,
                         ParseU64(root["kernel_phys"], Child(where, "kernel_phys")));
  }
  if (!root.contains("ram")) return SpecError(where, "missing required key \"ram\"");
  if (!root["ram"].is_array())
    return SpecError(Child(where, "ram"), "must be a list of {\"start\", \"size\"}");
  for (size_t i = 0; i < root["ram"].size(); ++i) {
    const std::string w = Index(Child(where, "ram"), i);
    const json& r = root["ram"][i];
    CSD_RETURN_IF_ERROR(CheckKeys(r, w, {"start", "size"}));
    if (!r.contains("start") || !r.contains("size"))
      return SpecError(w, "needs \"start\" and \"size\"");
    RamRange range;
    CSD_ASSIGN_OR_RETURN(range.start, ParseU64(r["start"], Child(w, "start")));
    CSD_ASSIGN_OR_RETURN(range.size, ParseU64(r["size"], Child(w, "size")));
    spec.ram.push_back(range);
  }
  std::sort(spec.ram.begin(), spec.ram.end(),
            [](const RamRange& a, const RamRange& b) { return a.start < b.start; });
  if (root.contains("vmcoreinfo")) {
    CSD_ASSIGN_OR_RETURN(spec.vmcoreinfo,
                         ParseVmcoreinfo(root["vmcoreinfo"], Child(where, "vmcoreinfo")));
  }
  if (root.contains("makedumpfile_excluded_tail")) {
    CSD_ASSIGN_OR_RETURN(spec.excluded_tail, ParseU64(root["makedumpfile_excluded_tail"],
                                                      Child(where, "makedumpfile_excluded_tail")));
  }
  if (root.contains("truncate_file")) {
    CSD_ASSIGN_OR_RETURN(spec.truncate_file,
                         ParseU64(root["truncate_file"], Child(where, "truncate_file")));
  }
  if (root.contains("seed")) {
    CSD_ASSIGN_OR_RETURN(spec.seed, ParseU64(root["seed"], Child(where, "seed")));
  }
  if (root.contains("cpus")) {
    CSD_ASSIGN_OR_RETURN(int64_t cpus, ParseInt(root["cpus"], Child(where, "cpus"), 1, 4096));
    spec.cpus = static_cast<unsigned>(cpus);
  }
  if (!root.contains("nodes"))
    return SpecError(where, "missing required key \"nodes\" (may be [])");
  if (!root["nodes"].is_array()) return SpecError(Child(where, "nodes"), "must be a list");
  const size_t node_count = root["nodes"].size();
  for (size_t i = 0; i < node_count; ++i) {
    CSD_ASSIGN_OR_RETURN(NodeSpec node,
                         ParseNode(root["nodes"][i], Index(Child(where, "nodes"), i), node_count));
    spec.nodes.push_back(std::move(node));
  }
  CSD_RETURN_IF_ERROR(ParseModules(root, where, spec));
  if (root.contains("extra_nodes")) {
    CSD_ASSIGN_OR_RETURN(spec.extra_nodes,
                         ParseU64(root["extra_nodes"], Child(where, "extra_nodes")));
    if (spec.extra_nodes > kMaxExtraNodes) {
      return SpecError(Child(where, "extra_nodes"),
                       fmt::format("must be at most {}", kMaxExtraNodes));
    }
  }
  if (root.contains("expect")) {
    const std::string w = Child(where, "expect");
    CSD_RETURN_IF_ERROR(CheckKeys(root["expect"], w, {"walk_error"}));
    if (root["expect"].contains("walk_error")) {
      CSD_ASSIGN_OR_RETURN(spec.expect_walk_error,
                           ParseBool(root["expect"]["walk_error"], Child(w, "walk_error")));
    }
  }
  CSD_RETURN_IF_ERROR(ValidateGeometry(spec));
  return spec;
}

Expected<Spec> LoadSpecFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error(ErrorCode::kIo, fmt::format("cannot read spec {}", path.string()));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return Error(ErrorCode::kIo, fmt::format("error reading spec {}", path.string()));
  auto spec = ParseSpec(text.str());
  if (!spec.ok()) return std::move(spec).error().AddContext(path.string());
  return spec;
}

Expected<std::filesystem::path> ResolveVmlinux(
    const Spec& spec, const std::filesystem::path& spec_path,
    const std::optional<std::filesystem::path>& override_path) {
  if (override_path) return *override_path;
  if (!spec.vmlinux) {
    return Error(ErrorCode::kInvalidArgument,
                 "no vmlinux: set \"vmlinux\" in the spec or pass --vmlinux");
  }
  std::filesystem::path p(*spec.vmlinux);
  if (p.is_relative()) p = spec_path.parent_path() / p;
  return p;
}

}  // namespace csd::mkcore
