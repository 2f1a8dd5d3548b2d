// SPDX-License-Identifier: MIT
#include "csdump-mkcore/spec.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "csdump-mkcore/node_content.h"

namespace csd::mkcore {
namespace {

using ::testing::HasSubstr;

constexpr const char* kMinimal =
    R"({"ram": [{"start": "0x40000000", "size": "0x1000000"}], "nodes": []})";

std::string ErrorOf(const std::string& json) {
  auto spec = ParseSpec(json);
  EXPECT_FALSE(spec.ok()) << json;
  return spec.ok() ? "" : spec.error().Describe();
}

// A spec with one node whose body is `node` (inserted verbatim).
std::string WithNode(const std::string& node) {
  return R"({"ram": [{"start": "0x40000000", "size": "0x1000000"}], "nodes": [)" + node + "]}";
}

TEST(SpecTest, MinimalSpecGetsDocumentedDefaults) {
  auto spec = ParseSpec(kMinimal);
  ASSERT_TRUE(spec.ok()) << spec.error().Describe();
  EXPECT_EQ(spec->format, DumpFormat::kKdump);
  EXPECT_EQ(spec->page_size, 4096u);
  EXPECT_EQ(spec->va_bits, 48u);
  EXPECT_EQ(spec->layout, VaLayout::kFlipped);
  EXPECT_EQ(spec->kaslr_offset, 0u);
  EXPECT_EQ(spec->phys_offset_or_default(), 0x40000000u);
  EXPECT_EQ(spec->kernel_phys_or_default(), 0x40000000u);
  EXPECT_EQ(spec->seed, 0u);
  EXPECT_FALSE(spec->vmlinux.has_value());
}

TEST(SpecTest, ParsesFullNode) {
  auto spec =
      ParseSpec(WithNode(R"({"cpu": 3, "type": 1, "device": "../../etc/x", "name_via": "init_name",
      "alloc": "vmalloc", "content": {"pattern": {"size": 8192, "barrier": true}}, "buf_size": 4294967295,
      "corrupt": {"buf": "unmapped", "name": "unmapped", "next": "cycle-to:0", "csdev": "unmapped"},
      "expect": {"kind": "sink", "error": true}})"));
  ASSERT_TRUE(spec.ok()) << spec.error().Describe();
  const NodeSpec& n = spec->nodes.at(0);
  EXPECT_EQ(n.cpu, 3);
  EXPECT_EQ(n.device, "../../etc/x");
  EXPECT_EQ(n.name_via, NameVia::kInitName);
  EXPECT_EQ(n.alloc, Alloc::kVmalloc);
  EXPECT_EQ(n.content.kind, NodeContent::Kind::kPattern);
  EXPECT_TRUE(n.content.pattern.barrier);
  EXPECT_EQ(n.buf_size, 0xffffffffu);
  EXPECT_EQ(n.corrupt.buf, NodeCorruption::Buf::kUnmapped);
  EXPECT_EQ(n.corrupt.next, NodeCorruption::Next::kCycle);
  EXPECT_EQ(n.corrupt.cycle_to, 0u);
  EXPECT_TRUE(n.corrupt.csdev_unmapped);
  EXPECT_EQ(n.expect.kind, "sink");
}

TEST(SpecTest, ParsesEtmAndRawContent) {
  auto spec = ParseSpec(WithNode(R"({"cpu": 1, "type": 0, "device": "etm1", "content": {"etmv4": {
      "trcconfigr": 0, "trctraceidr": "0x12", "trcidr0": "0x28000ea1", "trcidr1": "0x4100f403",
      "trcidr2": "0x488", "trcidr8": 0, "trcauthstatus": "0xcc", "magic": "0x1", "cpu_word": 7}}},
      {"cpu": 0, "type": 0, "device": "raw", "content": {"raw_hex": "00 11 aA ff"}})"));
  ASSERT_TRUE(spec.ok()) << spec.error().Describe();
  EXPECT_EQ(spec->nodes[0].content.etmv4.trctraceidr, 0x12u);
  EXPECT_EQ(spec->nodes[0].content.etmv4.magic, 1u);
  EXPECT_EQ(spec->nodes[0].content.etmv4.cpu_word, 7u);
  EXPECT_EQ(spec->nodes[1].content.raw, (std::vector<uint8_t>{0x00, 0x11, 0xaa, 0xff}));
}

