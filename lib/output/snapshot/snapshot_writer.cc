// SPDX-License-Identifier: MIT
#include "output/snapshot/snapshot_writer.h"

#include <fmt/format.h>

#include <span>
#include <utility>

#include "output/file_names.h"
#include "output/snapshot/snapshot_keys.h"

namespace csd {

namespace {

using namespace csd::snapshot;

// Line-oriented ini text in the strict dialect of §1.2: no spaces around
// '=', no inline comments, hex numbers without trailing text.
class Ini {
 public:
  void Section(std::string_view name) {
    if (!text_.empty()) text_ += '\n';
    text_ += fmt::format("[{}]\n", name);
  }
  void Key(std::string_view key, std::string_view value) {
    text_ += fmt::format("{}={}\n", key, value);
  }
  void Hex(std::string_view key, uint64_t value) { Key(key, fmt::format("{:#010x}", value)); }
  GeneratedFile File(std::string_view dir, std::string_view name) const {
    GeneratedFile file;
    file.path = fmt::format("{}/{}", dir, name);
    file.content.AppendText(text_);
    return file;
  }

 private:
  std::string text_;
};

std::string CoreName(int64_t cpu) {
  return fmt::format("cpu_{}", cpu);
}
std::string SourceName(int64_t cpu) {
  return fmt::format("ETM_{}", cpu);
}

// ETMv4 minor version TRCIDR1[7:4] >= 4 is what perf maps to ARCH_AA64; the
// same split keeps the snapshot decoding like perf does.
// ETE is ETMv4.4+-class (ARCH_AA64). ETMv3/PTM cores are 32-bit Arm
// ("ARMv7-A", §1.8) unless the dump is arm64, where an AArch32-era trace
// unit still sits on an ARMv8-A core.
const char* CoreType(const DumpSet& dump_set, const TraceSource& source) {
  switch (source.protocol()) {
    case EtmProtocol::kEte: return kCoreArmAA64;
    case EtmProtocol::kEtmV3:
    case EtmProtocol::kPtm: return dump_set.target.arch == "arm64" ? kCoreArmV8A : kCoreArmV7A;
    case EtmProtocol::kEtmV4: break;
  }
  return ((source.config.etm4()->trcidr1 >> 4) & 0xf) >= 4 ? kCoreArmAA64 : kCoreArmV8A;
}

const char* SourceType(EtmProtocol protocol) {
  switch (protocol) {
    case EtmProtocol::kEte: return kTypeEte;
    case EtmProtocol::kEtmV3: return kTypeEtm3;
    case EtmProtocol::kPtm: return kTypePtm1;
    case EtmProtocol::kEtmV4: break;
  }
  return kTypeEtm4;
}

// A data file borrowing its bytes from the DumpSet: sink buffers and the
// kernel text are written from where they are, never copied here.
GeneratedFile BytesFile(std::string_view dir, std::string_view name,
                        std::span<const std::byte> bytes) {
  GeneratedFile file;
  file.path = fmt::format("{}/{}", dir, name);
  file.content.AppendBorrowed(bytes);
  return file;
}

// One snapshot directory: `buffers` (indices into inputs.sinks, each with its
// file name in the directory) listed in trace.ini, every source tied to the
// first of them, every core given the memory images at `image_files`.
void BuildOne(const DumpSet& dump_set, const DecoderInputs& inputs, std::string_view dir,
              const std::vector<std::string>& image_files,
              const std::vector<std::pair<size_t, std::string>>& buffers,
              std::vector<GeneratedFile>& files) {
  Ini snapshot;
  snapshot.Section(kSnapshotSection);
  snapshot.Key(kVersionKey, kVersionValue);
  snapshot.Key(kDescriptionKey, "csdump-extract: CoreSight trace from a Linux crash dump");
  snapshot.Section(kDeviceListSection);
  int device = 0;
  for (const auto& source : inputs.sources) {
    snapshot.Key(fmt::format("device{}", ++device), CoreName(source.cpu) + ".ini");
  }
  for (const auto& source : inputs.sources) {
    snapshot.Key(fmt::format("device{}", ++device), SourceName(source.cpu) + ".ini");
  }
  snapshot.Section(kTraceSection);
  snapshot.Key(kMetadataKey, kTraceFile);
  files.push_back(snapshot.File(dir, kSnapshotFile));

  for (const auto& source : inputs.sources) {
    Ini core;
    core.Section(kDeviceSection);
    core.Key(kNameKey, CoreName(source.cpu));
    core.Key(kClassKey, kClassCore);
    core.Key(kTypeKey, CoreType(dump_set, source));
    for (size_t i = 0; i < dump_set.memory_images.size(); ++i) {
      // Only the documented keys: any other key in a dump section throws.
      core.Section(fmt::format("{}{}", kDumpSectionPrefix, i + 1));
      core.Key(kDumpFileKey, image_files[i]);
      core.Key(kDumpAddressKey, fmt::format("{:#x}", dump_set.memory_images[i].va));
      core.Key(kDumpLengthKey, fmt::format("{:#x}", dump_set.memory_images[i].bytes.size()));
      core.Key(kDumpOffsetKey, "0x0");
    }
    files.push_back(core.File(dir, CoreName(source.cpu) + ".ini"));

    Ini etm;
    etm.Section(kDeviceSection);
    etm.Key(kNameKey, SourceName(source.cpu));
    etm.Key(kClassKey, kClassTraceSource);
    etm.Key(kTypeKey, SourceType(source.protocol()));
    etm.Section(kRegsSection);
    if (const EtmV3Registers* v3 = source.config.etm3()) {
      const EtmV3Registers& r = *v3;
      etm.Hex(kEtmCr, r.etmcr);
      etm.Hex(kEtmIdr, r.etmidr);
      etm.Hex(kEtmCcer, r.etmccer);
      etm.Hex(kEtmTraceIdr, r.etmtraceidr);
    } else {
      const EtmV4Registers& r = *source.config.etm4_list();
      etm.Hex(kTrcConfigr, r.trcconfigr);
      etm.Hex(kTrcTraceIdr, r.trctraceidr);
      etm.Hex(kTrcIdr0, r.trcidr0);
      etm.Hex(kTrcIdr1, r.trcidr1);
      etm.Hex(kTrcIdr2, r.trcidr2);
      etm.Hex(kTrcIdr8, r.trcidr8);
      etm.Hex(kTrcAuthStatus, r.trcauthstatus);
      if (const EteRegisters* ete = source.config.ete()) etm.Hex(kTrcDevArch, ete->trcdevarch);
    }
    files.push_back(etm.File(dir, SourceName(source.cpu) + ".ini"));
  }

  Ini trace;
  trace.Section(kTraceBuffersSection);
  std::string list;
  for (size_t i = 0; i < buffers.size(); ++i) {
    if (i != 0) list += ',';  // split on ',' without trimming: no spaces
    list += fmt::format("{}{}", kBufferSectionPrefix, i);
  }
  trace.Key(kBuffersKey, list);
  for (size_t i = 0; i < buffers.size(); ++i) {
    trace.Section(fmt::format("{}{}", kBufferSectionPrefix, i));
    trace.Key(kBufferNameKey, inputs.sinks[buffers[i].first].name);
    trace.Key(kBufferFileKey, buffers[i].second);
    trace.Key(kBufferFormatKey, kFormatCoresight);
  }
  trace.Section(kSourceBuffersSection);
  if (!buffers.empty()) {
    for (const auto& source : inputs.sources) {
      trace.Key(SourceName(source.cpu), inputs.sinks[buffers.front().first].name);
    }
  }
  trace.Section(kCoreTraceSourcesSection);
  for (const auto& source : inputs.sources) {
    trace.Key(CoreName(source.cpu), SourceName(source.cpu));
  }
  files.push_back(trace.File(dir, kTraceFile));
}

}  // namespace

std::vector<GeneratedFile> BuildSnapshot(const DumpSet& dump_set, const DecoderInputs& inputs) {
  std::vector<GeneratedFile> files;
  // Data files first, so their names are known to the ini files.
  FileNameAllocator names;
  names.Allocate("snapshot");
  names.Allocate("trace");
  std::vector<std::string> image_files;
  for (const auto& image : dump_set.memory_images) {
    image_files.push_back(names.Allocate("kernel_text") + ".bin");
    files.push_back(BytesFile(kSnapshotDir, image_files.back(), image.bytes));
  }
  std::vector<std::pair<size_t, std::string>> buffers;
  for (size_t i = 0; i < inputs.sinks.size(); ++i) {
    buffers.emplace_back(i, names.Allocate(inputs.sinks[i].name) + ".bin");
    files.push_back(BytesFile(kSnapshotDir, buffers.back().second, inputs.sinks[i].data));
  }
  BuildOne(dump_set, inputs, kSnapshotDir, image_files, buffers, files);

  // OpenCSD ties a source to one buffer only, so each further sink gets its
  // own directory whose sources feed it; the kernel text is shared.
  std::vector<std::string> shared_images;
  for (const auto& name : image_files)
    shared_images.push_back(fmt::format("../{}/{}", kSnapshotDir, name));
  for (size_t i = 1; i < inputs.sinks.size(); ++i) {
    const std::string dir = fmt::format("{}-{}", kSnapshotDir, inputs.sinks[i].name);
    files.push_back(BytesFile(dir, buffers[i].second, inputs.sinks[i].data));
    BuildOne(dump_set, inputs, dir, shared_images, {{i, buffers[i].second}}, files);
  }
  return files;
}

}  // namespace csd
