#pragma once

#include <optional>
#include <type_traits>
#include <utility>

#include "tessera/common/logging.h"
#include "tessera/common/status.h"

namespace tessera {

/// A value of type T or an error Status (Arrow's Result). Accessing the value of an error aborts.
template <typename T>
class [[nodiscard]] Result {
 public:
  // Implicit on purpose, so that `return value;` and `return Status::NotFound(...)` both work.
  Result(T value) : value_(std::move(value)) {}         // NOLINT(google-explicit-constructor)
  Result(Status status) : status_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    TESSERA_CHECK(!status_.ok());
  }
  template <typename U, typename = std::enable_if_t<std::is_convertible_v<U&&, T> &&
                                                    !std::is_same_v<std::decay_t<U>, T> &&
                                                    !std::is_same_v<std::decay_t<U>, Status>>>
  Result(U&& value) : value_(std::forward<U>(value)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return status_.ok(); }
  const Status& status() const { return status_; }

  const T& value() const& {
    TESSERA_CHECK(ok());
    return *value_;
  }
  T& value() & {
    TESSERA_CHECK(ok());
    return *value_;
  }
  T&& value() && {
    TESSERA_CHECK(ok());
    return std::move(*value_);
  }
  T ValueOr(T fallback) const& { return ok() ? *value_ : std::move(fallback); }

  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }

 private:
  Status status_;
  std::optional<T> value_;
};

}  // namespace tessera

// `lhs` is a declaration ("auto x"), so it cannot be parenthesized.
// NOLINTBEGIN(bugprone-macro-parentheses)
#define TESSERA_ASSIGN_OR_RETURN_IMPL(tmp, lhs, rexpr) \
  auto tmp = (rexpr);                                  \
  if (!tmp.ok())                                       \
    return tmp.status();                               \
  lhs = std::move(tmp).value()

/// Evaluate an expression returning Result<T>; on error return its Status, else assign the value.
#define TESSERA_ASSIGN_OR_RETURN(lhs, rexpr) \
  TESSERA_ASSIGN_OR_RETURN_IMPL(TESSERA_CONCAT(_tessera_result_, __LINE__), lhs, rexpr)
// NOLINTEND(bugprone-macro-parentheses)
