// SPDX-License-Identifier: MIT
// kdump-compressed reader: headers (versions, layouts, byte orders), bitmaps
// and rank, codecs, excluded/zero/incomplete pages, split sets and hostile
// input, on dumps built in memory by KdumpBuilder.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "dump/kdump/byte_source.h"
#include "dump/kdump/decompressor.h"
#include "dump/kdump/kdump_header.h"
#include "dump_test_util.h"
#include "kdump_builder.h"

namespace csd::testing {
namespace {

using ::testing::HasSubstr;

std::vector<std::byte> ReadPa(const DumpFile& dump, uint64_t pa, size_t n,
                              Status* status = nullptr) {
  std::vector<std::byte> out(n);
  Status s = dump.ReadPhysical(pa, out);
  if (status) *status = s;
  return s.ok() ? out : std::vector<std::byte>{};
}

KdumpBuilder Basic() {
  KdumpBuilder b;
  b.Page(3).Page(4).Page(40);
  b.ram = {3, 4, 5, 6, 40, 41};
  return b;
}

class KdumpTest : public DumpFileTest {};

TEST_F(KdumpTest, ReadsPagesThroughRankAndCodec) {
  for (uint32_t codec : {0u, 0x1u, 0x2u, 0x4u, 0x20u}) {
    KdumpBuilder b = Basic();
    b.codec = codec;
    const auto file = b.Build();
    auto dump = Open(file);
    ASSERT_TRUE(dump.ok()) << dump.error().Describe();
    EXPECT_EQ((*dump)->FormatName(), "kdump-compressed");
    EXPECT_EQ((*dump)->Producer(), "makedumpfile");
    EXPECT_EQ((*dump)->arch(), Arch::kArm64);
    EXPECT_EQ(ReadPa(**dump, 40 * 1024, 1024), b.pages[40]) << "codec " << codec;
    // A read across two pages.
    std::vector<std::byte> want(b.pages[3].begin() + 100, b.pages[3].end());
    want.insert(want.end(), b.pages[4].begin(), b.pages[4].begin() + 976);
    EXPECT_EQ(ReadPa(**dump, 3 * 1024 + 100, 1900), want);
    ASSERT_TRUE((*dump)->VmcoreinfoText().has_value());
    EXPECT_THAT(*(*dump)->VmcoreinfoText(), HasSubstr("OSRELEASE=6.1.0"));
  }
}

TEST_F(KdumpTest, RangesFollowTheFirstBitmap) {
  auto dump = Open(Basic().Build());
  ASSERT_TRUE(dump.ok());
  const auto ranges = (*dump)->Ranges();
  ASSERT_EQ(ranges.size(), 2u);
  EXPECT_EQ(ranges[0].start, 3u * 1024);
  EXPECT_EQ(ranges[0].size, 4u * 1024);
  EXPECT_EQ(ranges[1].start, 40u * 1024);
}

TEST_F(KdumpTest, ExcludedNotRamAndZeroPages) {
  auto dump = Open(Basic().Build());
  ASSERT_TRUE(dump.ok());
  Status s;
  ReadPa(**dump, 5 * 1024, 8, &s);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), ErrorCode::kExcluded);
  EXPECT_THAT(s.error().Describe(), HasSubstr("dump_level 0"));
  ReadPa(**dump, 10 * 1024, 8, &s);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), ErrorCode::kNotMapped);
  ReadPa(**dump, 1000 * 1024, 8, &s);
  EXPECT_EQ(s.error().code(), ErrorCode::kNotMapped);

  KdumpBuilder zero = Basic();
  zero.dump_level = 31;
  auto zdump = Open(zero.Build());
  ASSERT_TRUE(zdump.ok());
  EXPECT_EQ(ReadPa(**zdump, 5 * 1024, 16), std::vector<std::byte>(16));
  EXPECT_EQ(ReadPa(**zdump, 6 * 1024, 16), std::vector<std::byte>(16));
  EXPECT_EQ(diagnostics_.warnings().size(), 1u);
}

