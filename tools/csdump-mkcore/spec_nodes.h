// SPDX-License-Identifier: MIT
// The "nodes" of a spec: each panic-dump node's content (ETMv4 metadata, a
// sink pattern, raw bytes), its corruptions, and what the oracle expects of it.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "base/error.h"
#include "csdump-mkcore/spec.h"

namespace csd::mkcore {

// `node_count` bounds the list indexes a corruption may point at.
Expected<NodeSpec> ParseNode(const nlohmann::json& value, const std::string& where,
                             size_t node_count);

}  // namespace csd::mkcore
