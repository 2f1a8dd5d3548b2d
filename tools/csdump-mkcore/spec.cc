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

namespace csd::mkcore {
namespace {

using nlohmann::json;

Error SpecError(const std::string& where, const std::string& what) {
  return Error(ErrorCode::kInvalidArgument, fmt::format("{}: {}", where, what));
}

std::string Child(const std::string& where, std::string_view key) {
  return fmt::format("{}.{}", where, key);
}
std::string Index(const std::string& where, size_t i) {
  return fmt::format("{}[{}]", where, i);
}

// Unknown keys are errors: a misspelt corruption key must not yield a clean dump.
Status CheckKeys(const json& object, const std::string& where,
                 std::initializer_list<std::string_view> allowed) {
  if (!object.is_object()) return SpecError(where, "must be a JSON object");
  for (const auto& [key, value] : object.items()) {
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      return SpecError(where, fmt::format("unknown key \"{}\"", key));
    }
  }
  return OkStatus();
}

// Addresses and sizes may be JSON integers or strings: "0x..." (hex) or decimal.
// Hex strings keep 64-bit kernel addresses exact and readable.
Expected<uint64_t> ParseU64(const json& value, const std::string& where) {
  if (value.is_number_unsigned()) return value.get<uint64_t>();
  if (value.is_number_integer()) {
    const int64_t v = value.get<int64_t>();
    if (v < 0) return SpecError(where, "must not be negative");
    return static_cast<uint64_t>(v);
  }
  if (value.is_string()) {
    auto parsed = ParseUnsignedOrError(value.get<std::string>(), 0);
    if (!parsed.ok()) return SpecError(where, parsed.error().message());
    return *parsed;
  }
  return SpecError(where, "must be an integer or a \"0x...\" string");
}

Expected<int64_t> ParseInt(const json& value, const std::string& where, int64_t lo, int64_t hi) {
  if (!value.is_number_integer()) return SpecError(where, "must be an integer");
  if (value.is_number_unsigned() && value.get<uint64_t>() > static_cast<uint64_t>(hi)) {
    return SpecError(where, fmt::format("must be in [{}, {}]", lo, hi));
  }
  const int64_t v = value.get<int64_t>();
  if (v < lo || v > hi)
    return SpecError(where, fmt::format("must be in [{}, {}], got {}", lo, hi, v));
  return v;
}

Expected<std::string> ParseString(const json& value, const std::string& where) {
  if (!value.is_string()) return SpecError(where, "must be a string");
  return value.get<std::string>();
}

Expected<bool> ParseBool(const json& value, const std::string& where) {
  if (!value.is_boolean()) return SpecError(where, "must be true or false");
  return value.get<bool>();
}

template <typename E>
Expected<E> ParseEnum(const json& value, const std::string& where,
                      std::initializer_list<std::pair<std::string_view, E>> choices) {
  std::string names;
  for (const auto& [name, e] : choices) {
    if (value.is_string() && value.get<std::string>() == name) return e;
    names += names.empty() ? "" : ", ";
    names += fmt::format("\"{}\"", name);
  }
  return SpecError(where, fmt::format("must be one of {}", names));
}

Expected<std::vector<uint8_t>> ParseHex(const json& value, const std::string& where) {
  CSD_ASSIGN_OR_RETURN(std::string text, ParseString(value, where));
  std::string digits;
  for (char c : text) {
    if (c == ' ' || c == '\n' || c == '\t') continue;  // allow grouping for readability
    if (!std::isxdigit(static_cast<unsigned char>(c))) {
      return SpecError(where, fmt::format("'{}' is not a hex digit", c));
    }
    digits += c;
  }
  if (digits.size() % 2 != 0) return SpecError(where, "has an odd number of hex digits");
  std::vector<uint8_t> bytes;
  for (size_t i = 0; i < digits.size(); i += 2) {
    bytes.push_back(static_cast<uint8_t>(std::stoul(digits.substr(i, 2), nullptr, 16)));
  }
  return bytes;
}

Expected<NodeContent> ParseContent(const json& value, const std::string& where) {
  CSD_RETURN_IF_ERROR(CheckKeys(value, where, {"etmv4", "pattern", "raw_hex"}));
  if (value.size() != 1)
    return SpecError(where, "must hold exactly one of \"etmv4\", \"pattern\", \"raw_hex\"");
  NodeContent content;
  if (value.contains("etmv4")) {
    const std::string w = Child(where, "etmv4");
    const json& e = value["etmv4"];
    CSD_RETURN_IF_ERROR(CheckKeys(e, w,
                                  {"trcconfigr", "trctraceidr", "trcidr0", "trcidr1", "trcidr2",
                                   "trcidr8", "trcauthstatus", "magic", "cpu_word"}));
    content.kind = NodeContent::Kind::kEtmV4;
    struct Field {
      const char* key;
      uint64_t* out;
    } fields[] = {{"trcconfigr", &content.etmv4.trcconfigr},
                  {"trctraceidr", &content.etmv4.trctraceidr},
                  {"trcidr0", &content.etmv4.trcidr0},
                  {"trcidr1", &content.etmv4.trcidr1},
                  {"trcidr2", &content.etmv4.trcidr2},
                  {"trcidr8", &content.etmv4.trcidr8},
                  {"trcauthstatus", &content.etmv4.trcauthstatus}};
    for (const Field& f : fields) {
      if (!e.contains(f.key))
        return SpecError(w, fmt::format("missing required key \"{}\"", f.key));
      CSD_ASSIGN_OR_RETURN(*f.out, ParseU64(e[f.key], Child(w, f.key)));
    }
    if (e.contains("magic")) {
      CSD_ASSIGN_OR_RETURN(content.etmv4.magic, ParseU64(e["magic"], Child(w, "magic")));
    }
    if (e.contains("cpu_word")) {
      CSD_ASSIGN_OR_RETURN(content.etmv4.cpu_word, ParseU64(e["cpu_word"], Child(w, "cpu_word")));
    }
  } else if (value.contains("pattern")) {
    const std::string w = Child(where, "pattern");
    const json& p = value["pattern"];
    CSD_RETURN_IF_ERROR(CheckKeys(p, w, {"size", "barrier", "bits"}));
    content.kind = NodeContent::Kind::kPattern;
    if (!p.contains("size")) return SpecError(w, "missing required key \"size\"");
    CSD_ASSIGN_OR_RETURN(content.pattern.size, ParseU64(p["size"], Child(w, "size")));
    if (content.pattern.size == 0 || content.pattern.size > kMaxContentBytes) {
      return SpecError(Child(w, "size"), fmt::format("must be in [1, {}]", kMaxContentBytes));
    }
    if (p.contains("barrier")) {
      CSD_ASSIGN_OR_RETURN(content.pattern.barrier, ParseBool(p["barrier"], Child(w, "barrier")));
      if (content.pattern.barrier && content.pattern.size < 16) {
        return SpecError(Child(w, "barrier"), "needs a pattern of at least 16 bytes");
      }
    }
    if (p.contains("bits")) {
      CSD_ASSIGN_OR_RETURN(uint64_t bits, ParseU64(p["bits"], Child(w, "bits")));
      if (bits < 1 || bits > 8) return SpecError(Child(w, "bits"), "must be in [1, 8]");
      content.pattern.bits = static_cast<unsigned>(bits);
    }
  } else {
    content.kind = NodeContent::Kind::kRaw;
    CSD_ASSIGN_OR_RETURN(content.raw, ParseHex(value["raw_hex"], Child(where, "raw_hex")));
    if (content.raw.empty()) return SpecError(Child(where, "raw_hex"), "must not be empty");
  }
  return content;
}

Expected<NodeCorruption> ParseCorruption(const json& value, const std::string& where,
                                         size_t node_count) {
  CSD_RETURN_IF_ERROR(CheckKeys(value, where, {"buf", "name", "next", "csdev", "pte"}));
  NodeCorruption c;
  if (value.contains("pte")) {
    CSD_ASSIGN_OR_RETURN(
        c.pte, ParseEnum<NodeCorruption::Pte>(value["pte"], Child(where, "pte"),
                                              {{"invalid", NodeCorruption::Pte::kInvalid},
                                               {"outside-ram", NodeCorruption::Pte::kOutsideRam}}));
  }
  if (value.contains("buf")) {
    CSD_ASSIGN_OR_RETURN(
        c.buf, ParseEnum<NodeCorruption::Buf>(value["buf"], Child(where, "buf"),
                                              {{"unmapped", NodeCorruption::Buf::kUnmapped},
                                               {"null", NodeCorruption::Buf::kNull}}));
  }
  if (value.contains("name")) {
    CSD_ASSIGN_OR_RETURN(
        bool unmapped, ParseEnum<bool>(value["name"], Child(where, "name"), {{"unmapped", true}}));
    c.name_unmapped = unmapped;
  }
  if (value.contains("csdev")) {
    CSD_ASSIGN_OR_RETURN(bool unmapped, ParseEnum<bool>(value["csdev"], Child(where, "csdev"),
                                                        {{"unmapped", true}}));
    c.csdev_unmapped = unmapped;
  }
  if (value.contains("next")) {
    const std::string w = Child(where, "next");
    CSD_ASSIGN_OR_RETURN(std::string text, ParseString(value["next"], w));
    constexpr std::string_view kCycle = "cycle-to:";
    if (text == "unmapped") {
      c.next = NodeCorruption::Next::kUnmapped;
    } else if (text.starts_with(kCycle)) {
      const std::string digits = text.substr(kCycle.size());
      if (digits.empty() || digits.size() > 9 ||
          !std::all_of(digits.begin(), digits.end(),
                       [](char ch) { return ch >= '0' && ch <= '9'; })) {
        return SpecError(w, fmt::format("\"{}\": expected \"cycle-to:<node index>\"", text));
      }
      c.next = NodeCorruption::Next::kCycle;
      c.cycle_to = std::stoul(digits);
      if (c.cycle_to >= node_count) {
        return SpecError(w, fmt::format("\"{}\": node index {} is out of range (nodes has {})",
                                        text, c.cycle_to, node_count));
      }
    } else {
      return SpecError(
          w, fmt::format("\"{}\": must be \"unmapped\" or \"cycle-to:<node index>\"", text));
    }
  }
  return c;
}

Expected<NodeExpect> ParseNodeExpect(const json& value, const std::string& where) {
  CSD_RETURN_IF_ERROR(CheckKeys(value, where, {"kind", "error", "warning"}));
  NodeExpect e;
  if (value.contains("kind")) {
    CSD_ASSIGN_OR_RETURN(
        e.kind, ParseEnum<std::string>(
                    value["kind"], Child(where, "kind"),
                    {{"etm-metadata", "etm-metadata"}, {"sink", "sink"}, {"unknown", "unknown"}}));
  }
  if (value.contains("error")) {
    CSD_ASSIGN_OR_RETURN(e.error, ParseBool(value["error"], Child(where, "error")));
  }
  if (value.contains("warning")) {
    CSD_ASSIGN_OR_RETURN(e.warning, ParseBool(value["warning"], Child(where, "warning")));
  }
  return e;
}

Expected<NodeSpec> ParseNode(const json& value, const std::string& where, size_t node_count) {
  CSD_RETURN_IF_ERROR(CheckKeys(value, where,
                                {"comment", "cpu", "type", "device", "name_via", "alloc", "content",
                                 "buf_size", "corrupt", "expect"}));
  NodeSpec node;
  for (const char* key : {"cpu", "type", "device"}) {
    if (!value.contains(key))
      return SpecError(where, fmt::format("missing required key \"{}\"", key));
  }
  CSD_ASSIGN_OR_RETURN(
      node.cpu, ParseInt(value["cpu"], Child(where, "cpu"), std::numeric_limits<int32_t>::min(),
                         std::numeric_limits<int32_t>::max()));
  CSD_ASSIGN_OR_RETURN(node.type, ParseInt(value["type"], Child(where, "type"), 0, 1));
  CSD_ASSIGN_OR_RETURN(node.device, ParseString(value["device"], Child(where, "device")));
  if (node.device.find('\0') != std::string::npos) {
    return SpecError(Child(where, "device"), "must not contain NUL (it is written as a C string)");
  }
  if (value.contains("comment"))
    CSD_RETURN_IF_ERROR(ParseString(value["comment"], Child(where, "comment")));
  if (value.contains("name_via")) {
    CSD_ASSIGN_OR_RETURN(
        node.name_via,
        ParseEnum<NameVia>(value["name_via"], Child(where, "name_via"),
                           {{"kobj", NameVia::kKobj}, {"init_name", NameVia::kInitName}}));
  }
  if (value.contains("alloc")) {
    CSD_ASSIGN_OR_RETURN(
        node.alloc, ParseEnum<Alloc>(value["alloc"], Child(where, "alloc"),
                                     {{"kmalloc", Alloc::kKmalloc}, {"vmalloc", Alloc::kVmalloc}}));
  }
  if (value.contains("content")) {
    CSD_ASSIGN_OR_RETURN(node.content, ParseContent(value["content"], Child(where, "content")));
  }
  if (value.contains("buf_size")) {
    CSD_ASSIGN_OR_RETURN(node.buf_size, ParseU64(value["buf_size"], Child(where, "buf_size")));
  }
  if (value.contains("corrupt")) {
    CSD_ASSIGN_OR_RETURN(node.corrupt,
                         ParseCorruption(value["corrupt"], Child(where, "corrupt"), node_count));
  }
  if (value.contains("expect")) {
    CSD_ASSIGN_OR_RETURN(node.expect, ParseNodeExpect(value["expect"], Child(where, "expect")));
  }
  if (node.content.kind == NodeContent::Kind::kNone && node.alloc == Alloc::kVmalloc) {
    return SpecError(Child(where, "alloc"), "\"vmalloc\" needs a \"content\" to allocate");
  }
  return node;
}

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
  CSD_RETURN_IF_ERROR(CheckKeys(
      value, where, {"comment", "name", "object", "owns_list", "build_id", "sect_attrs", "state"}));
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
    CSD_ASSIGN_OR_RETURN(m.sect_attrs_null,
                         ParseEnum<bool>(value["sect_attrs"], Child(where, "sect_attrs"),
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
