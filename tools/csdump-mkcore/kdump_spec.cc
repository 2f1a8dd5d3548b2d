// SPDX-License-Identifier: MIT
#include "csdump-mkcore/kdump_spec.h"

#include <fmt/format.h>

#include <array>
#include <utility>

namespace csd::mkcore {
namespace {

using nlohmann::json;

Error Bad(const std::string& where, std::string_view key, const std::string& what) {
  return Error(ErrorCode::kInvalidArgument, fmt::format("{}.{}: {}", where, key, what));
}

template <typename T, size_t N>
Status ParseChoice(const json& root, const std::string& where, std::string_view key,
                   const std::array<std::pair<std::string_view, T>, N>& choices, T& out) {
  if (!root.contains(key)) return OkStatus();
  const json& v = root[std::string(key)];
  std::string names;
  for (const auto& [name, value] : choices) {
    if (v.is_string() && v.get<std::string>() == name) {
      out = value;
      return OkStatus();
    }
    names += fmt::format("{}\"{}\"", names.empty() ? "" : ", ", name);
  }
  return Bad(where, key, fmt::format("must be one of {}", names));
}

Status ParseInt(const json& root, const std::string& where, std::string_view key, int64_t lo,
                int64_t hi, int64_t& out) {
  if (!root.contains(key)) return OkStatus();
  const json& v = root[std::string(key)];
  if (!v.is_number_integer() || v.get<int64_t>() < lo || v.get<int64_t>() > hi) {
    return Bad(where, key, fmt::format("must be an integer from {} to {}", lo, hi));
  }
  out = v.get<int64_t>();
  return OkStatus();
}

Status ParseBool(const json& root, const std::string& where, std::string_view key, bool& out) {
  if (!root.contains(key)) return OkStatus();
  const json& v = root[std::string(key)];
  if (!v.is_boolean()) return Bad(where, key, "must be true or false");
  out = v.get<bool>();
  return OkStatus();
}

}  // namespace

Status ParseKdumpOptions(const json& root, const std::string& where, KdumpOptions& out) {
  out.enabled = root.contains("format") && root["format"].is_string() &&
                root["format"].get<std::string>() == "kdump-compressed";
  for (std::string_view key :
       {"compression", "header_version", "dump_level", "flattened", "split", "incomplete",
        "exclude_node_buffer", "exclude_kernel_text", "kdump_producer", "kdump_corrupt"}) {
    if (!out.enabled && root.contains(key)) {
      return Bad(where, key, "applies only to \"format\": \"kdump-compressed\"");
    }
  }
  using C = KdumpCompression;
  constexpr std::array<std::pair<std::string_view, C>, 6> kCodecs{{{"zlib", C::kZlib},
                                                                   {"lzo", C::kLzo},
                                                                   {"snappy", C::kSnappy},
                                                                   {"zstd", C::kZstd},
                                                                   {"none", C::kNone},
                                                                   {"mixed", C::kMixed}}};
  CSD_RETURN_IF_ERROR(ParseChoice(root, where, "compression", kCodecs, out.compression));
  using K = KdumpCorruption;
  constexpr std::array<std::pair<std::string_view, K>, 4> kCorruptions{
      {{"block_size", K::kBlockSize},
       {"bitmap_blocks", K::kBitmapBlocks},
       {"sub_hdr_size", K::kSubHdrSize},
       {"descriptor", K::kDescriptor}}};
  CSD_RETURN_IF_ERROR(ParseChoice(root, where, "kdump_corrupt", kCorruptions, out.corrupt));
  bool qemu = false;
  if (root.contains("kdump_producer")) {
    const json& v = root["kdump_producer"];
    if (!v.is_string() ||
        (v.get<std::string>() != "qemu" && v.get<std::string>() != "makedumpfile")) {
      return Bad(where, "kdump_producer", "must be \"makedumpfile\" or \"qemu\"");
    }
    qemu = v.get<std::string>() == "qemu";
  }
  out.qemu = qemu;
  int64_t version = out.header_version, level = out.dump_level, split = out.split, node = -1;
  CSD_RETURN_IF_ERROR(ParseInt(root, where, "header_version", 1, 6, version));
  CSD_RETURN_IF_ERROR(ParseInt(root, where, "dump_level", 0, 31, level));
  CSD_RETURN_IF_ERROR(ParseInt(root, where, "split", 0, 64, split));
  CSD_RETURN_IF_ERROR(ParseInt(root, where, "exclude_node_buffer", 0, 1 << 20, node));
  out.header_version = static_cast<int>(version);
  out.dump_level = static_cast<int>(level);
  out.split = static_cast<unsigned>(split);
  if (node >= 0) out.exclude_node_buffer = static_cast<size_t>(node);
  CSD_RETURN_IF_ERROR(ParseBool(root, where, "flattened", out.flattened));
  CSD_RETURN_IF_ERROR(ParseBool(root, where, "incomplete", out.incomplete));
  CSD_RETURN_IF_ERROR(ParseBool(root, where, "exclude_kernel_text", out.exclude_kernel_text));
  if (out.split == 1) return Bad(where, "split", "must be 0 (not split) or at least 2");
  if (out.split > 1 && out.header_version < 6) {
    return Bad(where, "split",
               "needs header_version 6 (the 64-bit start_pfn_64/end_pfn_64 fields)");
  }
  return OkStatus();
}

}  // namespace csd::mkcore
