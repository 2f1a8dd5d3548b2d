// SPDX-License-Identifier: MIT
#include "output/manifest.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sample_dump_set.h"

namespace csd {
namespace {

using testing_output::SampleDumpSet;

// The exact text of the manifest for SampleDumpSet(): any change here is a
// schema change and must bump kManifestSchemaVersion and manifest-schema.md.
constexpr std::string_view kGolden = R"json({
  "schema": "csdump-manifest",
  "schema_version": 2,
  "tool": {
    "name": "csdump-extract",
    "version": "@VERSION@"
  },
  "dump": {
    "path": "/tmp/vmcore",
    "format": "elf64",
    "producer": "kdump",
    "arch": "arm64",
    "osrelease": "6.1.0-test",
    "build_id": "0123abcd",
    "vmlinux": "/tmp/vmlinux",
    "vmlinux_build_id": null,
    "page_size": 4096,
    "kaslr_offset": "0x1e00000",
    "parameters": [
      {
        "name": "kaslr_offset",
        "value": "0x1e00000",
        "source": "VMCOREINFO KERNELOFFSET"
      },
      {
        "name": "va_bits",
        "value": "48",
        "source": "VMCOREINFO NUMBER(VA_BITS)"
      }
    ],
    "checks": [
      "OSRELEASE matches vmlinux init_uts_ns"
    ]
  },
  "list": {
    "symbol": "coresight_dump_list",
    "address": "0xffff800081234560",
    "layout_source": "DWARF (vmlinux)",
    "node_struct": "coresight_dump_node",
    "node_size": 48,
    "list_offset": 16,
    "module": null
  },
  "nodes": [
    {
      "index": 0,
      "kind": "etm-metadata",
      "cpu": 0,
      "type": 1,
      "device": "etm0",
      "name_source": "dev.kobj.name",
      "node_address": "0xffff000002000000",
      "csdev_address": "0xffff000001000000",
      "buf_address": "0xffff000003000000",
      "buf_size": 4,
      "file": "metadata/cpu0.bin",
      "sha256": "digest-0",
      "barrier": null,
      "etm": {
        "trace_id": "0x10",
        "trcconfigr": "0x1",
        "trctraceidr": "0x10",
        "trcidr0": "0x28000ea1",
        "trcidr1": "0x4100f403",
        "trcidr2": "0x88c00004",
        "trcidr8": "0x0",
        "trcauthstatus": "0xcc"
      },
      "etm3": null,
      "ete": null,
      "warnings": [],
      "error": null,
      "error_code": null
    },
    {
      "index": 1,
      "kind": "sink",
      "cpu": -1,
      "type": 1,
      "device": "tmc_etf0",
      "name_source": "dev.kobj.name",
      "node_address": "0xffff000002000100",
      "csdev_address": "0xffff000001000100",
      "buf_address": "0xffff000003100000",
      "buf_size": 3,
      "file": "sinks/tmc_etf0.bin",
      "sha256": "digest-1",
      "barrier": true,
      "etm": null,
      "etm3": null,
      "ete": null,
      "warnings": [
        "buffer wrapped"
      ],
      "error": null,
      "error_code": null
    },
    {
      "index": 2,
      "kind": "unknown",
      "cpu": 3,
      "type": 0,
      "device": null,
      "name_source": "",
      "node_address": "0xffff000002000200",
      "csdev_address": "0x0",
      "buf_address": "0xffff000004000000",
      "buf_size": 4096,
      "file": null,
      "sha256": null,
      "barrier": null,
      "etm": null,
      "etm3": null,
      "ete": null,
      "warnings": [],
      "error": "cannot read buffer at 0xffff000004000000: not mapped",
      "error_code": "not-mapped"
    }
  ],
  "warnings": [
    "node 2: buffer unreadable"
  ],
  "walk_error": null,
  "complete": false,
  "decoder_outputs": {
    "formats": [],
    "files": [],
    "memory_images": [],
    "guesses": [],
    "warnings": []
  }
}
)json";

std::string Golden() {
  std::string text(kGolden);
  text.replace(text.find("@VERSION@"), 9, ToolVersion());
  return text;
}

std::vector<FileRecord> SampleFiles() {
  return {{0, "metadata/cpu0.bin", "digest-0", 4}, {1, "sinks/tmc_etf0.bin", "digest-1", 3}};
}

TEST(ManifestTest, GoldenText) {
  EXPECT_EQ(SerializeManifest(BuildManifest(SampleDumpSet(), SampleFiles())), Golden());
}