TEST_F(KdumpTest, IncompleteDumpsReportUnwrittenPages) {
  KdumpBuilder b = Basic();
  b.unwritten = {41};
  b.status |= kKdumpIncomplete;
  auto dump = Open(b.Build());
  ASSERT_TRUE(dump.ok()) << dump.error().Describe();
  Status s;
  ReadPa(**dump, 41 * 1024, 8, &s);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), ErrorCode::kExcluded);
  EXPECT_THAT(s.error().Describe(), HasSubstr("incomplete"));
  EXPECT_EQ(ReadPa(**dump, 40 * 1024, 1024), b.pages[40]);
}

TEST_F(KdumpTest, HeaderVersionsLayoutsAndByteOrders) {
  for (int version = 1; version <= 7; ++version) {
    for (KdumpLayout layout : {KdumpLayout::k64, KdumpLayout::k32Packed, KdumpLayout::k32Padded}) {
      for (Endian endian : {Endian::kLittle, Endian::kBig}) {
        KdumpBuilder b = Basic();
        b.version = version;
        b.layout = layout;
        b.endian = endian;
        b.machine = layout == KdumpLayout::k64 ? "aarch64" : "armv7l";
        const auto file = b.Build();
        SpanSource source(file, "mem");
        auto h = ParseKdumpHeader(source);
        ASSERT_TRUE(h.ok()) << h.error().Describe() << " v" << version << " layout " << int(layout)
                            << " be " << (endian == Endian::kBig);
        EXPECT_EQ(h->header_version, version);
        EXPECT_EQ(h->endian, endian);
        EXPECT_EQ(h->block_size, 1024u);
        EXPECT_EQ(h->max_mapnr, 64u);
        if (version >= 3) {
          EXPECT_EQ(h->layout, layout) << version;
          EXPECT_EQ(h->size_vmcoreinfo, b.vmcoreinfo.size());
        }
        auto dump = Open(file);
        ASSERT_TRUE(dump.ok()) << dump.error().Describe();
        EXPECT_EQ(ReadPa(**dump, 4 * 1024, 1024), b.pages[4]);
        EXPECT_EQ((*dump)->VmcoreinfoText().has_value(), version >= 3);
        EXPECT_EQ((*dump)->pointer_size(), layout == KdumpLayout::k64 ? 8u : 4u);
      }
    }
  }
}

TEST_F(KdumpTest, ArmRelativePfnsAndQemuProducer) {
  KdumpBuilder b = Basic();
  b.layout = KdumpLayout::k32Padded;
  b.machine = "armv7l";
  b.phys_base = 0x80000000;  // PFN 0 is PA 0x80000000
  auto dump = Open(b.Build());
  ASSERT_TRUE(dump.ok()) << dump.error().Describe();
  EXPECT_EQ((*dump)->arch(), Arch::kArm);
  EXPECT_EQ(ReadPa(**dump, 0x80000000 + 40 * 1024, 1024), b.pages[40]);
  bool found = false;
  for (const auto& [k, v] : (*dump)->Describe()) {
    if (k == "pfn_origin") found = v.find("relative") != std::string::npos;
  }
  EXPECT_TRUE(found);

  KdumpBuilder q = Basic();
  q.sysname = "";
  auto qdump = Open(q.Build());
  ASSERT_TRUE(qdump.ok());
  EXPECT_EQ((*qdump)->Producer(), "qemu");
}

// Seen on a real Debian armhf 6.1 QEMU dump (dump-guest-memory -z): the
// 32-bit header names the machine "Unknown", and max_mapnr 0x80000 lies where
// the 64-bit layout keeps block_size, which then looks sane too; the 64-bit
// reading's sub_hdr_size (the 32-bit total_ram_blocks) is 0.
TEST_F(KdumpTest, QemuArm32HeaderWithUnknownMachineIsRead32Bit) {
  KdumpBuilder b = Basic();
  b.layout = KdumpLayout::k32Packed;
  b.machine = "Unknown";
  b.sysname = "";
  b.max_mapnr = 0x80000;  // 0x80000 at offset 428: a "sane" 64-bit block_size
  auto dump = Open(b.Build());
  ASSERT_TRUE(dump.ok()) << dump.error().Describe();
  EXPECT_EQ((*dump)->Producer(), "qemu");
  EXPECT_EQ(ReadPa(**dump, 40 * 1024, 1024), b.pages[40]);
}

