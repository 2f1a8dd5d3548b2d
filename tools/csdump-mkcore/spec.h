// SPDX-License-Identifier: MIT
// The dump spec: a readable JSON description of one synthetic arm64 crash
// dump. Parsing is strict (unknown keys and bad values are errors naming the
// key path) because a typo in a regression spec must not silently produce a
// different dump than the one the test author meant. Every field is documented
// in man/csdump-mkcore.1 and testdata/specs/README.md.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "csdump-mkcore/kdump_options.h"

namespace csd::mkcore {

enum class DumpFormat { kKdump, kQemu, kRaw };
// "format": "raw": where the reader gets VMCOREINFO from (raw_writer.h).
enum class RawVmcoreinfo { kFile, kEmbedded, kNone };
enum class VaLayout { kFlipped, kLegacy };
enum class NameVia { kKobj, kInitName };
enum class Alloc { kKmalloc, kVmalloc };
// Where page-table pages below the root come from: the bottom of RAM with the
// other kernel structures, or the top of the highest RAM range (under the buffers).
enum class PageTables { kLow, kHigh };

struct RamRange {
  uint64_t start = 0;
  uint64_t size = 0;
};

struct VmcoreinfoEdits {
  std::vector<std::string> omit;                         // keys removed from the note
  std::vector<std::pair<std::string, std::string>> set;  // in spec order
};

struct EtmV4Content {
  uint64_t trcconfigr = 0;
  uint64_t trctraceidr = 0;
  uint64_t trcidr0 = 0;
  uint64_t trcidr1 = 0;
  uint64_t trcidr2 = 0;
  uint64_t trcidr8 = 0;
  uint64_t trcauthstatus = 0;
  std::optional<uint64_t> magic;     // default 0x4040404040404040
  std::optional<uint64_t> cpu_word;  // default: the node's cpu
};

struct PatternContent {
  uint64_t size = 0;
  bool barrier = false;
  // Random bits per byte, 1..8: below 8 the bytes compress (about 8/bits to
  // one), like real trace does, for kdump-compressed throughput benchmarks.
  unsigned bits = 8;
};

struct NodeContent {
  enum class Kind { kNone, kEtmV4, kPattern, kRaw };
  Kind kind = Kind::kNone;
  EtmV4Content etmv4;
  PatternContent pattern;
  std::vector<uint8_t> raw;
};

struct NodeCorruption {
  enum class Buf { kNone, kUnmapped, kNull };
  enum class Next { kNone, kUnmapped, kCycle };
  Buf buf = Buf::kNone;
  bool name_unmapped = false;
  Next next = Next::kNone;
  size_t cycle_to = 0;  // index into nodes, for Next::kCycle
  bool csdev_unmapped = false;
  // Corrupts the leaf descriptor of the buffer's second page (vmalloc
  // buffers): kInvalid clears it, kOutsideRam points it past every RAM range.
  enum class Pte { kNone, kInvalid, kOutsideRam };
  Pte pte = Pte::kNone;
  bool any() const {
    return buf != Buf::kNone || name_unmapped || next != Next::kNone || csdev_unmapped ||
           pte != Pte::kNone;
  }
};

// Oracle overrides for what expected.json claims about a node, for cases the
// default rules cannot know (they depend on the reader's policy).
struct NodeExpect {
  std::optional<std::string> kind;
  std::optional<bool> error;
  std::optional<bool> warning;
};

struct NodeSpec {
  int64_t cpu = 0;
  int64_t type = 0;
  std::string device;
  NameVia name_via = NameVia::kKobj;
  Alloc alloc = Alloc::kKmalloc;
  NodeContent content;
  std::optional<uint64_t> buf_size;  // written instead of the content size
  NodeCorruption corrupt;
  NodeExpect expect;
};

// A loaded kernel module on the crashed kernel's `modules` list
// (module_writer.h). With "object" it is placed from a relocatable .ko given
// to csdump-mkcore with --module; without, it is a decoy with a few made-up
// sections and no debug file anywhere.
struct ModuleSpec {
  // The loaded note: kMatch is the object's own build-id (a decoy gets a
  // made-up one), kMismatch a different one, kAbsent no note at all.
  enum class BuildId { kMatch, kMismatch, kAbsent };
  std::string name;
  std::optional<size_t> object;  // index into the --module files
  bool owns_list = false;        // coresight_dump_list is this module's
  // mod->sect_attrs: as the kernel writes it, NULL (CONFIG_SYSFS off), or
  // hostile: grp.bin_attrs with no NULL terminator before csdump's cap (and,
  // in the 6.13 shape, nsections past it), or the list's section (a decoy's
  // .data) at a wild address (module_sysfs_writer.h).
  enum class SectAttrs { kPresent, kNull, kUnterminated, kWildAddress };
  BuildId build_id = BuildId::kMatch;
  SectAttrs sect_attrs = SectAttrs::kPresent;
  bool notes_attrs_null = false;  // mod->notes_attrs = NULL
  int64_t state = 0;              // MODULE_STATE_LIVE 0, COMING 1, GOING 2, UNFORMED 3
};

struct Spec {
  std::optional<std::string> vmlinux;  // as written (relative to the spec file)
  std::optional<std::string> kernel;   // test-harness hint: fake kernel variant
  DumpFormat format = DumpFormat::kKdump;
  uint64_t page_size = 4096;
  unsigned va_bits = 48;
  // CONFIG_ARM64_PA_BITS (NUMBER(MAX_PHYSMEM_BITS)) and the descriptors'
  // output-address format; default pa_bits_or_default().
  std::optional<unsigned> pa_bits;
  PageTables page_tables = PageTables::kLow;
  VaLayout layout = VaLayout::kFlipped;
  uint64_t kaslr_offset = 0;
  std::optional<uint64_t> phys_offset;  // default: lowest RAM start
  std::vector<RamRange> ram;            // sorted by start after parsing
  std::optional<uint64_t> kernel_phys;  // default: lowest RAM start
  VmcoreinfoEdits vmcoreinfo;
  std::optional<uint64_t> excluded_tail;
  std::optional<uint64_t> truncate_file;
  uint64_t seed = 0;
  std::optional<unsigned> cpus;  // NT_PRSTATUS notes; default 1 + highest node cpu
  std::vector<NodeSpec> nodes;
  // The `modules` list in list order; "module_objects" is a test-harness
  // hint (object files under the fake-kernel build directory) the tool ignores.
  std::vector<ModuleSpec> modules;
  std::vector<std::string> module_objects;
  uint64_t extra_nodes = 0;
  std::optional<bool> expect_walk_error;
  KdumpOptions kdump;  // "format": "kdump-compressed" and its fields
  RawVmcoreinfo raw_vmcoreinfo = RawVmcoreinfo::kFile;  // "format": "raw" only
  // 32-bit ARM ("arch": "arm"; arm_core_builder.h): PAGE_OFFSET, LPAE
  // tables, and bytes at the top of RAM left out of lowmem (highmem).
  bool arm = false;
  uint64_t page_offset = 0xC0000000;
  bool lpae = false;
  uint64_t highmem = 0;