TEST(ManifestTest, ListInAModuleSaysWhichAndHowItWasMatched) {
  DumpSet set = SampleDumpSet();
  set.list.module =
      ListSummary::Module{"coresight", "/usr/lib/debug/lib/modules/6.1.0-28-arm64/coresight.ko",
                          "0123abcd",  "build-id",
                          ".data",     0xffff80000a3f2000};
  auto manifest = BuildManifest(set, SampleFiles());
  const auto& module = manifest["list"]["module"];
  EXPECT_EQ(module["name"], "coresight");
  EXPECT_EQ(module["debuginfo"], "/usr/lib/debug/lib/modules/6.1.0-28-arm64/coresight.ko");
  EXPECT_EQ(module["build_id"], "0123abcd");
  EXPECT_EQ(module["matched_by"], "build-id");
  EXPECT_EQ(module["section"], ".data");
  EXPECT_EQ(module["section_address"], "0xffff80000a3f2000");
  set.list.module->build_id.reset();
  EXPECT_TRUE(BuildManifest(set, SampleFiles())["list"]["module"]["build_id"].is_null());
}

TEST(ManifestTest, Deterministic) {
  std::string first = SerializeManifest(BuildManifest(SampleDumpSet(), SampleFiles()));
  std::string second = SerializeManifest(BuildManifest(SampleDumpSet(), SampleFiles()));
  EXPECT_EQ(first, second);
}

TEST(ManifestTest, ToolVersionIsTheProjectVersion) {
  EXPECT_FALSE(ToolVersion().empty());
  EXPECT_NE(ToolVersion().find('.'), std::string_view::npos);
}

TEST(ManifestTest, HexString) {
  EXPECT_EQ(HexString(0), "0x0");
  EXPECT_EQ(HexString(0xabc), "0xabc");
  EXPECT_EQ(HexString(~uint64_t{0}), "0xffffffffffffffff");
}

TEST(ManifestTest, CompleteWhenNothingFailed) {
  DumpSet set = SampleDumpSet();
  set.nodes.pop_back();
  auto manifest = BuildManifest(set, SampleFiles());
  EXPECT_TRUE(manifest["complete"].get<bool>());
  EXPECT_TRUE(manifest["walk_error"].is_null());

  set.walk_error = "list cycle at 0xffff000002000100";
  manifest = BuildManifest(set, SampleFiles());
  EXPECT_FALSE(manifest["complete"].get<bool>());
  EXPECT_EQ(manifest["walk_error"], "list cycle at 0xffff000002000100");
}

TEST(ManifestTest, NodeWithErrorHasNullFileAndErrorText) {
  auto manifest = BuildManifest(SampleDumpSet(), SampleFiles());
  const auto& node = manifest["nodes"][2];
  EXPECT_TRUE(node["file"].is_null());
  EXPECT_TRUE(node["sha256"].is_null());
  EXPECT_EQ(node["error"], "cannot read buffer at 0xffff000004000000: not mapped");
  EXPECT_EQ(node["error_code"], "not-mapped");
  EXPECT_TRUE(manifest["nodes"][0]["error_code"].is_null());
}

// The error text is the whole Describe() (context included); the code is
// the Error's, whatever its message says.
TEST(ManifestTest, ErrorTextIsDescribeAndCodeIsTheErrorsCode) {
  DumpSet set = SampleDumpSet();
  set.nodes[2].error =
      Error(ErrorCode::kExcluded, "page 0x4000 excluded").AddContext("buffer of 4096 bytes");
  auto manifest = BuildManifest(set, SampleFiles());
  EXPECT_EQ(manifest["nodes"][2]["error"], "buffer of 4096 bytes: page 0x4000 excluded");
  EXPECT_EQ(manifest["nodes"][2]["error_code"], "excluded");
}

// The documented strings (manifest-schema.md, man csdump-extract): an
// interface, so each code's string is spelled out here too.
constexpr std::pair<ErrorCode, std::string_view> kDocumentedErrorCodes[] = {
    {ErrorCode::kIo, "io"},
    {ErrorCode::kCorrupt, "corrupt"},
    {ErrorCode::kNotMapped, "not-mapped"},
    {ErrorCode::kExcluded, "excluded"},
    {ErrorCode::kUnsupported, "unsupported"},
    {ErrorCode::kLookup, "lookup"},
    {ErrorCode::kMismatch, "mismatch"},
    {ErrorCode::kLimit, "limit"},
    {ErrorCode::kInvalidArgument, "invalid-argument"},
};

TEST(ManifestTest, EveryErrorCodeHasItsDocumentedString) {
  for (const auto& [code, text] : kDocumentedErrorCodes) {
    EXPECT_EQ(ManifestErrorCode(code), text);
    DumpSet set = SampleDumpSet();
    set.nodes[2].error = Error(code, "x");
    EXPECT_EQ(BuildManifest(set, SampleFiles())["nodes"][2]["error_code"], text);
  }
}

// Fails when an ErrorCode is added (base/error.h names every one in
// ErrorCodeName) without a manifest string and an entry above.
TEST(ManifestTest, NoErrorCodeIsLeftWithoutAString) {
  size_t count = 0;
  std::set<std::string_view> seen;
  for (int i = 0; ErrorCodeName(static_cast<ErrorCode>(i)) != "unknown"; ++i) {
    const auto code = static_cast<ErrorCode>(i);
    SCOPED_TRACE(ErrorCodeName(code));
    const std::string_view text = ManifestErrorCode(code);
    EXPECT_NE(text, "unknown");
    EXPECT_TRUE(seen.insert(text).second) << text << " is used twice";
    const auto* documented =
        std::find_if(std::begin(kDocumentedErrorCodes), std::end(kDocumentedErrorCodes),
                     [code](const auto& entry) { return entry.first == code; });
    EXPECT_NE(documented, std::end(kDocumentedErrorCodes)) << "no documented string";
    ++count;
  }
  EXPECT_EQ(count, std::size(kDocumentedErrorCodes));
}

