// SPDX-License-Identifier: MIT
#include "csdump-mkcore/raw_writer.h"

#include <fmt/format.h>

#include <fstream>
#include <functional>
#include <vector>

namespace csd::mkcore {
namespace {

Status WriteAtomically(const std::filesystem::path& path,
                       const std::function<Status(std::ofstream&)>& body) {
  const std::filesystem::path tmp = path.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return Error(ErrorCode::kIo, fmt::format("cannot create {}", tmp.string()));
    CSD_RETURN_IF_ERROR(body(out));
    if (!out.flush()) return Error(ErrorCode::kIo, fmt::format("cannot write {}", tmp.string()));
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec)
    return Error(ErrorCode::kIo,
                 fmt::format("cannot rename to {}: {}", path.string(), ec.message()));
  return OkStatus();
}

}  // namespace

Expected<uint64_t> EmbedVmcoreinfo(PhysImage& image, PhysAllocator& alloc, const std::string& text,
                                   uint64_t page_size) {
  if (text.size() + 1 > page_size) {
    return Error(ErrorCode::kInvalidArgument,
                 fmt::format("VMCOREINFO text ({} bytes) does not fit one page ({})", text.size(),
                             page_size));
  }
  CSD_ASSIGN_OR_RETURN(uint64_t pa, alloc.AllocHigh(page_size, page_size));
  // get_zeroed_page(): the text is followed by zeros, which end it for a reader.
  CSD_RETURN_IF_ERROR(image.Zero(pa, page_size));
  CSD_RETURN_IF_ERROR(image.Write(pa, AsBytes(text)));
  return pa;
}

Status WriteRawCore(const std::filesystem::path& out_dir, const PhysImage& image,
                    const std::string& vmcoreinfo, RawVmcoreinfo mode) {
  constexpr uint64_t kBlock = 1 << 20;
  std::vector<std::byte> buffer(kBlock);
  for (const PhysicalRange& range : image.Ranges()) {
    const auto path = out_dir / fmt::format("ram-{:#x}.bin", range.start);
    auto write_range = [&](std::ofstream& out) -> Status {
      for (uint64_t done = 0; done < range.size;) {
        const uint64_t n = std::min(kBlock, range.size - done);
        std::span<std::byte> chunk(buffer.data(), n);
        CSD_RETURN_IF_ERROR(image.ReadPhysical(range.start + done, chunk));
        out.write(reinterpret_cast<const char*>(chunk.data()), static_cast<std::streamsize>(n));
        done += n;
      }
      return OkStatus();
    };
    CSD_RETURN_IF_ERROR(WriteAtomically(path, write_range));
  }
  if (mode == RawVmcoreinfo::kNone) return OkStatus();
  return WriteAtomically(out_dir / "vmcoreinfo.txt", [&](std::ofstream& out) -> Status {
    out << vmcoreinfo;
    return OkStatus();
  });
}

}  // namespace csd::mkcore
