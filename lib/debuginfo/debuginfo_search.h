// SPDX-License-Identifier: MIT
// Finds the debug file of a loaded kernel module: in the files and directories
// the user named (--debuginfo), then in the places distributions install them
// for the kernel's release. Knows nothing of the dump: the caller says which
// module, with which build-id, it needs.
//
// Layouts searched in a directory DIR (and under SYSROOT/usr/lib/debug):
//   DIR/.build-id/<first two hex digits>/<rest>.debug     (Debian, Fedora)
//   DIR/lib/modules/<release>/**/<name>.ko[.debug]       (Debian -dbg, Fedora)
//   DIR/**/<name>.ko[.debug] when DIR has no lib/modules/<release>
// and SYSROOT/lib/modules/<release>/**, SYSROOT/usr/lib/modules/<release>/**
// (modules installed unstripped by a local build).
// Module names compare with '-' and '_' equal, as the kernel's do.
#pragma once

#include <fmt/format.h>

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "debuginfo/debug_info.h"

namespace csd {

struct DebuginfoSearchOptions {
  std::vector<std::filesystem::path> paths;  // --debuginfo, searched first, in order
  std::filesystem::path sysroot = "/";       // the standard places are under it
  bool standard_places = true;
  size_t max_directory_entries = 200000;  // a directory walk stops here (and says so)
};

struct ModuleDebuginfo {
  DebugInfo info;
  std::string matched_by;  // "build-id" or "name" (the loaded module's build-id is unknown)
};

// One place looked at, or one candidate file passed over, and why. `text`
// is what a user reads ("PATH: why"); `reason` is what a caller sorts or
// groups the notes by, so that it never has to search the text.
struct SearchNote {
  enum class Reason {
    kMissingPath,   // a path named with --debuginfo does not exist
    kNoSuchFile,    // a place a debug file would be (a .build-id link, a vmlinux location) is empty
    kNoModuleFile,  // a directory tree has no <name>.ko or <name>.ko.debug
    kUnreadable,    // a candidate is not ELF with DWARF (DebugInfo::Open's error follows)
    kNotModule,     // a candidate is not a relocatable object
    kOtherBuild,    // a candidate's build-id differs from the loaded module's (or the dump's)
    kCompressed,    // only a compressed module (.ko.xz, .ko.zst, .ko.gz) is there
    kWalkStopped,   // a directory walk stopped early (its cap, or an error)
  };
  Reason reason;
  std::string text;
};

struct ModuleDebuginfoLookup {
  std::optional<ModuleDebuginfo> found;
  // Every place looked at and, for each candidate rejected, why, in the
  // order of the search: the error message when nothing fits.
  std::vector<SearchNote> tried;
};

class DebuginfoSearch {
 public:
  DebuginfoSearch(DebuginfoSearchOptions options, std::string release);
  DebuginfoSearch(DebuginfoSearch&&) noexcept;
  DebuginfoSearch& operator=(DebuginfoSearch&&) noexcept;
  ~DebuginfoSearch();

  // `build_id`: the loaded module's, lowercase hex, when the dump has it.
  // A candidate whose build-id differs is rejected; without one, the first
  // file of that module name is taken.
  ModuleDebuginfoLookup FindModule(std::string_view module_name,
                                   const std::optional<std::string>& build_id) const;

  // The crashed kernel's vmlinux with DWARF, when none was named: in each
  // --debuginfo directory and under SYSROOT/usr/lib/debug, .build-id/xx/rest.debug
  // (by `build_id`), boot/vmlinux-RELEASE (Debian), lib/modules/RELEASE/vmlinux
  // (Fedora) and vmlinux-RELEASE; then SYSROOT/boot/vmlinux-RELEASE and
  // SYSROOT/lib/modules/RELEASE/build/vmlinux (a local build). A --debuginfo
  // file that is a vmlinux (not a module) is tried first. A candidate whose
  // build-id differs from `build_id` is rejected, unless `build_id_unreliable`
  // (kernels that write a garbage VMCOREINFO BUILD-ID).
  ModuleDebuginfoLookup FindVmlinux(const std::optional<std::string>& build_id,
                                    bool build_id_unreliable) const;

  // The directories and files searched, for messages.
  std::vector<std::string> Places() const;

  // "coresight-etm4x.ko.debug" -> "coresight_etm4x"; empty when not a module file.
  static std::string ModuleNameOfFile(std::string_view file_name);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace csd

// A note formats as its text, so a lookup's notes join into a message as is.
template <>
struct fmt::formatter<csd::SearchNote> : fmt::formatter<std::string_view> {
  auto format(const csd::SearchNote& note, fmt::format_context& ctx) const {
    return fmt::formatter<std::string_view>::format(note.text, ctx);
  }
};
