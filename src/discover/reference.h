// What discovery looks for and what it reports: a dataset id split into parts (DatasetPattern),
// and one place in one file where a repository refers to it (Reference).
//
// Thread-safety: plain values.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace skein {

// A dataset id to look for: "core.user_profile_v1" (schema.table) or
// "project.core.user_profile_v1" (project.schema.table). Matching is ASCII case-insensitive:
// unquoted SQL identifiers are, and quoted ones are treated the same way on purpose.
struct DatasetPattern {
  std::string id;                  // as the user wrote it
  std::vector<std::string> parts;  // lower-cased, 2 or 3 of them
  const std::string& table() const { return parts.back(); }
};

// The longest part accepted; keeps every match inside the scanner's chunk overlap.
inline constexpr size_t kMaxDatasetPartLength = 128;

// Parses "schema.table" or "project.schema.table". Parts are [A-Za-z0-9_$]+; a project may also
// hold '-' (BigQuery project ids do). InvalidInput naming the id otherwise.
Result<DatasetPattern> ParseDatasetPattern(std::string_view id);
// ParseDatasetPattern for each id; the first error wins. Duplicates (case-insensitive) are
// InvalidInput too, so every reference belongs to exactly one requested dataset.
Result<std::vector<DatasetPattern>> ParseDatasetPatterns(const std::vector<std::string>& ids);

// How a reference was written.
enum class ReferenceForm {
  kQualified,       // core.user_profile_v1, proj.core.user_profile_v1, "core.user_profile_v1" in code
  kQuoted,          // "core"."user_profile_v1", `core`.`user_profile_v1`, [core].[user_profile_v1],
                    // \"core\".\"user_profile_v1\" inside a string literal
  kBigQuery,        // `project.core.user_profile_v1` (one pair of backticks around the path)
  kBigQueryLegacy,  // project:core.user_profile_v1, [project:core.user_profile_v1]
  kDbtSource,       // source('core', 'user_profile_v1'), any quotes and whitespace
};

// "qualified", "quoted", "bigquery", "bigquery-legacy", "dbt-source".
std::string_view ReferenceFormName(ReferenceForm form);

// One reference in one file.
struct Reference {
  size_t dataset = 0;     // index into the scanned datasets
  std::string repo;       // the repository's name (its folder name)
  std::string repo_path;  // the repository's absolute path
  std::string file;       // path relative to the repository, '/'-separated
  int64_t line = 0;       // 1-based
  int64_t col = 0;        // 1-based, in bytes
  uint64_t offset = 0;    // byte offset of the match in the file
  std::string text;       // the matched text, as written (may span lines for dbt-source)
  ReferenceForm form = ReferenceForm::kQualified;
};

// The report order: repository name, repository path, file, line, column, dataset.
bool ReferenceOrder(const Reference& a, const Reference& b);

}  // namespace skein
