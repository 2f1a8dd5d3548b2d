// SPDX-License-Identifier: MIT
#include "debuginfo/debuginfo_search.h"

#include <fmt/format.h>

#include <algorithm>
#include <system_error>

namespace csd {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kCompressedSuffixes[] = {".ko.xz", ".ko.zst", ".ko.gz"};

bool EndsWith(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

std::string Normalize(std::string_view name) {
  std::string out(name);
  std::replace(out.begin(), out.end(), '-', '_');
  return out;
}

bool IsDirectory(const fs::path& path) {
  std::error_code ec;
  return fs::is_directory(path, ec);
}

bool IsRegularFile(const fs::path& path) {
  std::error_code ec;
  return fs::is_regular_file(path, ec);  // follows symlinks: .build-id entries are links
}

// One place to search. Directories are indexed by module name on first use.
struct Place {
  enum class Kind { kFile, kDirectory };
  Kind kind = Kind::kDirectory;
  fs::path path;
  std::optional<fs::path> build_id_tree;  // DIR/.build-id
  std::optional<fs::path> name_root;      // walked for <name>.ko[.debug]

  // Lazily filled.
  mutable bool indexed = false;
  mutable std::multimap<std::string, fs::path> by_name;  // normalized name -> files, sorted
  mutable std::multimap<std::string, fs::path> compressed;
  mutable std::optional<std::string> index_note;  // e.g. the walk hit its cap
};

}  // namespace

struct DebuginfoSearch::Impl {
  DebuginfoSearchOptions options;
  std::string release;
  std::vector<Place> places;
  std::vector<std::string> missing;  // named paths that do not exist

  void AddDirectory(const fs::path& dir, bool walk_whole_if_no_release_tree);
  void Index(const Place& place) const;
  // Opens `path` as the module's debug file; nullopt (with a note) when it
  // does not fit.
  std::optional<ModuleDebuginfo> Try(const fs::path& path,
                                     const std::optional<std::string>& build_id,
                                     std::vector<SearchNote>& tried) const;
  // The checks of Try on a file already opened.
  std::optional<ModuleDebuginfo> Accept(Expected<DebugInfo> info, const fs::path& path,
                                        const std::optional<std::string>& build_id,
                                        std::vector<SearchNote>& tried) const;
};

void DebuginfoSearch::Impl::AddDirectory(const fs::path& dir, bool walk_whole_if_no_release_tree) {
  Place place;
  place.kind = Place::Kind::kDirectory;
  place.path = dir;
  if (IsDirectory(dir / ".build-id")) place.build_id_tree = dir / ".build-id";
  const fs::path release_tree = dir / "lib" / "modules" / release;
  if (!release.empty() && IsDirectory(release_tree)) {
    place.name_root = release_tree;
  } else if (walk_whole_if_no_release_tree) {
    place.name_root = dir;
  }
  if (place.build_id_tree || place.name_root) places.push_back(std::move(place));
}

void DebuginfoSearch::Impl::Index(const Place& place) const {
  if (place.indexed) return;
  place.indexed = true;
  if (!place.name_root) return;
  std::error_code ec;
  fs::recursive_directory_iterator it(*place.name_root,
                                      fs::directory_options::skip_permission_denied, ec);
  size_t entries = 0;
  // Directory order is the filesystem's: sort, so the same tree always gives
  // the same choice.
  std::vector<std::pair<std::string, fs::path>> modules;
  std::vector<std::pair<std::string, fs::path>> packed;
  for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (++entries > options.max_directory_entries) {
      place.index_note = fmt::format("{}: stopped after {} entries", place.name_root->string(),
                                     options.max_directory_entries);
      break;
    }
    // The .build-id tree is searched by build-id, not walked (it is all links).
    if (it->path().filename() == ".build-id") {
      it.disable_recursion_pending();
      continue;
    }
    const std::string file = it->path().filename().string();
    std::error_code type_ec;
    if (!it->is_regular_file(type_ec)) continue;
    if (std::string name = ModuleNameOfFile(file); !name.empty()) {
      modules.emplace_back(std::move(name), it->path());
      continue;
    }
    for (std::string_view suffix : kCompressedSuffixes) {
      if (EndsWith(file, suffix)) {
        packed.emplace_back(Normalize(file.substr(0, file.size() - suffix.size())), it->path());
      }
    }
  }
  std::sort(modules.begin(), modules.end());
  std::sort(packed.begin(), packed.end());
  for (auto& entry : modules) place.by_name.insert(std::move(entry));
  for (auto& entry : packed) place.compressed.insert(std::move(entry));
  if (ec && !place.index_note) {
    place.index_note = fmt::format("{}: {}", place.name_root->string(), ec.message());
  }
}

