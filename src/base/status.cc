#include "base/status.h"

#include <string>

namespace skein {

Status Status::InvalidInputAt(std::string_view file, int line, int col, std::string_view message) {
  std::string text(file);
  if (line > 0) {
    text += ":" + std::to_string(line);
    if (col > 0) text += ":" + std::to_string(col);
  }
  text += ": ";
  text += message;
  return InvalidInput(std::move(text));
}

Status Status::WithContext(std::string_view context) const {
  if (ok()) return *this;
  return Status(code_, std::string(context) + ": " + message_);
}

int Status::ExitCode() const {
  switch (code_) {
    case StatusCode::kOk:
      return 0;
    case StatusCode::kInvalidInput:
    case StatusCode::kNotFound:
      return 2;
    default:
      return 1;
  }
}

}  // namespace skein
