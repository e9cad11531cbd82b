// Structured logs: one JSON object per line, {"ts": "2026-12-02T17:40:01.123Z", "level": ...,
// "msg": ..., and the fields that say where (campaign, job, attempt, ...)}. Used by the portal's
// request log and by `skein worker --log-format json`.
//
// Thread-safety: free functions; WriteLogLine writes whole lines under a lock.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace skein {

// The line for `msg` at `level` ("info", "warn", "error") with `fields` added (an object).
std::string JsonLogLine(std::string_view level, std::string_view msg, const nlohmann::json& fields = {});
// Writes `line` and a newline to stderr, whole.
void WriteLogLine(const std::string& line);

}  // namespace skein
