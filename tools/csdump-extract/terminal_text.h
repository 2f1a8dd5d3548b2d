// SPDX-License-Identifier: MIT
// Text on its way to a terminal. Device names, releases, build-ids, module
// names and every error message can carry bytes from the dump, and a
// hostile dump must not be able to send escape sequences to the user's
// terminal; the manifest escapes them its own way (JSON).
#pragma once

#include <string>
#include <string_view>

namespace csd::cli {

// `text` with every control character (C0, DEL, C1) and every byte that is
// not part of valid UTF-8 written as \xNN, and the backslash itself as \\ so
// the result reads back unambiguously. Printable ASCII and valid multi-byte
// UTF-8 pass unchanged, so ordinary text is printed as it was.
std::string TerminalSafe(std::string_view text);

}  // namespace csd::cli
