// The parse verifier: every SQL file the change adds or modifies still parses.
//
// DuckDB/ANSI/PostgreSQL text goes to DuckDB's own parser through json_serialize_sql, which parses
// without binding (the consumer's tables do not exist here) and reports a parser error with its
// byte position. dbt models are rendered first, minimally: source() and ref() become the names
// they denote, config() disappears; a model with {% %} blocks cannot be rendered this way and is
// not checked. Other dialects go through skein's own SQL reader (sql/syntax.h). A file that did
// not parse before the change is not the change's fault: it is noted, not failed.
#include <cctype>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "base/text.h"
#include "data/duckdb_conn.h"
#include "data/sql_text.h"
#include "rewrite/rewrite.h"
#include "sql/lexer.h"
#include "sql/syntax.h"
#include "verify/verifiers.h"

namespace skein::verify {
namespace {

struct ParseError {
  uint32_t offset = 0;
  std::string message;
};

// What reading a text gave: nullopt when it cannot be checked (with why), else its errors.
struct ParseOutcome {
  std::optional<std::string> unchecked;
  std::vector<ParseError> errors;
};

// The quoted string arguments of `name(...)` in a Jinja expression, or nullopt when the
// expression is not such a call with only string literal arguments.
std::optional<std::vector<std::string>> StringArgs(std::string_view expr, std::string_view name) {
  if (!expr.starts_with(name)) return std::nullopt;
  std::string_view rest = Trim(expr.substr(name.size()));
  if (!rest.starts_with("(") || !rest.ends_with(")")) return std::nullopt;
  rest = rest.substr(1, rest.size() - 2);
  std::vector<std::string> args;
  size_t pos = 0;
  while (true) {
    while (pos < rest.size() && std::isspace(static_cast<unsigned char>(rest[pos]))) ++pos;
    if (pos == rest.size()) break;
    char quote = rest[pos];
    if (quote != '\'' && quote != '"') return std::nullopt;
    size_t close = rest.find(quote, pos + 1);
    if (close == std::string_view::npos) return std::nullopt;
    args.emplace_back(rest.substr(pos + 1, close - pos - 1));
    pos = close + 1;
    while (pos < rest.size() && std::isspace(static_cast<unsigned char>(rest[pos]))) ++pos;
    if (pos == rest.size()) break;
    if (rest[pos] != ',') return std::nullopt;
    ++pos;
  }
  return args;
}

// What a Jinja tag renders to, or nullopt when this minimal renderer cannot say.
std::optional<std::string> RenderTag(std::string_view tag) {
  if (tag.starts_with("{#")) return std::string();
  if (!tag.starts_with("{{") || !tag.ends_with("}}") || tag.size() < 4) return std::nullopt;
  std::string_view expr = tag.substr(2, tag.size() - 4);
  if (expr.starts_with("-")) expr.remove_prefix(1);
  if (expr.ends_with("-")) expr.remove_suffix(1);
  expr = Trim(expr);
  if (expr.starts_with("config") && Trim(expr.substr(6)).starts_with("(")) return std::string();
  if (auto args = StringArgs(expr, "source"); args && args->size() == 2) return (*args)[0] + "." + (*args)[1];
  if (auto args = StringArgs(expr, "ref"); args && !args->empty() && args->size() <= 2) return args->back();
  return std::nullopt;
}

// The model with its Jinja rendered. Each tag's replacement is padded to the tag's length, newlines
// kept, so every offset DuckDB reports is an offset of the file as written.
struct Rendered {
  std::string text;
  std::optional<std::string> unrenderable;  // why the model cannot be rendered
};
Rendered RenderDbt(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  uint32_t copied = 0;
  for (const sql::Token& token : sql::Lex(text, sql::Dialect::kAnsi)) {
    if (token.kind != sql::TokenKind::kJinja) continue;
    std::string_view tag = sql::TokenText(text, token);
    std::optional<std::string> rendered = RenderTag(tag);
    if (!rendered || rendered->size() > tag.size()) {
      return {"", "Jinja " + std::string(tag.substr(0, 2)) + " .. " +
                      std::string(tag.substr(tag.size() - 2)) + " that a minimal renderer cannot expand"};
    }
    out.append(text.substr(copied, token.begin - copied));
    out += *rendered;
    for (size_t i = rendered->size(); i < tag.size(); ++i) out += tag[i] == '\n' ? '\n' : ' ';
    copied = token.end;
  }
  out.append(text.substr(copied));
  return {std::move(out), std::nullopt};
}

// DuckDB opened on first use: a thread that never parses ANSI SQL files never starts it.
class DuckDbParser {
 public:
  Result<duckdb_internal::DuckDb*> Get() {
    if (!open_) {
      RETURN_IF_ERROR(db_.Open({{"autoinstall_known_extensions", "false"}, {"threads", "1"}}));
      open_ = true;
    }
    return &db_;
  }

