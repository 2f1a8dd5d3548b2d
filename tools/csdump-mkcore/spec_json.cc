// SPDX-License-Identifier: MIT
#include "csdump-mkcore/spec_json.h"

#include <algorithm>
#include <cctype>

#include "base/parse_number.h"

namespace csd::mkcore::spec_json {

Error SpecError(const std::string& where, const std::string& what) {
  return Error(ErrorCode::kInvalidArgument, fmt::format("{}: {}", where, what));
}

std::string Child(const std::string& where, std::string_view key) {
  return fmt::format("{}.{}", where, key);
}
std::string Index(const std::string& where, size_t i) {
  return fmt::format("{}[{}]", where, i);
}

Status CheckKeys(const json& object, const std::string& where,
                 std::initializer_list<std::string_view> allowed) {
  if (!object.is_object()) return SpecError(where, "must be a JSON object");
  for (const auto& [key, value] : object.items()) {
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      return SpecError(where, fmt::format("unknown key \"{}\"", key));
    }
  }
  return OkStatus();
}

Expected<uint64_t> ParseU64(const json& value, const std::string& where) {
  if (value.is_number_unsigned()) return value.get<uint64_t>();
  if (value.is_number_integer()) {
    const int64_t v = value.get<int64_t>();
    if (v < 0) return SpecError(where, "must not be negative");
    return static_cast<uint64_t>(v);
  }
  if (value.is_string()) {
    auto parsed = ParseUnsignedOrError(value.get<std::string>(), 0);
    if (!parsed.ok()) return SpecError(where, parsed.error().message());
    return *parsed;
  }
  return SpecError(where, "must be an integer or a \"0x...\" string");
}

Expected<int64_t> ParseInt(const json& value, const std::string& where, int64_t lo, int64_t hi) {
  if (!value.is_number_integer()) return SpecError(where, "must be an integer");
  if (value.is_number_unsigned() && value.get<uint64_t>() > static_cast<uint64_t>(hi)) {
    return SpecError(where, fmt::format("must be in [{}, {}]", lo, hi));
  }
  const int64_t v = value.get<int64_t>();
  if (v < lo || v > hi)
    return SpecError(where, fmt::format("must be in [{}, {}], got {}", lo, hi, v));
  return v;
}

Expected<std::string> ParseString(const json& value, const std::string& where) {
  if (!value.is_string()) return SpecError(where, "must be a string");
  return value.get<std::string>();
}

Expected<bool> ParseBool(const json& value, const std::string& where) {
  if (!value.is_boolean()) return SpecError(where, "must be true or false");
  return value.get<bool>();
}

Expected<std::vector<uint8_t>> ParseHex(const json& value, const std::string& where) {
  CSD_ASSIGN_OR_RETURN(std::string text, ParseString(value, where));
  std::string digits;
  for (char c : text) {
    if (c == ' ' || c == '\n' || c == '\t') continue;  // allow grouping for readability
    if (!std::isxdigit(static_cast<unsigned char>(c))) {
      return SpecError(where, fmt::format("'{}' is not a hex digit", c));
    }
    digits += c;
  }
  if (digits.size() % 2 != 0) return SpecError(where, "has an odd number of hex digits");
  std::vector<uint8_t> bytes;
  for (size_t i = 0; i < digits.size(); i += 2) {
    bytes.push_back(static_cast<uint8_t>(std::stoul(digits.substr(i, 2), nullptr, 16)));
  }
  return bytes;
}

}  // namespace csd::mkcore::spec_json
