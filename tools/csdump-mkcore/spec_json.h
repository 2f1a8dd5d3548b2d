// SPDX-License-Identifier: MIT
// The JSON primitives every part of a spec is read with: strict types, hex or
// decimal numbers, no unknown keys, and errors that name the JSON path.
#pragma once

#include <fmt/format.h>

#include <cstdint>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/error.h"

namespace csd::mkcore::spec_json {

using nlohmann::json;

// kInvalidArgument "WHERE: WHAT".
Error SpecError(const std::string& where, const std::string& what);
// "WHERE.key" and "WHERE[i]": the JSON path of a child, for messages.
std::string Child(const std::string& where, std::string_view key);
std::string Index(const std::string& where, size_t i);

// Unknown keys are errors: a misspelt corruption key must not yield a clean dump.
Status CheckKeys(const json& object, const std::string& where,
                 std::initializer_list<std::string_view> allowed);

// Addresses and sizes may be JSON integers or strings: "0x..." (hex) or decimal.
// Hex strings keep 64-bit kernel addresses exact and readable.
Expected<uint64_t> ParseU64(const json& value, const std::string& where);
Expected<int64_t> ParseInt(const json& value, const std::string& where, int64_t lo, int64_t hi);
Expected<std::string> ParseString(const json& value, const std::string& where);
Expected<bool> ParseBool(const json& value, const std::string& where);
// Hex digits, with blanks allowed between them for readability.
Expected<std::vector<uint8_t>> ParseHex(const json& value, const std::string& where);

// One of the named choices; the error lists them.
template <typename E>
Expected<E> ParseEnum(const json& value, const std::string& where,
                      std::initializer_list<std::pair<std::string_view, E>> choices) {
  std::string names;
  for (const auto& [name, e] : choices) {
    if (value.is_string() && value.get<std::string>() == name) return e;
    names += names.empty() ? "" : ", ";
    names += fmt::format("\"{}\"", name);
  }
  return SpecError(where, fmt::format("must be one of {}", names));
}

}  // namespace csd::mkcore::spec_json
