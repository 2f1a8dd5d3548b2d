// SPDX-License-Identifier: MIT
// csdump-mkcore SPEC.json -o DIR [--vmlinux PATH] [--module FILE]...: builds a synthetic arm64
// crash dump (DIR/vmcore) and its oracle (DIR/expected.json). See
// man csdump-mkcore. Exit status: 0 done, 1 error, 2 usage.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "csdump-mkcore/core_builder.h"

int main(int argc, char** argv) {
  CLI::App app{
      "Build a synthetic arm64 kernel crash dump from a JSON spec and a vmlinux with DWARF",
      "csdump-mkcore"};
  std::string spec_path, out_dir, vmlinux;
  std::vector<std::string> modules;
  app.add_option("spec", spec_path, "dump spec (JSON)")->required();
  app.add_option("-o,--output", out_dir, "output directory (receives vmcore and expected.json)")
      ->required();
  app.add_option("--vmlinux", vmlinux, "vmlinux with DWARF (overrides the spec's \"vmlinux\")");
  app.add_option("--module", modules,
                 "kernel module object (.ko with DWARF) for the spec's \"modules\"; repeat it: "
                 "\"object\": N is the Nth (from 0)")
      ->allow_extra_args(false);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }

  csd::mkcore::MkcoreOptions options;
  options.spec_path = spec_path;
  options.out_dir = out_dir;
  if (!vmlinux.empty()) options.vmlinux = vmlinux;
  options.modules.assign(modules.begin(), modules.end());
  auto core = csd::mkcore::RunMkcore(options);
  if (!core.ok()) {
    fmt::print(stderr, "csdump-mkcore: error: {}\n", core.error().Describe());
    return 1;
  }
  return 0;
}
