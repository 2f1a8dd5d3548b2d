// SPDX-License-Identifier: MIT
// Whole-core tests over a hand-made KernelModel: memory contents are read back
// through the reader-side translator, and the expected.json oracle is checked
// for each kind of corruption.
#include "csdump-mkcore/core_builder.h"

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "base/byte_reader.h"
#include "csdump-mkcore/arm64_pgtable_builder.h"
#include "csdump-mkcore/expected.h"
#include "csdump-mkcore/node_content.h"
#include "fake_kernel_model.h"
#include "xlat/arm64_translator.h"

namespace csd::mkcore {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

constexpr const char* kEtm =
    R"({"etmv4": {"trcconfigr": 0, "trctraceidr": "0x10", "trcidr0": "0x28000ea1",
    "trcidr1": "0x4100f403", "trcidr2": "0x488", "trcidr8": 0, "trcauthstatus": "0xcc"}})";

std::string SpecText(const std::string& extra, const std::string& nodes) {
  return fmt::format(
      R"({{"ram": [{{"start": "0x40000000", "size": "0x2000000"}}], "kernel_phys": "0x40200000",
      "kaslr_offset": "0x1e50000", "seed": 7 {} , "nodes": [{}]}})",
      extra, nodes);
}

std::string DemoNodes() {
  return fmt::format(R"({{"cpu": 0, "type": 0, "device": "etm0", "content": {}}},
      {{"cpu": 1, "type": 0, "device": "etm1", "name_via": "init_name", "content": {}}},
      {{"cpu": 0, "type": 1, "device": "etf", "content": {{"pattern": {{"size": 3000}}}}}},
      {{"cpu": 0, "type": 1, "device": "etr", "alloc": "vmalloc", "content": {{"pattern": {{"size": 70000, "barrier": true}}}}}})",
                     kEtm, kEtm);
}

Spec MustParse(const std::string& text) {
  auto spec = ParseSpec(text);
  EXPECT_TRUE(spec.ok()) << spec.error().Describe();
  return std::move(spec).value();
}

BuiltCore MustBuild(const Spec& spec, const KernelModel& kernel) {
  auto core = BuildCore(spec, kernel);
  EXPECT_TRUE(core.ok()) << core.error().Describe();
  return std::move(core).value();
}

// A reader's view of the core: the lib/xlat translator over the image.
class Reader {
 public:
  Reader(const BuiltCore& core, const Spec& spec) : image_(*core.image) {
    Arm64Params p;
    p.page_shift = 12;
    p.va_bits = p.translation_va_bits = spec.va_bits;
    p.pa_bits = spec.pa_bits_or_default();
    p.flipped_layout = spec.layout == VaLayout::kFlipped;
    p.phys_offset = core.layout.phys_offset();
    p.kimage_voffset = core.layout.kimage_voffset();
    p.kimage_start = core.layout.text();
    p.kimage_end = core.layout.text() + core.layout.image_size();
    p.pgd_pa = core.pgd_pa;
    xlat_ = MakeArm64Translator(p, image_);
  }
  std::vector<std::byte> Read(uint64_t va, uint64_t size) const {
    std::vector<std::byte> out(size);
    for (uint64_t done = 0; done < size;) {
      auto t = xlat_->Translate(va + done);
      EXPECT_TRUE(t.ok()) << t.error().Describe();
      if (!t.ok()) return {};
      const uint64_t n = std::min<uint64_t>(size - done, 4096 - (va + done) % 4096);
      EXPECT_TRUE(image_.ReadPhysical(t->pa, std::span<std::byte>(out.data() + done, n)).ok());
      done += n;
    }
    return out;
  }
  uint64_t U64(uint64_t va) const { return LoadUnsigned(Read(va, 8), Endian::kLittle); }
  bool Mapped(uint64_t va) const { return xlat_->Translate(va).ok(); }

 private:
  const PhysImage& image_;
  std::unique_ptr<Translator> xlat_;
};

