// SPDX-License-Identifier: MIT
// Hand-built DumpSets for the output tests: one ETM metadata node with
// registers, one sink that wrapped, and one node whose buffer could not be read.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "coresight/dump_set.h"

namespace csd::testing_output {

inline std::vector<std::byte> ByteVector(std::string_view text) {
  std::vector<std::byte> out;
  for (char c : text) out.push_back(static_cast<std::byte>(c));
  return out;
}

// The same bytes as a node's buffer type.
inline ByteBuffer BufferOf(std::string_view text) {
  const auto bytes = ByteVector(text);
  return ByteBuffer(bytes.begin(), bytes.end());
}

inline DumpNode SinkNode(size_t index, std::optional<std::string> name, std::string_view data) {
  DumpNode node;
  node.index = index;
  node.kind = NodeKind::kSink;
  node.type = 1;
  node.device_name = std::move(name);
  node.name_source = "dev.kobj.name";
  node.buf_size = data.size();
  node.data = BufferOf(data);
  return node;
}

inline DumpNode MetadataNode(size_t index, int64_t cpu, std::string_view data) {
  DumpNode node;
  node.index = index;
  node.kind = NodeKind::kEtmMetadata;
  node.cpu = cpu;
  node.type = 1;
  node.buf_size = data.size();
  node.data = BufferOf(data);
  return node;
}

// The ETMv4 registers the decoder-writer tests give their one CPU: trace ID
// 0x10 and ID registers OpenCSD accepts.
inline EtmV4Registers DecoderTestEtm() {
  EtmV4Registers etm;
  etm.trctraceidr = 0x10;
  etm.trcidr0 = 0x28000ea1;
  etm.trcidr1 = 0x4100f403;
  etm.trcidr2 = 0x488;
  etm.trcauthstatus = 0xcc;
  return etm;
}

inline DumpSet SampleDumpSet() {
  DumpSet set;
  set.target.dump_path = "/tmp/vmcore";
  set.target.dump_format = "elf64";
  set.target.dump_producer = "kdump";
  set.target.arch = "arm64";
  set.target.vmlinux_path = "/tmp/vmlinux";
  set.target.osrelease = "6.1.0-test";
  set.target.build_id = "0123abcd";
  set.target.page_size = 4096;
  set.target.kaslr_offset = 0x1e00000;
  set.target.parameters = {{"kaslr_offset", "0x1e00000", "VMCOREINFO KERNELOFFSET"},
                           {"va_bits", "48", "VMCOREINFO NUMBER(VA_BITS)"}};
  set.target.checks = {"OSRELEASE matches vmlinux init_uts_ns"};

  set.list.symbol = "coresight_dump_list";
  set.list.address = 0xffff800081234560;
  set.list.layout_source = "DWARF (vmlinux)";
  set.list.node_struct = "coresight_dump_node";
  set.list.node_size = 48;
  set.list.list_offset = 16;

  DumpNode meta = MetadataNode(0, 0, "META");
  meta.node_address = 0xffff000002000000;
  meta.csdev_address = 0xffff000001000000;
  meta.device_name = "etm0";
  meta.name_source = "dev.kobj.name";
  meta.buf_address = 0xffff000003000000;
  EtmV4Registers etm;
  etm.trcconfigr = 0x1;
  etm.trctraceidr = 0x10;
  etm.trcidr0 = 0x28000ea1;
  etm.trcidr1 = 0x4100f403;
  etm.trcidr2 = 0x88c00004;
  etm.trcidr8 = 0;
  etm.trcauthstatus = 0xcc;
  meta.etm = etm;
  set.nodes.push_back(meta);

  DumpNode sink = SinkNode(1, "tmc_etf0", "abc");
  sink.node_address = 0xffff000002000100;
  sink.csdev_address = 0xffff000001000100;
  sink.buf_address = 0xffff000003100000;
  sink.starts_with_barrier = true;
  sink.warnings = {"buffer wrapped"};
  set.nodes.push_back(sink);

  DumpNode broken;
  broken.index = 2;
  broken.kind = NodeKind::kUnknown;
  broken.cpu = 3;
  broken.type = 0;
  broken.node_address = 0xffff000002000200;
  broken.buf_address = 0xffff000004000000;
  broken.buf_size = 0x1000;
  broken.error =
      Error(ErrorCode::kNotMapped, "cannot read buffer at 0xffff000004000000: not mapped");
  set.nodes.push_back(broken);

  set.warnings = {"node 2: buffer unreadable"};
  return set;
}

}  // namespace csd::testing_output