  // 52 where the kernel's Kconfig forces it: 4K/16K pages with more than
  // 48-bit VAs exist only with LPA2 (ARM64_VA_BITS_52 selects ARM64_PA_BITS_52).
  unsigned pa_bits_or_default() const {
    return pa_bits.value_or(page_size != 65536 && va_bits > 48 ? 52 : 48);
  }
  // 4K/16K descriptors in the LPA2 format (TCR_EL1.DS = 1).
  bool lpa2() const { return !arm && page_size != 65536 && pa_bits_or_default() == 52; }
  uint64_t phys_offset_or_default() const { return phys_offset.value_or(ram.front().start); }
  uint64_t kernel_phys_or_default() const { return kernel_phys.value_or(ram.front().start); }
  // The module whose coresight_dump_list is the panic-dump list, if any.
  std::optional<size_t> list_owner() const {
    for (size_t i = 0; i < modules.size(); ++i) {
      if (modules[i].owns_list) return i;
    }
    return std::nullopt;
  }
};

// Caps that keep a spec from asking for more memory than a test machine has.
// RAM is not held in memory (the image is sparse and so is an ELF core), so
// its cap is about address space; buffer contents are, up to 2 GiB (the
// throughput benchmarks extract a 1 GiB sink).
inline constexpr uint64_t kMaxContentBytes = 2ull << 30;
inline constexpr uint64_t kMaxExtraNodes = 1'000'000;
inline constexpr uint64_t kMaxRamBytes = 1ull << 40;
inline constexpr size_t kMaxModules = 256;

// Parses and validates JSON text. `origin` names the input in errors.
Expected<Spec> ParseSpec(std::string_view json_text, std::string_view origin = "spec");
Expected<Spec> LoadSpecFile(const std::filesystem::path& path);

// The vmlinux to use: `override_path` if given, else the spec's "vmlinux"
// resolved against the directory of `spec_path`.
Expected<std::filesystem::path> ResolveVmlinux(
    const Spec& spec, const std::filesystem::path& spec_path,
    const std::optional<std::filesystem::path>& override_path);

}  // namespace csd::mkcore
