// Small string and file helpers shared by every module. Thread-safety: free functions, no state.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace skein {

std::string ToLower(std::string_view text);
std::string_view Trim(std::string_view text);
// Splits on `sep`; with `skip_empty`, trimmed empty pieces are dropped and pieces are trimmed.
std::vector<std::string> Split(std::string_view text, char sep, bool skip_empty = true);
std::string Join(const std::vector<std::string>& parts, std::string_view sep);
bool EqualsIgnoreCase(std::string_view a, std::string_view b);
// `name` in the letter case `written` gives `canonical`: all upper when `written` is all upper
// (USER_PROFILE_V1 -> USER_PROFILE_V2), letter by letter when the two line up
// (User_Profile_V1 -> User_Profile_V2), else `name` as it is. Only when `written` and
// `canonical` are equal ignoring case.
std::string MatchLetterCase(std::string_view name, std::string_view written, std::string_view canonical);

// Reads a whole file. NotFound when it does not exist, IoError when it cannot be read.
Result<std::string> ReadFile(const std::filesystem::path& path);
// Writes `content` to a temporary file beside `path`, then renames it over `path`, so a reader
// never sees half a file.
Status WriteFileAtomically(const std::filesystem::path& path, std::string_view content);

}  // namespace skein