 private:
  duckdb_internal::DuckDb db_;
  bool open_ = false;
};

// DuckDB's parser over `text`: json_serialize_sql reports a parse failure as error_type "parser"
// with a position; any other error (a statement it cannot serialize) means the text parsed.
Result<ParseOutcome> ParseWithDuckDb(duckdb_internal::DuckDb& db, std::string_view text) {
  ASSIGN_OR_RETURN(RowSet rows, db.Query("SELECT json_serialize_sql(" + QuoteLiteral(text) + ")"));
  ParseOutcome outcome;
  if (rows.rows.empty() || rows.rows[0].empty() || !rows.rows[0][0]) return outcome;
  nlohmann::json json = nlohmann::json::parse(*rows.rows[0][0], nullptr, /*allow_exceptions=*/false);
  if (!json.is_object() || !json.value("error", false) || json.value("error_type", "") != "parser") {
    return outcome;
  }
  ParseError error;
  error.message = json.value("error_message", "syntax error");
  std::string position = json.value("position", "0");
  error.offset = static_cast<uint32_t>(
      std::min<unsigned long>(std::strtoul(position.c_str(), nullptr, 10), text.size()));
  outcome.errors.push_back(std::move(error));
  return outcome;
}

// skein's reader: unterminated tokens, statements it could not read, nesting it gave up on.
ParseOutcome ParseWithSkein(std::string_view text, sql::Dialect dialect) {
  ParseOutcome outcome;
  sql::SqlSyntax syntax = sql::ParseSql(text, dialect);
  if (!syntax.lex_errors.empty()) {
    for (const sql::Token& token : sql::Lex(text, dialect)) {
      if (token.kind == sql::TokenKind::kError) {
        outcome.errors.push_back({token.begin, std::string(sql::ErrorMessage(token))});
      }
    }
  }
  for (const sql::Span& span : syntax.skipped) {
    std::string_view excerpt = Trim(text.substr(span.begin, std::min<uint32_t>(span.end - span.begin, 40)));
    excerpt = excerpt.substr(0, excerpt.find('\n'));
    outcome.errors.push_back({span.begin, std::string(sql::DialectName(dialect)) +
                                              " statement not understood near \"" + std::string(excerpt) +
                                              "\""});
  }
  for (const sql::Span& span : syntax.too_deep) outcome.errors.push_back({span.begin, "nested too deeply"});
  return outcome;
}

class ParseVerifier : public Verifier {
 public:
  std::string Name() const override { return "parse"; }

  VerifierResult Verify(const VerifyContext& context) override {
    VerifierResult result;
    result.verifier = Name();
    nlohmann::json notes = nlohmann::json::array();
    int checked = 0;
    int considered = 0;
    // One parser per thread, kept for the thread's life: opening DuckDB costs more than parsing a
    // consumer's files, and a worker verifies many consumers. Only json_serialize_sql runs in it.
    thread_local DuckDbParser duckdb;
    for (const vcs::FileChange& change : context.changes) {
      if (change.kind == vcs::FileChange::Kind::kDeleted) continue;
      FileKind kind = DetectFileKind(change.path, change.after);
      if (kind != FileKind::kSql && kind != FileKind::kDbtModel) continue;
      ++considered;
      Result<ParseOutcome> after = Parse(duckdb, change.after, kind);
      if (!after.ok()) return Broken(std::move(result), change.path, after.status());
      if (after->unchecked) {
        notes.push_back(change.path + ": not checked: " + *after->unchecked);
        continue;
      }
      ++checked;
      if (after->errors.empty()) continue;
      size_t before_errors = 0;
      if (change.kind == vcs::FileChange::Kind::kModified) {
        FileKind before_kind = DetectFileKind(change.path, change.before);
        Result<ParseOutcome> before = Parse(duckdb, change.before, before_kind);
        if (!before.ok()) return Broken(std::move(result), change.path, before.status());
        before_errors = before->unchecked ? 0 : before->errors.size();
        if (before->unchecked) {
          notes.push_back(change.path + ": its original could not be checked: " + *before->unchecked);
        }
      }
      // Comparing counts, not positions: the change moves text, so the same old error sits elsewhere.
      if (before_errors > 0 && after->errors.size() <= before_errors) {
        notes.push_back(change.path + ": did not parse before the change either");
        continue;
      }
      sql::LineIndex index(change.after);
      for (const ParseError& error : after->errors) {
        sql::LineCol at = index.Locate(error.offset);
        result.lines.push_back(change.path + ":" + std::to_string(at.line) + ":" + std::to_string(at.col) +
                               ": " + error.message);
      }
    }
    if (!notes.empty()) result.evidence["notes"] = notes;
    if (!result.lines.empty()) {
      result.outcome = Outcome::kFail;
      result.summary = std::to_string(result.lines.size()) + " parse error(s) in changed SQL files";
    } else if (checked > 0) {
      result.outcome = Outcome::kPass;
      result.summary = std::to_string(checked) + " changed SQL file(s) parse";
      if (checked < considered)
        result.summary += "; " + std::to_string(considered - checked) + " not checked";
    } else {
      result.outcome = Outcome::kNotApplicable;
      result.summary = considered == 0 ? "no SQL file changed" : "no changed SQL file could be checked";
    }
    return result;
  }

 private:
  static Result<ParseOutcome> Parse(DuckDbParser& duckdb, std::string_view text, FileKind kind) {
    sql::Dialect dialect = SqlDialectHint(text).value_or(sql::Dialect::kAnsi);
    if (dialect != sql::Dialect::kAnsi) return ParseWithSkein(text, dialect);
    std::string rendered;
    if (kind == FileKind::kDbtModel) {
      Rendered render = RenderDbt(text);
      if (render.unrenderable) return ParseOutcome{render.unrenderable, {}};
      rendered = std::move(render.text);
      text = rendered;
    }
    ASSIGN_OR_RETURN(duckdb_internal::DuckDb * db, duckdb.Get());
    return ParseWithDuckDb(*db, text);
  }

  static VerifierResult Broken(VerifierResult result, const std::string& path, const Status& status) {
    // The parser itself could not run: not the change's fault, and not a pass either.
    result.outcome = Outcome::kNotApplicable;
    result.summary = "cannot run DuckDB's parser on " + path + ": " + status.message();
    return result;
  }
};

}  // namespace

std::unique_ptr<Verifier> MakeParseVerifier() { return std::make_unique<ParseVerifier>(); }

}  // namespace skein::verify
