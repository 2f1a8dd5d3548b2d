// SPDX-License-Identifier: MIT
// Numbers written as text by people and by the kernel: command-line values,
// VMCOREINFO fields, --ram FILE@BASE, /sys/kernel/vmcoreinfo, mkcore specs.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "base/error.h"

namespace csd {

// Strict unsigned parse of the whole of `text` in `base` (2..16). Base 0
// takes a "0x"/"0X" prefix as hex and anything else as decimal (no octal).
// No sign, space, empty digit string ("0x" alone) or trailing character is
// accepted, nor a value past 2^64 - 1.
std::optional<uint64_t> ParseUnsigned(std::string_view text, int base);

// The same, saying why not (kInvalidArgument): "\"0xzz\" is not a hex
// number", "\"12a\" is not a decimal number", "\"\" is not a number",
// "\"0x1ffffffffffffffff\" does not fit in 64 bits".
Expected<uint64_t> ParseUnsignedOrError(std::string_view text, int base);

}  // namespace csd