TEST(CoreBuilderTest, ListNodesDevicesAndBuffersReadBackThroughTheTranslator) {
  const Spec spec = MustParse(SpecText("", DemoNodes()));
  const KernelModel kernel = testing::FakeKernelModel();
  const DumpListTypes& types = *kernel.list_types;
  const BuiltCore core = MustBuild(spec, kernel);
  Reader r(core, spec);
  const uint64_t head = *kernel.dump_list + 0x1e50000;
  ASSERT_EQ(core.written.list_head_va, head);
  uint64_t cur = r.U64(head);
  uint64_t prev = head;
  for (size_t i = 0; i < spec.nodes.size(); ++i) {
    const WrittenNode& w = core.written.nodes[i];
    ASSERT_EQ(cur, w.list_va) << i;
    EXPECT_EQ(r.U64(cur + 8), prev);  // prev pointer
    const uint64_t node = cur - types.node.list.offset;
    EXPECT_EQ(LoadUnsigned(r.Read(node + types.node.cpu.offset, 4), Endian::kLittle),
              static_cast<uint64_t>(spec.nodes[i].cpu));
    const uint64_t csdev = r.U64(node + types.node.csdev.offset);
    const auto& name_member =
        spec.nodes[i].name_via == NameVia::kKobj ? types.csdev_kobj_name : types.csdev_init_name;
    const auto& other_member =
        spec.nodes[i].name_via == NameVia::kKobj ? types.csdev_init_name : types.csdev_kobj_name;
    const uint64_t name = r.U64(csdev + name_member.offset);
    EXPECT_EQ(r.U64(csdev + other_member.offset), 0u);
    const auto name_bytes = r.Read(name, spec.nodes[i].device.size() + 1);
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(name_bytes.data())), spec.nodes[i].device);
    const uint64_t buf = r.U64(node + types.node.buf.offset);
    const uint64_t size =
        LoadUnsigned(r.Read(node + types.node.buf_size.offset, 4), Endian::kLittle);
    EXPECT_EQ(r.Read(buf, size), NodeContentBytes(spec.nodes[i], i, spec.seed)) << i;
    prev = cur;
    cur = r.U64(cur);
  }
  EXPECT_EQ(cur, head);
  EXPECT_EQ(r.U64(head + 8), prev);

  // The vmalloc buffer's pages are neither contiguous nor in order.
  const uint64_t etr = core.written.nodes[3].buf_va;
  std::vector<uint64_t> pas;
  for (const auto& [va, pa] : core.layout.vmalloc_pages()) {
    if (va >= etr && va < etr + 70000) pas.push_back(pa);
  }
  ASSERT_EQ(pas.size(), 18u);
  EXPECT_FALSE(std::is_sorted(pas.begin(), pas.end()));
  for (size_t i = 1; i < pas.size(); ++i) EXPECT_NE(pas[i], pas[i - 1] + 4096);

  const json expected = json::parse(core.expected_json);
  EXPECT_EQ(expected["kaslr_offset"], "0x1e50000");
  EXPECT_EQ(expected["list_address"], fmt::format("{:#x}", head));
  EXPECT_FALSE(expected["walk_error_expected"].get<bool>());
  ASSERT_EQ(expected["nodes"].size(), 4u);
  EXPECT_EQ(expected["nodes"][0]["kind"], "etm-metadata");
  EXPECT_EQ(expected["nodes"][2]["kind"], "sink");
  EXPECT_TRUE(expected["nodes"][3]["barrier"].get<bool>());
  EXPECT_EQ(expected["nodes"][3]["sha256"],
            Sha256Hex(NodeContentBytes(spec.nodes[3], 3, spec.seed)));
  for (const auto& n : expected["nodes"]) EXPECT_FALSE(n["expect_error"].get<bool>());
}

