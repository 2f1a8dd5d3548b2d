// SPDX-License-Identifier: MIT
#include "csdump-mkcore/kernel_layout_writer.h"

#include <fmt/format.h>

#include <algorithm>

#include "base/byte_reader.h"
#include "csdump-mkcore/node_content.h"

namespace csd::mkcore {
namespace {

// kmalloc hands out objects from power-of-two caches, at least 64-byte aligned
// on arm64 (ARCH_KMALLOC_MINALIGN with non-coherent DMA). Rounding sizes up
// also keeps the allocator free of unusable alignment gaps, which matters
// with 100000 extra nodes.
constexpr uint64_t kKmallocAlign = 64;

uint64_t AlignUp(uint64_t v, uint64_t a) {
  return (v + a - 1) / a * a;
}

}  // namespace

Expected<uint64_t> KmallocStructure(PhysAllocator& alloc, uint64_t size) {
  return alloc.AllocLow(AlignUp(std::max<uint64_t>(size, 1), kKmallocAlign), kKmallocAlign);
}

Expected<uint64_t> WriteKernelString(PhysImage& image, PhysAllocator& alloc,
                                     const Arm64Layout& layout, std::string_view text) {
  CSD_ASSIGN_OR_RETURN(uint64_t pa, KmallocStructure(alloc, text.size() + 1));
  std::vector<std::byte> bytes(text.size() + 1);
  std::transform(text.begin(), text.end(), bytes.begin(),
                 [](char c) { return static_cast<std::byte>(c); });
  CSD_RETURN_IF_ERROR(image.Write(pa, bytes));
  return layout.LinearVa(pa);
}

Status KernelLayoutWriter::PlaceKernelImage() {
  for (const ImageSection& s : kernel_.sections) {
    const uint64_t pa = layout_.kernel_phys() + (s.address - kernel_.text);
    auto status = image_.Write(pa, s.bytes);
    if (!status.ok())
      return std::move(status).error().AddContext(fmt::format("placing section {}", s.name));
  }
  return OkStatus();
}

Expected<uint64_t> KernelLayoutWriter::Kmalloc(uint64_t size) {
  return KmallocStructure(alloc_, size);
}

Expected<uint64_t> KernelLayoutWriter::KmallocBuffer(uint64_t size) {
  const uint64_t page = layout_.page_size();
  // Large kmalloc buffers come straight from the page allocator: page-aligned.
  const uint64_t align = size >= page ? page : kKmallocAlign;
  return alloc_.AllocHigh(AlignUp(size, align), align);
}

Expected<uint64_t> KernelLayoutWriter::Vmalloc(std::span<const std::byte> bytes,
                                               size_t node_index) {
  const uint64_t page = layout_.page_size();
  const uint64_t pages = (bytes.size() + page - 1) / page;
  // Each backing page comes with a skipped page after it, so no two are
  // physically adjacent, and the pages are then shuffled: a reader that
  // assumes a vmalloc buffer is physically contiguous reads wrong bytes.
  std::vector<uint64_t> pas;
  for (uint64_t i = 0; i < pages; ++i) {
    CSD_ASSIGN_OR_RETURN(uint64_t pa, alloc_.AllocHigh(page, page));
    CSD_RETURN_IF_ERROR(alloc_.AllocHigh(page, page));  // the gap
    pas.push_back(pa);
  }
  SplitMix64 rng(spec_.seed ^ (0xd1b54a32d192ed03ull * (node_index + 1)));
  for (size_t i = pas.size(); i > 1; --i) std::swap(pas[i - 1], pas[rng.Below(i)]);
  if (std::is_sorted(pas.begin(), pas.end())) std::reverse(pas.begin(), pas.end());

  const uint64_t va = layout_.ReserveVmalloc(pages);
  for (uint64_t i = 0; i < pages; ++i) {
    const uint64_t n = std::min<uint64_t>(page, bytes.size() - i * page);
    CSD_RETURN_IF_ERROR(image_.Write(pas[i], bytes.subspan(i * page, n)));
    layout_.MapVmallocPage(va + i * page, pas[i]);
  }
  return va;
}

Expected<uint64_t> KernelLayoutWriter::WriteString(const std::string& text) {
  return WriteKernelString(image_, alloc_, layout_, text);
}

Status KernelLayoutWriter::WriteField(uint64_t struct_pa, const MemberLayout& m, uint64_t value,
                                      std::string_view what) {
  if (m.bit_size != 0 || m.size == 0 || m.size > 8) {
    return Error(ErrorCode::kUnsupported,
                 fmt::format("{}: member {} is {} bytes{}; cannot store a value there", what,
                             m.name, m.size, m.bit_size ? " (a bit-field)" : ""));
  }
  if (m.size < 8 && (value >> (8 * m.size)) != 0) {
    return Error(ErrorCode::kInvalidArgument,
                 fmt::format("{}: value {:#x} does not fit member {} ({} bytes, from DWARF)", what,
                             value, m.name, m.size));
  }
  return image_.WriteUnsigned(struct_pa + m.offset, value, m.size);
}

Status KernelLayoutWriter::WriteSignedField(uint64_t struct_pa, const MemberLayout& m,
                                            int64_t value, std::string_view what) {
  if (m.size > 0 && m.size < 8) {
    const int64_t lo = m.is_signed ? -(int64_t{1} << (8 * m.size - 1)) : 0;
    const int64_t hi =
        m.is_signed ? (int64_t{1} << (8 * m.size - 1)) - 1 : (int64_t{1} << (8 * m.size)) - 1;
    if (value < lo || value > hi) {
      return Error(ErrorCode::kInvalidArgument,
                   fmt::format("{}: value {} does not fit member {} ({} bytes, {})", what, value,
                               m.name, m.size, m.is_signed ? "signed" : "unsigned"));
    }
    return WriteField(struct_pa, m, static_cast<uint64_t>(value) & ((1ull << (8 * m.size)) - 1),
                      what);
  }
  return WriteField(struct_pa, m, static_cast<uint64_t>(value), what);
}

Expected<uint64_t> KernelLayoutWriter::WriteDevice(const NodeSpec& node, uint64_t* name_va) {
  CSD_ASSIGN_OR_RETURN(uint64_t pa, Kmalloc(types_.csdev_size));
  if (node.corrupt.name_unmapped) {
    *name_va = layout_.NextUnmapped();
  } else {
    CSD_ASSIGN_OR_RETURN(*name_va, WriteString(node.device));
  }
  // After device_add() the name lives in kobj.name and init_name is NULL; a
  // device caught before that has only init_name.
  const MemberLayout& member =
      node.name_via == NameVia::kKobj ? types_.csdev_kobj_name : types_.csdev_init_name;
  CSD_RETURN_IF_ERROR(WriteField(pa, member, *name_va, "struct coresight_device"));
  return layout_.LinearVa(pa);
}

Expected<KernelWriteResult> KernelLayoutWriter::WriteDumpList(uint64_t head_va) {
  const DumpNodeLayout& L = types_.node;
  KernelWriteResult result;
  result.list_head_va = head_va;
  // A list_head is pointer-aligned, so it never straddles two pages.
  const auto head = layout_.Resolve(head_va, types_.list_prev.offset + types_.list_prev.size);
  if (!head || head->size() != 1) {
    return Error(ErrorCode::kInvalidArgument,
                 fmt::format("internal: list head {:#x} is not mapped in one piece", head_va));
  }
  const uint64_t head_pa = head->front().pa;
  std::vector<uint64_t> node_pas;

  auto write_node = [&](WrittenNode& w, int64_t cpu, int64_t type,
                        const std::string& where) -> Status {
    CSD_ASSIGN_OR_RETURN(uint64_t pa, Kmalloc(L.size));
    w.node_va = layout_.LinearVa(pa);
    w.list_va = w.node_va + L.list.offset;
    CSD_RETURN_IF_ERROR(WriteSignedField(pa, L.cpu, cpu, where));
    CSD_RETURN_IF_ERROR(WriteSignedField(pa, L.type, type, where));
    CSD_RETURN_IF_ERROR(WriteField(pa, L.csdev, w.csdev_va, where));
    CSD_RETURN_IF_ERROR(WriteField(pa, L.buf, w.buf_va, where));
    CSD_RETURN_IF_ERROR(WriteField(pa, L.buf_size, w.buf_size, where));
    node_pas.push_back(pa);
    return OkStatus();
  };

  for (size_t i = 0; i < spec_.nodes.size(); ++i) {
    const NodeSpec& node = spec_.nodes[i];
    const std::string where = fmt::format("spec.nodes[{}]", i);
    WrittenNode w;
    w.spec_index = i;
    w.content = NodeContentBytes(node, i, spec_.seed);
    if (node.corrupt.csdev_unmapped) {
      w.csdev_va = layout_.NextUnmapped();
    } else {
      CSD_ASSIGN_OR_RETURN(w.csdev_va, WriteDevice(node, &w.name_va));
    }
    if (w.content.empty() || node.corrupt.buf == NodeCorruption::Buf::kNull) {
      w.buf_va = 0;
    } else if (node.corrupt.buf == NodeCorruption::Buf::kUnmapped) {
      w.buf_va = layout_.NextUnmapped();
    } else if (node.alloc == Alloc::kKmalloc) {
      CSD_ASSIGN_OR_RETURN(uint64_t pa, KmallocBuffer(w.content.size()));
      CSD_RETURN_IF_ERROR(image_.Write(pa, w.content));
      w.buf_va = layout_.LinearVa(pa);
    } else {
      CSD_ASSIGN_OR_RETURN(w.buf_va, Vmalloc(w.content, i));
    }
    w.buf_size = node.buf_size.value_or(w.content.size());
    auto status = write_node(w, node.cpu, node.type, where);
    if (!status.ok()) return std::move(status).error().AddContext(where);
    result.nodes.push_back(std::move(w));
  }

  if (spec_.extra_nodes > 0) {
    // One idle device shared by all extra nodes keeps 100000 of them small.
    NodeSpec idle;
    idle.device = kExtraNodeDevice;
    uint64_t name_va = 0;
    CSD_ASSIGN_OR_RETURN(uint64_t csdev, WriteDevice(idle, &name_va));
    for (uint64_t i = 0; i < spec_.extra_nodes; ++i) {
      WrittenNode w;
      w.csdev_va = csdev;
      w.name_va = name_va;
      CSD_RETURN_IF_ERROR(write_node(w, 0, 1, "spec.extra_nodes"));
      result.nodes.push_back(std::move(w));
    }
  }

  // Link: a circular doubly-linked list through the head, as list_add_tail
  // builds it; corruptions replace single `next` pointers afterwards.
  const size_t n = result.nodes.size();
  for (size_t k = 0; k < n; ++k) {
    WrittenNode& w = result.nodes[k];
    w.next = k + 1 < n ? result.nodes[k + 1].list_va : result.list_head_va;
    const uint64_t prev = k > 0 ? result.nodes[k - 1].list_va : result.list_head_va;
    if (w.spec_index) {
      const NodeCorruption& c = spec_.nodes[*w.spec_index].corrupt;
      if (c.next == NodeCorruption::Next::kUnmapped) w.next = layout_.NextUnmapped();
      if (c.next == NodeCorruption::Next::kCycle) w.next = result.nodes[c.cycle_to].list_va;
    }
    const uint64_t list_pa = node_pas[k] + L.list.offset;
    CSD_RETURN_IF_ERROR(WriteField(list_pa, types_.list_next, w.next, "struct list_head"));
    CSD_RETURN_IF_ERROR(WriteField(list_pa, types_.list_prev, prev, "struct list_head"));
  }
  result.list_head_next = n ? result.nodes.front().list_va : result.list_head_va;
  const uint64_t head_prev = n ? result.nodes.back().list_va : result.list_head_va;
  CSD_RETURN_IF_ERROR(
      WriteField(head_pa, types_.list_next, result.list_head_next, "coresight_dump_list"));
  CSD_RETURN_IF_ERROR(WriteField(head_pa, types_.list_prev, head_prev, "coresight_dump_list"));
  return result;
}

}  // namespace csd::mkcore
