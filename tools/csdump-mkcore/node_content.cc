// SPDX-License-Identifier: MIT
#include "csdump-mkcore/node_content.h"

#include <algorithm>
#include <span>

#include "base/byte_reader.h"
#include "csdump-mkcore/phys_image.h"

namespace csd::mkcore {
namespace {

void PutU64(std::vector<std::byte>& out, uint64_t value) {
  std::byte b[8];
  StoreUnsigned(b, value, Endian::kLittle);
  out.insert(out.end(), b, b + 8);
}

}  // namespace

std::vector<std::byte> NodeContentBytes(const NodeSpec& node, size_t node_index, uint64_t seed) {
  std::vector<std::byte> out;
  switch (node.content.kind) {
    case NodeContent::Kind::kNone: break;
    case NodeContent::Kind::kEtmV4: {
      const EtmV4Content& e = node.content.etmv4;
      PutU64(out, e.magic.value_or(kEtmV4Magic));
      PutU64(out, e.cpu_word.value_or(static_cast<uint64_t>(node.cpu)));
      for (uint64_t v : {e.trcconfigr, e.trctraceidr, e.trcidr0, e.trcidr1, e.trcidr2, e.trcidr8,
                         e.trcauthstatus}) {
        PutU64(out, v);
      }
      break;
    }
    case NodeContent::Kind::kPattern: {
      // One stream per node: the golden ratio step keeps (seed, index) pairs apart.
      SplitMix64 rng(seed ^ (0x9e3779b97f4a7c15ull * (node_index + 1)));
      out.reserve(node.content.pattern.size + 8);
      // Fewer random bits per byte: mask every byte of each word alike
      // (0x0303... for 2 bits), so the stream compresses but stays seeded.
      const uint64_t mask = 0x0101010101010101ull * ((1u << node.content.pattern.bits) - 1);
      while (out.size() < node.content.pattern.size) PutU64(out, rng.Next() & mask);
      out.resize(node.content.pattern.size);
      if (node.content.pattern.barrier) {
        for (size_t i = 0; i < kBarrierSize; i += 4) {
          StoreUnsigned(std::span<std::byte>(out.data() + i, 4), kBarrierWord, Endian::kLittle);
        }
      }
      break;
    }
    case NodeContent::Kind::kRaw:
      for (uint8_t b : node.content.raw) out.push_back(std::byte{b});
      break;
  }
  return out;
}

bool StartsWithBarrier(const std::vector<std::byte>& bytes) {
  if (bytes.size() < kBarrierSize) return false;
  for (size_t i = 0; i < kBarrierSize; i += 4) {
    if (LoadUnsigned(std::span<const std::byte>(bytes.data() + i, 4), Endian::kLittle) !=
        kBarrierWord)
      return false;
  }
  return true;
}

}  // namespace csd::mkcore
