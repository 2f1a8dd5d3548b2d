// SPDX-License-Identifier: MIT
#include "output/perf/perf_writer.h"

#include <fmt/format.h>

#include <array>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "base/arch.h"
#include "coresight/etm_metadata.h"
#include "output/perf/perf_records.h"

namespace csd {

namespace {

using namespace csd::perf;

constexpr std::string_view kKernelMmapName = "[kernel.kallsyms]_text";
constexpr std::string_view kKernelDsoName = "[kernel.kallsyms]";
constexpr size_t kMaxRecordSize = 0xffff;

uint32_t SinkCpu(const DumpSet& dump_set, size_t node_index) {
  for (const auto& node : dump_set.nodes) {
    if (node.index == node_index) return node.cpu >= 0 ? static_cast<uint32_t>(node.cpu) : 0;
  }
  return 0;
}

void EncodeAttr(Encoder& out, const PerfOptions& options) {
  const size_t start = out.size();
  out.U32(options.pmu_type);  // type: must equal the PMU type in AUXTRACE_INFO
  out.U32(kAttrSizeVer5);
  out.U64(0);  // config: ETM_OPT_TS clear -> timeless decode
  out.U64(1);  // sample_period
  out.U64(kSampleType);
  out.U64(0);                                            // read_format
  out.U64(kAttrFlagSampleIdAll);                         // ordered events need sample_id_all
  while (out.size() - start < kAttrSizeVer5) out.U8(0);  // wakeup .. reserved: zero
}

// HEADER_ARCH as `uname -m` prints it on the target (formats.md §2.4):
// perf classifies kernel addresses with it, so a 32-bit dump analysed on an
// x86_64 host must not claim to be anything but ARM.
std::optional<std::string_view> PerfArchName(std::string_view arch) {
  if (arch == ArchName(Arch::kArm64)) return "aarch64";
  if (arch == ArchName(Arch::kArm)) return "armv7l";
  return std::nullopt;
}

bool HexBuildId(std::string_view hex, std::array<uint8_t, 20>& id, size_t& size) {
  if (hex.size() % 2 != 0 || hex.size() / 2 > id.size() || hex.empty()) return false;
  id.fill(0);
  size = hex.size() / 2;
  for (size_t i = 0; i < size; ++i) {
    unsigned value = 0;
    for (char c : hex.substr(2 * i, 2)) {
      value <<= 4;
      if (c >= '0' && c <= '9')
        value |= static_cast<unsigned>(c - '0');
      else if (c >= 'a' && c <= 'f')
        value |= static_cast<unsigned>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F')
        value |= static_cast<unsigned>(c - 'A' + 10);
      else
        return false;
    }
    id[i] = static_cast<uint8_t>(value);
  }
  return true;
}

}  // namespace

Expected<GeneratedFile> BuildPerfData(const DumpSet& dump_set, const DecoderInputs& inputs,
                                      const PerfOptions& options) {
  if (inputs.sinks.empty() || inputs.sources.empty()) {
    return Error(ErrorCode::kInvalidArgument,
                 "no sink buffer with data: nothing for perf to decode");
  }
  if (dump_set.memory_images.empty()) {
    return Error(ErrorCode::kInvalidArgument,
                 "the runtime kernel _text is unknown (no kernel text image), so perf cannot map "
                 "kernel addresses");
  }
  const std::optional<std::string_view> arch = PerfArchName(dump_set.target.arch);
  if (!arch) {
    return Error(ErrorCode::kInvalidArgument,
                 fmt::format("perf has no HEADER_ARCH name for the target architecture \"{}\"",
                             dump_set.target.arch));
  }
  const uint64_t text = dump_set.memory_images.front().va;
  const SampleId kernel_id{0xffffffff, 0xffffffff, 0, options.sample_id};

  // Header, attr entry and the ids array come first, at fixed offsets.
  const uint64_t attrs_offset = kFileHeaderSize;
  const uint64_t attr_entry_size = kAttrSizeVer5 + kFileSectionSize;
  const uint64_t ids_offset = attrs_offset + attr_entry_size;
  const uint64_t data_offset = ids_offset + 8;

  Encoder data;
  {
    RecordScope record(data, kRecordMmap, kMiscKernel);
    data.U32(0xffffffff);  // pid -1: the kernel
    data.U32(0);
    data.U64(text);
    data.U64(~uint64_t{0} - text);  // the whole top of the address space
    data.U64(text);                 // pgoff = runtime _text: perf derives KASLR from it
    data.PaddedString(kKernelMmapName, 8);
    kernel_id.Encode(data);
  }
  {
    const size_t start = data.size();
    RecordScope record(data, kRecordAuxtraceInfo, 0);
    data.U32(kAuxtraceCsEtm);
    data.U32(0);
    data.U64(kCsHeaderVersion);
    data.U64((uint64_t{options.pmu_type} << 32) | inputs.sources.size());
    data.U64(0);  // not snapshot mode
    // Version-1 blocks (§2.3): magic, cpu, nr_trc_params, params. TS_SOURCE
    // is not written: perf 6.1 would ignore it and the dump rarely has it.
    for (const auto& source : inputs.sources) {
      const uint64_t cpu = static_cast<uint64_t>(source.cpu);
      if (const EtmV3Registers* v3 = source.config.etm3()) {
        const EtmV3Registers& r = *v3;
        for (uint64_t word :
             {kEtmV3Magic, cpu, kEtmV3NrTrcParams, r.etmcr, r.etmtraceidr, r.etmccer, r.etmidr}) {
          data.U64(word);
        }
        continue;
      }
      const EtmV4Registers& r = *source.config.etm4_list();
      const EteRegisters* ete = source.config.ete();
      for (uint64_t word : {ete ? kEteMagic : kEtmV4Magic, cpu,
                            ete ? kEteNrTrcParams : kEtmV4NrTrcParams, r.trcconfigr, r.trctraceidr,
                            r.trcidr0, r.trcidr1, r.trcidr2, r.trcidr8, r.trcauthstatus}) {
        data.U64(word);
      }
      if (ete) data.U64(ete->trcdevarch);
    }
    if (data.size() - start > kMaxRecordSize) {
      return Error(ErrorCode::kLimit, fmt::format("AUXTRACE_INFO for {} CPUs exceeds perf's "
                                                  "64 KiB record size",
                                                  inputs.sources.size()));
    }
  }
  std::vector<uint64_t> auxtrace_offsets;
  std::map<uint32_t, uint64_t> aux_head;  // per CPU: where the next sink starts in AUX space
  for (size_t i = 0; i < inputs.sinks.size(); ++i) {
    const DecoderSink& sink = inputs.sinks[i];
    const uint32_t cpu = SinkCpu(dump_set, sink.node_index);
    const uint64_t size = (sink.data.size() + 7) & ~uint64_t{7};
    const uint64_t offset = aux_head[cpu];
    aux_head[cpu] += size;
    {
      RecordScope record(data, kRecordAux, 0);
      data.U64(offset);
      data.U64(sink.data.size());
      data.U64(0);  // flags: CoreSight-formatted frames, not truncated
      SampleId{0xffffffff, 0xffffffff, cpu, options.sample_id}.Encode(data);
    }
    auxtrace_offsets.push_back(data_offset + data.size());
    {
      RecordScope record(data, kRecordAuxtrace, 0);
      data.U64(size);
      data.U64(offset);
      data.U64(i);                         // reference: any value unique per buffer
      data.U32(static_cast<uint32_t>(i));  // idx
      data.U32(0xffffffff);                // tid: CPU-wide
      data.U32(cpu);
      data.U32(0);
    }
    // The payload follows the 48-byte record, outside its size; it is
    // written from the sink buffer, never copied into the file image.
    data.Borrow(sink.data);
    data.PadTo(8);
  }
  { RecordScope record(data, kRecordFinishedRound, 0); }

  // Feature payloads, in ascending bit order.
  struct Feature {
    unsigned bit;
    Encoder payload;
  };
  std::vector<Feature> features;
  std::array<uint8_t, 20> build_id{};
  size_t build_id_size = 0;
  const auto& vmlinux_id = dump_set.target.vmlinux_build_id;
  if (vmlinux_id && HexBuildId(*vmlinux_id, build_id, build_id_size)) {
    Feature f{kFeatBuildId, {}};
    {  // the scope patches the size before the payload is moved
      RecordScope record(f.payload, kRecordHeaderBuildId, kMiscKernel | kMiscBuildIdSize);
      f.payload.U32(0xffffffff);  // pid -1: the kernel
      for (uint8_t b : build_id) f.payload.U8(b);
      f.payload.U8(static_cast<uint8_t>(build_id_size));
      f.payload.U8(0);
      f.payload.U16(0);
      f.payload.PaddedString(kKernelDsoName, kNameAlign);
    }
    features.push_back(std::move(f));
  }
  {
    Feature f{kFeatArch, {}};
    const size_t len = ((arch->size() + 1 + kNameAlign - 1) / kNameAlign) * kNameAlign;
    f.payload.U32(static_cast<uint32_t>(len));
    f.payload.PaddedString(*arch, kNameAlign);
    features.push_back(std::move(f));
  }
  {
    Feature f{kFeatAuxtrace, {}};
    f.payload.U64(auxtrace_offsets.size());
    for (uint64_t offset : auxtrace_offsets) {
      f.payload.U64(offset);
      f.payload.U64(kAuxtraceHeaderSize);
    }
    features.push_back(std::move(f));
  }

  Encoder file;
  for (char c : std::string_view(kMagic)) file.U8(static_cast<uint8_t>(c));
  file.U64(kFileHeaderSize);
  file.U64(attr_entry_size);
  file.U64(attrs_offset);
  file.U64(attr_entry_size);
  file.U64(data_offset);
  file.U64(data.size());
  file.U64(0);  // event_types: unused
  file.U64(0);
  std::array<uint64_t, 4> bitmap{};
  for (const auto& f : features) bitmap[f.bit / 64] |= uint64_t{1} << (f.bit % 64);
  for (uint64_t word : bitmap) file.U64(word);

  EncodeAttr(file, options);
  file.U64(ids_offset);
  file.U64(8);
  file.U64(options.sample_id);
  const uint64_t data_size = data.size();
  file.Append(std::move(data));

  // The feature index sits right after the data, payloads after the index.
  uint64_t payload_offset = data_offset + data_size + kFileSectionSize * features.size();
  for (const auto& f : features) {
    file.U64(payload_offset);
    file.U64(f.payload.size());
    payload_offset += f.payload.size();
  }
  for (auto& f : features) file.Append(std::move(f.payload));

  GeneratedFile out;
  out.path = kPerfDataFile;
  out.content = std::move(file).Finish();
  return out;
}

}  // namespace csd
