// SPDX-License-Identifier: MIT
#include "output/decoder_writer.h"

#include <fmt/format.h>

#include "output/decoder_inputs.h"
#include "output/perf/perf_writer.h"
#include "output/sha256.h"
#include "output/snapshot/snapshot_writer.h"

namespace csd {

Expected<DecoderOutputsRecord> WriteDecoderOutputs(const DumpSet& dump_set,
                                                   const DecoderFormats& formats, OutputDir& out) {
  DecoderOutputsRecord record;
  if (formats.opencsd) record.formats.push_back("opencsd");
  if (formats.perf) record.formats.push_back("perf");
  if (!formats.opencsd && !formats.perf) return record;

  const DecoderInputs inputs = PlanDecoderInputs(dump_set);
  record.guesses = inputs.guesses;
  record.warnings = inputs.warnings;

  struct Planned {
    const char* format;
    GeneratedFile file;
  };
  std::vector<Planned> planned;
  if (inputs.sinks.empty()) {
    record.warnings.push_back("no sink buffer with data: no decoder outputs written");
    return record;
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

  const uint64_t cap = out.options().max_file_size;
  for (const auto& p : planned) {
    if (p.file.bytes.size() > cap) {
      return Error(ErrorCode::kLimit, fmt::format("{} would be {} bytes, over the per-file limit "
                                                  "of {} bytes",
                                                  p.file.path, p.file.bytes.size(), cap));
    }
    CSD_RETURN_IF_ERROR(out.CheckWritable(p.file.path));
  }
  for (const auto& p : planned) {
    CSD_ASSIGN_OR_RETURN(std::string digest, Sha256Hex(p.file.bytes));
    CSD_RETURN_IF_ERROR(out.WriteFile(p.file.path, p.file.bytes));
    record.files.push_back({p.format, p.file.path, std::move(digest), p.file.bytes.size()});
  }
  return record;
}

}  // namespace csd
