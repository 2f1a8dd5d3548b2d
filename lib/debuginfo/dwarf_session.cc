// SPDX-License-Identifier: MIT
#include "debuginfo/dwarf_session.h"

#include <elfutils/libdwfl.h>
#include <fmt/format.h>

namespace csd::debuginfo_detail {

namespace {

// libdwfl asks where else to look for a module's DWARF only when the file
// has none; finding debug files is DebuginfoSearch's job, not libdwfl's.
int NoSeparateDebuginfo(Dwfl_Module*, void**, const char*, Dwarf_Addr, const char*, const char*,
                        GElf_Word, char**) {
  return -1;
}

const Dwfl_Callbacks kOfflineCallbacks = {
    .find_elf = nullptr,
    .find_debuginfo = NoSeparateDebuginfo,
    .section_address = dwfl_offline_section_address,
    .debuginfo_path = nullptr,
};

}  // namespace

Expected<DwarfSession> DwarfSession::Begin(const ElfImage& image) {
  DwarfSession session;
  session.path_ = image.path();
  if (!image.relocatable()) {
    session.dwarf_.reset(dwarf_begin_elf(image.elf(), DWARF_C_READ, nullptr));
    if (!session.dwarf_) {
      return Error(ErrorCode::kCorrupt, fmt::format("{}: cannot read DWARF debug info: {}",
                                                    image.File(), dwarf_errmsg(-1)));
    }
    session.handle_ = session.dwarf_.get();
  }
  return session;
}

Status DwarfSession::Ensure() const {
  if (handle_ != nullptr) return OkStatus();
  if (error_) return *error_;
  DwflPtr session(dwfl_begin(&kOfflineCallbacks));
  Dwfl_Module* module = nullptr;
  if (session) {
    module = dwfl_report_offline(session.get(), path_.filename().c_str(), path_.c_str(), -1);
    dwfl_report_end(session.get(), nullptr, nullptr);
  }
  Dwarf_Addr bias = 0;
  Dwarf* handle = module ? dwfl_module_getdwarf(module, &bias) : nullptr;
  if (handle == nullptr) {
    error_ = Error(ErrorCode::kCorrupt,
                   fmt::format("{}: cannot read or relocate its DWARF: {}", path_.string(),
                               // NULL when the underlying libelf error is 0 (found by fuzzing).
                               dwfl_errmsg(-1) ? dwfl_errmsg(-1) : "no reason given"));
    return *error_;
  }
  dwfl_ = std::move(session);
  handle_ = handle;
  return OkStatus();
}

}  // namespace csd::debuginfo_detail
