// SPDX-License-Identifier: MIT
#include "output/decoder_writer.h"

#include <map>
#include <optional>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "output/decoder_inputs.h"
#include "output/hashed_write.h"
#include "output/perf/perf_writer.h"
#include "output/snapshot/snapshot_writer.h"

namespace csd {

Expected<DecoderPlan> PlanDecoderOutputs(const DumpSet& dump_set, const DecoderFormats& formats,
                                         const OutputDir& out) {
  DecoderPlan plan;
  DecoderOutputsRecord& record = plan.record;
  if (formats.opencsd) record.formats.push_back("opencsd");
  if (formats.perf) record.formats.push_back("perf");
  if (!formats.opencsd && !formats.perf) return plan;

  const DecoderInputs inputs = PlanDecoderInputs(dump_set);
  record.guesses = inputs.guesses;
  record.warnings = inputs.warnings;

  std::vector<DecoderPlan::Planned>& planned = plan.files;
  if (inputs.sinks.empty()) {
    record.warnings.push_back("no sink buffer with data: no decoder outputs written");
    return plan;
  }
  if (formats.opencsd) {
    if (dump_set.memory_images.empty()) {
      record.warnings.push_back(
          "opencsd: no kernel text image; the snapshot decodes packets "
          "only, instructions show as not accessible");
    }
    for (auto& file : BuildSnapshot(dump_set, inputs))
      planned.push_back({"opencsd", std::move(file)});
  }
  if (formats.perf) {
    auto perf = BuildPerfData(dump_set, inputs);
    if (perf.ok()) {
      planned.push_back({"perf", std::move(*perf)});
    } else {
      record.warnings.push_back("perf.data not written: " + perf.error().message());
    }
  }

  for (const auto& p : planned) {
    CSD_RETURN_IF_ERROR(out.CheckFits(p.file.path, p.file.content.size()));
    CSD_RETURN_IF_ERROR(out.CheckWritable(p.file.path));
  }
  return plan;
}

Expected<DecoderOutputsRecord> WriteDecoderPlan(DecoderPlan plan, const DumpSet& dump_set,
                                                OutputDir& out,
                                                const std::vector<FileRecord>* raw_files) {
  DecoderOutputsRecord record = std::move(plan.record);
  const std::vector<DecoderPlan::Planned>& planned = plan.files;

  // The same bytes go to several files (sinks/X.bin, opencsd/X.bin,
  // opencsd-X/X.bin): hash each distinct run of pieces once. Keys are the
  // pieces' addresses, which stay valid and unchanged for this call: the
  // DumpSet is const and every owned piece lives in `planned` until the end.
  // Digests the reader computed while reading (large sinks) are known already.
  std::map<std::vector<std::pair<const std::byte*, size_t>>, std::string> digests;
  auto key_of = [](const std::vector<std::span<const std::byte>>& pieces) {
    std::vector<std::pair<const std::byte*, size_t>> key;
    for (const auto& piece : pieces) key.emplace_back(piece.data(), piece.size());
    return key;
  };
  // A file that is exactly a sink staged in OUT while it was read (a
  // snapshot's copy of a sink whose size is whole frames) is linked to it.
  std::map<std::pair<const std::byte*, size_t>, const StagedBuffer*> staged;
  for (const DumpNode& node : dump_set.nodes) {
    if (node.data && node.data_sha256) {
      digests.emplace(key_of({std::span<const std::byte>(*node.data)}), *node.data_sha256);
    }
    if (node.data && node.data->staged() != nullptr) {
      staged.emplace(std::pair(node.data->data(), node.data->size()), node.data->staged());
    }
  }
  if (raw_files != nullptr) {
    for (const FileRecord& f : *raw_files) {
      for (const DumpNode& node : dump_set.nodes) {
        if (node.index != f.node_index || !node.data || node.data->size() != f.size) continue;
        digests.emplace(key_of({std::span<const std::byte>(*node.data)}), f.sha256);
      }
    }
  }
  for (const auto& p : planned) {
    const std::vector<std::span<const std::byte>> pieces = p.file.content.Pieces();
    const auto key = key_of(pieces);
    const auto known = digests.find(key);
    std::optional<std::string_view> known_digest;
    if (known != digests.end()) known_digest = known->second;
    const StagedBuffer* staged_file = nullptr;
    if (pieces.size() == 1) {
      const auto found = staged.find(std::pair(pieces[0].data(), pieces[0].size()));
      if (found != staged.end()) staged_file = found->second;
    }
    CSD_ASSIGN_OR_RETURN(std::string digest,
                         WriteHashed(out, p.file.path, pieces, known_digest, staged_file));
    digests.emplace(key, digest);  // no-op when it was known
    record.files.push_back({p.format, p.file.path, std::move(digest), p.file.content.size()});
  }
  return record;
}

Expected<DecoderOutputsRecord> WriteDecoderOutputs(const DumpSet& dump_set,
                                                   const DecoderFormats& formats, OutputDir& out,
                                                   const std::vector<FileRecord>* raw_files) {
  CSD_ASSIGN_OR_RETURN(DecoderPlan plan, PlanDecoderOutputs(dump_set, formats, out));
  return WriteDecoderPlan(std::move(plan), dump_set, out, raw_files);
}

}  // namespace csd
