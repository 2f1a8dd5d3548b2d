// SPDX-License-Identifier: MIT
// OpenDump: maps the file once and hands it to the first backend whose probe
// recognises its first bytes.
//
// Adding a format:
//   1. Write dump/<format>/<format>_file.{h,cc}: a Matches(bytes) check that
//      looks only at magic numbers, and an Open(MappedFile, options, sink)
//      returning a DumpFile. Parse through ByteReader; never copy memory at open.
//   2. Add one row to kProbes below. Order matters: put specific signatures
//      before permissive ones (a raw image would accept anything, so it goes last).
//   3. Add the sources to dump/CMakeLists.txt.
//   4. Add a writer for it to csdump-mkcore, unit tests in tests/unit/dump/,
//      and e2e cases (good and corrupted).
#include <fmt/format.h>

#include <algorithm>
#include <string>

#include "base/mapped_file.h"
#include "dump/dump_file.h"
#include "dump/elf/elf_core.h"
#include "dump/kdump/byte_source.h"
#include "dump/kdump/flattened.h"
#include "dump/kdump/kdump_file.h"

namespace csd {
namespace {

struct DumpProbe {
  const char* name;
  bool (*matches)(std::span<const std::byte> bytes);
  Expected<std::unique_ptr<DumpFile>> (*open)(MappedFile file, const DumpOpenOptions& options,
                                              DiagnosticSink& diagnostics);
};

constexpr DumpProbe kProbes[] = {
    {"ELF core", &IsElfFile, &OpenElfCore},
    {"kdump-compressed", &IsKdumpFile, &OpenKdump},
    {"flattened (makedumpfile -F)", &IsFlattenedFile, &OpenFlattenedKdump},
};

constexpr size_t kShownBytes = 16;

std::string HexPrefix(std::span<const std::byte> bytes) {
  std::string out;
  for (size_t i = 0; i < std::min(bytes.size(), kShownBytes); ++i) {
    if (i > 0) out += ' ';
    out += fmt::format("{:02x}", static_cast<unsigned>(bytes[i]));
  }
  return out;
}

std::string KnownFormats() {
  std::string out;
  for (const DumpProbe& probe : kProbes) {
    if (!out.empty()) out += ", ";
    out += probe.name;
  }
  return out;
}

Error NotAVmcore(std::span<const std::byte> bytes) {
  return Error(ErrorCode::kCorrupt,
               fmt::format("not a vmcore: the first {} bytes are {} and match no known dump "
                           "format ({})",
                           std::min(bytes.size(), kShownBytes), HexPrefix(bytes), KnownFormats()));
}

}  // namespace

Expected<std::unique_ptr<DumpFile>> OpenDump(const std::filesystem::path& path,
                                             const DumpOpenOptions& options,
                                             DiagnosticSink& diagnostics) {
  auto file = MappedFile::Open(path);
  if (!file.ok()) return std::move(file).error();
  const auto bytes = file->bytes();
  if (bytes.empty()) {
    return Error(ErrorCode::kCorrupt, "the file is empty (0 bytes): not a vmcore")
        .AddContext(path.string());
  }
  for (const DumpProbe& probe : kProbes) {
    if (!probe.matches(bytes)) continue;
    auto dump = probe.open(std::move(*file), options, diagnostics);
    if (!dump.ok()) {
      return std::move(dump).error().AddContext(fmt::format("{} ({})", path.string(), probe.name));
    }
    return dump;
  }
  return NotAVmcore(bytes).AddContext(path.string());
}

Expected<std::unique_ptr<DumpFile>> OpenDumpSet(const std::vector<std::filesystem::path>& paths,
                                                const DumpOpenOptions& options,
                                                DiagnosticSink& diagnostics) {
  if (paths.empty()) return Error(ErrorCode::kInvalidArgument, "no dump file given");
  if (paths.size() == 1) return OpenDump(paths.front(), options, diagnostics);
  // Only kdump-compressed dumps (plain or flattened) come in parts.
  std::vector<std::unique_ptr<ByteSource>> sources;
  bool flattened = false;
  for (const auto& path : paths) {
    auto file = MappedFile::Open(path);
    if (!file.ok()) return std::move(file).error();
    const auto bytes = file->bytes();
    if (IsKdumpFile(bytes)) {
      sources.push_back(std::make_unique<MappedSource>(std::move(*file), path.string()));
    } else if (IsFlattenedFile(bytes)) {
      auto flat = FlattenedSource::Create(std::move(*file), path.string());
      if (!flat.ok()) return std::move(flat).error();
      sources.push_back(std::move(*flat));
      flattened = true;
    } else {
      return Error(
          ErrorCode::kCorrupt,
          fmt::format(
              "{} cannot be part of a split dump: it is not kdump-compressed (first bytes {})",
              path.string(), HexPrefix(bytes)));
    }
  }
  auto dump = OpenKdumpSources(std::move(sources), paths.front(), flattened, options, diagnostics);
  if (!dump.ok())
    return std::move(dump).error().AddContext(fmt::format("split dump {}", paths.front().string()));
  return dump;
}

}  // namespace csd