// Seen on a real Debian 6.1 arm64 dump: makedumpfile stores PHYS_OFFSET as
// phys_base, and with KASLR's randomised linear map it is "negative". The
// PFNs stay absolute.
TEST_F(KdumpTest, Arm64NegativePhysBaseKeepsAbsolutePfns) {
  KdumpBuilder b = Basic();
  b.machine = "aarch64";
  b.phys_base = 0xfffffc5a40000000;
  auto dump = Open(b.Build());
  ASSERT_TRUE(dump.ok()) << dump.error().Describe();
  EXPECT_EQ(ReadPa(**dump, 40 * 1024, 1024), b.pages[40]);
  for (const auto& [k, v] : (*dump)->Describe()) {
    if (k == "pfn_origin") {
      EXPECT_EQ(v.find("relative"), std::string::npos) << v;
    }
  }
}

TEST_F(KdumpTest, SplitSetsSelectThePartByPfn) {
  std::vector<std::filesystem::path> paths;
  KdumpBuilder b = Basic();
  b.split = true;
  const uint64_t cuts[] = {0, 4, 30, 64};
  for (int i = 2; i >= 0; --i) {  // given out of order on purpose
    b.start = cuts[i];
    b.end = cuts[i + 1];
    paths.push_back(WriteTemp(b.Build()));
  }
  auto dump = OpenDumpSet(paths, {}, diagnostics_);
  ASSERT_TRUE(dump.ok()) << dump.error().Describe();
  for (uint64_t pfn : {3, 4, 40}) EXPECT_EQ(ReadPa(**dump, pfn * 1024, 1024), b.pages[pfn]) << pfn;

  // A gap: drop the middle part.
  auto gap = OpenDumpSet({paths[0], paths[2]}, {}, diagnostics_);
  ASSERT_FALSE(gap.ok());
  EXPECT_THAT(gap.error().Describe(), HasSubstr("missing PFNs"));
  // Overlap: the same part twice.
  auto overlap = OpenDumpSet({paths[0], paths[1], paths[1], paths[2]}, {}, diagnostics_);
  ASSERT_FALSE(overlap.ok());
  EXPECT_THAT(overlap.error().Describe(), HasSubstr("overlap"));
  // Mismatched headers.
  KdumpBuilder other = b;
  other.max_mapnr = 128;
  other.start = 30;
  other.end = 128;
  auto mismatch = OpenDumpSet({paths[2], paths[1], WriteTemp(other.Build())}, {}, diagnostics_);
  ASSERT_FALSE(mismatch.ok());
  EXPECT_THAT(mismatch.error().Describe(), HasSubstr("max_mapnr"));
}

TEST_F(KdumpTest, DecompressorsRejectGarbageAndWrongSizes) {
  std::vector<std::byte> page(1024, std::byte{7});
  std::vector<std::byte> out(1024);
  for (uint32_t codec : {0x1u, 0x2u, 0x4u, 0x20u}) {
    const auto packed = CompressPage(codec, page);
    ASSERT_TRUE(DecompressPage(codec, packed, out).ok()) << codec;
    EXPECT_EQ(out, page);
    std::vector<std::byte> small(512);
    auto s = DecompressPage(codec, packed, small);  // a bomb for this block size
    ASSERT_FALSE(s.ok()) << codec;
    EXPECT_EQ(s.error().code(), ErrorCode::kCorrupt);
    std::vector<std::byte> garbage(100, std::byte{0xff});
    s = DecompressPage(codec, garbage, out);
    ASSERT_FALSE(s.ok()) << codec;
    EXPECT_EQ(s.error().code(), ErrorCode::kCorrupt);
  }
  EXPECT_FALSE(DecompressPage(0x40, page, out).ok());
  EXPECT_FALSE(DecompressPage(0, std::span(page).first(10), out).ok());
}

