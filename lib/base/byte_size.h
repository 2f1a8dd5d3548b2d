// SPDX-License-Identifier: MIT
// Byte counts for people: help texts, range errors, page-table descriptions.
#pragma once

#include <cstdint>
#include <string>

namespace csd {

// "64 KiB", "1 GiB", "2 MiB": the largest binary unit (KiB .. EiB) that
// divides `bytes` exactly, so the text is never rounded; "3000 bytes",
// "0 bytes" when no unit does.
std::string FormatByteSize(uint64_t bytes);

}  // namespace csd
