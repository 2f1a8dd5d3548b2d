// SPDX-License-Identifier: MIT
// A reader's view of a core csdump-mkcore built, for the module tests: the
// lib/xlat translator over the image, as a reader must go through it.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "base/byte_reader.h"
#include "csdump-mkcore/core_builder.h"
#include "xlat/arm64_translator.h"

namespace csd::mkcore {

// A reader's view of the core: the lib/xlat translator over the image.
class Reader {
 public:
  explicit Reader(const BuiltCore& core) : image_(*core.image) {
    Arm64Params p;
    p.page_shift = 12;
    p.va_bits = p.translation_va_bits = 48;
    p.flipped_layout = true;
    p.phys_offset = core.layout.phys_offset();
    p.kimage_voffset = core.layout.kimage_voffset();
    p.kimage_start = core.layout.text();
    p.kimage_end = core.layout.text() + core.layout.image_size();
    p.pgd_pa = core.pgd_pa;
    xlat_ = MakeArm64Translator(p, image_);
  }
  uint64_t Pa(uint64_t va) const {
    auto t = xlat_->Translate(va);
    EXPECT_TRUE(t.ok()) << t.error().Describe();
    return t.ok() ? t->pa : 0;
  }
  std::vector<std::byte> Read(uint64_t va, uint64_t size) const {
    std::vector<std::byte> out(size);
    for (uint64_t done = 0; done < size;) {
      const uint64_t n = std::min<uint64_t>(size - done, 4096 - (va + done) % 4096);
      EXPECT_TRUE(
          image_.ReadPhysical(Pa(va + done), std::span<std::byte>(out.data() + done, n)).ok());
      done += n;
    }
    return out;
  }
  uint64_t U(uint64_t va, uint64_t size) const {
    return LoadUnsigned(Read(va, size), Endian::kLittle);
  }
  uint64_t U64(uint64_t va) const { return U(va, 8); }
  std::string String(uint64_t va) const {
    std::string s;
    for (uint64_t i = 0; i < 256; ++i) {
      const auto c = std::to_integer<char>(Read(va + i, 1)[0]);
      if (c == '\0') break;
      s += c;
    }
    return s;
  }

 private:
  const PhysImage& image_;
  std::unique_ptr<Translator> xlat_;
};

}  // namespace csd::mkcore
