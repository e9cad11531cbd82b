// Rewriting consumer code onto a dataset's new version: SQL in every common dialect, dbt models
// and sources, table names and SQL inside code strings, configs.
//
// Contract (issue 3): the output is the input with edits spliced in at byte spans; no byte outside
// an edit span changes. Each edit says what it replaced, with what and why. What a rewriter cannot
// prove (an ambiguous column, a dropped column without `reverse`, a column used outside SQL) is a
// Finding, never a guess. Deterministic; idempotent (rewriting the output again changes nothing);
// with an identity spec no byte changes; where no `reverse` is involved, rewriting with
// Inverse() gives back the input.
//
// Thread-safety: pure functions over plain values; a RewriteSpec may be shared by threads as long
// as its `columns_of` callback is thread-safe.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "sql/dialect.h"

namespace skein {

struct Migration;
struct Schema;

// One v1 column that changes in v2. Unchanged v1 columns are not listed.
struct ColumnChange {
  std::string from;      // the v1 column
  std::string to;        // the v2 column; "" when dropped
  std::string reverse;   // SQL computing the v1 value over a v2 row; "" when none
  bool retyped = false;  // the v2 type differs: a consumer use needs `reverse`
};

// What to rewrite: a table rename plus column changes, derived from a Migration.
struct RewriteSpec {
  std::string from_table;  // dataset id, e.g. "core.user_profile_v1"
  std::string to_table;    // "core.user_profile_v2"
  std::vector<ColumnChange> columns;
  std::vector<std::string> from_columns;  // every v1 column name (resolves unqualified columns)
  std::vector<std::string> to_columns;    // every v2 column name
  bool preserve_output = true;            // output names of a consumer's select items stay as they were
  // The columns of any other table a query reads (catalog schemas), or nullopt when unknown.
  std::function<std::optional<std::vector<std::string>>(const std::vector<std::string>& name)> columns_of;

  // From a checked manifest and the from-dataset's schema.
  static Result<RewriteSpec> FromMigration(const Migration& migration, const Schema& from);
  // v2 -> v1 for the renames (retypes and drops are not invertible without `reverse`; an inverse
  // spec carries no reverse expressions).
  RewriteSpec Inverse() const;
  const ColumnChange* FindChange(std::string_view v1_column) const;  // case-insensitive
};

struct Edit {
  size_t begin = 0;  // byte span in the input
  size_t end = 0;
  std::string before;  // == input.substr(begin, end - begin)
  std::string after;
  std::string why;  // "table rename", "column rename account_id", "reverse of signup_ts", ...
};

struct RewriteFinding {
  size_t begin = 0;  // byte span in the input
  size_t end = 0;
  int line = 0;  // 1-based, of begin
  int col = 0;   // 1-based byte column of begin
  std::string reason;
};

struct RewriteResult {
  std::string text;                      // the rewritten file
  std::vector<Edit> edits;               // sorted by begin, non-overlapping
  std::vector<RewriteFinding> findings;  // sorted by begin
  bool changed() const { return !edits.empty(); }
};

// How a file is read: decided by its name (and, for SQL, a dialect option or a first-line hint).
enum class FileKind {
  kSql,
  kDbtModel,
  kDbtSchemaYaml,
  kPython,
  kScala,
  kJava,
  kGo,
  kJavaScript,
  kYaml,
  kJson,
  kToml,
  kOther
};
FileKind DetectFileKind(std::string_view path, std::string_view content);
// The dialect a SQL text's first line names, if any: `-- dialect: bigquery` (any name
// sql::ParseDialect reads), or BigQuery's `#standardSQL` / `#legacySQL`.       file_rewriter.cc
std::optional<sql::Dialect> SqlDialectHint(std::string_view text);

struct RewriteOptions {
  sql::Dialect dialect = sql::Dialect::kAnsi;  // for SQL text; a file may override by a hint
};

// Rewrites one SQL text (dbt Jinja included).                                  sql_rewriter.cc
RewriteResult RewriteSql(std::string_view text, const RewriteSpec& spec, const RewriteOptions& options);
// Rewrites one file of any kind; kOther files come back unchanged.              file_rewriter.cc
RewriteResult RewriteFile(std::string_view path, std::string_view text, const RewriteSpec& spec,
                          const RewriteOptions& options);
// Renames the from-dataset's id where a SQL comment names it as a whole name ("runs after
// core.user_profile_v1 lands"), so no stale reference is left for the residual verifier. Kept
// apart from RewriteSql, whose contract leaves comments alone: the built-in agent applies it to
// the SQL files it migrates.                                                   comment_rewriter.cc
RewriteResult RenameDatasetInComments(std::string_view text, const RewriteSpec& spec, sql::Dialect dialect);
// Applies sorted, non-overlapping edits to `input`.                            edits.cc
std::string ApplyEdits(std::string_view input, const std::vector<Edit>& edits);
// A unified diff (3 lines of context) of `before` -> `after` labelled a/PATH b/PATH; "" when equal.
std::string UnifiedDiff(std::string_view path, std::string_view before, std::string_view after);

}  // namespace skein
