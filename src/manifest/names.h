// The names a manifest holds: column names and git branch names, and "did you mean" for keys,
// enum values and columns (catalog/validate.h's ClosestMatch; dataset ids follow its
// IsValidDatasetId, so the catalog and manifests agree on what an id is).
//
// Thread-safety: free functions, no state.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace skein {

// " (did you mean 'x'?)" when a candidate is a likely typo of `word`, or "".
std::string DidYouMean(std::string_view word, const std::vector<std::string>& candidates);

// A column name as a manifest writes it: a plain identifier (user_id) or a double-quoted one
// ("Signup Date", with "" for a quote). Returns the column's name without quotes.
Result<std::string> ParseColumnName(std::string_view text);

// Whether `name` is a valid git branch name (git check-ref-format --branch rules).
Status CheckBranchName(std::string_view name);

}  // namespace skein
