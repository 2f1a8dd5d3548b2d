// SPDX-License-Identifier: MIT
// Lays the CoreSight panic-dump list out in the synthetic machine's memory,
// the way a kernel carrying the v2 patch would have (kernel-abi.md §2.3/§2.5):
// coresight_dump_list (in the kernel image, or in a module's .data) -> struct coresight_dump_node
// (kmalloc, linear map) -> csdev -> struct coresight_device (name through
// dev.kobj.name or dev.init_name) and buf -> the dumped bytes (kmalloc, or
// vmalloc with scattered physical pages). Every offset and width comes from
// DumpListTypes, i.e. from the DWARF of the vmlinux or module owning the list.
//
// Corruptions from the spec are applied while writing; the result records
// what was written so expected.json can be derived from it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "csdump-mkcore/arm64_layout.h"
#include "csdump-mkcore/kernel_model.h"
#include "csdump-mkcore/phys_image.h"
#include "csdump-mkcore/spec.h"

namespace csd::mkcore {

struct WrittenNode {
  std::optional<size_t> spec_index;  // nullopt: one of "extra_nodes"
  uint64_t node_va = 0;
  uint64_t list_va = 0;   // &node->list
  uint64_t next = 0;      // value written to node->list.next
  uint64_t csdev_va = 0;  // pointer written to node->csdev
  uint64_t name_va = 0;   // pointer written to the chosen name member (0 if csdev is bogus)
  uint64_t buf_va = 0;    // pointer written to node->buf
  uint64_t buf_size = 0;  // value written to node->buf_size
  std::vector<std::byte> content;  // bytes placed at buf (may be shorter than buf_size)
};

struct KernelWriteResult {
  uint64_t list_head_va = 0;
  uint64_t list_head_next = 0;
  std::vector<WrittenNode> nodes;  // the intended list order: spec nodes, then extra nodes
};

// Device name and placement of the shared device behind every extra node.
inline constexpr const char* kExtraNodeDevice = "idle";

// kmalloc for kernel structures: low RAM (linear map), 64-byte aligned.
Expected<uint64_t> KmallocStructure(PhysAllocator& alloc, uint64_t size);

// A NUL-terminated copy of `text` in kmalloc'd memory; its linear-map VA.
Expected<uint64_t> WriteKernelString(PhysImage& image, PhysAllocator& alloc,
                                     const Arm64Layout& layout, std::string_view text);

class KernelLayoutWriter {
 public:
  KernelLayoutWriter(const Spec& spec, const KernelModel& kernel, const DumpListTypes& types,
                     Arm64Layout& layout, PhysImage& image, PhysAllocator& alloc)
      : spec_(spec),
        kernel_(kernel),
        types_(types),
        layout_(layout),
        image_(image),
        alloc_(alloc) {}

  // Copies the vmlinux's allocated sections to kernel_phys + (addr - _text).
  Status PlaceKernelImage();
  // Writes the nodes, devices, names and buffers, and links them into the
  // list head at runtime address `head_va` (mapped already: the kernel image,
  // or a placed module's .data).
  Expected<KernelWriteResult> WriteDumpList(uint64_t head_va);

 private:
  Expected<uint64_t> Kmalloc(uint64_t size);        // structures: low, linear map
  Expected<uint64_t> KmallocBuffer(uint64_t size);  // buffers: high, linear map
  Expected<uint64_t> Vmalloc(std::span<const std::byte> bytes, size_t node_index);
  Expected<uint64_t> WriteString(const std::string& text);  // returns its linear VA
  Expected<uint64_t> WriteDevice(const NodeSpec& node, uint64_t* name_va);
  Status WriteField(uint64_t struct_pa, const MemberLayout& member, uint64_t value,
                    std::string_view what);
  Status WriteSignedField(uint64_t struct_pa, const MemberLayout& member, int64_t value,
                          std::string_view what);

  const Spec& spec_;
  const KernelModel& kernel_;
  const DumpListTypes& types_;
  Arm64Layout& layout_;
  PhysImage& image_;
  PhysAllocator& alloc_;
};

}  // namespace csd::mkcore
