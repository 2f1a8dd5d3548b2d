// SPDX-License-Identifier: MIT
// Errors as values. Every fallible operation in csdump returns Expected<T> or
// Status; data errors never throw, so one bad node can be reported while the
// others are still extracted. An Error carries a code from a small closed set,
// a message that says what and where (address, file offset, node), and context
// strings pushed by callers as the error rises.
#pragma once

#include <cassert>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace csd {

enum class ErrorCode {
  kIo,               // the OS refused a file operation (errno text in the message)
  kCorrupt,          // input bytes are malformed, truncated or inconsistent
  kNotMapped,        // an address has no backing: untranslatable VA or absent PA
  kExcluded,         // the page exists but the dump producer left it out
  kUnsupported,      // a valid input that this version does not handle
  kLookup,           // a symbol, type or member is missing from debug info
  kMismatch,         // the vmlinux does not belong to the dump
  kLimit,            // a safety cap was hit (size, node count, string length)
  kInvalidArgument,  // the caller (usually the user) asked for something impossible
};

std::string_view ErrorCodeName(ErrorCode code);

class Error {
 public:
  Error(ErrorCode code, std::string message) : code_(code), message_(std::move(message)) {}

  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // Innermost first; Describe() prints them outermost first.
  const std::vector<std::string>& context() const { return context_; }

  Error& AddContext(std::string context) & {
    context_.push_back(std::move(context));
    return *this;
  }
  Error&& AddContext(std::string context) && {
    context_.push_back(std::move(context));
    return std::move(*this);
  }

  // "outer: inner: message"
  std::string Describe() const;

 private:
  ErrorCode code_;
  std::string message_;
  std::vector<std::string> context_;
};

// A value or an error (an Error unless a layer needs to say more, as the
// extraction does with the stage that failed). Deliberately small: C++23's
// std::expected is not available with g++ 12.
template <typename T, typename E = Error>
class [[nodiscard]] Expected {
 public:
  Expected(T value) : data_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Expected(E error) : data_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return data_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & {
    assert(ok());
    return std::get<0>(data_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<0>(data_);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(data_));
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const E& error() const& {
    assert(!ok());
    return std::get<1>(data_);
  }
  E&& error() && {
    assert(!ok());
    return std::get<1>(std::move(data_));
  }

 private:
  std::variant<T, E> data_;
};

template <>
class [[nodiscard]] Expected<void, Error> {
 public:
  Expected() = default;
  Expected(Error error) : error_(std::move(error)), failed_(true) {}  // NOLINT

  bool ok() const { return !failed_; }
  explicit operator bool() const { return ok(); }
  const Error& error() const& {
    assert(failed_);
    return error_;
  }
  Error&& error() && {
    assert(failed_);
    return std::move(error_);
  }

 private:
  Error error_{ErrorCode::kInvalidArgument, ""};
  bool failed_ = false;
};

using Status = Expected<void>;

inline Status OkStatus() {
  return {};
}

}  // namespace csd

#define CSD_CONCAT_INNER_(a, b) a##b
#define CSD_CONCAT_(a, b) CSD_CONCAT_INNER_(a, b)

// Propagates the error of a Status/Expected expression.
#define CSD_RETURN_IF_ERROR(expr)                                 \
  do {                                                            \
    auto csd_status_ = (expr);                                    \
    if (!csd_status_.ok()) return std::move(csd_status_).error(); \
  } while (0)

// `CSD_ASSIGN_OR_RETURN(auto x, Foo());` declares x from the value or returns the error.
#define CSD_ASSIGN_OR_RETURN(lhs, expr) \
  CSD_ASSIGN_OR_RETURN_IMPL_(CSD_CONCAT_(csd_expected_, __LINE__), lhs, expr)
#define CSD_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                               \
  if (!tmp.ok()) return std::move(tmp).error();    \
  lhs = std::move(tmp).value()