// 4K pages with 52-bit VAs: LPA2 descriptors, a 5-level walk, and with
// "page_tables": "high" every table below the root and every buffer in RAM
// above 2^48, where PA[51:50] come from desc[9:8].
TEST(CoreBuilderTest, Lpa2TablesAndBuffersAbove2To48) {
  const std::string ram =
      R"("ram": [{"start": "0x40000000", "size": "0x2000000"},
                 {"start": "0xd000040000000", "size": "0x2000000"}],
      "kernel_phys": "0x40200000", "kaslr_offset": "0x1e50000", "seed": 7,
      "va_bits": 52, "page_tables": "high")";
  const Spec spec = MustParse("{" + ram + R"(, "nodes": [)" + DemoNodes() + "]}");
  EXPECT_TRUE(spec.lpa2());
  const KernelModel kernel = testing::FakeKernelModel();
  const BuiltCore core = MustBuild(spec, kernel);
  EXPECT_THAT(core.vmcoreinfo, HasSubstr("NUMBER(MAX_PHYSMEM_BITS)=52\nNUMBER(VA_BITS)=52\n"));
  EXPECT_THAT(core.vmcoreinfo, HasSubstr("NUMBER(TCR_EL1_T1SZ)=0xc\n"));

  Reader r(core, spec);
  const uint64_t etr = core.written.nodes[3].buf_va;
  EXPECT_EQ(r.Read(etr, 70000), NodeContentBytes(spec.nodes[3], 3, spec.seed));
  for (const auto& [va, pa] : core.layout.vmalloc_pages()) {
    if (va >= etr && va < etr + 70000) {
      EXPECT_GE(pa, uint64_t{1} << 48);
    }
  }
  // Follow the walk by hand: every table below the root is high, and its
  // descriptor carries PA[51:50] = 0b11 in bits 9:8.
  const Arm64PgtableGeometry g{12, 52, 52};
  uint64_t table = core.pgd_pa;
  for (unsigned level = g.levels(); level-- > 0;) {
    std::byte b[8];
    ASSERT_TRUE(core.image->ReadPhysical(table + g.index(etr, level) * 8, b).ok());
    const uint64_t desc = LoadUnsigned(b, Endian::kLittle);
    ASSERT_EQ(desc & 3, 3u) << level;
    EXPECT_EQ((desc >> 8) & 3, 3u) << level;
    table = g.DecodeAddress(desc);
    EXPECT_EQ(table >> 48, 0xdu) << level;
  }

  // A kdump-compressed core cannot hold bitmaps up to 2^52.
  const Spec kdump =
      MustParse("{" + ram + R"(, "format": "kdump-compressed", "nodes": [)" + DemoNodes() + "]}");
  auto refused = BuildCore(kdump, kernel);
  ASSERT_FALSE(refused.ok());
  EXPECT_THAT(refused.error().message(), HasSubstr("kdump-compressed bitmaps"));
}

TEST(CoreBuilderTest, VmcoreinfoCarriesRuntimeValues) {
  const Spec spec = MustParse(SpecText(R"(, "phys_offset": "0xffffffc0c0000000")", DemoNodes()));
  const KernelModel kernel = testing::FakeKernelModel();
  const BuiltCore core = MustBuild(spec, kernel);
  EXPECT_THAT(core.vmcoreinfo, HasSubstr(fmt::format("SYMBOL(swapper_pg_dir)={:x}\n",
                                                     kernel.swapper_pg_dir + 0x1e50000)));
  EXPECT_THAT(core.vmcoreinfo, HasSubstr("NUMBER(PHYS_OFFSET)=0xffffffc0c0000000\n"));
  EXPECT_THAT(core.vmcoreinfo, HasSubstr("KERNELOFFSET=1e50000\n"));
  EXPECT_THAT(core.vmcoreinfo, HasSubstr("OSRELEASE=6.1.0-fake\n"));
  EXPECT_THAT(core.vmcoreinfo, HasSubstr(fmt::format("NUMBER(kimage_voffset)={:#x}\n",
                                                     core.layout.kimage_voffset())));
  // The randomised linear map still reads back.
  Reader r(core, spec);
  EXPECT_EQ(r.U64(core.written.list_head_va), core.written.nodes[0].list_va);
  // VA = PA - 0xffffffc0c0000000 + PAGE_OFFSET = 0xffff003f80000000 + (PA - 0x40000000)
  EXPECT_EQ(core.written.nodes[0].node_va >> 32, 0xffff003fu);
}

TEST(CoreBuilderTest, NodeLayoutComesFromTheModel) {
  const Spec spec = MustParse(SpecText("", DemoNodes()));
  for (bool reordered : {false, true}) {
    const KernelModel kernel = testing::FakeKernelModel(reordered);
    const BuiltCore core = MustBuild(spec, kernel);
    Reader r(core, spec);
    const WrittenNode& w = core.written.nodes[2];
    EXPECT_EQ(r.U64(w.node_va + (reordered ? 32 : 16)), w.buf_va) << reordered;
    EXPECT_EQ(r.U64(w.node_va + (reordered ? 40 : 24)), 3000u) << reordered;
    EXPECT_EQ(w.list_va - w.node_va, reordered ? 0u : 32u);
  }
}