TEST(SpecTest, RejectsUnknownKeysNamingThem) {
  EXPECT_THAT(ErrorOf(R"({"ram": [], "nodes": [], "kaslr": "0x0"})"),
              HasSubstr("spec: unknown key \"kaslr\""));
  EXPECT_THAT(ErrorOf(WithNode(R"({"cpu": 0, "type": 0, "device": "x", "corupt": {}})")),
              HasSubstr("spec.nodes[0]: unknown key \"corupt\""));
  EXPECT_THAT(
      ErrorOf(WithNode(R"({"cpu": 0, "type": 0, "device": "x", "corrupt": {"nxt": "unmapped"}})")),
      HasSubstr("spec.nodes[0].corrupt: unknown key \"nxt\""));
  EXPECT_THAT(
      ErrorOf(WithNode(
          R"({"cpu": 0, "type": 0, "device": "x", "content": {"pattern": {"size": 1, "x": 1}}})")),
      HasSubstr("spec.nodes[0].content.pattern: unknown key \"x\""));
  EXPECT_THAT(ErrorOf(R"({"ram": [{"start": 0, "size": 4096, "end": 1}], "nodes": []})"),
              HasSubstr("spec.ram[0]: unknown key \"end\""));
  EXPECT_THAT(
      ErrorOf(R"({"ram": [{"start": 0, "size": 4096}], "nodes": [], "vmcoreinfo": {"drop": []}})"),
      HasSubstr("spec.vmcoreinfo: unknown key \"drop\""));
}

TEST(SpecTest, RejectsBadValuesNamingTheKey) {
  const std::string ram = R"("ram": [{"start": "0x40000000", "size": "0x1000000"}], "nodes": [])";
  EXPECT_THAT(ErrorOf("{" + ram + R"(, "format": "elf"})"),
              HasSubstr("spec.format: must be one of \"kdump\", \"qemu\""));
  EXPECT_THAT(ErrorOf("{" + ram + R"(, "va_bits": 53})"),
              HasSubstr("spec.va_bits: must be in [36, 52]"));
  EXPECT_THAT(ErrorOf("{" + ram + R"(, "page_size": 8192})"), HasSubstr("spec.page_size"));
  EXPECT_THAT(ErrorOf("{" + ram + R"(, "layout": "new"})"), HasSubstr("spec.layout"));
  EXPECT_THAT(ErrorOf("{" + ram + R"(, "kaslr_offset": "0xzz"})"),
              HasSubstr("spec.kaslr_offset: \"0xzz\" is not a hex"));
  EXPECT_THAT(ErrorOf("{" + ram + R"(, "kaslr_offset": "0x10000000000000000"})"),
              HasSubstr("does not fit in 64 bits"));
  EXPECT_THAT(ErrorOf("{" + ram + R"(, "kaslr_offset": "0x123"})"),
              HasSubstr("spec.kaslr_offset: must be a multiple"));
  EXPECT_THAT(ErrorOf("{" + ram + R"(, "seed": -1})"),
              HasSubstr("spec.seed: must not be negative"));
  EXPECT_THAT(ErrorOf("{" + ram + R"(, "makedumpfile_excluded_tail": "0x2000000"})"),
              HasSubstr("spec.makedumpfile_excluded_tail"));
  EXPECT_THAT(ErrorOf(R"({"ram": [{"start": "0x40000100", "size": "0x1000"}], "nodes": []})"),
              HasSubstr("spec.ram[0]: start and size must be multiples of page_size"));
  EXPECT_THAT(
      ErrorOf(
          R"({"ram": [{"start": 0, "size": 8192}, {"start": 4096, "size": 4096}], "nodes": []})"),
      HasSubstr("spec.ram[1]: overlaps"));
  EXPECT_THAT(ErrorOf(R"({"ram": [], "nodes": []})"),
              HasSubstr("spec.ram: must list at least one"));
  EXPECT_THAT(ErrorOf(R"({"nodes": []})"), HasSubstr("missing required key \"ram\""));
  EXPECT_THAT(ErrorOf("not json"), HasSubstr("not valid JSON"));
}