std::optional<ModuleDebuginfo> DebuginfoSearch::Impl::Try(
    const fs::path& path, const std::optional<std::string>& build_id,
    std::vector<SearchNote>& tried) const {
  return Accept(DebugInfo::Open(path), path, build_id, tried);
}

std::optional<ModuleDebuginfo> DebuginfoSearch::Impl::Accept(
    Expected<DebugInfo> info, const fs::path& path, const std::optional<std::string>& build_id,
    std::vector<SearchNote>& tried) const {
  if (!info.ok()) {
    tried.push_back({SearchNote::Reason::kUnreadable,
                     fmt::format("{}: {}", path.string(), info.error().Describe())});
    return std::nullopt;
  }
  if (!info->relocatable()) {
    tried.push_back(
        {SearchNote::Reason::kNotModule,
         fmt::format("{}: not a kernel module (not a relocatable ELF object)", path.string())});
    return std::nullopt;
  }
  const std::optional<std::string> file_id = info->BuildId();
  if (build_id && file_id && *file_id != *build_id) {
    tried.push_back({SearchNote::Reason::kOtherBuild,
                     fmt::format("{}: build-id {}, but the loaded module's is {}", path.string(),
                                 *file_id, *build_id)});
    return std::nullopt;
  }
  return ModuleDebuginfo{std::move(info).value(), build_id && file_id ? "build-id" : "name"};
}

DebuginfoSearch::DebuginfoSearch(DebuginfoSearchOptions options, std::string release)
    : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  impl_->release = std::move(release);
  for (const fs::path& path : impl_->options.paths) {
    if (IsDirectory(path)) {
      impl_->AddDirectory(path, /*walk_whole_if_no_release_tree=*/true);
    } else if (IsRegularFile(path)) {
      Place place;
      place.kind = Place::Kind::kFile;
      place.path = path;
      impl_->places.push_back(std::move(place));
    } else {
      impl_->missing.push_back(path.string());
    }
  }
  if (impl_->options.standard_places) {
    const fs::path& root = impl_->options.sysroot;
    // Never walk all of /usr/lib/debug: only its build-id tree and the
    // release's module tree.
    impl_->AddDirectory(root / "usr" / "lib" / "debug", /*walk_whole_if_no_release_tree=*/false);
    if (!impl_->release.empty()) {
      for (const fs::path& dir : {root / "lib" / "modules" / impl_->release,
                                  root / "usr" / "lib" / "modules" / impl_->release}) {
        if (!IsDirectory(dir)) continue;
        Place place;
        place.path = dir;
        place.name_root = dir;
        impl_->places.push_back(std::move(place));
      }
    }
  }
}

DebuginfoSearch::DebuginfoSearch(DebuginfoSearch&&) noexcept = default;
DebuginfoSearch& DebuginfoSearch::operator=(DebuginfoSearch&&) noexcept = default;
DebuginfoSearch::~DebuginfoSearch() = default;

std::string DebuginfoSearch::ModuleNameOfFile(std::string_view file_name) {
  for (std::string_view suffix : {std::string_view(".ko.debug"), std::string_view(".ko")}) {
    if (EndsWith(file_name, suffix) && file_name.size() > suffix.size()) {
      return Normalize(file_name.substr(0, file_name.size() - suffix.size()));
    }
  }
  return {};
}

std::vector<std::string> DebuginfoSearch::Places() const {
  std::vector<std::string> out;
  for (const Place& place : impl_->places) {
    if (place.kind == Place::Kind::kFile) {
      out.push_back(place.path.string());
      continue;
    }
    if (place.build_id_tree) out.push_back(place.build_id_tree->string());
    if (place.name_root) out.push_back(place.name_root->string());
  }
  return out;
}

