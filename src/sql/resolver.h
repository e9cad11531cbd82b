// Name resolution over a SqlSyntax: which FROM item (table instance) each column reference
// belongs to, and, for one target table, every place the text names it or one of its columns.
//
// Rules (all names compared with the dialect's case rules, see dialect.h):
// - A qualified reference (t.col, s.t.col) binds to the FROM item whose alias, or whose table
//   name when it has no alias, equals the qualifier; the innermost scope wins; `t.col.field`
//   binds col and leaves field as a field access.
// - An unqualified reference is looked up in the schemas of every FROM item of its block, then of
//   the enclosing blocks (correlated subqueries). Exactly one item having it resolves it; two or
//   more is kAmbiguous (reported, never guessed); none while some schema is unknown is
//   kUnknownSchema ("cannot prove"). A column merged by JOIN .. USING resolves to its first item
//   and lists the others as candidates.
// - CTE names shadow real tables (bound by the parser); derived tables and CTEs expose their
//   select list (stars expanded when the schemas are known); `AS t(a, b)` renames.
// - ORDER BY prefers a select-list alias; GROUP BY, HAVING and QUALIFY prefer an input column
//   and fall back to a select alias.
//
// Thread-safety: pure functions; the ColumnsOf callback is called from the calling thread only.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sql/dialect.h"
#include "sql/syntax.h"

namespace skein::sql {

// The column names of a table (as unquoted identifiers of the dialect), or nullopt when unknown.
using ColumnsOf = std::function<std::optional<std::vector<std::string>>(const std::vector<NamePart>& table)>;

enum class ResolutionKind : uint8_t {
  kResolved,          // to `source`, column parts[column_part]
  kSelectAlias,       // to select item `select_item` of the reference's own block
  kAmbiguous,         // several items in one scope have the column: `candidates`
  kUnknownSchema,     // no known schema has it and `candidates` have unknown schemas
  kNotFound,          // no item in any enclosing scope has it (all schemas known)
  kUnknownQualifier,  // the qualifier names no FROM item in scope
  kNotAColumn,        // a date-part word such as YEAR in EXTRACT(YEAR FROM d)
};

struct ItemRef {
  int block = -1;
  int item = -1;
  friend bool operator==(const ItemRef&, const ItemRef&) = default;
};

struct ColumnResolution {
  ResolutionKind kind = ResolutionKind::kNotFound;
  ItemRef source;
  int column_part = 0;
  int select_item = -1;
  std::vector<ItemRef> candidates;  // kAmbiguous, kUnknownSchema; USING partners for kResolved
};

// One resolution per SqlSyntax::columns entry, same order.
std::vector<ColumnResolution> Resolve(const SqlSyntax& syntax, const ColumnsOf& columns_of);

// Where a text uses a target table.
struct TableHit {
  Span span;  // the whole name (for a dbt source(), the {{ }} token)
  std::vector<NamePart> name;
  TableRole role = TableRole::kRead;
  JinjaCall jinja = JinjaCall::kNone;
};

struct ColumnHit {
  Span span;         // the whole reference, qualifier included
  Span column_span;  // the column name alone
  std::string column;
  Clause clause = Clause::kSelect;
  bool indirect = false;  // names the column through a CTE or derived table (via * or passthrough)
  bool set_output = false;  // ORDER BY after a set operation: names the first SELECT's output column
  std::vector<NamePart> qualifier;  // the parts before the column (t in t.col), empty when unqualified
  bool qualifier_is_table = false;  // the qualifier is the target's table name (the item has no alias)
  bool select_item = false;         // the reference is a whole select item of a SELECT list
  std::optional<NamePart> select_alias;  // that select item's alias, if any
};

// One FROM item an unqualified `*` covers, in FROM order.
struct StarSource {
  bool target = false;
  std::vector<NamePart> name;      // the table's name as written (empty for a subquery or function)
  std::optional<NamePart> alias;
  Span name_span;
  bool plain_table = false;        // a table or CTE named without Jinja: `name.*` spells its columns
};

// A `*` or `t.*` select item over the target.
struct StarHit {
  Span span;                  // `*` or `t.*`
  Span modifiers;             // EXCEPT / EXCLUDE / REPLACE / RENAME, empty when none
  std::vector<NamePart> qualifier;  // t in t.*
  bool only_target = false;   // the star covers exactly one FROM item, the target
  bool target_qualified_by_name = false;  // the target item has no alias (t.* names the table)
  // For an unqualified `*` over several FROM items: each of them, in order; empty when the block
  // merges columns (JOIN .. USING, NATURAL JOIN), since then `*` is not the items' columns in turn.
  std::vector<StarSource> sources;
};

enum class FindingKind : uint8_t {
  kAmbiguousColumn,      // an unqualified column two tables in scope have
  kUnprovableColumn,     // may belong to the target, but a schema in scope is unknown
  kUnknownColumn,        // not in any table in scope although the target is in scope
  kSelectStar,           // * or t.* over the target: the output columns depend on its schema
  kUsingColumn,          // JOIN .. USING (col) or NATURAL JOIN involving the target
  kColumnAliasList,      // target AS t(a, b): columns renamed by position
  kUnqualifiedTable,     // `user_profile_v1` taken for core.user_profile_v1
  kUnrecognizedMention,  // the name occurs where the parser saw no table or column
  kLexError,             // an unterminated string, comment, ...: left untouched
  kNotParsed,            // a region the parser skipped or nested too deep
};
std::string_view FindingKindName(FindingKind kind);

struct Finding {
  FindingKind kind;
  Span span;
  std::string message;
};

struct TargetUsage {
  std::vector<TableHit> tables;
  std::vector<ColumnHit> columns;
  std::vector<StarHit> stars;
  std::vector<Finding> findings;
};

// Lexes, parses and resolves `text` one statement at a time (memory stays bounded by the largest
// statement) and reports every use of `target` (from ParseTableName). Deterministic; never fails:
// what it cannot prove becomes a Finding.
TargetUsage AnalyzeTargetUsage(std::string_view text, Dialect dialect, const std::vector<NamePart>& target,
                               const ColumnsOf& columns_of);

// True when a table reference `name` denotes `target`: one is a suffix of the other (so
// `users` and `prod.core.users` both denote core.users), compared with the table case rules.
bool TableNameMatches(const std::vector<NamePart>& name, const std::vector<NamePart>& target,
                      Dialect dialect);

}  // namespace skein::sql
