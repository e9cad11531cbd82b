// Internal to rewrite/: what the non-SQL rewriters (code, configs, dbt YAML) share — recognizing a
// table id written in any of its forms, and rewriting SQL embedded in a host file's string.
//
// An EmbeddedText is the host literal's value as the SQL rewriter must see it (escapes undone,
// placeholders replaced by `_` of the same length, Scala margins blanked), with the file offset
// each of its bytes came from, so the SQL rewriter's edits map back to byte spans of the file.
// An edit that touches a placeholder, or whose replacement the literal cannot spell, becomes a
// finding. Thread-safety: pure functions.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rewrite/rewrite.h"

namespace skein::rewrite_internal {

// `value` is the spec's from-table written whole in one of its forms (core.t, "core"."t",
// `core.t`, `proj.core.t`, `proj`.`core`.`t`, proj:core.t, proj.core.t): the to-table in the
// same form. Unquoted names compare ignoring case and keep their letter case
// (CORE.USER_PROFILE_V1 -> CORE.USER_PROFILE_V2); quoted names, and every name in the BigQuery
// dialect (dataset and table ids are case-sensitive there), compare exactly.
std::optional<std::string> RenameTableId(std::string_view value, const RewriteSpec& spec, sql::Dialect dialect);
// `word` occurs in `text` not inside a longer identifier (ASCII case ignored).
bool ContainsWord(std::string_view text, std::string_view word);
// The last part of the from-table ("user_profile_v1") occurs in `text` as a word.
bool MentionsTable(std::string_view text, const RewriteSpec& spec);
// A SQL statement keyword occurs and the table is mentioned: worth handing to RewriteSql.
bool LooksLikeSqlOnTable(std::string_view text, const RewriteSpec& spec);

struct EmbeddedText {
  std::string text;                // what the SQL rewriter reads
  std::vector<size_t> origin;      // file offset where text[i]'s source begins
  std::vector<size_t> origin_end;  // file offset one past it
  std::vector<bool> hole;          // text[i] stands for a placeholder
  void Add(char c, size_t begin, size_t end, bool is_hole = false);
  size_t begin() const { return origin.empty() ? 0 : origin.front(); }
  size_t end() const { return origin_end.empty() ? 0 : origin_end.back(); }
  bool has_holes() const;
};

// Spells a replacement inside the host literal (escaping its quote), or nullopt when it cannot.
using Encoder = std::function<std::optional<std::string>(std::string_view)>;

// What to do with one string value of a host file (code literal, config value): a whole table id
// is renamed; SQL naming the table goes through RewriteSql; otherwise, when the host mentions the
// table, a table name or changed column in it is reported.
void RewriteStringValue(std::string_view file, const EmbeddedText& value, const Encoder& encode,
                        const RewriteSpec& spec, const RewriteOptions& options, bool host_mentions_table,
                        RewriteResult* out);
// Reports every changed column equal to, or a word of, `value` as used outside SQL.
void ReportColumns(std::string_view value, size_t begin, size_t end, const RewriteSpec& spec,
                   RewriteResult* out);
void AddFinding(size_t begin, size_t end, std::string reason, RewriteResult* out);
void AddEdit(std::string_view file, size_t begin, size_t end, std::string after, std::string why,
             RewriteResult* out);
// Sorts edits and findings, fills finding lines and columns, and builds the output text.
void Finish(std::string_view file, RewriteResult* out);

// Escaping for the usual literal styles: backslash escapes of `quote` (C-like, JSON, Python) and
// doubled quotes (SQL-like, YAML single-quoted).
std::string EscapeBackslash(std::string_view text, char quote);
std::string EscapeDoubled(std::string_view text, char quote);

}  // namespace skein::rewrite_internal