TEST(SpecTest, PaBitsFollowTheKernelConfig) {
  const std::string ram = R"("ram": [{"start": "0x40000000", "size": "0x1000000"}], "nodes": [])";
  auto spec = ParseSpec(kMinimal);
  ASSERT_TRUE(spec.ok());
  EXPECT_EQ(spec->pa_bits_or_default(), 48u);
  EXPECT_FALSE(spec->lpa2());
  EXPECT_EQ(spec->page_tables, PageTables::kLow);
  // 4K/16K with 52-bit VAs exist only with LPA2 (ARM64_VA_BITS_52 selects PA_BITS_52).
  for (const char* page : {"4096", "16384"}) {
    spec = ParseSpec("{" + ram + R"(, "va_bits": 52, "page_size": )" + page + "}");
    ASSERT_TRUE(spec.ok()) << spec.error().Describe();
    EXPECT_EQ(spec->pa_bits_or_default(), 52u);
    EXPECT_TRUE(spec->lpa2());
  }
  // 64K: FEAT_LPA is a separate choice, and it is not LPA2.
  spec = ParseSpec("{" + ram + R"(, "va_bits": 52, "page_size": 65536})");
  ASSERT_TRUE(spec.ok());
  EXPECT_EQ(spec->pa_bits_or_default(), 48u);
  spec = ParseSpec("{" + ram + R"(, "va_bits": 42, "page_size": 65536, "pa_bits": 52,
                   "page_tables": "high"})");
  ASSERT_TRUE(spec.ok()) << spec.error().Describe();
  EXPECT_EQ(spec->pa_bits_or_default(), 52u);
  EXPECT_FALSE(spec->lpa2());
  EXPECT_EQ(spec->page_tables, PageTables::kHigh);
}

TEST(SpecTest, RejectsPaBitsTheKernelCannotHave) {
  const std::string ram = R"("ram": [{"start": "0x40000000", "size": "0x1000000"}], "nodes": [])";
  EXPECT_THAT(ErrorOf("{" + ram + R"(, "pa_bits": 50})"),
              HasSubstr("spec.pa_bits: must be 48 or 52"));
  EXPECT_THAT(ErrorOf("{" + ram + R"(, "va_bits": 52, "pa_bits": 48})"),
              HasSubstr("spec.pa_bits: with 4 KiB pages, 52-bit PAs (LPA2) go with va_bits 52"));
  EXPECT_THAT(ErrorOf("{" + ram + R"(, "page_size": 16384, "va_bits": 47, "pa_bits": 52})"),
              HasSubstr("spec.pa_bits: with 16 KiB pages"));
  EXPECT_THAT(ErrorOf("{" + ram + R"(, "page_tables": "middle"})"),
              HasSubstr("spec.page_tables: must be one of \"low\", \"high\""));
  EXPECT_THAT(ErrorOf("{" + ram + R"(, "arch": "arm", "pa_bits": 48})"),
              HasSubstr("apply to arm64 only"));
  // RAM above 2^48 needs 52-bit PAs; with them it may reach 2^52.
  const std::string high = R"("ram": [{"start": "0xd000040000000", "size": "0x1000000"}])";
  EXPECT_THAT(ErrorOf("{" + high + R"(, "nodes": []})"),
              HasSubstr("spec.ram[0]: must lie below 2^48 (48-bit physical addresses; see"));
  EXPECT_TRUE(ParseSpec("{" + high + R"(, "nodes": [], "va_bits": 52})").ok());
  EXPECT_THAT(ErrorOf(R"({"ram": [{"start": "0xfffffff000000", "size": "0x2000000"}], "nodes": [],
                  "va_bits": 52})"),
              HasSubstr("spec.ram[0]: must lie below 2^52"));
}

