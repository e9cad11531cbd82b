// SQL dialects and the lexical and naming rules skein applies for each.
//
// A Dialect picks a DialectRules record; the lexer reads the quoting and comment rules, the
// resolver reads the case rules. The table below is the documentation of what skein assumes:
//
//   rule                      kAnsi (PostgreSQL, DuckDB)  kBigQuery             kSnowflake     kSpark
//   quoted identifier         "a""b"                      `a\`b`, `p.d.t` path  "a""b"         `a``b`
//   string literal            'a''b', E'a\'b', $t$..$t$   'a\'b' "a\"b" r'..'   'a''b' 'a\'b'  'a\'b' "a\"b"
//                                                         b'..' '''..''' """.."""  $$..$$
//   line comment              --                          -- and #              -- and //      --
//   /* */ nests               yes                         no                    no             yes (Spark 3)
//   unquoted identifiers      fold to lower case          as written            fold to upper  as written
//   skein compares tables     folded (quoted: exact)      exact (case matters)  folded         ignoring case
//   skein compares columns    folded (quoted: exact)      ignoring case         folded         ignoring case
//   and aliases / CTE names   folded (quoted: exact)      ignoring case         folded         ignoring case
//
// BigQuery table names (and dataset names) are case-sensitive while its column names, aliases
// and CTE names are not; Spark with its default spark.sql.caseSensitive=false ignores case
// everywhere. Jinja ({{ }}, {% %}, {# #}) is recognized in every dialect, for dbt.
//
// Thread-safety: constant data and pure functions.
#pragma once

#include <optional>
#include <string_view>

namespace skein::sql {

enum class Dialect {
  kAnsi,  // also PostgreSQL and DuckDB
  kBigQuery,
  kSnowflake,
  kSpark,
};

// How an unquoted identifier's case is treated.
enum class CaseFold {
  kLower,       // PostgreSQL, DuckDB: unquoted names fold to lower case; quoted names are exact
  kUpper,       // Snowflake: unquoted names fold to upper case; quoted names are exact
  kInsensitive  // BigQuery (except table names), Spark: case never matters, quoted or not
};

struct DialectRules {
  char identifier_quote;              // '"' or '`'
  bool identifier_quote_doubles;      // "" (or ``) inside a quoted identifier is one quote
  bool identifier_quote_backslash;    // \` inside a quoted identifier escapes it (BigQuery)
  bool quoted_identifier_is_path;     // `project.dataset.table` names three parts (BigQuery)
  bool bracket_quoted_tables;         // legacy SQL's [project:dataset.table] (BigQuery)
  bool double_quoted_strings;         // "..." is a string, not an identifier
  bool backslash_escapes_in_strings;  // '\'' does not end a string
  bool escape_string_prefix;          // E'..' strings with backslash escapes (PostgreSQL)
  bool raw_and_bytes_prefixes;        // r'..', b'..', rb'..' (BigQuery)
  bool triple_quoted_strings;         // '''..''' and """..""" (BigQuery)
  bool dollar_quoted_strings;         // $$..$$ strings
  bool dollar_quote_tags;             // $tag$..$tag$ strings (PostgreSQL, DuckDB)
  bool hash_line_comments;            // # to end of line (BigQuery)
  bool slash_line_comments;           // // to end of line (Snowflake)
  bool nested_block_comments;         // /* /* */ */ is one comment
  bool dollar_in_identifiers;         // a$b is one identifier (PostgreSQL, Snowflake)
  bool dashes_in_table_names;         // my-project.dataset.table (BigQuery)
  CaseFold case_fold;                 // unquoted identifiers (columns, aliases)
  bool table_names_case_sensitive;    // table and schema names compare exactly (BigQuery)
};

const DialectRules& RulesOf(Dialect dialect);

// "ansi", "bigquery", "snowflake", "spark".
std::string_view DialectName(Dialect dialect);

// Accepts the names above plus "postgres", "postgresql" and "duckdb" (as kAnsi), any case.
std::optional<Dialect> ParseDialect(std::string_view name);

// What a name denotes, since BigQuery compares table names and column names differently.
enum class NameKind { kTable, kColumn, kAlias };

// A name as written: its text without quotes (escapes undone) and whether it was quoted.
struct NameText {
  std::string_view text;
  bool quoted = false;
};

// True when `a` and `b` denote the same object under the dialect's case rules. Never allocates.
bool SameName(NameText a, NameText b, NameKind kind, Dialect dialect);

}  // namespace skein::sql