ModuleDebuginfoLookup DebuginfoSearch::FindVmlinux(const std::optional<std::string>& build_id,
                                                   bool build_id_unreliable) const {
  ModuleDebuginfoLookup lookup;
  std::vector<fs::path> candidates;
  for (const fs::path& path : impl_->options.paths) {
    if (IsRegularFile(path)) candidates.push_back(path);
  }
  const std::string& release = impl_->release;
  auto add_tree = [&](const fs::path& dir) {
    if (build_id && build_id->size() > 2) {
      candidates.push_back(dir / ".build-id" / build_id->substr(0, 2) /
                           (build_id->substr(2) + ".debug"));
    }
    if (release.empty()) return;
    candidates.push_back(dir / "boot" / ("vmlinux-" + release));
    candidates.push_back(dir / "lib" / "modules" / release / "vmlinux");
    candidates.push_back(dir / ("vmlinux-" + release));
  };
  for (const fs::path& path : impl_->options.paths) {
    if (IsDirectory(path)) add_tree(path);
  }
  if (impl_->options.standard_places) {
    const fs::path& root = impl_->options.sysroot;
    add_tree(root / "usr" / "lib" / "debug");
    if (!release.empty()) {
      candidates.push_back(root / "boot" / ("vmlinux-" + release));
      candidates.push_back(root / "lib" / "modules" / release / "build" / "vmlinux");
    }
  }
  for (const fs::path& path : candidates) {
    if (!IsRegularFile(path)) {
      lookup.tried.push_back(
          {SearchNote::Reason::kNoSuchFile, fmt::format("{}: no such file", path.string())});
      continue;
    }
    auto info = DebugInfo::Open(path);
    if (!info.ok()) {
      lookup.tried.push_back({SearchNote::Reason::kUnreadable,
                              fmt::format("{}: {}", path.string(), info.error().Describe())});
      continue;
    }
    if (info->relocatable()) continue;  // a module given with --debuginfo
    const std::optional<std::string> file_id = info->BuildId();
    const bool ids_known = build_id && file_id;
    if (ids_known && *file_id != *build_id && !build_id_unreliable) {
      lookup.tried.push_back(
          {SearchNote::Reason::kOtherBuild, fmt::format("{}: build-id {}, but the dump's is {}",
                                                        path.string(), *file_id, *build_id)});
      continue;
    }
    const std::string how = !ids_known ? "release (no build-id to compare)"
                            : *file_id == *build_id
                                ? "build-id"
                                : "release (this kernel writes an unreliable BUILD-ID)";
    lookup.found = ModuleDebuginfo{std::move(info).value(), how};
    return lookup;
  }
  return lookup;
}

ModuleDebuginfoLookup DebuginfoSearch::FindModule(
    std::string_view module_name, const std::optional<std::string>& build_id) const {
  ModuleDebuginfoLookup lookup;
  const std::string wanted = Normalize(module_name);
  for (const std::string& path : impl_->missing) {
    lookup.tried.push_back(
        {SearchNote::Reason::kMissingPath, fmt::format("{}: does not exist", path)});
  }
  for (const Place& place : impl_->places) {
    if (place.kind == Place::Kind::kFile) {
      // A named file is taken for its name, or for its build-id whatever it
      // is called (a .build-id/xx/yyy.debug passed as it is).
      const bool name_fits = ModuleNameOfFile(place.path.filename().string()) == wanted;
      if (!name_fits && !build_id) continue;
      auto info = DebugInfo::Open(place.path);  // once: for the build-id and for use
      if (!name_fits && (!info.ok() || info->BuildId() != build_id)) continue;
      if (auto found = impl_->Accept(std::move(info), place.path, build_id, lookup.tried)) {
        lookup.found = std::move(found);
        return lookup;
      }
      continue;
    }
    if (place.build_id_tree && build_id && build_id->size() > 2) {
      const fs::path link =
          *place.build_id_tree / build_id->substr(0, 2) / (build_id->substr(2) + ".debug");
      if (IsRegularFile(link)) {
        if (auto found = impl_->Try(link, build_id, lookup.tried)) {
          lookup.found = std::move(found);
          return lookup;
        }
      } else {
        lookup.tried.push_back(
            {SearchNote::Reason::kNoSuchFile, fmt::format("{}: no such file", link.string())});
      }
    }
    if (!place.name_root) continue;
    impl_->Index(place);
    auto range = place.by_name.equal_range(wanted);
    if (range.first == range.second) {
      lookup.tried.push_back(
          {SearchNote::Reason::kNoModuleFile,
           fmt::format("{}: no {}.ko or {}.ko.debug", place.name_root->string(), wanted, wanted)});
    }
    for (auto it = range.first; it != range.second; ++it) {
      if (auto found = impl_->Try(it->second, build_id, lookup.tried)) {
        lookup.found = std::move(found);
        return lookup;
      }
    }
    auto packed = place.compressed.equal_range(wanted);
    for (auto it = packed.first; it != packed.second; ++it) {
      lookup.tried.push_back(
          {SearchNote::Reason::kCompressed,
           fmt::format("{}: compressed; unpack it (xz -dk, zstd -d, gunzip -k) and pass the .ko "
                       "with --debuginfo",
                       it->second.string())});
    }
    if (place.index_note)
      lookup.tried.push_back({SearchNote::Reason::kWalkStopped, *place.index_note});
  }
  return lookup;
}

}  // namespace csd