// The kept codec states give the one-off results, page after page, and a
// bad page (a bomb, garbage, a truncated stream) leaves them usable.
TEST_F(KdumpTest, PageDecompressorMatchesOneOffDecompression) {
  PageDecompressor decompressor;
  for (int round = 0; round < 3; ++round) {
    for (uint32_t codec : {0x0u, 0x1u, 0x2u, 0x4u, 0x20u}) {
      std::vector<std::byte> page(1024);
      for (size_t i = 0; i < page.size(); ++i)
        page[i] = static_cast<std::byte>((i * (round + 3)) % 29);
      const auto packed = codec == 0 ? page : CompressPage(codec, page);
      std::vector<std::byte> out(1024);
      ASSERT_TRUE(decompressor.Decompress(codec, packed, out).ok()) << codec;
      EXPECT_EQ(out, page) << codec;
      if (codec == 0) continue;
      std::vector<std::byte> small(512);
      auto bomb = decompressor.Decompress(codec, packed, small);
      ASSERT_FALSE(bomb.ok()) << codec;
      EXPECT_EQ(bomb.error().Describe(), DecompressPage(codec, packed, small).error().Describe());
      const auto truncated = std::span(packed).first(packed.size() / 2);
      auto cut = decompressor.Decompress(codec, truncated, out);
      ASSERT_FALSE(cut.ok()) << codec;
      EXPECT_EQ(cut.error().code(), ErrorCode::kCorrupt);
      std::vector<std::byte> big(2048);  // a short page for this block size
      auto shrt = decompressor.Decompress(codec, packed, big);
      ASSERT_FALSE(shrt.ok()) << codec;
      EXPECT_EQ(shrt.error().Describe(), DecompressPage(codec, packed, big).error().Describe());
    }
  }
  std::vector<std::byte> out(16);
  EXPECT_FALSE(decompressor.Decompress(0x40, out, out).ok());
}

// A long contiguous read walks the page data forwards through the growing
// read window; reads elsewhere in between (page tables, partial pages)
// must not disturb it, and every byte matches.
TEST_F(KdumpTest, LongContiguousReadsThroughTheReadWindow) {
  KdumpBuilder b;
  b.max_mapnr = 4096;
  b.codec = 0x20;
  for (uint64_t p = 0; p < 4096; ++p) b.Page(p);
  auto dump = Open(b.Build());
  ASSERT_TRUE(dump.ok()) << dump.error().Describe();
  std::vector<std::byte> want;
  for (uint64_t p = 100; p < 3000; ++p)
    want.insert(want.end(), b.pages[p].begin(), b.pages[p].end());
  EXPECT_EQ(ReadPa(**dump, 100 * 1024, want.size()), want);
  for (uint64_t p = 3000; p > 100; p -= 37) {  // backwards, whole and partial pages
    ASSERT_EQ(ReadPa(**dump, p * 1024, 1024), b.pages[p]) << p;
    ASSERT_EQ(ReadPa(**dump, p * 1024 + 5, 7),
              std::vector<std::byte>(b.pages[p].begin() + 5, b.pages[p].begin() + 12))
        << p;
  }
  EXPECT_EQ(ReadPa(**dump, 100 * 1024 + 3, want.size() - 3),
            std::vector<std::byte>(want.begin() + 3, want.end()));
}

TEST_F(KdumpTest, CacheServesRepeatedReadsAndManyPages) {
  KdumpBuilder b;
  b.max_mapnr = 8192;  // two rank strides
  for (uint64_t p = 0; p < 8192; p += 97) b.Page(p);
  auto dump = Open(b.Build());
  ASSERT_TRUE(dump.ok()) << dump.error().Describe();
  for (int round = 0; round < 2; ++round) {
    for (uint64_t p = 0; p < 8192; p += 97)
      ASSERT_EQ(ReadPa(**dump, p * 1024, 1024), b.pages[p]) << p;
  }
  for (int i = 0; i < 50; ++i) ASSERT_EQ(ReadPa(**dump, 97 * 1024, 8).size(), 8u);
}

