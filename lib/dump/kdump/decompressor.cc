// SPDX-License-Identifier: MIT
#include "dump/kdump/decompressor.h"

#include <fmt/format.h>
#include <lzo/lzo1x.h>
#include <snappy-c.h>
#include <zlib.h>
#include <zstd.h>

#include <cstring>
#include <mutex>

namespace csd {
namespace {

Error SizeMismatch(std::string_view codec, uint64_t got, uint64_t want) {
  return Error(ErrorCode::kCorrupt,
               fmt::format("{} page decompressed to {:#x} bytes, not the block size {:#x}", codec,
                           got, want));
}

// zlib with a kept inflate stream: uncompress()'s results, without its
// per-call inflateInit/inflateEnd.
Status ZlibStream(z_stream& strm, std::span<const std::byte> in, std::span<std::byte> out) {
  if (inflateReset(&strm) != Z_OK) return Error(ErrorCode::kUnsupported, "zlib failed to reset");
  strm.next_in = const_cast<Bytef*>(reinterpret_cast<const Bytef*>(in.data()));
  strm.avail_in = static_cast<uInt>(in.size());
  strm.next_out = reinterpret_cast<Bytef*>(out.data());
  strm.avail_out = static_cast<uInt>(out.size());
  const int rc = inflate(&strm, Z_FINISH);
  const uint64_t got = out.size() - strm.avail_out;
  if (rc == Z_STREAM_END) {
    if (got != out.size()) return SizeMismatch("zlib", got, out.size());
    return OkStatus();
  }
  // As uncompress() reports them: a full block with input left over would
  // overflow; anything else (truncated input, bad data) is a data error.
  if ((rc == Z_BUF_ERROR || rc == Z_OK) && strm.avail_out == 0)
    return SizeMismatch("zlib", out.size() + 1, out.size());
  const int reported = rc == Z_BUF_ERROR || rc == Z_OK || rc == Z_NEED_DICT ? Z_DATA_ERROR : rc;
  return Error(ErrorCode::kCorrupt,
               fmt::format("zlib page does not decompress (zlib error {})", reported));
}

Status Zlib(std::span<const std::byte> in, std::span<std::byte> out) {
  uLongf got = out.size();
  const int rc =
      uncompress(reinterpret_cast<Bytef*>(out.data()), &got,
                 reinterpret_cast<const Bytef*>(in.data()), static_cast<uLong>(in.size()));
  if (rc == Z_BUF_ERROR)
    return SizeMismatch("zlib", out.size() + 1, out.size());  // would overflow the block
  if (rc != Z_OK)
    return Error(ErrorCode::kCorrupt,
                 fmt::format("zlib page does not decompress (zlib error {})", rc));
  if (got != out.size()) return SizeMismatch("zlib", got, out.size());
  return OkStatus();
}

Status Lzo(std::span<const std::byte> in, std::span<std::byte> out) {
  static std::once_flag once;
  static int init_rc = LZO_E_OK;
  std::call_once(once, [] { init_rc = lzo_init(); });
  if (init_rc != LZO_E_OK) return Error(ErrorCode::kUnsupported, "liblzo2 failed to initialise");
  lzo_uint got = out.size();
  const int rc = lzo1x_decompress_safe(reinterpret_cast<const unsigned char*>(in.data()), in.size(),
                                       reinterpret_cast<unsigned char*>(out.data()), &got, nullptr);
  if (rc != LZO_E_OK)
    return Error(ErrorCode::kCorrupt,
                 fmt::format("lzo page does not decompress (lzo error {})", rc));
  if (got != out.size()) return SizeMismatch("lzo", got, out.size());
  return OkStatus();
}

Status Snappy(std::span<const std::byte> in, std::span<std::byte> out) {
  const char* src = reinterpret_cast<const char*>(in.data());
  size_t want = 0;
  if (snappy_uncompressed_length(src, in.size(), &want) != SNAPPY_OK) {
    return Error(ErrorCode::kCorrupt, "snappy page has no valid length preamble");
  }
  // Checked before decompressing so a bomb never allocates or writes past the block.
  if (want != out.size()) return SizeMismatch("snappy", want, out.size());
  size_t got = out.size();
  if (snappy_uncompress(src, in.size(), reinterpret_cast<char*>(out.data()), &got) != SNAPPY_OK) {
    return Error(ErrorCode::kCorrupt, "snappy page does not decompress");
  }
  if (got != out.size()) return SizeMismatch("snappy", got, out.size());
  return OkStatus();
}

Status Zstd(ZSTD_DCtx* dctx, std::span<const std::byte> in, std::span<std::byte> out) {
  const size_t got = dctx != nullptr
                         ? ZSTD_decompressDCtx(dctx, out.data(), out.size(), in.data(), in.size())
                         : ZSTD_decompress(out.data(), out.size(), in.data(), in.size());
  if (ZSTD_isError(got)) {
    return Error(ErrorCode::kCorrupt,
                 fmt::format("zstd page does not decompress: {}", ZSTD_getErrorName(got)));
  }
  if (got != out.size()) return SizeMismatch("zstd", got, out.size());
  return OkStatus();
}

}  // namespace

std::string_view CompressionName(uint32_t flags) {
  switch (flags) {
    case kPageRaw: return "raw";
    case kPageZlib: return "zlib";
    case kPageLzo: return "lzo";
    case kPageSnappy: return "snappy";
    case kPageZstd: return "zstd";
    default: return "unknown";
  }
}

Status DecompressPage(uint32_t flags, std::span<const std::byte> in, std::span<std::byte> out) {
  switch (flags) {
    case kPageRaw:
      if (in.size() != out.size()) return SizeMismatch("raw", in.size(), out.size());
      std::memcpy(out.data(), in.data(), out.size());
      return OkStatus();
    case kPageZlib: return Zlib(in, out);
    case kPageLzo: return Lzo(in, out);
    case kPageSnappy: return Snappy(in, out);
    case kPageZstd: return Zstd(nullptr, in, out);
    default:
      return Error(ErrorCode::kCorrupt,
                   fmt::format("page descriptor flags {:#x} name no known compression", flags));
  }
}

struct PageDecompressor::State {
  ZSTD_DCtx* zstd = nullptr;
  z_stream zlib{};
  bool zlib_ready = false;
  ~State() {
    ZSTD_freeDCtx(zstd);  // accepts nullptr
    if (zlib_ready) inflateEnd(&zlib);
  }
};

PageDecompressor::PageDecompressor() : state_(std::make_unique<State>()) {}
PageDecompressor::~PageDecompressor() = default;

Status PageDecompressor::Decompress(uint32_t flags, std::span<const std::byte> in,
                                    std::span<std::byte> out) {
  // Each state is made on first use; if that fails, the one-off path still works.
  if (flags == kPageZstd) {
    if (state_->zstd == nullptr) state_->zstd = ZSTD_createDCtx();
    return Zstd(state_->zstd, in, out);
  }
  if (flags == kPageZlib) {
    if (!state_->zlib_ready) state_->zlib_ready = inflateInit(&state_->zlib) == Z_OK;
    if (state_->zlib_ready) return ZlibStream(state_->zlib, in, out);
  }
  return DecompressPage(flags, in, out);
}

}  // namespace csd
