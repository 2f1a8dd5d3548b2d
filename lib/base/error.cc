// SPDX-License-Identifier: MIT
#include "base/error.h"

namespace csd {

std::string_view ErrorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kIo: return "io";
    case ErrorCode::kCorrupt: return "corrupt";
    case ErrorCode::kNotMapped: return "not-mapped";
    case ErrorCode::kExcluded: return "excluded";
    case ErrorCode::kUnsupported: return "unsupported";
    case ErrorCode::kLookup: return "lookup";
    case ErrorCode::kMismatch: return "mismatch";
    case ErrorCode::kLimit: return "limit";
    case ErrorCode::kInvalidArgument: return "invalid-argument";
  }
  return "unknown";
}

std::string Error::Describe() const {
  std::string out;
  for (auto it = context_.rbegin(); it != context_.rend(); ++it) {
    out += *it;
    out += ": ";
  }
  out += message_;
  return out;
}

}  // namespace csd
