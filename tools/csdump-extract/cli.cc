// SPDX-License-Identifier: MIT
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <string_view>

#include "exit_codes.h"
#include "kernel/vmcoreinfo.h"
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

void AddTranslationOptions(CLI::App& app, Options& options) {
  auto& o = options.overrides;
  auto group = "Translation overrides (each replaces what the dump says)";
  app.add_option_function<std::string>(
         "--page-size", [&o](const std::string& v) { o.page_size = ParseUnsigned(v, 0); },
         "kernel page size in bytes (4096, 16384, 65536)")
      ->group(group)
      ->check(CLI::IsMember({"4096", "16384", "65536"}));
  app.add_option_function<unsigned>("--va-bits", [&o](unsigned v) { o.va_bits = v; },
                                    "kernel VA_BITS (36..52)")
      ->group(group)
      ->check(CLI::Range(36u, 52u));
  struct Override {
    const char* flag;
    std::optional<uint64_t>* target;
    const char* help;
  };
  for (const Override& item : {
           Override{"--phys-offset", &o.phys_offset, "PHYS_OFFSET (memstart_addr) of the linear map"},
           Override{"--kimage-voffset", &o.kimage_voffset, "kernel image VA minus PA"},
           Override{"--kaslr-offset", &o.kaslr_offset, "KASLR offset (KERNELOFFSET)"},
           Override{"--pgd", &o.pgd_pa, "physical address of the kernel page-table root"},
       }) {
    auto* option = app.add_option(item.flag, item.help)->group(group)->type_name("ADDR");
    option->check(CLI::Validator(AddressParser(*item.target), "ADDR"));
  }
}

void AddExtractOptions(CLI::App& app, Options& options) {
  app.add_option("VMCORE", options.vmcore, "the crash dump (ELF vmcore)")->required();
  app.add_option("VMLINUX", options.vmlinux, "the crashed kernel's vmlinux with DWARF")->required();
  app.add_option("-o,--output", options.output_dir, "output directory (created if absent)")
      ->required();
  app.add_flag("-f,--force", options.force, "replace files that already exist in OUT");
  app.add_flag("--allow-mismatch", options.allow_mismatch,
               "extract even if the vmlinux does not match the dump (OSRELEASE/BUILD-ID)");
  app.add_flag("--zero-fill-excluded", options.zero_fill_excluded,
               "read pages the dump producer excluded as zeros (with a warning)");
  app.add_option("--max-nodes", options.limits.max_nodes, "stop the list walk after N nodes")
      ->capture_default_str();
  app.add_option("--max-buffer-size", options.limits.max_buffer_size,
                 "refuse buffers larger than BYTES")
      ->capture_default_str();
  app.add_flag("-q,--quiet", options.quiet, "print nothing but warnings and errors");
  AddTranslationOptions(app, options);
}

void AddInfoOptions(CLI::App& app, Options& options) {
  app.add_option("VMCORE", options.vmcore, "the crash dump")->required();
  app.add_option("VMLINUX", options.vmlinux, "optional vmlinux, for KASLR and identity checks");
  app.add_flag("--allow-mismatch", options.allow_mismatch, "continue past identity mismatches");
  app.add_flag("--zero-fill-excluded", options.zero_fill_excluded,
               "read excluded pages as zeros");
  AddTranslationOptions(app, options);
}

}  // namespace

ParseResult ParseCommandLine(int argc, const char* const* argv) {
  Options options;
  // `info` is a subcommand; everything else is the extraction, so the main
  // job needs no subcommand word. Chosen by argv[1] because CLI11 would
  // otherwise read "info" as the VMCORE positional.
  const bool info = argc > 1 && std::string_view(argv[1]) == "info";
  const bool extract_word = argc > 1 && std::string_view(argv[1]) == "extract";
  CLI::App app(kDescription, info ? "csdump-extract info" : "csdump-extract");
  app.set_version_flag("-V,--version", fmt::format("csdump-extract {}", CSD_VERSION));
  if (info) {
    options.command = Command::kInfo;
    app.description("Print the dump's format, architecture, VMCOREINFO and every derived "
                    "translation parameter with where it came from.");
    AddInfoOptions(app, options);
  } else {
    AddExtractOptions(app, options);
    app.footer(
        "Subcommands:\n  info VMCORE [VMLINUX]   describe a dump (see csdump-extract info --help)\n\n"
        "Exit codes: 0 ok, 1 partial, 2 usage, 3 bad dump, 4 bad or mismatched vmlinux,\n"
        "5 no panic-dump list, 6 output error. See man csdump-extract.");
  }
  const int skip = (info || extract_word) ? 1 : 0;
  std::vector<std::string> args;
  for (int i = argc - 1; i > skip; --i) args.emplace_back(argv[i]);
  try {
    app.parse(args);
  } catch (const CLI::ParseError& error) {
    const int code = app.exit(error);
    return {std::nullopt, code == 0 ? kExitOk : kExitUsage};
  }
  return {std::move(options), kExitOk};
}

}  // namespace csd::cli