TEST(SpecTest, RejectsBadNodes) {
  EXPECT_THAT(ErrorOf(WithNode(R"({"cpu": 0, "type": 2, "device": "x"})")),
              HasSubstr("spec.nodes[0].type: must be in [0, 1]"));
  EXPECT_THAT(ErrorOf(WithNode(R"({"type": 0, "device": "x"})")),
              HasSubstr("missing required key \"cpu\""));
  EXPECT_THAT(ErrorOf(WithNode(R"({"cpu": 0, "type": 0, "device": 5})")),
              HasSubstr("spec.nodes[0].device: must be a string"));
  EXPECT_THAT(ErrorOf(WithNode(R"({"cpu": 0, "type": 0, "device": "x", "alloc": "slab"})")),
              HasSubstr("spec.nodes[0].alloc"));
  EXPECT_THAT(ErrorOf(WithNode(
                  R"({"cpu": 0, "type": 0, "device": "x", "corrupt": {"next": "cycle-to:1"}})")),
              HasSubstr("node index 1 is out of range"));
  EXPECT_THAT(ErrorOf(WithNode(
                  R"({"cpu": 0, "type": 0, "device": "x", "corrupt": {"next": "cycle-to:"}})")),
              HasSubstr("cycle-to:<node index>"));
  EXPECT_THAT(
      ErrorOf(WithNode(R"({"cpu": 0, "type": 0, "device": "x", "corrupt": {"buf": "wild"}})")),
      HasSubstr("spec.nodes[0].corrupt.buf: must be one of \"unmapped\", \"null\""));
  EXPECT_THAT(ErrorOf(WithNode(
                  R"({"cpu": 0, "type": 0, "device": "x", "content": {"pattern": {"size": 0}}})")),
              HasSubstr("spec.nodes[0].content.pattern.size: must be in [1,"));
  EXPECT_THAT(
      ErrorOf(WithNode(R"({"cpu": 0, "type": 0, "device": "x", "content": {"raw_hex": "abc"}})")),
      HasSubstr("odd number of hex digits"));
  EXPECT_THAT(
      ErrorOf(WithNode(
          R"({"cpu": 0, "type": 0, "device": "x", "content": {"raw_hex": "00", "pattern": {"size": 1}}})")),
      HasSubstr("exactly one of"));
  EXPECT_THAT(
      ErrorOf(WithNode(
          R"({"cpu": 0, "type": 0, "device": "x", "content": {"etmv4": {"trcconfigr": 0}}})")),
      HasSubstr("spec.nodes[0].content.etmv4: missing required key \"trctraceidr\""));
  EXPECT_THAT(ErrorOf(WithNode(R"({"cpu": 0, "type": 0, "device": "x", "alloc": "vmalloc"})")),
              HasSubstr("needs a \"content\""));
  EXPECT_THAT(ErrorOf(WithNode(R"({"cpu": 4294967296, "type": 0, "device": "x"})")),
              HasSubstr("spec.nodes[0].cpu"));
}

// "bits" makes a compressible pattern; 8 (the default) is the plain one, and
// the benchmarks' 64 GiB of RAM and 1 GiB buffers are within the caps.
TEST(SpecTest, PatternBitsAndBenchmarkSizes) {
  auto spec = ParseSpec(
      R"({"ram": [{"start": "0x40000000", "size": "0x1000000000"}], "nodes": [
      {"cpu": 0, "type": 1, "device": "a", "content": {"pattern": {"size": 1073741824, "bits": 2}}},
      {"cpu": 0, "type": 1, "device": "b", "content": {"pattern": {"size": 4096}}}]})");
  ASSERT_TRUE(spec.ok()) << spec.error().Describe();
  EXPECT_EQ(spec->nodes[0].content.pattern.bits, 2u);
  EXPECT_EQ(spec->nodes[1].content.pattern.bits, 8u);
  for (const char* bad : {"0", "9"}) {
    EXPECT_THAT(
        ErrorOf(WithNode(
            std::string(
                R"({"cpu": 0, "type": 0, "device": "x", "content": {"pattern": {"size": 16, "bits": )") +
            bad + "}}}")),
        HasSubstr("spec.nodes[0].content.pattern.bits: must be in [1, 8]"));
  }
  // Two random bits per byte: every byte below 4, the same stream otherwise.
  NodeSpec node = spec->nodes[1];
  const std::vector<std::byte> plain = NodeContentBytes(node, 1, 7);
  node.content.pattern.bits = 2;
  const std::vector<std::byte> low = NodeContentBytes(node, 1, 7);
  ASSERT_EQ(low.size(), plain.size());
  for (size_t i = 0; i < low.size(); ++i) ASSERT_EQ(low[i], plain[i] & std::byte{3}) << i;
  EXPECT_THAT(
      ErrorOf(
          R"({"ram": [{"start": "0x0", "size": "0x10000000000"}, {"start": "0x10000000000", "size": "0x1000"}], "nodes": []})"),
      HasSubstr("more than the cap"));
}

// A spec with `modules` (inserted verbatim) and `extra` top-level keys.
std::string WithModules(const std::string& modules, const std::string& extra = "") {
  return R"({"ram": [{"start": "0x40000000", "size": "0x1000000"}], "nodes": [], "modules": [)" +
         modules + "]" + extra + "}";
}