std::string ReadDocument(const char* path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(ManifestTest, ErrorCodesAreDocumented) {
  const std::string schema = ReadDocument(CSD_MANIFEST_SCHEMA_DOC);
  const std::string man = ReadDocument(CSD_EXTRACT_MAN_PAGE);
  ASSERT_FALSE(schema.empty());
  ASSERT_FALSE(man.empty());
  EXPECT_NE(schema.find(fmt::format("`{}` for the format described here", kManifestSchemaVersion)),
            std::string::npos);
  for (const auto& [code, text] : kDocumentedErrorCodes) {
    // A row of the schema's error_code table, and a string of the man
    // page's list.
    EXPECT_NE(schema.find(fmt::format("| `{}` |", text)), std::string::npos) << text;
    EXPECT_NE(man.find(fmt::format("\"{}\"", text)), std::string::npos) << text;
  }
}

TEST(ManifestTest, Etm3AndEteObjects) {
  DumpSet set = SampleDumpSet();
  set.nodes[0].etm = EtmV3Registers{0, 0x1000, 0x12, 0x344008f2, 0x411cf301};
  set.nodes[2].kind = NodeKind::kEtmMetadata;
  EteRegisters ete;
  ete.v4 = {3, 0x1, 0x16, 0x28000ea1, 0x4100fff0, 0x88c00004, 0x0, 0xcc};
  ete.trcdevarch = 0x47705a13;
  ete.ts_source = 1;
  set.nodes[2].etm = ete;
  auto manifest = BuildManifest(set, SampleFiles());
  const auto& etm3 = manifest["nodes"][0]["etm3"];
  EXPECT_TRUE(manifest["nodes"][0]["etm"].is_null());
  EXPECT_EQ(etm3["protocol"], "PTM");
  EXPECT_EQ(etm3["trace_id"], "0x12");
  EXPECT_EQ(etm3["etmcr"], "0x1000");
  EXPECT_EQ(etm3["etmtraceidr"], "0x12");
  EXPECT_EQ(etm3["etmccer"], "0x344008f2");
  EXPECT_EQ(etm3["etmidr"], "0x411cf301");
  const auto& e = manifest["nodes"][2]["ete"];
  EXPECT_EQ(e["trace_id"], "0x16");
  EXPECT_EQ(e["trcidr1"], "0x4100fff0");
  EXPECT_EQ(e["trcdevarch"], "0x47705a13");
  EXPECT_EQ(e["ts_source"], "0x1");
  EXPECT_TRUE(manifest["nodes"][2]["etm3"].is_null());
  EXPECT_TRUE(manifest["nodes"][1]["ete"].is_null());
}

// A block that did not validate keeps its registers in the node (for the
// decoder planning), but the manifest shows registers only once validated.
TEST(ManifestTest, RegistersOfABlockThatDidNotValidateAreNull) {
  DumpSet set = SampleDumpSet();
  set.nodes[0].etm =
      EtmConfig(*set.nodes[0].etm->etm4(), Error(ErrorCode::kCorrupt, "the block's cpu word is 2"));
  auto manifest = BuildManifest(set, SampleFiles());
  EXPECT_TRUE(manifest["nodes"][0]["etm"].is_null());
  EXPECT_TRUE(manifest["nodes"][0]["etm3"].is_null());
  EXPECT_TRUE(manifest["nodes"][0]["ete"].is_null());
}

// Kernel strings are bytes; invalid UTF-8 must not make serialisation throw.
TEST(ManifestTest, InvalidUtf8IsReplacedNotThrown) {
  DumpSet set = SampleDumpSet();
  set.nodes[1].device_name = std::string("etf\xff\xfe", 5);
  std::string text = SerializeManifest(BuildManifest(set, SampleFiles()));
  EXPECT_NE(text.find("\"device\": \"etf\xef\xbf\xbd\xef\xbf\xbd\""), std::string::npos);
  EXPECT_TRUE(nlohmann::json::accept(text));
}

TEST(ManifestTest, ControlCharactersAreEscaped) {
  DumpSet set = SampleDumpSet();
  set.nodes[1].device_name = std::string("a\"b\\c\nd\x01", 8);
  std::string text = SerializeManifest(BuildManifest(set, SampleFiles()));
  EXPECT_NE(text.find(R"("device": "a\"b\\c\nd\u0001")"), std::string::npos);
  auto parsed = nlohmann::json::parse(text);
  EXPECT_EQ(parsed["nodes"][1]["device"], std::string("a\"b\\c\nd\x01", 8));
}

}  // namespace
}  // namespace csd
