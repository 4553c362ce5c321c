#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>

namespace tessera {

/// The error kinds of the whole node. Each port maps them to its own codes in one file.
enum class StatusCode {
  kOk = 0,
  kInvalidArgument,
  kNotFound,
  kAlreadyExists,
  kPermissionDenied,
  kUnauthenticated,
  kConflict,
  kUnsupported,
  kIoError,
  kCorruption,
  kInternal,
  kCancelled,
};

/// Return the name of a status code, e.g. "NotFound".
std::string_view StatusCodeName(StatusCode code);

/// The outcome of an operation: OK, or an error code with a message. OK costs one null pointer.
/// Immutable value type; thread-compatible.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message);
  Status(const Status& other);
  Status& operator=(const Status& other);
  Status(Status&&) noexcept = default;
  Status& operator=(Status&&) noexcept = default;
  ~Status() = default;

  static Status OK() { return {}; }
  static Status InvalidArgument(std::string msg) {
    return {StatusCode::kInvalidArgument, std::move(msg)};
  }
  static Status NotFound(std::string msg) { return {StatusCode::kNotFound, std::move(msg)}; }
  static Status AlreadyExists(std::string msg) {
    return {StatusCode::kAlreadyExists, std::move(msg)};
  }
  static Status PermissionDenied(std::string msg) {
    return {StatusCode::kPermissionDenied, std::move(msg)};
  }
  static Status Unauthenticated(std::string msg) {
    return {StatusCode::kUnauthenticated, std::move(msg)};
  }
  static Status Conflict(std::string msg) { return {StatusCode::kConflict, std::move(msg)}; }
  static Status Unsupported(std::string msg) { return {StatusCode::kUnsupported, std::move(msg)}; }
  static Status IoError(std::string msg) { return {StatusCode::kIoError, std::move(msg)}; }
  static Status Corruption(std::string msg) { return {StatusCode::kCorruption, std::move(msg)}; }
  static Status Internal(std::string msg) { return {StatusCode::kInternal, std::move(msg)}; }
  static Status Cancelled(std::string msg) { return {StatusCode::kCancelled, std::move(msg)}; }

  bool ok() const { return state_ == nullptr; }
  StatusCode code() const { return state_ ? state_->code : StatusCode::kOk; }
  const std::string& message() const;

  /// Return a copy whose message is "<context>: <message>"; OK stays OK.
  Status WithContext(std::string_view context) const;
  /// Return "NotFound: message", or "OK".
  std::string ToString() const;

  bool IsNotFound() const { return code() == StatusCode::kNotFound; }
  bool IsAlreadyExists() const { return code() == StatusCode::kAlreadyExists; }
  bool IsConflict() const { return code() == StatusCode::kConflict; }

 private:
  struct State {
    StatusCode code;
    std::string message;
  };
  std::unique_ptr<State> state_;
};

}  // namespace tessera

#define TESSERA_CONCAT_INNER(a, b) a##b
#define TESSERA_CONCAT(a, b) TESSERA_CONCAT_INNER(a, b)

/// Evaluate an expression returning Status; return it from the caller if it is not OK.
#define TESSERA_RETURN_NOT_OK(expr)             \
  do {                                          \
    ::tessera::Status _tessera_status = (expr); \
    if (!_tessera_status.ok())                  \
      return _tessera_status;                   \
  } while (false)

/// Like TESSERA_RETURN_NOT_OK, prefixing the message with a context string.
#define TESSERA_RETURN_NOT_OK_CTX(expr, context)   \
  do {                                             \
    ::tessera::Status _tessera_status = (expr);    \
    if (!_tessera_status.ok())                     \
      return _tessera_status.WithContext(context); \
  } while (false)
