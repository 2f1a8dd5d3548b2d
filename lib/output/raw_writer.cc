// SPDX-License-Identifier: MIT
#include "output/raw_writer.h"

#include <nlohmann/json.hpp>
#include <span>
#include <string>

#include "output/file_names.h"
#include "output/hashed_write.h"

namespace csd {

namespace {

struct NodeFile {
  const DumpNode* node;
  std::string path;
};

std::vector<NodeFile> Plan(const DumpSet& dump_set) {
  // One allocator per directory: names only need to be unique where they live.
  FileNameAllocator sinks;
  FileNameAllocator metadata;
  FileNameAllocator unknown;
  std::vector<NodeFile> plan;
  for (const auto& node : dump_set.nodes) {
    if (!node.data) continue;
    std::string path;
    switch (node.kind) {
      case NodeKind::kSink:
        path = "sinks/" + sinks.Allocate(SanitizeFileStem(node.device_name.value_or(""))) + ".bin";
        break;
      case NodeKind::kEtmMetadata: {
        // cpu comes from kernel memory too; a negative one gets a name that
        // cannot be mistaken for a collision suffix.
        std::string stem = node.cpu >= 0 ? "cpu" + std::to_string(node.cpu) : "cpu-unknown";
        path = "metadata/" + metadata.Allocate(stem) + ".bin";
        break;
      }
      case NodeKind::kUnknown:
        path = "nodes/" + unknown.Allocate("node" + std::to_string(node.index)) + ".bin";
        break;
    }
    plan.push_back({&node, std::move(path)});
  }
  return plan;
}

}  // namespace

std::vector<PlannedFile> PlanRawOutputs(const DumpSet& dump_set) {
  std::vector<PlannedFile> out;
  for (auto& entry : Plan(dump_set)) out.push_back({entry.node->index, std::move(entry.path)});
  return out;
}

Status WriteManifest(const DumpSet& dump_set, const std::vector<FileRecord>& files,
                     OutputDir& out) {
  std::string text = SerializeManifest(BuildManifest(dump_set, files));
  return out.WriteFile(kManifestFileName, std::as_bytes(std::span(text)));
}

Status WriteManifest(const DumpSet& dump_set, const std::vector<FileRecord>& files,
                     const DecoderOutputsRecord& decoder, OutputDir& out) {
  std::string text = SerializeManifest(BuildManifest(dump_set, files, decoder));
  return out.WriteFile(kManifestFileName, std::as_bytes(std::span(text)));
}

Expected<WriteReport> WriteRawOutputs(const DumpSet& dump_set, OutputDir& out,
                                      const WriteOptions& options) {
  std::vector<NodeFile> plan = Plan(dump_set);

  // Refuse the whole run up front rather than leave half of it behind.
  for (const auto& entry : plan) {
    if (Status fits = out.CheckFits(entry.path, entry.node->data->size()); !fits.ok()) {
      return std::move(fits).error().AddContext("node " + std::to_string(entry.node->index));
    }
    CSD_RETURN_IF_ERROR(out.CheckWritable(entry.path));
  }
  if (options.write_manifest) CSD_RETURN_IF_ERROR(out.CheckWritable(kManifestFileName));

  WriteReport report;
  report.complete = dump_set.complete();
  for (const auto& entry : plan) {
    // Straight from the DumpSet's buffer, or the staged file it already is
    // in OUT; hashed while written unless it was hashed while read.
    const std::span<const std::byte> pieces[] = {entry.node->data->span()};
    CSD_ASSIGN_OR_RETURN(
        std::string digest,
        WriteHashed(out, entry.path, pieces, entry.node->data_sha256, entry.node->data->staged()));
    report.files.push_back({entry.node->index, entry.path, std::move(digest), pieces[0].size()});
  }
  if (options.write_manifest) {
    CSD_RETURN_IF_ERROR(WriteManifest(dump_set, report.files, out));
    report.manifest_path = std::string(kManifestFileName);
  }
  return report;
}

}  // namespace csd
