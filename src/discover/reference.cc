// DatasetPattern parsing and the Reference helpers.
#include "discover/reference.h"

#include <set>
#include <tuple>

#include "base/text.h"

namespace skein {
namespace {

bool IsIdentifierChar(char c, bool allow_dash) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '$' ||
         (allow_dash && c == '-');
}

}  // namespace

Result<DatasetPattern> ParseDatasetPattern(std::string_view id) {
  auto invalid = [&](std::string_view why) {
    return Status::InvalidInput("malformed dataset id '" + std::string(id) + "': " + std::string(why) +
                                " (expected schema.table or project.schema.table)");
  };
  std::vector<std::string> parts = Split(id, '.', /*skip_empty=*/false);
  if (parts.size() < 2 || parts.size() > 3) return invalid("it needs 2 or 3 dot-separated parts");
  for (size_t i = 0; i < parts.size(); ++i) {
    const std::string& part = parts[i];
    if (part.empty()) return invalid("empty part");
    if (part.size() > kMaxDatasetPartLength) return invalid("a part is longer than 128 characters");
    bool is_project = parts.size() == 3 && i == 0;
    for (char c : part) {
      if (!IsIdentifierChar(c, is_project)) return invalid(std::string("unexpected character '") + c + "'");
    }
  }
  DatasetPattern pattern;
  pattern.id = std::string(id);
  for (const std::string& part : parts) pattern.parts.push_back(ToLower(part));
  return pattern;
}

Result<std::vector<DatasetPattern>> ParseDatasetPatterns(const std::vector<std::string>& ids) {
  std::vector<DatasetPattern> patterns;
  std::set<std::string> seen;
  for (const std::string& id : ids) {
    ASSIGN_OR_RETURN(DatasetPattern pattern, ParseDatasetPattern(id));
    if (!seen.insert(ToLower(id)).second) return Status::InvalidInput("dataset '" + id + "' is given twice");
    patterns.push_back(std::move(pattern));
  }
  if (patterns.empty()) return Status::InvalidInput("no dataset to look for");
  return patterns;
}

std::string_view ReferenceFormName(ReferenceForm form) {
  switch (form) {
    case ReferenceForm::kQualified:
      return "qualified";
    case ReferenceForm::kQuoted:
      return "quoted";
    case ReferenceForm::kBigQuery:
      return "bigquery";
    case ReferenceForm::kBigQueryLegacy:
      return "bigquery-legacy";
    case ReferenceForm::kDbtSource:
      return "dbt-source";
  }
  return "qualified";
}

bool ReferenceOrder(const Reference& a, const Reference& b) {
  return std::tie(a.repo, a.repo_path, a.file, a.line, a.col, a.dataset) <
         std::tie(b.repo, b.repo_path, b.file, b.line, b.col, b.dataset);
}

}  // namespace skein
