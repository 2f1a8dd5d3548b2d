// SPDX-License-Identifier: MIT
// manifest.json: the machine-readable account of one extraction. It records
// what the dump was, how each translation parameter was found, and every
// panic-dump node in list order with its file, digest and any error, so a
// script can tell a complete extraction from a partial one without parsing
// messages. The schema is versioned and described field by field in
// manifest-schema.md; any change to names or meanings bumps the version.
//
// Output is deterministic: the same DumpSet and files give the same bytes
// (key order fixed, no timestamps, no host details).
#pragma once

#include <cstddef>
#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "coresight/dump_set.h"

namespace csd {

inline constexpr std::string_view kManifestSchema = "csdump-manifest";
// 2: nodes gained "error_code" (ManifestErrorCode below).
inline constexpr int kManifestSchemaVersion = 2;
inline constexpr std::string_view kManifestFileName = "manifest.json";
inline constexpr std::string_view kManifestToolName = "csdump-extract";

// One file written for one node.
struct FileRecord {
  size_t node_index = 0;  // DumpNode::index of the node whose buffer the file holds
  std::string path;       // relative to OUT, '/'-separated ("sinks/etf0.bin")
  std::string sha256;     // lower-case hex digest of the file's bytes
  uint64_t size = 0;      // bytes
};

// One file written for a decoder (OpenCSD snapshot, perf.data): not tied to
// one node, so listed apart from the nodes, under "decoder_outputs".
struct DecoderFileRecord {
  std::string format;  // "opencsd" or "perf"
  std::string path;    // relative to OUT
  std::string sha256;
  uint64_t size = 0;
};

// What the decoder writers produced and what in it is not from the dump.
// Recorded as "decoder_outputs" (added within schema_version 1; absent keys
// are never used: a run that writes no decoder format has empty arrays).
struct DecoderOutputsRecord {
  std::vector<std::string> formats;  // the formats asked for, in --format order
  std::vector<DecoderFileRecord> files;
  std::vector<std::string> guesses;   // values derived by rule, not read from the dump
  std::vector<std::string> warnings;  // a format that could not be written, and why
};

// A node's "error_code": one stable string per ErrorCode ("io", "corrupt",
// "not-mapped", "excluded", "unsupported", "lookup", "mismatch", "limit",
// "invalid-argument"), as manifest-schema.md lists them. An interface of its
// own, so spelled out here rather than borrowed from ErrorCodeName (words
// for messages, free to change).
std::string_view ManifestErrorCode(ErrorCode code);

// The project version (CMake PROJECT_VERSION) recorded as tool.version.
std::string_view ToolVersion();

// "0x" followed by lower-case hex digits without padding: the manifest's form
// for addresses and register values, which JSON numbers (doubles in many
// readers) cannot carry exactly.
std::string HexString(uint64_t value);

// Nodes without a record get "file": null and "sha256": null.
nlohmann::ordered_json BuildManifest(const DumpSet& dump_set, const std::vector<FileRecord>& files);
// The same with "decoder_outputs" describing `decoder` (and the DumpSet's
// memory images); without it the key holds empty arrays.
nlohmann::ordered_json BuildManifest(const DumpSet& dump_set, const std::vector<FileRecord>& files,
                                     const DecoderOutputsRecord& decoder);

// The canonical text: two-space indentation, UTF-8 kept as is, a trailing
// newline. Kernel strings that are not valid UTF-8 cannot be stored in JSON;
// each invalid byte becomes U+FFFD.
std::string SerializeManifest(const nlohmann::ordered_json& manifest);

}  // namespace csd
