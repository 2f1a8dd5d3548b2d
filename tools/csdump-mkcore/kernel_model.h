// SPDX-License-Identifier: MIT
// Everything csdump-mkcore needs from the vmlinux, gathered once through
// DebugInfo: symbols (link-time), struct layouts from DWARF, the release and
// build ID, and the allocated section bytes. The writers only see this plain
// struct, so they can be unit-tested with hand-made layouts and never reach
// for a hard-coded offset.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/error.h"
#include "debuginfo/debug_info.h"

namespace csd::mkcore {

// struct coresight_dump_node members the v2 design defines (kernel-abi.md
// §2.3); their order and widths vary between kernels.
struct DumpNodeLayout {
  uint64_t size = 0;
  MemberLayout cpu, type, csdev, buf, buf_size, list;
};

struct ImageSection {
  std::string name;
  uint64_t address = 0;  // link-time
  std::vector<std::byte> bytes;
};

struct KernelModel {
  // Link-time symbol addresses.
  uint64_t text = 0, end = 0, stext = 0;
  uint64_t swapper_pg_dir = 0, swapper_pg_dir_size = 0;
  uint64_t init_uts_ns = 0;
  uint64_t dump_list = 0;
  std::string release;                  // init_uts_ns.name.release
  std::optional<std::string> build_id;  // lowercase hex
  uint64_t uts_name_offset = 0;         // OFFSET(uts_namespace.name)

  DumpNodeLayout node;
  MemberLayout list_next, list_prev;  // inside struct list_head
  uint64_t csdev_size = 0;
  MemberLayout csdev_kobj_name;  // coresight_device.dev.kobj.name
  MemberLayout csdev_init_name;  // coresight_device.dev.init_name

  std::vector<ImageSection> sections;  // allocated, with file bytes, inside [_text, _end)
};

// kUnsupported for a non-arm64 or big-endian vmlinux; kLookup naming the
// missing symbol, struct or member.
Expected<KernelModel> LoadKernelModel(const DebugInfo& info);

}  // namespace csd::mkcore
