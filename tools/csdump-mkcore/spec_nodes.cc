// SPDX-License-Identifier: MIT
#include "csdump-mkcore/spec_nodes.h"

#include <fmt/format.h>

#include "csdump-mkcore/spec_json.h"

namespace csd::mkcore {
namespace {

using namespace spec_json;  // NOLINT(google-build-using-namespace): the spec readers' vocabulary

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

}  // namespace

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

}  // namespace csd::mkcore
