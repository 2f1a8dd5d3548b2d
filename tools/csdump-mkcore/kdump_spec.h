// SPDX-License-Identifier: MIT
// Parses the kdump-compressed spec fields (kdump_options.h) from the spec's
// root object; spec.cc has already rejected unknown keys.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "base/error.h"
#include "csdump-mkcore/kdump_options.h"

namespace csd::mkcore {

Status ParseKdumpOptions(const nlohmann::json& root, const std::string& where, KdumpOptions& out);

}  // namespace csd::mkcore
