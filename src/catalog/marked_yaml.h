// YAML documents as JSON that remember where each node was written, so that a problem found in
// the JSON (validate.h) can be reported as "file:line:col". Wraps yaml-cpp; no exception leaves.
//
// Plain scalars resolve as YAML 1.2's core schema does (null, true/false, integers, floats,
// else strings); quoted scalars stay strings. Duplicate mapping keys and non-scalar keys are
// errors, as in Backstage's YAML reader.
//
// Thread-safety: free functions and plain values.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace skein {

struct SourcePosition {
  int line = 0;  // 1-based; 0 when unknown
  int col = 0;   // 1-based; 0 when unknown
};

struct MarkedDocument {
  nlohmann::json value;
  SourcePosition start;                                   // where the document's content begins
  std::map<std::string, SourcePosition> value_positions;  // JSON pointer -> its value
  std::map<std::string, SourcePosition> key_positions;    // JSON pointer -> the key naming it

  // The position of `pointer` (of its key when `at_key`), else of its nearest ancestor.
  SourcePosition Find(std::string_view pointer, bool at_key = false) const;
};

// Parses every document of a multi-document YAML text; empty documents come back as null values.
// InvalidInput with one "origin:line:col: message" line per problem.
Result<std::vector<MarkedDocument>> ParseMarkedYaml(std::string_view text, std::string_view origin);

// One JSON Pointer reference token (RFC 6901): "~" -> "~0", "/" -> "~1".
std::string PointerToken(std::string_view key);

}  // namespace skein
