// The scope layer: which tables, aliases, CTEs and column references a SQL text contains, and in
// which query block each one sits. Built over the lexer's tokens by a tolerant recursive-descent
// parser that records spans into the original text and never regenerates SQL.
//
// What it understands: SELECT blocks (select list, FROM, WHERE, GROUP BY, HAVING, QUALIFY,
// WINDOW, ORDER BY, LIMIT), UNION/INTERSECT/EXCEPT, WITH [RECURSIVE] CTEs, FROM items (dotted
// table names, BigQuery `p.d.t` paths and dashed project names, aliases with column lists,
// joins with ON/USING/NATURAL, derived tables, LATERAL, table functions, VALUES, dbt
// {{ source() }} / {{ ref() }}), subqueries in expressions (correlated ones see their outer
// blocks), `*` and `t.*` with EXCEPT/EXCLUDE/REPLACE/RENAME, INSERT, UPDATE, DELETE, MERGE,
// CREATE TABLE/VIEW .. AS, DROP/ALTER/TRUNCATE. What it does not understand it skips to the next
// `;` and lists in SqlSyntax::skipped; it never fails and never throws.
//
// Contracts: every Span is a byte range of the parsed text. Indices (block, query, cte) index the
// vectors of the same SqlSyntax. CTE references are bound while parsing (FromItem::cte), with
// the dialect's case rules, so a CTE named like a real table shadows it.
//
// Thread-safety: ParseSql is a pure function; a SqlSyntax is a plain value.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sql/dialect.h"
#include "sql/lexer.h"

namespace skein::sql {

struct Span {
  uint32_t begin = 0;
  uint32_t end = 0;
  bool empty() const { return begin == end; }
  friend bool operator==(const Span&, const Span&) = default;
};

// One part of a dotted name.
struct NamePart {
  std::string name;  // without quotes, escapes undone, case as written
  bool quoted = false;
  Span span;                    // the part's bytes, quotes included (except in_quoted_path)
  bool in_quoted_path = false;  // one of several parts sharing a BigQuery quote: `p.d.t`
  NameText text() const { return {name, quoted}; }
};

enum class Clause : uint8_t {
  kSelect,
  kFrom,  // table function arguments, FOR SYSTEM_TIME AS OF
  kJoinOn,
  kUsing,
  kWhere,
  kGroupBy,
  kHaving,
  kQualify,
  kWindow,
  kOrderBy,
  kLimit,
  kStarModifier,  // the names in * EXCEPT (..), EXCLUDE, REPLACE (.. AS name), RENAME
  kValues,
  kInsertColumns,  // INSERT INTO t (a, b) and MERGE's INSERT (a, b)
  kSet,            // UPDATE SET a = .., the a
  kOther,          // RETURNING, MERGE conditions and values, ON CONFLICT
};
std::string_view ClauseName(Clause clause);

struct ColumnRef {
  std::vector<NamePart> parts;  // col, t.col, s.t.col, t.col.field (the resolver splits them)
  Span span;
  Clause clause = Clause::kSelect;
  int block = -1;
  int forced_item = -1;  // when >= 0 the column belongs to this FROM item (INSERT/SET targets)
  // ORDER BY after UNION/INTERSECT/EXCEPT: names an output column of the set operation, whose
  // names are its first SELECT's (`block` is that first block).
  bool set_output = false;
};

enum class SourceKind : uint8_t {
  kTable,     // a named table or view, or a CTE when FromItem::cte >= 0
  kDerived,   // (subquery) or (VALUES ..)
  kFunction,  // a table function, UNNEST(..), TABLE(..): an opaque source
  kJinja,     // an opaque {{ .. }} that is not source() or ref()
};

enum class TableRole : uint8_t { kRead, kWrite, kDdl };

enum class JinjaCall : uint8_t { kNone, kSource, kRef };

struct FromItem {
  SourceKind kind = SourceKind::kTable;
  TableRole role = TableRole::kRead;
  std::vector<NamePart> name;  // kTable: the table; kFunction: the function; source(): its args
  Span name_span;              // the whole name (for a Jinja source: the whole {{ }} token)
  JinjaCall jinja = JinjaCall::kNone;
  int cte = -1;    // the CTE this name denotes, if any
  int query = -1;  // kDerived: the subquery
  std::optional<NamePart> alias;
  std::vector<NamePart> column_aliases;  // t(a, b)
  std::vector<NamePart> using_columns;   // JOIN .. USING (a, b) that brought this item in
  bool natural_join = false;
  Span span;  // the whole item, alias included
};

struct SelectItem {
  Span span;  // the expression (for a star: `*` or `t.*`), without the alias
  std::optional<NamePart> alias;
  bool star = false;
  std::vector<NamePart> star_qualifier;  // t in t.*
  Span star_modifiers;                   // EXCEPT (..) / EXCLUDE .. / REPLACE (..) / RENAME (..)
  int column_ref = -1;                   // the expression is exactly this one ColumnRef
};

// One SELECT (or VALUES), or the scope of an INSERT/UPDATE/DELETE/MERGE/CREATE/DROP target.
struct Block {
  int query = -1;        // the query it is a term of; -1 for a statement's own block
  int outer_block = -1;  // the block a correlated reference looks into next
  std::vector<FromItem> from;
  std::vector<SelectItem> select;
  Span span;
};

// A query expression: [WITH ..] term [UNION ..term].. [ORDER BY ..] [LIMIT ..].
struct Query {
  std::vector<int> ctes;
  std::vector<int> blocks;  // the SELECT blocks directly in it, left to right
  int output_block = -1;    // the block whose select list names the query's columns
  int outer_block = -1;     // enclosing block for correlation; -1 for none
  Span span;
};

struct Cte {
  NamePart name;
  std::vector<NamePart> columns;
  int query = -1;
  bool recursive = false;
  Span span;
};

enum class StatementKind : uint8_t { kQuery, kInsert, kUpdate, kDelete, kMerge, kCreate, kDdl, kOther };

struct Statement {
  StatementKind kind = StatementKind::kOther;
  int query = -1;  // the statement's query, if any
  int block = -1;  // the statement's own block (targets of INSERT/UPDATE/...), if any
  Span span;
};

struct SqlSyntax {
  Dialect dialect = Dialect::kAnsi;
  std::vector<Statement> statements;
  std::vector<Query> queries;
  std::vector<Block> blocks;
  std::vector<Cte> ctes;
  std::vector<ColumnRef> columns;
  std::vector<Span> lex_errors;  // kError tokens: unterminated strings, comments, ...
  std::vector<Span> skipped;     // token ranges the parser did not understand
  std::vector<Span> too_deep;    // nesting beyond the parser's depth limit, skipped
};

// Lexes and parses a whole text.
SqlSyntax ParseSql(std::string_view text, Dialect dialect);

// Parses `tokens` (all tokens of a part of `text`, trivia included, e.g. one statement) and
// appends what it finds to `out`; offsets stay those of `text`.
void ParseTokens(std::string_view text, std::span<const Token> tokens, SqlSyntax* out);

// Conservative and cheap: false guarantees that ParseTokens(text, tokens, ..) records no
// `too_deep` span. It counts opening brackets and statement keywords (every nesting level of the
// parser but a few consumes one), so it may say true for a long statement that nests shallowly.
bool MayNestTooDeeply(std::string_view text, std::span<const Token> tokens);

// Splits a dotted name written in the dialect ("core.user_profile_v1", "`p.d.t`",
// "\"Core\".users") into parts; empty when it is not a name.
std::vector<NamePart> ParseTableName(std::string_view name, Dialect dialect);

}  // namespace skein::sql
