// The per-dialect rules table and name comparison (see dialect.h for the rules themselves).
#include "sql/dialect.h"

namespace skein::sql {
namespace {

constexpr DialectRules kAnsiRules = {
    .identifier_quote = '"',
    .identifier_quote_doubles = true,
    .identifier_quote_backslash = false,
    .quoted_identifier_is_path = false,
    .bracket_quoted_tables = false,
    .double_quoted_strings = false,
    .backslash_escapes_in_strings = false,
    .escape_string_prefix = true,
    .raw_and_bytes_prefixes = false,
    .triple_quoted_strings = false,
    .dollar_quoted_strings = true,
    .dollar_quote_tags = true,
    .hash_line_comments = false,
    .slash_line_comments = false,
    .nested_block_comments = true,
    .dollar_in_identifiers = true,
    .dashes_in_table_names = false,
    .case_fold = CaseFold::kLower,
    .table_names_case_sensitive = false,
};

constexpr DialectRules kBigQueryRules = {
    .identifier_quote = '`',
    .identifier_quote_doubles = false,
    .identifier_quote_backslash = true,
    .quoted_identifier_is_path = true,
    .bracket_quoted_tables = true,
    .double_quoted_strings = true,
    .backslash_escapes_in_strings = true,
    .escape_string_prefix = false,
    .raw_and_bytes_prefixes = true,
    .triple_quoted_strings = true,
    .dollar_quoted_strings = false,
    .dollar_quote_tags = false,
    .hash_line_comments = true,
    .slash_line_comments = false,
    .nested_block_comments = false,
    .dollar_in_identifiers = false,
    .dashes_in_table_names = true,
    .case_fold = CaseFold::kInsensitive,
    .table_names_case_sensitive = true,
};

constexpr DialectRules kSnowflakeRules = {
    .identifier_quote = '"',
    .identifier_quote_doubles = true,
    .identifier_quote_backslash = false,
    .quoted_identifier_is_path = false,
    .bracket_quoted_tables = false,
    .double_quoted_strings = false,
    .backslash_escapes_in_strings = true,
    .escape_string_prefix = false,
    .raw_and_bytes_prefixes = false,
    .triple_quoted_strings = false,
    .dollar_quoted_strings = true,
    .dollar_quote_tags = false,
    .hash_line_comments = false,
    .slash_line_comments = true,
    .nested_block_comments = false,
    .dollar_in_identifiers = true,
    .dashes_in_table_names = false,
    .case_fold = CaseFold::kUpper,
    .table_names_case_sensitive = false,
};

constexpr DialectRules kSparkRules = {
    .identifier_quote = '`',
    .identifier_quote_doubles = true,
    .identifier_quote_backslash = false,
    .quoted_identifier_is_path = false,
    .bracket_quoted_tables = false,
    .double_quoted_strings = true,
    .backslash_escapes_in_strings = true,
    .escape_string_prefix = false,
    .raw_and_bytes_prefixes = false,
    .triple_quoted_strings = false,
    .dollar_quoted_strings = false,
    .dollar_quote_tags = false,
    .hash_line_comments = false,
    .slash_line_comments = false,
    .nested_block_comments = true,
    .dollar_in_identifiers = false,
    .dashes_in_table_names = false,
    .case_fold = CaseFold::kInsensitive,
    .table_names_case_sensitive = false,
};

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }
char Upper(char c) { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c; }

// The character as the database stores it: unquoted names are folded, quoted ones are not.
char Stored(char c, bool quoted, CaseFold fold) {
  if (quoted) return c;
  return fold == CaseFold::kUpper ? Upper(c) : Lower(c);
}

}  // namespace

const DialectRules& RulesOf(Dialect dialect) {
  switch (dialect) {
    case Dialect::kBigQuery:
      return kBigQueryRules;
    case Dialect::kSnowflake:
      return kSnowflakeRules;
    case Dialect::kSpark:
      return kSparkRules;
    case Dialect::kAnsi:
      break;
  }
  return kAnsiRules;
}

std::string_view DialectName(Dialect dialect) {
  switch (dialect) {
    case Dialect::kBigQuery:
      return "bigquery";
    case Dialect::kSnowflake:
      return "snowflake";
    case Dialect::kSpark:
      return "spark";
    case Dialect::kAnsi:
      break;
  }
  return "ansi";
}

std::optional<Dialect> ParseDialect(std::string_view name) {
  auto is = [name](std::string_view want) {
    if (name.size() != want.size()) return false;
    for (size_t i = 0; i < name.size(); ++i) {
      if (Lower(name[i]) != want[i]) return false;
    }
    return true;
  };
  if (is("ansi") || is("postgres") || is("postgresql") || is("duckdb")) return Dialect::kAnsi;
  if (is("bigquery")) return Dialect::kBigQuery;
  if (is("snowflake")) return Dialect::kSnowflake;
  if (is("spark") || is("sparksql") || is("databricks")) return Dialect::kSpark;
  return std::nullopt;
}

bool SameName(NameText a, NameText b, NameKind kind, Dialect dialect) {
  if (a.text.size() != b.text.size()) return false;
  const DialectRules& rules = RulesOf(dialect);
  if (kind == NameKind::kTable && rules.table_names_case_sensitive) return a.text == b.text;
  for (size_t i = 0; i < a.text.size(); ++i) {
    char x = a.text[i];
    char y = b.text[i];
    if (rules.case_fold == CaseFold::kInsensitive) {
      if (Lower(x) != Lower(y)) return false;
    } else if (Stored(x, a.quoted, rules.case_fold) != Stored(y, b.quoted, rules.case_fold)) {
      return false;
    }
  }
  return true;
}

}  // namespace skein::sql
