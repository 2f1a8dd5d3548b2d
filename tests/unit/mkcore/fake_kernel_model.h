// SPDX-License-Identifier: MIT
// Hand-made KernelModels for tests that must not depend on DWARF reading:
// the seed's node layout and a reordered one (as in testdata/kernels).
#pragma once

#include <string>

#include "csdump-mkcore/kernel_model.h"

namespace csd::mkcore::testing {

inline MemberLayout Field(std::string name, uint64_t offset, uint64_t size,
                          MemberLayout::Kind kind = MemberLayout::Kind::kInteger,
                          bool is_signed = false) {
  MemberLayout m;
  m.name = std::move(name);
  m.offset = offset;
  m.size = size;
  m.kind = kind;
  m.is_signed = is_signed;
  return m;
}

inline KernelModel FakeKernelModel(bool reordered = false,
                                   uint64_t link_base = 0xffff800008000000ull) {
  using K = MemberLayout::Kind;
  KernelModel k;
  k.text = link_base;
  k.end = k.text + 0x20000;
  k.stext = k.text + 0x10000;
  k.init_uts_ns = k.text + 0x14000;
  k.dump_list = k.text + 0x15000;
  DumpListTypes& t = k.list_types.emplace();
  k.swapper_pg_dir = k.text + 0x18000;
  k.swapper_pg_dir_size = 4096;
  k.release = "6.1.0-fake";
  k.build_id = "0123456789abcdef";
  k.uts_name_offset = 4;
  if (!reordered) {
    t.node = {48,
              Field("cpu", 0, 4, K::kInteger, true),
              Field("type", 4, 4, K::kInteger, true),
              Field("csdev", 8, 8, K::kPointer),
              Field("buf", 16, 8, K::kPointer),
              Field("buf_size", 24, 4),
              Field("list", 32, 16, K::kStruct)};
  } else {
    t.node = {64,
              Field("cpu", 24, 4, K::kInteger, true),
              Field("type", 48, 4, K::kInteger, true),
              Field("csdev", 16, 8, K::kPointer),
              Field("buf", 32, 8, K::kPointer),
              Field("buf_size", 40, 8),
              Field("list", 0, 16, K::kStruct)};
  }
  t.list_next = Field("next", 0, 8, K::kPointer);
  t.list_prev = Field("prev", 8, 8, K::kPointer);
  t.csdev_size = 216;
  t.csdev_kobj_name = Field("name", 48, 8, K::kPointer);
  t.csdev_init_name = Field("init_name", 112, 8, K::kPointer);
  ImageSection head{".head.text", k.text, std::vector<std::byte>(0x40, std::byte{0x5a})};
  ImageSection data{".data", k.text + 0x14000, std::vector<std::byte>(0x2000, std::byte{0})};
  const std::string release = k.release;
  for (size_t i = 0; i < release.size(); ++i)
    data.bytes[4 + 130 + i] = static_cast<std::byte>(release[i]);
  k.sections = {head, data};
  return k;
}

}  // namespace csd::mkcore::testing
