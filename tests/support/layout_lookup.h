// SPDX-License-Identifier: MIT
// Struct layouts that tests build their expected bytes from, looked up in a
// fake kernel's DebugInfo. A failed lookup fails the test and yields an empty
// layout, so the test goes on and reports what else is wrong.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <string_view>

#include "debuginfo/debug_info.h"

namespace csd::testing {

inline MemberLayout MemberOrFail(const DebugInfo& info, std::string_view type,
                                 std::string_view path) {
  auto m = info.MemberPath(type, path);
  EXPECT_TRUE(m.ok()) << m.error().Describe();
  return m.ok() ? *m : MemberLayout{};
}

inline uint64_t StructSizeOrFail(const DebugInfo& info, std::string_view type) {
  auto s = info.Struct(type);
  EXPECT_TRUE(s.ok()) << s.error().Describe();
  return s.ok() ? s->size : 0;
}

}  // namespace csd::testing