TEST(CoreBuilderTest, SameSpecGivesIdenticalFiles) {
  const Spec spec = MustParse(SpecText("", DemoNodes()));
  const KernelModel kernel = testing::FakeKernelModel();
  const auto base = std::filesystem::path(::testing::TempDir()) / "mkcore_determinism";
  std::filesystem::remove_all(base);
  for (const char* run : {"a", "b"})
    ASSERT_TRUE(WriteCore(MustBuild(spec, kernel), base / run).ok());
  auto slurp = [](const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  };
  for (const char* file : {"vmcore", "expected.json"}) {
    const std::string a = slurp(base / "a" / file), b = slurp(base / "b" / file);
    EXPECT_FALSE(a.empty());
    EXPECT_TRUE(a == b) << file << " differs between runs";
  }
}

json ExpectedFor(const std::string& extra, const std::string& nodes,
                 const KernelModel& kernel = testing::FakeKernelModel()) {
  auto core = BuildCore(MustParse(SpecText(extra, nodes)), kernel);
  EXPECT_TRUE(core.ok()) << core.error().Describe();
  return core.ok() ? json::parse(core->expected_json) : json();
}

std::string Sink(const std::string& name, const std::string& more = "") {
  return fmt::format(
      R"({{"cpu": 0, "type": 1, "device": "{}", "content": {{"pattern": {{"size": 256}}}} {}}})",
      name, more);
}

TEST(CoreBuilderTest, OracleCycleAndWildNext) {
  json e = ExpectedFor(
      "", Sink("a") + "," + Sink("b", R"(, "corrupt": {"next": "cycle-to:0"})") + "," + Sink("c"));
  EXPECT_TRUE(e["walk_error_expected"].get<bool>());
  EXPECT_EQ(e["nodes"].size(), 2u);  // c is unreachable
  EXPECT_THAT(e["walk_error_reason"].get<std::string>(), HasSubstr("cycle"));

  e = ExpectedFor("", Sink("a", R"(, "corrupt": {"next": "unmapped"})") + "," + Sink("b"));
  EXPECT_TRUE(e["walk_error_expected"].get<bool>());
  EXPECT_EQ(e["nodes"].size(), 1u);

  // A forward "cycle" only skips nodes: no error.
  e = ExpectedFor(
      "", Sink("a", R"(, "corrupt": {"next": "cycle-to:2"})") + "," + Sink("b") + "," + Sink("c"));
  EXPECT_FALSE(e["walk_error_expected"].get<bool>());
  EXPECT_EQ(e["nodes"].size(), 2u);
}

TEST(CoreBuilderTest, OracleUnreadableBuffersAndNames) {
  const json e =
      ExpectedFor("", Sink("ok") + "," + Sink("buf", R"(, "corrupt": {"buf": "unmapped"})") + "," +
                          Sink("null", R"(, "corrupt": {"buf": "null"})") + "," +
                          Sink("name", R"(, "corrupt": {"name": "unmapped"})") + "," +
                          Sink("csdev", R"(, "corrupt": {"csdev": "unmapped"})") + "," +
                          Sink("huge", R"(, "buf_size": 4294967295)"));
  ASSERT_EQ(e["nodes"].size(), 6u);
  EXPECT_FALSE(e["walk_error_expected"].get<bool>());
  EXPECT_FALSE(e["nodes"][0]["expect_error"].get<bool>());
  for (size_t i = 1; i < 6; ++i) EXPECT_TRUE(e["nodes"][i]["expect_error"].get<bool>()) << i;
  EXPECT_TRUE(e["nodes"][1]["sha256"].is_null());
  EXPECT_TRUE(e["nodes"][2]["sha256"].is_null());
  EXPECT_EQ(e["nodes"][2]["buf_address"], "0x0");
  EXPECT_FALSE(e["nodes"][3]["sha256"].is_null());  // the data is fine, the name is not
  EXPECT_TRUE(e["nodes"][5]["sha256"].is_null());
  EXPECT_EQ(e["nodes"][5]["buf_size"], 4294967295u);
}

