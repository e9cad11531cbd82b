// The queries of a consumer's file that read a dataset (see consumer_queries.h).
#include "verify/consumer_queries.h"

#include <optional>

#include "base/text.h"
#include "data/sql_text.h"
#include "rewrite/embedded.h"
#include "rewrite/rewrite.h"
#include "sql/lexer.h"
#include "sql/resolver.h"
#include "sql/syntax.h"

namespace skein::verify {
namespace {

// Backquotes are BigQuery's (or Spark's) identifier quotes, never ANSI's; reading such text as
// BigQuery keeps `proj.core.t` one name.
sql::Dialect DialectOf(std::string_view sql_text) {
  return sql_text.find('`') == std::string_view::npos ? sql::Dialect::kAnsi : sql::Dialect::kBigQuery;
}

// Queries of one SQL text; `first_line` is the file line its first line is on.
void QueriesInSql(std::string_view text, int first_line, const std::vector<std::string>& datasets,
                  std::vector<ConsumerQuery>* out) {
  sql::Dialect dialect = DialectOf(text);
  sql::SqlSyntax syntax = sql::ParseSql(text, dialect);
  std::vector<std::vector<sql::NamePart>> targets;
  for (const std::string& d : datasets) targets.push_back(sql::ParseTableName(d, dialect));
  sql::LineIndex lines(text);
  for (const sql::Statement& statement : syntax.statements) {
    sql::Span span = statement.span;
    if (statement.kind != sql::StatementKind::kQuery) {
      if (statement.query < 0) continue;
      span = syntax.queries[statement.query].span;  // the SELECT of INSERT/CREATE .. AS
    }
    std::optional<size_t> reads;
    for (size_t t = 0; t < targets.size() && !reads; ++t) {
      for (const sql::Block& block : syntax.blocks) {
        for (const sql::FromItem& item : block.from) {
          bool inside = item.span.begin >= span.begin && item.span.end <= span.end;
          if (inside && item.kind == sql::SourceKind::kTable && item.cte < 0 &&
              item.role == sql::TableRole::kRead && sql::TableNameMatches(item.name, targets[t], dialect)) {
            reads = t;
          }
        }
      }
    }
    if (!reads) continue;
    ConsumerQuery query;
    query.line = first_line + lines.Locate(span.begin).line - 1;
    query.sql = std::string(text.substr(span.begin, span.end - span.begin));
    query.dialect = dialect;
    query.dataset = datasets[*reads];
    out->push_back(std::move(query));
  }
}

// A string literal token's value: prefix letters and quotes off, backslash escapes undone unless
// the literal is raw (r'..', a backquoted Go raw string or JavaScript template).
std::string LiteralValue(std::string_view token) {
  size_t start = 0;
  bool raw = token.starts_with("`");
  while (start < token.size() && token[start] != '\'' && token[start] != '"' && token[start] != '`') {
    if (token[start] == 'r' || token[start] == 'R') raw = true;
    ++start;
  }
  std::string_view body = token.substr(start);
  size_t quote = body.size() >= 6 && (body.starts_with("'''") || body.starts_with("\"\"\"")) ? 3 : 1;
  if (body.size() < 2 * quote) return "";
  body = body.substr(quote, body.size() - 2 * quote);
  std::string value;
  for (size_t i = 0; i < body.size(); ++i) {
    if (raw || body[i] != '\\' || i + 1 == body.size()) {
      value += body[i];
      continue;
    }
    char next = body[++i];
    switch (next) {
      case 'n':
        value += '\n';
        break;
      case 't':
        value += '\t';
        break;
      case 'r':
        value += '\r';
        break;
      case '\\':
      case '\'':
      case '"':
      case '`':
        value += next;
        break;
      default:
        value += '\\';
        value += next;
    }
  }
  return value;
}

bool MentionsAny(std::string_view text, const std::vector<std::string>& datasets) {
  for (const std::string& d : datasets) {
    std::string_view table = d;
    if (size_t dot = table.rfind('.'); dot != std::string_view::npos) table = table.substr(dot + 1);
    if (rewrite_internal::ContainsWord(text, table)) return true;
  }
  return false;
}

void QueriesInCode(FileKind kind, std::string_view text, const std::vector<std::string>& datasets,
                   std::vector<ConsumerQuery>* out) {
  sql::Dialect host = kind == FileKind::kPython ? sql::Dialect::kBigQuery : sql::Dialect::kSpark;
  std::vector<sql::Token> tokens = sql::Lex(text, host);
  sql::LineIndex lines(text);
  for (const sql::Token& token : tokens) {
    std::string_view written = sql::TokenText(text, token);
    bool literal = token.kind == sql::TokenKind::kString ||
                   (token.kind == sql::TokenKind::kQuotedIdentifier && written.starts_with("`"));
    if (!literal || !MentionsAny(written, datasets)) continue;
    QueriesInSql(LiteralValue(written), lines.Locate(token.begin).line, datasets, out);
  }
}

}  // namespace

std::vector<ConsumerQuery> FindDatasetQueries(std::string_view path, std::string_view text,
                                              const std::vector<std::string>& datasets) {
  std::vector<ConsumerQuery> out;
  FileKind kind = DetectFileKind(path, text);
  switch (kind) {
    case FileKind::kSql:
    case FileKind::kDbtModel:
      QueriesInSql(text, 1, datasets, &out);
      break;
    case FileKind::kPython:
    case FileKind::kScala:
    case FileKind::kJava:
    case FileKind::kGo:
    case FileKind::kJavaScript:
      QueriesInCode(kind, text, datasets, &out);
      break;
    default:
      break;
  }
  return out;
}

Result<std::string> RenderDbtJinja(std::string_view sql_text) {
  std::vector<sql::Token> tokens = sql::Lex(sql_text, sql::Dialect::kAnsi);
  std::string out;
  for (const sql::Token& token : tokens) {
    std::string_view written = sql::TokenText(sql_text, token);
    if (token.kind != sql::TokenKind::kJinja) {
      out += written;
      continue;
    }
    if (written.starts_with("{#")) continue;  // a comment
    if (written.starts_with("{%")) {
      return Status::InvalidInput("has dbt Jinja control flow (" + std::string(written.substr(0, 40)) +
                                  "), which only dbt can render");
    }
    // {{ name('a', 'b') }}, whitespace control (`{{-`) allowed: the call read with the lexer.
    std::string_view inner = written.substr(2, written.size() - 4);
    if (inner.starts_with("-")) inner.remove_prefix(1);
    if (inner.ends_with("-")) inner.remove_suffix(1);
    std::vector<sql::Token> call = sql::Lex(inner, sql::Dialect::kBigQuery);
    std::vector<std::string> words;  // the function name, then each string argument
    for (const sql::Token& t : call) {
      std::string_view part = sql::TokenText(inner, t);
      if (t.kind == sql::TokenKind::kIdentifier || t.kind == sql::TokenKind::kKeyword) {
        if (words.empty()) words.emplace_back(part);
      } else if (t.kind == sql::TokenKind::kString) {
        words.push_back(LiteralValue(part));
      }
    }
    std::string name = words.empty() ? "" : ToLower(words[0]);
    if (name == "config") continue;
    if ((name == "source" && words.size() == 3) ||
        (name == "ref" && (words.size() == 2 || words.size() == 3))) {
      // ref('package', 'model') names the model alone.
      std::vector<std::string> parts(words.begin() + (name == "ref" ? words.size() - 1 : 1), words.end());
      std::vector<std::string> quoted;
      for (const std::string& p : parts) quoted.push_back(QuoteIdentifier(p));
      out += Join(quoted, ".");
      continue;
    }
    return Status::InvalidInput("has dbt Jinja (" + std::string(Trim(written.substr(0, 40))) +
                                ") that only dbt can render");
  }
  return out;
}

}  // namespace skein::verify
