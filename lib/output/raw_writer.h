// SPDX-License-Identifier: MIT
// The raw outputs: every buffer that was read, byte for byte as it was in
// memory, plus manifest.json (design.md, "The output contract"):
//
//   sinks/<device>.bin   a sink buffer; <device> is the sanitised kernel name
//   metadata/cpu<N>.bin  an ETM metadata buffer; N is the node's cpu
//   nodes/node<I>.bin    a node of unknown kind; I is its list index
//   manifest.json        written last, so its presence means the rest is there
//
// Names are allocated in list order, per directory, with collisions numbered
// ("etf", "etf-1"; "cpu0", "cpu0-1"), so the same DumpSet always gives the
// same names. Nodes without data (their error says why) get no file; the
// manifest records them with "file": null.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "base/error.h"
#include "coresight/dump_set.h"
#include "output/manifest.h"
#include "output/output_dir.h"

namespace csd {

struct WriteOptions {
  // A caller that runs further writers (OpenCSD snapshot, perf.data) sets
  // this to false and calls WriteManifest itself once everything is written.
  bool write_manifest = true;
};

struct PlannedFile {
  size_t node_index = 0;  // DumpNode::index
  std::string path;       // relative to OUT
};

struct WriteReport {
  std::vector<FileRecord> files;             // list order
  std::optional<std::string> manifest_path;  // relative to OUT, when written
  bool complete = false;                     // DumpSet::complete(): nothing is missing
};

// The file each node with data will get, in list order. No I/O.
std::vector<PlannedFile> PlanRawOutputs(const DumpSet& dump_set);

// Writes the buffers and (unless disabled) the manifest. Before writing
// anything it checks every target (size cap, symlinks, existing files
// without force), so a refused run leaves OUT as it was. An error while
// writing stops the run: files already renamed into place stay, no manifest
// is written, and the error names the file.
Expected<WriteReport> WriteRawOutputs(const DumpSet& dump_set, OutputDir& out,
                                      const WriteOptions& options = {});

// Writes manifest.json describing `dump_set` and `files`.
Status WriteManifest(const DumpSet& dump_set, const std::vector<FileRecord>& files, OutputDir& out);
Status WriteManifest(const DumpSet& dump_set, const std::vector<FileRecord>& files,
                     const DecoderOutputsRecord& decoder, OutputDir& out);

}  // namespace csd
