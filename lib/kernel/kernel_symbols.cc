// SPDX-License-Identifier: MIT
#include "kernel/kernel_symbols.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

namespace csd {

namespace {

constexpr size_t kMaxNamedInError = 12;  // modules listed by name in a not-found message

}  // namespace

KernelSymbols::KernelSymbols(const KernelTarget& target, const DebuginfoSearch& search,
                             ModuleListLimits limits)
    : target_(target), search_(search), limits_(limits) {}

Expected<const ModuleList*> KernelSymbols::Modules() {
  if (!modules_) modules_.emplace(ReadModuleList(target_, limits_));
  if (!modules_->ok()) return modules_->error();
  return &modules_->value();
}

Expected<LocatedSymbol> KernelSymbols::Locate(std::string_view name) {
  if (auto symbol = target_.RuntimeSymbol(name); symbol.ok()) {
    return LocatedSymbol{std::move(*symbol), &target_.debuginfo(), std::nullopt};
  }
  auto modules = Modules();
  if (!modules.ok()) {
    return Error(
        ErrorCode::kLookup,
        fmt::format("'{}' is not in the vmlinux, and the loaded modules cannot be read: {}", name,
                    modules.error().Describe()));
  }

  // CoreSight modules first: the list is there on every kernel we know, and a
  // distribution kernel loads a hundred other modules.
  std::vector<const LoadedModule*> order;
  for (const LoadedModule& module : (*modules)->modules) order.push_back(&module);
  std::stable_partition(order.begin(), order.end(), [](const LoadedModule* module) {
    return module->name.find("coresight") != std::string::npos;
  });

  std::vector<std::string> without_debuginfo;  // "name (build-id X)"
  std::vector<std::string> problems;           // per-module reasons worth showing
  std::vector<std::string> tried_for_coresight;
  // Debug files of the right name whose build-id differs (SearchNote::
  // Reason::kOtherBuild), told first: the likeliest story.
  std::vector<std::string> rejected;
  size_t searched = 0;
  for (const LoadedModule* module : order) {
    if (module->name.empty()) {
      if (module->error)
        problems.push_back(fmt::format("module at {:#x}: {}", module->address, *module->error));
      continue;
    }
    ModuleDebuginfoLookup lookup = search_.FindModule(module->name, module->build_id);
    if (!lookup.found) {
      without_debuginfo.push_back(
          fmt::format("{} (build-id {})", module->name, module->build_id.value_or("unknown")));
      for (SearchNote& note : lookup.tried) {
        if (note.reason == SearchNote::Reason::kOtherBuild) {
          rejected.push_back(fmt::format("{}: {}", module->name, note.text));
        } else if (module->name.find("coresight") != std::string::npos) {
          tried_for_coresight.push_back(std::move(note.text));
        }
      }
      continue;
    }
    ++searched;
    auto symbol = lookup.found->info.Symbol(name);
    if (!symbol.ok()) continue;
    const std::string path = lookup.found->info.path().string();
    if (symbol->section.empty()) {
      return Error(ErrorCode::kUnsupported,
                   fmt::format("'{}' in {} is not in a section the kernel places", name, path));
    }
    // The debuginfo is right; place the symbol by every means the dump
    // offers. Place() says kCorrupt for damaged dump data and kUnsupported
    // for a kernel that keeps nothing usable (exit 3 and 4 at the trace stage).
    auto placed = module->Place(*symbol);
    if (!placed.ok()) {
      return std::move(placed).error().AddContext(
          fmt::format("'{}' is in module {} ({})", name, module->name, path));
    }
    SymbolModule origin{module->name,
                        module->address,
                        lookup.found->info.path(),
                        module->build_id,
                        lookup.found->matched_by,
                        symbol->section,
                        placed->section_address};
    symbol->address = placed->address;
    opened_.push_back(std::move(lookup.found->info));
    return LocatedSymbol{std::move(*symbol), &opened_.back(), std::move(origin)};
  }

  std::string message;
  if (!rejected.empty()) {
    // The likely story: the right file name, from another build.
    message = fmt::format(
        "'{}' is not in the vmlinux, and the debug files found for {} loaded module(s) belong to "
        "other builds (never used): {}",
        name, rejected.size(), fmt::join(rejected, "; "));
  } else {
    message = fmt::format("'{}' is not in the vmlinux", name);
  }
  message +=
      fmt::format("; {} of the {} loaded module(s) have debuginfo, and none of those defines it",
                  searched, (*modules)->modules.size());
  if (!without_debuginfo.empty()) {
    const size_t shown = std::min(without_debuginfo.size(), kMaxNamedInError);
    message +=
        fmt::format("; {} loaded module(s) have no debuginfo: {}{}", without_debuginfo.size(),
                    fmt::join(without_debuginfo.begin(),
                              without_debuginfo.begin() + static_cast<long>(shown), ", "),
                    shown < without_debuginfo.size() ? ", ..." : "");
    const std::vector<std::string> places = search_.Places();
    message += places.empty() ? "; no debuginfo places exist (give --debuginfo)"
                              : fmt::format("; looked in: {}", fmt::join(places, ", "));
  }
  for (const std::string& line : tried_for_coresight) message += "; " + line;
  for (const std::string& line : problems) message += "; " + line;
  if ((*modules)->walk_error) message += "; module list walk stopped: " + *(*modules)->walk_error;
  return Error(ErrorCode::kLookup, std::move(message));
}

}  // namespace csd
