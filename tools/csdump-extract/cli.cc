// SPDX-License-Identifier: MIT
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <functional>
#include <string>
#include <string_view>
#include <utility>

#include "exit_codes.h"
#include "base/byte_size.h"
#include "base/parse_number.h"
#include "options.h"

namespace csd::cli {

namespace {

constexpr const char* kDescription =
    "Extract ARM CoreSight trace (sink buffers and per-CPU ETM metadata) that the kernel's "
    "panic-dump list kept in memory from a Linux crash dump.";

// Accepts 0x-hex or decimal, the way kernel engineers write addresses.
std::function<std::string(std::string&)> AddressParser(std::optional<uint64_t>& target) {
  return [&target](std::string& text) -> std::string {
    auto value = ParseUnsigned(text, 0);
    if (!value) return "expected a number (0x-hex or decimal), got '" + text + "'";
    target = *value;
    return {};
  };
}

// The largest value each limit flag accepts: past these a cap no longer
// bounds anything a machine could hold (or, for counts, a walk could finish),
// so such a value is taken for a typo rather than obeyed.
constexpr uint64_t kMaxNodesCeiling = uint64_t{1} << 24;
constexpr uint64_t kMaxBufferSizeCeiling = uint64_t{1} << 40;
constexpr uint64_t kMaxNameLengthCeiling = uint64_t{1} << 20;
constexpr uint64_t kMaxOutputSizeCeiling = uint64_t{1} << 40;
constexpr uint64_t kMaxKernelTextCeiling = uint64_t{4} << 30;
constexpr uint64_t kMaxNotesCeiling = uint64_t{1} << 24;
constexpr uint64_t kMaxNoteSizeCeiling = uint64_t{1} << 30;
constexpr uint64_t kMaxVmcoreinfoSizeCeiling = uint64_t{64} << 20;
constexpr uint64_t kMaxObjectSizeCeiling = uint64_t{16} << 20;

// A cap on hostile input (man page, LIMITS): 1..`max`, 0x-hex or decimal. 0
// would refuse everything and a value past `max` would no longer bound
// anything, so both are usage errors that say the range.
CLI::Option* AddLimit(CLI::App& app, const std::string& flag, uint64_t max, bool bytes,
                      std::function<void(uint64_t)> set, const std::string& help) {
  const std::string largest = bytes ? fmt::format("{} ({})", max, FormatByteSize(max)) : std::to_string(max);
  return app.add_option(flag, help)
      ->group("Limits (a message that reports a cap names its flag)")
      ->type_name(bytes ? "BYTES" : "N")
      ->check(CLI::Validator(
          [set = std::move(set), max, largest](std::string& text) -> std::string {
            auto value = ParseUnsigned(text, 0);
            if (!value || *value == 0 || *value > max) {
              return fmt::format("expected a number from 1 to {}, 0x-hex or decimal; got '{}'",
                                 largest, text);
            }
            set(*value);
            return {};
          },
          ""));
}

// The common case: a field whose initial value is the default, named in the help.
template <typename T>
CLI::Option* AddLimit(CLI::App& app, const std::string& flag, T& target, uint64_t max, bool bytes,
                      const std::string& help) {
  const uint64_t initial = target;
  return AddLimit(
      app, flag, max, bytes, [&target](uint64_t value) { target = static_cast<T>(value); },
      fmt::format("{} (default {})", help, bytes ? FormatByteSize(initial) : std::to_string(initial)));
}

// Caps the dump and kernel layers apply, for `info` and the extraction alike.
void AddReadLimits(CLI::App& app, Options& options) {
  AddLimit(app, "--max-notes", options.request.dump.options.notes.max_notes, kMaxNotesCeiling, false,
           "ignore dump notes past the first N");
  AddLimit(app, "--max-note-size", options.request.dump.options.notes.max_note_size, kMaxNoteSizeCeiling, true,
           "ignore a dump note larger than BYTES, and a kdump-compressed note region too");
  AddLimit(app, "--max-vmcoreinfo-size", options.request.target.limits.max_vmcoreinfo_size,
           kMaxVmcoreinfoSizeCeiling, true,
           "refuse a VMCOREINFO text (or --vmcoreinfo FILE) larger than BYTES");
  AddLimit(app, "--max-object-size", options.request.target.limits.max_object_size, kMaxObjectSizeCeiling,
           true, "refuse to read a kernel struct larger than BYTES");
}

void AddTranslationOptions(CLI::App& app, Options& options) {
  auto& o = options.request.target.overrides;
  auto group = "Translation overrides (each replaces what the dump says)";
  app.add_option_function<std::string>(
         "--page-size", [&o](const std::string& v) { o.page_size = ParseUnsigned(v, 0); },
         "kernel page size in bytes (4096, 16384, 65536)")
      ->group(group)
      ->check(CLI::IsMember({"4096", "16384", "65536"}));
  app.add_option_function<unsigned>(
         "--va-bits", [&o](unsigned v) { o.va_bits = v; }, "kernel VA_BITS (36..52)")
      ->group(group)
      ->check(CLI::Range(36u, 52u));
  struct Override {
    const char* flag;
    std::optional<uint64_t>* target;
    const char* help;
  };
  for (const Override& item : {
           Override{"--phys-offset", &o.phys_offset,
                    "PHYS_OFFSET (memstart_addr) of the linear map"},
           Override{"--kimage-voffset", &o.kimage_voffset, "kernel image VA minus PA"},
           Override{"--kaslr-offset", &o.kaslr_offset, "KASLR offset (KERNELOFFSET)"},
           Override{"--pgd", &o.pgd_pa, "physical address of the kernel page-table root"},
           Override{"--page-offset", &o.page_offset,
                    "32-bit ARM PAGE_OFFSET (0xC0000000, 0xB0000000, 0x80000000, 0x40000000)"},
       }) {
    auto* option = app.add_option(item.flag, item.help)->group(group)->type_name("ADDR");
    option->check(CLI::Validator(AddressParser(*item.target), "ADDR"));
  }
  // 32-bit ARM table format; default: VMCOREINFO CONFIG_ARM_LPAE.
  app.add_flag_callback(
         "--lpae", [&o] { o.lpae = true; }, "32-bit ARM: walk LPAE (long-descriptor) page tables")
      ->group(group);
  app.add_flag_callback(
         "--no-lpae", [&o] { o.lpae = false; }, "32-bit ARM: walk short-descriptor page tables")
      ->group(group);
}

// What the command line names as text, before it becomes a request: the
// positionals change meaning with --ram, so they are resolved after parsing.
struct Arguments {
  std::string vmcore;
  std::optional<std::string> vmlinux;
  std::string output_dir;
  std::optional<std::string> vmcoreinfo_file;
  std::vector<std::string> split_parts;
  std::vector<std::string> debuginfo_paths;
  std::string sysroot = "/";
  std::vector<std::string> formats;
};

// Raw RAM images instead of a vmcore (formats.md, kernel-abi.md §2.1: a hung
// kernel reset by the watchdog, RAM saved by the bootloader).
void AddRawOptions(CLI::App& app, Options& options, Arguments& args, bool info) {
  auto group = "Raw RAM images (instead of VMCORE)";
  DumpInput& dump = options.request.dump;
  app.add_option("--ram",
                 "a raw RAM image and the physical address of its first byte; "
                 "repeatable; replaces VMCORE")
      ->group(group)
      ->type_name("FILE@ADDR")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
      ->check(CLI::Validator(
          [&dump](std::string& text) -> std::string {
            auto spec = ParseRawImageArgument(text);
            if (!spec.ok()) return spec.error().message();
            dump.ram.push_back(std::move(*spec));
            return {};
          },
          "FILE@ADDR"));
  app.add_option("--vmcoreinfo", args.vmcoreinfo_file,
                 "VMCOREINFO text saved from the crashed kernel (or the \"PA SIZE\" line of "
                 "/sys/kernel/vmcoreinfo); without it the images are scanned for it")
      ->group(group);
  if (info) {
    app.add_option_function<std::string>(
           "--arch",
           [&dump](const std::string& v) { dump.arch = v == "arm" ? Arch::kArm : Arch::kArm64; },
           "architecture of the RAM images when no VMLINUX is given (default arm64)")
        ->group(group)
        ->check(CLI::IsMember({"arm64", "arm"}));
  }
}

bool UsageError(const char* message) {
  fmt::print(stderr, "{}\nRun with --help for more information.\n", message);
  return false;
}

// With --ram the one positional is the VMLINUX, which CLI11 has put in VMCORE.
bool ResolvePositionals(Arguments& args, const Options& options, bool extracting) {
  const DumpInput& dump = options.request.dump;
  if (!dump.ram.empty()) {
    if (!args.vmcore.empty() && args.vmlinux) {
      return UsageError("VMCORE and --ram are mutually exclusive: give one or the other");
    }
    if (!args.vmcore.empty()) args.vmlinux = std::exchange(args.vmcore, std::string());
  } else {
    if (args.vmcoreinfo_file || dump.arch) return UsageError("--vmcoreinfo and --arch go with --ram");
    if (args.vmcore.empty()) return UsageError("VMCORE is required (or --ram FILE@ADDR)");
  }
  // Without --ram the vmlinux can be found in the standard places; a raw
  // image needs it (or --arch) to know its architecture.
  if (extracting && !args.vmlinux && !dump.ram.empty()) {
    return UsageError("VMLINUX is required with --ram");
  }
  if (extracting && args.output_dir.empty()) return UsageError("--output is required");
  return true;
}

// The parsed text into the library's request.
void FillRequest(const Arguments& args, ExtractRequest& request) {
  request.dump.vmcore = args.vmcore;
  request.dump.split_parts.assign(args.split_parts.begin(), args.split_parts.end());
  if (args.vmcoreinfo_file) request.dump.vmcoreinfo = *args.vmcoreinfo_file;
  if (args.vmlinux) request.debuginfo.vmlinux = *args.vmlinux;
  request.debuginfo.search.paths.assign(args.debuginfo_paths.begin(), args.debuginfo_paths.end());
  request.debuginfo.search.sysroot = args.sysroot;
  request.output.directory = args.output_dir;
  if (!args.formats.empty()) {
    OutputFormats& formats = request.output.formats;
    formats = OutputFormats{.raw = false, .opencsd = false, .perf = false};
    for (const auto& item : args.formats) {
      if (item == "raw") formats.raw = true;
      if (item == "opencsd") formats.opencsd = true;
      if (item == "perf") formats.perf = true;
    }
  }
}

void AddDebuginfoOptions(CLI::App& app, Arguments& args) {
  app.add_option("--debuginfo", args.debuginfo_paths,
                 "a kernel module's debug file (.ko, .ko.debug) or a directory of them (searched "
                 "by build-id in .build-id/ and by module name); for a panic-dump list that "
                 "lives in a module; repeatable")
      ->type_name("PATH")
      ->check(CLI::ExistingPath);
  app.add_option("--sysroot", args.sysroot,
                 "root of the standard debuginfo places (/usr/lib/debug, /lib/modules/RELEASE)")
      ->type_name("DIR")
      ->check(CLI::ExistingDirectory)
      ->capture_default_str();
}

void AddSplitPartOption(CLI::App& app, Arguments& args) {
  app.add_option(
         "--split-part", args.split_parts,
         "a further file of a split kdump-compressed dump (VMCORE is the first); repeatable")
      ->type_name("FILE");
}

void AddExtractOptions(CLI::App& app, Options& options, Arguments& args) {
  ExtractRequest& request = options.request;
  app.add_option("VMCORE", args.vmcore, "the crash dump (ELF vmcore); omitted with --ram");
  app.add_option("VMLINUX", args.vmlinux,
                 "the crashed kernel's vmlinux with DWARF; when omitted, looked for by the dump's "
                 "build-id and release in the --debuginfo directories and the standard places");
  // Required, but checked after the positionals so a bare call names VMCORE first.
  app.add_option("-o,--output", args.output_dir, "output directory (created if absent; required)");
  app.add_flag("-f,--force", request.output.force, "replace files that already exist in OUT");
  app.add_flag("--allow-mismatch", request.target.allow_mismatch,
               "extract even if the vmlinux does not match the dump (OSRELEASE/BUILD-ID)");
  app.add_flag("--zero-fill-excluded", request.dump.options.zero_fill_excluded,
               "read pages the dump producer excluded as zeros (with a warning)");
  AddLimit(app, "--max-nodes", request.read_limits.max_nodes, kMaxNodesCeiling, false,
           "stop the list walk after N nodes");
  AddLimit(app, "--max-buffer-size", request.read_limits.max_buffer_size, kMaxBufferSizeCeiling,
           true, "refuse buffers larger than BYTES");
  AddLimit(app, "--max-name-length", request.read_limits.max_name_length, kMaxNameLengthCeiling,
           true, "refuse device names longer than BYTES");
  AddLimit(app, "--max-kernel-text", request.text_limits.max_bytes, kMaxKernelTextCeiling, true,
           "give the decoders no kernel text when _text.._etext is larger than BYTES");
  AddReadLimits(app, options);
  // Unset means "follow --max-buffer-size", so the field is optional.
  AddLimit(
      app, "--max-output-size", kMaxOutputSizeCeiling, true,
      [&request](uint64_t value) { request.output.max_file_size = value; },
      "refuse to write a file larger than BYTES (default 4 GiB, or --max-buffer-size if larger)");
  app.add_flag("-q,--quiet", options.quiet, "print nothing but warnings and errors");
  AddSplitPartOption(app, args);
  app.add_option("--format", args.formats,
                 "comma-separated outputs: raw (sinks/, metadata/), opencsd (opencsd/ snapshot), "
                 "perf (perf.data); default: all")
      ->type_name("LIST")
      ->delimiter(',')
      ->check(CLI::IsMember({"raw", "opencsd", "perf"}));
  AddDebuginfoOptions(app, args);
  AddTranslationOptions(app, options);
  AddRawOptions(app, options, args, false);
}

void AddInfoOptions(CLI::App& app, Options& options, Arguments& args) {
  ExtractRequest& request = options.request;
  app.add_option("VMCORE", args.vmcore, "the crash dump; omitted with --ram");
  app.add_option("VMLINUX", args.vmlinux, "optional vmlinux, for KASLR and identity checks");
  app.add_flag("--allow-mismatch", request.target.allow_mismatch,
               "continue past identity mismatches");
  app.add_flag("--zero-fill-excluded", request.dump.options.zero_fill_excluded,
               "read excluded pages as zeros");
  AddSplitPartOption(app, args);
  AddDebuginfoOptions(app, args);
  AddReadLimits(app, options);
  AddTranslationOptions(app, options);
  AddRawOptions(app, options, args, true);
}

constexpr const char* kFooter =
    "Without a subcommand, csdump-extract extracts (as `csdump-extract extract` does).\n\n"
    "Raw RAM images: csdump-extract --ram FILE@ADDR [--ram ...] [--vmcoreinfo FILE] VMLINUX -o "
    "OUT\n\n"
    "Exit codes: 0 ok, 1 partial, 2 usage, 3 bad dump, 4 bad or mismatched vmlinux,\n"
    "5 no panic-dump list, 6 output error. See man csdump-extract.";

}  // namespace

ParseResult ParseCommandLine(int argc, const char* const* argv) {
  Options options;
  Arguments args;
  // Extraction is the main job, so it needs no subcommand word: its options
  // belong to the app itself and, for scripts that name it, to `extract`.
  CLI::App app(kDescription, "csdump-extract");
  app.set_version_flag("-V,--version", fmt::format("csdump-extract {}", CSD_VERSION));
  app.require_subcommand(0, 1);
  AddExtractOptions(app, options, args);
  app.footer(kFooter);
  CLI::App* extract = app.add_subcommand("extract", "extract the trace (the default command)");
  AddExtractOptions(*extract, options, args);
  extract->footer(kFooter);
  CLI::App* info = app.add_subcommand(
      "info",
      "describe a dump: its format, architecture, VMCOREINFO and every derived translation "
      "parameter with where it came from");
  AddInfoOptions(*info, options, args);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    const int code = app.exit(error);
    return {std::nullopt, code == 0 ? kExitOk : kExitUsage};
  }
  if (info->parsed()) options.command = Command::kInfo;
  const bool extracting = options.command == Command::kExtract;
  if (!ResolvePositionals(args, options, extracting)) return {std::nullopt, kExitUsage};
  FillRequest(args, options.request);
  return {std::move(options), kExitOk};
}

}  // namespace csd::cli
