// Status and Result<T>: the one error type carried through skein.
//
// Every fallible function returns a Status (or a Result<T> holding a value or a Status). No
// exception crosses a module boundary: code that calls a throwing library (yaml-cpp, nlohmann)
// catches at its edge and returns a Status. A message names the place the user must look at:
// "file:line:col: what is wrong", or the dataset, consumer or job it concerns.
//
// Thread-safety: values; safe to copy between threads.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace skein {

enum class StatusCode {
  kOk = 0,
  kInvalidInput,  // the user's input is wrong: a file, a manifest, a flag (exit code 2)
  kNotFound,      // a named thing does not exist (exit code 2)
  kConflict,      // the request contradicts the state (exit code 1)
  kIoError,       // the file system or a subprocess failed (exit code 1)
  kUnavailable,   // a database or a server could not be reached (exit code 1)
  kInternal,      // a bug in skein (exit code 1)
};

class Status {
 public:
  Status() = default;

  static Status Ok() { return Status(); }
  static Status InvalidInput(std::string message) { return {StatusCode::kInvalidInput, std::move(message)}; }
  static Status NotFound(std::string message) { return {StatusCode::kNotFound, std::move(message)}; }
  static Status Conflict(std::string message) { return {StatusCode::kConflict, std::move(message)}; }
  static Status IoError(std::string message) { return {StatusCode::kIoError, std::move(message)}; }
  static Status Unavailable(std::string message) { return {StatusCode::kUnavailable, std::move(message)}; }
  static Status Internal(std::string message) { return {StatusCode::kInternal, std::move(message)}; }

  // "file:line:col: message" — line and col are 1-based; col 0 leaves the column out.
  static Status InvalidInputAt(std::string_view file, int line, int col, std::string_view message);

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // The same status with "context: " in front of its message.
  Status WithContext(std::string_view context) const;

  // The process exit code for a command that ends with this status: 0, 1 or 2.
  int ExitCode() const;

 private:
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

// A value or the Status saying why there is none. Construct from a T or from a non-ok Status.
template <typename T>
class Result {
 public:
  Result(T value) : state_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : state_(std::move(status)) {}  // NOLINT: must not be ok

  bool ok() const { return std::holds_alternative<T>(state_); }
  const Status& status() const {
    static const Status kOkStatus;
    return ok() ? kOkStatus : std::get<Status>(state_);
  }

  T& value() & { return std::get<T>(state_); }
  const T& value() const& { return std::get<T>(state_); }
  T&& value() && { return std::get<T>(std::move(state_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &std::get<T>(state_); }
  const T* operator->() const { return &std::get<T>(state_); }

 private:
  std::variant<T, Status> state_;
};

}  // namespace skein

#define SKEIN_CONCAT_INNER(a, b) a##b
#define SKEIN_CONCAT(a, b) SKEIN_CONCAT_INNER(a, b)

// Returns the status from the enclosing function when it is not ok.
#define RETURN_IF_ERROR(expr)                     \
  do {                                            \
    ::skein::Status _skein_status = (expr);       \
    if (!_skein_status.ok()) return _skein_status; \
  } while (0)

// `ASSIGN_OR_RETURN(auto x, F());` declares x from F()'s value, or returns F()'s status.
#define ASSIGN_OR_RETURN(lhs, expr) ASSIGN_OR_RETURN_IMPL(SKEIN_CONCAT(_skein_result_, __LINE__), lhs, expr)
#define ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                          \
  if (!tmp.ok()) return tmp.status();         \
  lhs = std::move(tmp).value()
