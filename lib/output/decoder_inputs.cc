// SPDX-License-Identifier: MIT
#include "output/decoder_inputs.h"

#include <fmt/format.h>

#include <map>
#include <set>

#include "output/file_names.h"

namespace csd {

namespace {

constexpr size_t kFrameSize = 16;

TraceSource GuessedSource(int64_t cpu) {
  EtmV4Registers regs;
  regs.cpu = static_cast<uint64_t>(cpu);
  regs.trcconfigr = kDefaultTrcConfigr;
  regs.trctraceidr = LegacyTraceId(cpu);
  regs.trcidr0 = kDefaultTrcIdr0;
  regs.trcidr1 = kDefaultTrcIdr1;
  regs.trcidr2 = kDefaultTrcIdr2;
  regs.trcidr8 = kDefaultTrcIdr8;
  regs.trcauthstatus = kDefaultTrcAuthStatus;
  TraceSource source;
  source.cpu = cpu;
  source.config = regs;
  source.guessed = {"TRCCONFIGR", "TRCTRACEIDR", "TRCIDR0",      "TRCIDR1",
                    "TRCIDR2",    "TRCIDR8",     "TRCAUTHSTATUS"};
  return source;
}

std::string GuessLine(const TraceSource& s, const std::string& why) {
  const EtmV4Registers& r = *s.config.etm4();
  return fmt::format(
      "cpu {}: {}; guessed TRCTRACEIDR={:#x} (legacy 0x10+2*cpu), TRCCONFIGR={:#x}, "
      "TRCIDR0={:#x}, TRCIDR1={:#x}, TRCIDR2={:#x}, TRCIDR8={:#x}, TRCAUTHSTATUS={:#x}",
      s.cpu, why, r.trctraceidr, r.trcconfigr, r.trcidr0, r.trcidr1, r.trcidr2, r.trcidr8,
      r.trcauthstatus);
}

}  // namespace

DecoderInputs PlanDecoderInputs(const DumpSet& dump_set) {
  DecoderInputs out;
  // cpu -> the first validated metadata node; presence of the key alone
  // means a metadata node exists for that cpu.
  std::map<int64_t, const DumpNode*> cpus;
  std::map<int64_t, std::string> why_missing;
  std::map<int64_t, std::string> other_protocol;  // cpu -> "ETE", "ETMv3/PTM"
  bool any_sink = false;
  for (const auto& node : dump_set.nodes) {
    if (node.kind == NodeKind::kEtmMetadata && node.cpu >= 0) {
      auto& slot = cpus[node.cpu];
      const bool valid = node.etm && node.etm->validated();
      if (valid && slot == nullptr) slot = &node;
      if (!valid) {
        why_missing.emplace(
            node.cpu, node.error ? "ETM metadata unreadable" : "ETM metadata did not validate");
        // An ETE or ETMv3/PTM block that did not validate is still real
        // metadata of another protocol: guessing ETMv4 registers for it
        // would mis-decode, so that cpu is left out.
        if (node.etm && !node.etm->etm4()) {
          other_protocol.emplace(node.cpu, node.etm->block_name());
        }
      }
    } else if (node.kind == NodeKind::kSink) {
      any_sink = true;
      if (node.cpu >= 0 && !cpus.contains(node.cpu)) {
        cpus.emplace(node.cpu, nullptr);
        why_missing.emplace(node.cpu, "no ETM metadata node for the sink's cpu");
      }
    }
  }
  if (cpus.empty() && any_sink) {
    cpus.emplace(0, nullptr);
    why_missing.emplace(0, "no ETM metadata in the dump");
  }
  for (const auto& [cpu, node] : cpus) {
    if (node != nullptr) {
      TraceSource source;
      source.cpu = cpu;
      source.config = *node->etm;
      out.sources.push_back(std::move(source));
      continue;
    }
    if (auto it = other_protocol.find(cpu); it != other_protocol.end()) {
      out.warnings.push_back(
          fmt::format("cpu {}: {} metadata did not validate; its trace is left out of the "
                      "decoder files",
                      cpu, it->second));
      continue;
    }
    const std::string why = why_missing.count(cpu) ? why_missing[cpu] : "no ETM metadata";
    out.sources.push_back(GuessedSource(cpu));
    out.guesses.push_back(GuessLine(out.sources.back(), why));
  }
  std::set<uint8_t> ids;
  for (const auto& source : out.sources) {
    const uint8_t id = source.trace_id();
    if (id == 0 || id >= 0x70) {
      out.warnings.push_back(
          fmt::format("cpu {}: trace ID {:#x} is outside 0x01..0x6f; decoders "
                      "will not find its trace",
                      source.cpu, id));
    }
    if (!ids.insert(id).second) {
      out.warnings.push_back(
          fmt::format("cpu {}: trace ID {:#x} is used by another CPU; perf "
                      "refuses duplicate IDs",
                      source.cpu, id));
    }
  }

  FileNameAllocator names;
  for (const auto& node : dump_set.nodes) {
    if (node.kind != NodeKind::kSink || !node.data || node.data->empty()) continue;
    DecoderSink sink;
    sink.node_index = node.index;
    sink.name = names.Allocate(SanitizeFileStem(node.device_name.value_or("")));
    sink.dropped_tail = node.data->size() % kFrameSize;
    sink.data =
        std::span<const std::byte>(node.data->data(), node.data->size() - sink.dropped_tail);
    sink.barrier = node.starts_with_barrier;
    if (sink.dropped_tail != 0) {
      out.guesses.push_back(fmt::format(
          "sink {}: {} trailing bytes after the last whole 16-byte frame are left out of the "
          "decoder inputs",
          sink.name, sink.dropped_tail));
    }
    if (!sink.data.empty()) out.sinks.push_back(sink);
  }
  return out;
}

}  // namespace csd
