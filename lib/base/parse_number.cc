// SPDX-License-Identifier: MIT
#include "base/parse_number.h"

#include <fmt/format.h>

namespace csd {

namespace {

enum class Failure { kNone, kEmpty, kDigit, kOverflow };

// Resolves base 0, then parses; `base` is left as the base actually used.
Failure Parse(std::string_view text, int& base, uint64_t& value) {
  if (base == 0) {
    base = 10;
    if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
      text.remove_prefix(2);
      base = 16;
    }
  }
  if (base < 2 || base > 16) return Failure::kDigit;
  if (text.empty()) return Failure::kEmpty;
  value = 0;
  for (char c : text) {
    unsigned digit;
    if (c >= '0' && c <= '9') {
      digit = static_cast<unsigned>(c - '0');
    } else if (c >= 'a' && c <= 'f') {
      digit = static_cast<unsigned>(c - 'a' + 10);
    } else if (c >= 'A' && c <= 'F') {
      digit = static_cast<unsigned>(c - 'A' + 10);
    } else {
      return Failure::kDigit;
    }
    if (digit >= static_cast<unsigned>(base)) return Failure::kDigit;
    if (__builtin_mul_overflow(value, static_cast<uint64_t>(base), &value) ||
        __builtin_add_overflow(value, digit, &value)) {
      return Failure::kOverflow;
    }
  }
  return Failure::kNone;
}

}  // namespace

std::optional<uint64_t> ParseUnsigned(std::string_view text, int base) {
  uint64_t value = 0;
  if (Parse(text, base, value) != Failure::kNone) return std::nullopt;
  return value;
}

Expected<uint64_t> ParseUnsignedOrError(std::string_view text, int base) {
  uint64_t value = 0;
  switch (Parse(text, base, value)) {
    case Failure::kNone: return value;
    case Failure::kEmpty:
      return Error(ErrorCode::kInvalidArgument, fmt::format("\"{}\" is not a number", text));
    case Failure::kOverflow:
      return Error(ErrorCode::kInvalidArgument,
                   fmt::format("\"{}\" does not fit in 64 bits", text));
    case Failure::kDigit: break;
  }
  const std::string kind = base == 16   ? std::string("hex")
                           : base == 10 ? std::string("decimal")
                                        : fmt::format("base-{}", base);
  return Error(ErrorCode::kInvalidArgument, fmt::format("\"{}\" is not a {} number", text, kind));
}

}  // namespace csd