TEST(CoreBuilderTest, OracleMetadataWarnings) {
  const std::string bad_magic =
      R"({"etmv4": {"trcconfigr": 0, "trctraceidr": 16, "trcidr0": 0, "trcidr1": 0,
      "trcidr2": 0, "trcidr8": 0, "trcauthstatus": 0, "magic": "0x4040404040404041"}})";
  const std::string bad_cpu =
      R"({"etmv4": {"trcconfigr": 0, "trctraceidr": 16, "trcidr0": 0, "trcidr1": 0,
      "trcidr2": 0, "trcidr8": 0, "trcauthstatus": 0, "cpu_word": 5}})";
  const json e =
      ExpectedFor("", fmt::format(R"({{"cpu": 0, "type": 0, "device": "m", "content": {}}},
      {{"cpu": 1, "type": 0, "device": "c", "content": {}}},
      {{"cpu": 2, "type": 0, "device": "s", "content": {{"raw_hex": "{}"}}}})",
                                  bad_magic, bad_cpu, std::string(96, 'a')));
  ASSERT_EQ(e["nodes"].size(), 3u);
  EXPECT_EQ(e["nodes"][0]["kind"], "etm-metadata");
  EXPECT_TRUE(e["nodes"][0]["expect_warning"].get<bool>());
  EXPECT_TRUE(e["nodes"][1]["expect_warning"].get<bool>());
  EXPECT_EQ(e["nodes"][2]["kind"], "unknown");
  EXPECT_TRUE(e["nodes"][2]["expect_warning"].get<bool>());
  EXPECT_EQ(e["nodes"][2]["buf_size"], 48u);
}

TEST(CoreBuilderTest, OracleTruncationAndExcludedTailHitBuffersNotTheList) {
  const std::string nodes = Sink("low") + "," + Sink("top");  // buffers come from the top of RAM
  json e = ExpectedFor(R"(, "makedumpfile_excluded_tail": "0x1000")", nodes);
  EXPECT_FALSE(e["walk_error_expected"].get<bool>());
  EXPECT_TRUE(e["nodes"][0]["expect_error"].get<bool>());  // the first buffer sits at the very top
  EXPECT_TRUE(e["nodes"][1]["expect_error"].get<bool>());

  const Spec spec = MustParse(SpecText("", nodes));
  const BuiltCore full = MustBuild(spec, testing::FakeKernelModel());
  Spec cut = spec;
  cut.truncate_file = full.plan.full_size - 0x100;
  e = json::parse(MustBuild(cut, testing::FakeKernelModel()).expected_json);
  EXPECT_FALSE(e["walk_error_expected"].get<bool>());
  EXPECT_TRUE(e["nodes"][0]["expect_error"].get<bool>());
  EXPECT_FALSE(e["nodes"][1]["expect_error"].get<bool>());
  EXPECT_EQ(e["file_size"], full.plan.full_size - 0x100);
}

TEST(CoreBuilderTest, ExtraNodesAreCountedNotListed) {
  const json e = ExpectedFor(R"(, "extra_nodes": 1000, "expect": {"walk_error": true})", Sink("a"));
  EXPECT_EQ(e["nodes"].size(), 1u);
  EXPECT_EQ(e["extra_nodes"]["count"], 1000u);
  EXPECT_EQ(e["total_nodes"], 1001u);
  EXPECT_TRUE(e["walk_error_expected"].get<bool>());
}

TEST(CoreBuilderTest, LegacyAndVa39Layouts) {
  const json legacy = ExpectedFor(R"(, "layout": "legacy")", DemoNodes(),
                                  testing::FakeKernelModel(false, 0xffff000008080000ull));
  EXPECT_THAT(legacy["nodes"][0]["node_address"].get<std::string>(),
              ::testing::StartsWith("0xffff8000"));
  const json va39 = ExpectedFor(R"(, "va_bits": 39)", DemoNodes(),
                                testing::FakeKernelModel(false, 0xffffffc008000000ull));
  EXPECT_THAT(va39["nodes"][0]["node_address"].get<std::string>(),
              ::testing::StartsWith("0xffffff80"));

  // Mismatched geometry is refused with the keys to change.
  auto wrong =
      BuildCore(MustParse(SpecText(R"(, "va_bits": 39)", DemoNodes())), testing::FakeKernelModel());
  ASSERT_FALSE(wrong.ok());
  EXPECT_THAT(wrong.error().message(), HasSubstr("spec.va_bits"));
  auto outside = BuildCore(MustParse(SpecText(R"(, "kernel_phys": "0x41ff0000")", DemoNodes())),
                           testing::FakeKernelModel());
  ASSERT_FALSE(outside.ok());
  EXPECT_THAT(outside.error().message(), HasSubstr("spec.kernel_phys"));
}

}  // namespace
}  // namespace csd::mkcore