// Scattered whole pages in one batch (a vmalloc'd buffer): decoded on
// several threads, byte for byte what page-by-page reads give, with partial
// and repeated pages and a request spanning two pages mixed in.
TEST_F(KdumpTest, BatchOfScatteredPagesMatchesSingleReads) {
  KdumpBuilder b;
  b.max_mapnr = 4096;
  b.codec = 0x20;
  for (uint64_t p = 0; p < 4096; ++p) b.Page(p);
  auto dump = Open(b.Build());
  ASSERT_TRUE(dump.ok()) << dump.error().Describe();
  std::vector<uint64_t> pfns;
  for (uint64_t i = 0; i < 1000; ++i) pfns.push_back((i * 2654435761u) % 4096);
  std::vector<std::vector<std::byte>> outs;
  std::vector<PhysicalMemory::Request> requests;
  outs.reserve(pfns.size() + 2);
  for (uint64_t pfn : pfns) {
    outs.emplace_back(1024);
    requests.push_back({pfn * 1024, outs.back()});
  }
  outs.emplace_back(100);  // part of a page
  requests.push_back({77 * 1024 + 5, outs.back()});
  outs.emplace_back(2048);  // across two pages, unaligned
  requests.push_back({500 * 1024 + 512, outs.back()});
  size_t failed = 12345;
  auto status = (*dump)->ReadPhysicalBatch(requests, failed);
  ASSERT_TRUE(status.ok()) << status.error().Describe();
  EXPECT_EQ(failed, 12345u);  // untouched on success
  for (size_t i = 0; i < pfns.size(); ++i) ASSERT_EQ(outs[i], b.pages[pfns[i]]) << pfns[i];
  EXPECT_EQ(outs[1000], ReadPa(**dump, 77 * 1024 + 5, 100));
  EXPECT_EQ(outs[1001], ReadPa(**dump, 500 * 1024 + 512, 2048));
}

// The error of a batch is the first failure in request order, whether it is
// found while reading descriptors (an excluded page) or while decompressing
// (corrupt page data, possibly on another thread).
TEST_F(KdumpTest, BatchReportsTheFirstFailureInRequestOrder) {
  KdumpBuilder b;
  b.max_mapnr = 1024;
  b.codec = 0x20;
  for (uint64_t p = 0; p < 1024; ++p) {
    if (p != 700) b.Page(p);  // 700 is RAM but not dumped
  }
  b.ram.insert(700);
  auto file = b.Build();
  // Overwrite page 600's compressed data (descriptor rank 600) with garbage.
  const SpanSource source(file, "x");
  auto h = ParseKdumpHeader(source);
  ASSERT_TRUE(h.ok());
  const uint64_t desc = h->data_offset() + 600 * 24;
  const uint64_t offset = LoadUnsigned(std::span(file).subspan(desc, 8), Endian::kLittle);
  const uint64_t size = LoadUnsigned(std::span(file).subspan(desc + 8, 4), Endian::kLittle);
  for (uint64_t i = 0; i < size; ++i) file[offset + i] = std::byte{0xff};
  auto dump = Open(file);
  ASSERT_TRUE(dump.ok()) << dump.error().Describe();

  auto run = [&](const std::vector<uint64_t>& pfns, size_t& failed) {
    std::vector<std::vector<std::byte>> outs(pfns.size(), std::vector<std::byte>(1024));
    std::vector<PhysicalMemory::Request> requests;
    for (size_t i = 0; i < pfns.size(); ++i) requests.push_back({pfns[i] * 1024, outs[i]});
    return (*dump)->ReadPhysicalBatch(requests, failed);
  };
  std::vector<uint64_t> pfns;
  for (uint64_t p = 0; p < 200; ++p) pfns.push_back(p);
  // Corrupt data at index 150 (decoded late, on a worker), excluded at 180.
  pfns[150] = 600;
  pfns[180] = 700;
  size_t failed = 0;
  auto status = run(pfns, failed);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(failed, 150u);
  EXPECT_EQ(status.error().code(), ErrorCode::kCorrupt) << status.error().Describe();
  EXPECT_THAT(status.error().Describe(), HasSubstr("PFN 0x258"));
  // The other way round: the excluded page comes first.
  pfns[150] = 700;
  pfns[180] = 600;
  status = run(pfns, failed);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(failed, 150u);
  EXPECT_EQ(status.error().code(), ErrorCode::kExcluded) << status.error().Describe();
  // A single read of the corrupt page says the same as the batch did.
  std::vector<std::byte> one(1024);
  auto single = (*dump)->ReadPhysical(600 * 1024, one);
  ASSERT_FALSE(single.ok());
  pfns[150] = 600;
  pfns[180] = 1;
  status = run(pfns, failed);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().Describe(), single.error().Describe());
}

}  // namespace
}  // namespace csd::testing
