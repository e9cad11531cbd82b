// SQL quoting and the fragment guard (see sql_text.h).
#include "data/sql_text.h"

#include <cctype>
#include <utility>

#include <vector>

#include "base/text.h"

namespace skein {
namespace {

std::string Quote(std::string_view text, char quote) {
  std::string out(1, quote);
  for (char c : text) {
    out += c;
    if (c == quote) out += quote;
  }
  out += quote;
  return out;
}

// Skips a quoted run starting at text[i] (the opening quote); returns the index after the
// closing quote, or npos when it is never closed. A doubled quote is an escaped quote.
size_t SkipQuoted(std::string_view text, size_t i) {
  char quote = text[i];
  for (size_t j = i + 1; j < text.size(); ++j) {
    if (text[j] != quote) continue;
    if (j + 1 < text.size() && text[j + 1] == quote) {
      ++j;
      continue;
    }
    return j + 1;
  }
  return std::string_view::npos;
}

}  // namespace

std::string QuoteIdentifier(std::string_view name) { return Quote(name, '"'); }
std::string QuoteLiteral(std::string_view text) { return Quote(text, '\''); }

std::string QuoteQualifiedName(std::string_view dotted) {
  std::vector<std::string> parts;
  for (const auto& part : Split(dotted, '.', /*skip_empty=*/false)) parts.push_back(QuoteIdentifier(part));
  return Join(parts, ".");
}

Status CheckSqlFragment(std::string_view fragment) {
  if (Trim(fragment).empty()) return Status::InvalidInput("empty SQL expression");
  std::vector<char> open;  // the closing bracket each open one expects
  size_t i = 0;
  while (i < fragment.size()) {
    char c = fragment[i];
    if (c == '\'' || c == '"') {
      size_t end = SkipQuoted(fragment, i);
      if (end == std::string_view::npos) {
        return Status::InvalidInput(
            std::string(c == '\'' ? "unterminated string literal" : "unterminated quoted identifier"));
      }
      i = end;
      continue;
    }
    if (fragment.substr(i, 2) == "--") {
      size_t end = fragment.find('\n', i);
      i = end == std::string_view::npos ? fragment.size() : end + 1;
      continue;
    }
    if (fragment.substr(i, 2) == "/*") {
      size_t end = fragment.find("*/", i + 2);
      if (end == std::string_view::npos) return Status::InvalidInput("unterminated /* comment");
      i = end + 2;
      continue;
    }
    if (c == ';') return Status::InvalidInput("';' is not allowed: an expression is not a statement");
    if (c == '(') open.push_back(')');
    if (c == '[') open.push_back(']');
    if (c == '{') open.push_back('}');
    if (c == ')' || c == ']' || c == '}') {
      if (open.empty() || open.back() != c)
        return Status::InvalidInput(std::string("unbalanced '") + c + "'");
      open.pop_back();
    }
    ++i;
  }
  if (!open.empty()) return Status::InvalidInput(std::string("missing '") + open.back() + "'");
  return Status::Ok();
}

std::string PostgresTypeName(std::string_view duckdb_type) {
  std::string type(duckdb_type);
  while (!type.empty() && type.back() == ' ') type.pop_back();
  if (type.size() > 2 && type.ends_with("[]"))
    return PostgresTypeName(type.substr(0, type.size() - 2)) + "[]";
  std::string upper;
  for (char c : type) upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  static const std::pair<const char*, const char*> kNames[] = {{"DOUBLE", "DOUBLE PRECISION"},
                                                               {"FLOAT", "REAL"},
                                                               {"FLOAT4", "REAL"},
                                                               {"FLOAT8", "DOUBLE PRECISION"},
                                                               {"TINYINT", "SMALLINT"},
                                                               {"UTINYINT", "SMALLINT"},
                                                               {"USMALLINT", "INTEGER"},
                                                               {"UINTEGER", "BIGINT"},
                                                               {"UBIGINT", "NUMERIC(20,0)"},
                                                               {"HUGEINT", "NUMERIC(38,0)"},
                                                               {"UHUGEINT", "NUMERIC(39,0)"},
                                                               {"BLOB", "BYTEA"},
                                                               {"TIMESTAMP_S", "TIMESTAMP"},
                                                               {"TIMESTAMP_MS", "TIMESTAMP"},
                                                               {"TIMESTAMP_NS", "TIMESTAMP"},
                                                               {"TIMESTAMP WITH TIME ZONE", "TIMESTAMPTZ"},
                                                               {"STRING", "TEXT"}};
  for (const auto& [duck, pg] : kNames) {
    if (upper == duck) return pg;
  }
  return type;
}

}  // namespace skein