TEST(SpecTest, ParsesModules) {
  auto spec = ParseSpec(WithModules(
      R"({"name": "snd_dummy"},
         {"name": "nf_conntrack", "build_id": "absent", "state": "going", "comment": "x"},
         {"name": "coresight_dump", "object": 1, "owns_list": true, "build_id": "mismatch",
          "sect_attrs": "null"})",
      R"(, "module_objects": ["modules/other.ko", "modules/coresight_dump.ko"])"));
  ASSERT_TRUE(spec.ok()) << spec.error().Describe();
  ASSERT_EQ(spec->modules.size(), 3u);
  const ModuleSpec& decoy = spec->modules[0];
  EXPECT_EQ(decoy.name, "snd_dummy");
  EXPECT_FALSE(decoy.object.has_value());
  EXPECT_FALSE(decoy.owns_list);
  EXPECT_EQ(decoy.build_id, ModuleSpec::BuildId::kMatch);
  EXPECT_EQ(decoy.sect_attrs, ModuleSpec::SectAttrs::kPresent);
  EXPECT_EQ(decoy.state, 0);
  EXPECT_EQ(spec->modules[1].build_id, ModuleSpec::BuildId::kAbsent);
  EXPECT_EQ(spec->modules[1].state, 2);
  const ModuleSpec& owner = spec->modules[2];
  EXPECT_EQ(owner.object, 1u);
  EXPECT_TRUE(owner.owns_list);
  EXPECT_EQ(owner.build_id, ModuleSpec::BuildId::kMismatch);
  EXPECT_EQ(owner.sect_attrs, ModuleSpec::SectAttrs::kNull);
  EXPECT_EQ(spec->list_owner(), 2u);
  EXPECT_EQ(spec->module_objects.size(), 2u);
  EXPECT_FALSE(ParseSpec(kMinimal)->list_owner().has_value());
}

TEST(SpecTest, RejectsBadModulesNamingTheKey) {
  EXPECT_THAT(ErrorOf(WithModules(R"({"object": 0})")),
              HasSubstr("spec.modules[0]: missing required key \"name\""));
  EXPECT_THAT(ErrorOf(WithModules(R"({"name": ""})")), HasSubstr("spec.modules[0].name"));
  EXPECT_THAT(ErrorOf(WithModules(R"({"name": "a", "owner": true})")),
              HasSubstr("spec.modules[0]: unknown key \"owner\""));
  EXPECT_THAT(ErrorOf(WithModules(R"({"name": "a", "owns_list": true})")),
              HasSubstr("spec.modules[0].owns_list: needs \"object\""));
  EXPECT_THAT(ErrorOf(WithModules(R"({"name": "a", "build_id": "match"})")),
              HasSubstr("spec.modules[0].build_id"));
  EXPECT_THAT(ErrorOf(WithModules(R"({"name": "a", "object": 0, "build_id": "other"})")),
              HasSubstr("spec.modules[0].build_id: must be one of"));
  EXPECT_THAT(ErrorOf(WithModules(R"({"name": "a", "object": 0, "sect_attrs": "none"})")),
              HasSubstr("spec.modules[0].sect_attrs"));
  EXPECT_THAT(ErrorOf(WithModules(R"({"name": "a", "state": "dead"})")),
              HasSubstr("spec.modules[0].state"));
  EXPECT_THAT(ErrorOf(WithModules(R"({"name": "a", "object": -1})")),
              HasSubstr("spec.modules[0].object"));
  EXPECT_THAT(ErrorOf(WithModules(R"({"name": "a", "object": 0, "owns_list": true},
                                     {"name": "b", "object": 0, "owns_list": true})")),
              HasSubstr("spec.modules[1].owns_list: spec.modules[0] already owns the list"));
  EXPECT_THAT(ErrorOf(WithModules(R"({"name": "a", "object": 1})",
                                  R"(, "module_objects": ["modules/coresight_dump.ko"])")),
              HasSubstr("spec.modules[0].object: 1 is out of range"));
  EXPECT_THAT(ErrorOf(WithModules(R"({"name": "a"})", R"(, "module_objects": "x.ko")")),
              HasSubstr("spec.module_objects"));
  EXPECT_THAT(ErrorOf(WithModules(R"({"name": "a"})", R"(, "arch": "arm")")), HasSubstr("arm64"));
}

TEST(SpecTest, VmlinuxIsRelativeToTheSpecAndOverridable) {
  Spec spec;
  EXPECT_FALSE(ResolveVmlinux(spec, "/a/b/spec.json", std::nullopt).ok());
  spec.vmlinux = "../k/vmlinux";
  auto p = ResolveVmlinux(spec, "/a/b/spec.json", std::nullopt);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->string(), "/a/b/../k/vmlinux");
  p = ResolveVmlinux(spec, "/a/b/spec.json", std::filesystem::path("/x/vmlinux"));
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->string(), "/x/vmlinux");
}

}  // namespace
}  // namespace csd::mkcore
