// Sample queries: run on v1, rewritten onto v2, results compared (see sample_queries.h).
#include "dataset/sample_queries.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <optional>

#include "base/text.h"
#include "data/postgres_schema.h"
#include "data/sql_text.h"
#include "rewrite/rewrite.h"
#include "sql/lexer.h"
#include "sql/resolver.h"
#include "sql/syntax.h"

namespace skein::dataset::internal {
namespace {

constexpr sql::Dialect kDialect = sql::Dialect::kAnsi;  // DuckDB and PostgreSQL

using Row = std::vector<Value>;

// The names and types (DuckDB's spelling) of the columns `select` returns, without running it.
Result<Schema> DescribeSelect(SqlEngine& engine, const std::string& select) {
  Schema schema;
  if (engine.kind() == EngineKind::kDuckDb) {
    ASSIGN_OR_RETURN(RowSet rows, engine.Query("DESCRIBE " + select));
    for (const auto& row : rows.rows)
      schema.columns.push_back({row.at(0).value_or(""), row.at(1).value_or("")});
    return schema;
  }
  // PostgreSQL describes relations, not queries: a temporary view of this session stands in.
  const std::string view = QuoteIdentifier("skein_sample_probe");
  RETURN_IF_ERROR(engine.Execute("DROP VIEW IF EXISTS pg_temp." + view));
  RETURN_IF_ERROR(engine.Execute("CREATE TEMPORARY VIEW " + view + " AS " + select));
  Result<RowSet> rows = engine.Query(
      "SELECT column_name, data_type, udt_name, CAST(numeric_precision AS text), CAST(numeric_scale AS text) "
      "FROM information_schema.columns WHERE table_name = 'skein_sample_probe' AND table_schema = (SELECT "
      "nspname FROM pg_namespace WHERE oid = pg_my_temp_schema()) ORDER BY ordinal_position");
  (void)engine.Execute("DROP VIEW IF EXISTS pg_temp." + view);
  RETURN_IF_ERROR(rows.status());
  for (const auto& row : rows->rows) {
    schema.columns.push_back(
        {row.at(0).value_or(""), DuckDbTypeForPostgres(row.at(1).value_or(""), row.at(2).value_or(""),
                                                       row.at(3).value_or(""), row.at(4).value_or(""))});
  }
  return schema;
}

// `text` with every FROM item that names `dataset` reading `relation` instead, as
// `(SELECT * FROM relation) [AS last_name_part]` so that the query's own alias, or the table's
// name when it has none, still qualifies its columns; `core.t.col` becomes `t.col`. InvalidInput
// saying why when the text is not one SELECT over `dataset` alone.
Result<std::string> ReadFrom(std::string_view text, const std::string& dataset, std::string_view relation,
                             const std::vector<std::string>& columns) {
  sql::SqlSyntax syntax = sql::ParseSql(text, kDialect);
  if (!syntax.lex_errors.empty()) {
    sql::Span bad = syntax.lex_errors.front();
    return Status::InvalidInput(
        "cannot be read at byte " + std::to_string(bad.begin + 1) + ": " +
        std::string(text.substr(bad.begin, std::min<uint32_t>(bad.end - bad.begin, 20))));
  }
  if (syntax.statements.size() != 1 || syntax.statements[0].kind != sql::StatementKind::kQuery) {
    return Status::InvalidInput("is not one SELECT statement");
  }
  if (!syntax.skipped.empty() || !syntax.too_deep.empty()) {
    return Status::InvalidInput(
        "has parts skein's SQL parser does not understand, so what it reads is unknown");
  }
  std::vector<sql::NamePart> target = sql::ParseTableName(dataset, kDialect);
  std::vector<Edit> edits;
  std::vector<sql::ItemRef> renamed;  // items that now go by their last name part
  for (size_t b = 0; b < syntax.blocks.size(); ++b) {
    const std::vector<sql::FromItem>& items = syntax.blocks[b].from;
    for (size_t i = 0; i < items.size(); ++i) {
      const sql::FromItem& item = items[i];
      std::string written(text.substr(item.name_span.begin, item.name_span.end - item.name_span.begin));
      if (item.kind == sql::SourceKind::kFunction || item.kind == sql::SourceKind::kJinja) {
        return Status::InvalidInput("reads " + written + ", which is not " + dataset +
                                    ": a sample query reads the from-dataset only");
      }
      if (item.kind != sql::SourceKind::kTable || item.cte >= 0) continue;
      if (!sql::TableNameMatches(item.name, target, kDialect)) {
        return Status::InvalidInput("reads " + written + ", which is not " + dataset +
                                    ": a sample query reads the from-dataset only");
      }
      std::string after = "(SELECT * FROM " + std::string(relation) + ")";
      if (!item.alias) {
        sql::Span last = item.name.back().span;
        after += " AS " + std::string(text.substr(last.begin, last.end - last.begin));
        renamed.push_back({static_cast<int>(b), static_cast<int>(i)});
      }
      edits.push_back({item.name_span.begin, item.name_span.end, written, std::move(after), "relation"});
    }
  }
  if (edits.empty()) return Status::InvalidInput("does not read " + dataset);

  // `core.t.col` and `core.t.*` over an item that now goes by `t`: the leading parts go.
  auto drop_leading = [&](const std::vector<sql::NamePart>& qualifier) {
    sql::Span from{qualifier.front().span.begin, qualifier.back().span.begin};
    edits.push_back(
        {from.begin, from.end, std::string(text.substr(from.begin, from.end - from.begin)), "", ""});
  };
  sql::ColumnsOf columns_of =
      [&](const std::vector<sql::NamePart>& name) -> std::optional<std::vector<std::string>> {
    if (sql::TableNameMatches(name, target, kDialect)) return columns;
    return std::nullopt;
  };
  std::vector<sql::ColumnResolution> resolved = sql::Resolve(syntax, columns_of);
  for (size_t c = 0; c < resolved.size(); ++c) {
    const sql::ColumnRef& ref = syntax.columns[c];
    bool by_name = std::find(renamed.begin(), renamed.end(), resolved[c].source) != renamed.end();
    if (resolved[c].kind == sql::ResolutionKind::kResolved && by_name && resolved[c].column_part >= 2) {
      drop_leading({ref.parts.begin(), ref.parts.begin() + resolved[c].column_part});
    }
  }
  for (const sql::Block& block : syntax.blocks) {
    for (const sql::SelectItem& item : block.select) {
      if (item.star && item.star_qualifier.size() >= 2 &&
          sql::TableNameMatches(item.star_qualifier, target, kDialect)) {
        drop_leading(item.star_qualifier);
      }
    }
  }
  std::sort(edits.begin(), edits.end(), [](const Edit& a, const Edit& b) { return a.begin < b.begin; });
  return ApplyEdits(text, edits);
}

// Whether the statement orders its result: an ORDER BY outside every bracket (one inside belongs
// to a subquery, a window or an aggregate).
bool OrdersItsResult(std::string_view text) {
  std::vector<sql::Token> tokens = sql::Lex(text, kDialect);
  int depth = 0;
  bool after_order = false;
  for (const sql::Token& token : tokens) {
    if (sql::IsTrivia(token.kind)) continue;
    std::string_view word = sql::TokenText(text, token);
    bool is_word = token.kind == sql::TokenKind::kKeyword || token.kind == sql::TokenKind::kIdentifier;
    if (word == "(") ++depth;
    if (word == ")") --depth;
    if (depth == 0 && after_order && is_word && EqualsIgnoreCase(word, "BY")) return true;
    after_order = depth == 0 && is_word && EqualsIgnoreCase(word, "ORDER");
  }
  return false;
}

// How a result column's values compare.
enum class Comparison { kText, kExact, kDouble, kFloat };

Comparison NumericKind(std::string_view type) {
  std::string t = ToLower(Trim(type));
  static const char* kExact[] = {"tinyint",  "smallint",  "integer",  "bigint",  "hugeint",
                                 "utinyint", "usmallint", "uinteger", "ubigint", "uhugeint"};
  for (const char* e : kExact) {
    if (t == e) return Comparison::kExact;
  }
  if (t.starts_with("decimal") || t.starts_with("numeric")) return Comparison::kExact;
  if (t == "double" || t == "float8") return Comparison::kDouble;
  if (t == "float" || t == "real" || t == "float4") return Comparison::kFloat;
  return Comparison::kText;
}

Comparison ColumnComparison(std::string_view v1_type, std::string_view v2_type) {
  Comparison a = NumericKind(v1_type), b = NumericKind(v2_type);
  if (a == Comparison::kText || b == Comparison::kText) return Comparison::kText;
  if (a == Comparison::kFloat || b == Comparison::kFloat) return Comparison::kFloat;
  if (a == Comparison::kDouble || b == Comparison::kDouble) return Comparison::kDouble;
  return Comparison::kExact;
}

// A plain decimal number: [+-]digits[.digits][e[+-]digits], at least one mantissa digit.
bool IsNumber(std::string_view s, bool* has_exponent) {
  size_t i = 0, digits = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) ++digits;
  if (i < s.size() && s[i] == '.') {
    for (++i; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) ++digits;
  }
  if (digits == 0) return false;
  *has_exponent = i < s.size() && (s[i] == 'e' || s[i] == 'E');
  if (*has_exponent) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    size_t exponent = 0;
    for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) ++exponent;
    if (exponent == 0) return false;
  }
  return i == s.size();
}

// 5, 5.0, 5.00 and +005 -> "5"; -0.50 -> "-0.5". Exact: no rounding.
std::string ExactNumber(std::string_view s) {
  bool negative = !s.empty() && s[0] == '-';
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) s.remove_prefix(1);
  size_t dot = s.find('.');
  std::string whole(s.substr(0, dot));
  std::string fraction(dot == std::string_view::npos ? "" : s.substr(dot + 1));
  whole.erase(0, std::min(whole.find_first_not_of('0'), whole.size()));
  while (!fraction.empty() && fraction.back() == '0') fraction.pop_back();
  if (whole.empty()) whole = "0";
  std::string out = whole + (fraction.empty() ? "" : "." + fraction);
  return negative && out != "0" ? "-" + out : out;
}

std::string RoundedNumber(std::string_view s, int digits) {
  double value = std::strtod(std::string(s).c_str(), nullptr);
  if (!std::isfinite(value)) return std::string(s);
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*g", digits, value);
  std::string out = buffer;
  return out == "-0" ? "0" : out;
}

Value Canonical(const Value& value, Comparison how) {
  bool exponent = false;
  if (!value || how == Comparison::kText || !IsNumber(*value, &exponent)) return value;
  if (how == Comparison::kExact && !exponent) return ExactNumber(*value);
  return RoundedNumber(*value, how == Comparison::kFloat ? 6 : 15);
}

struct Side {
  std::string sql;
  Schema schema;
  std::vector<Row> rows;
  std::vector<Row> canonical;
};

// Runs `sql`, keeping at most kMaxSampleQueryRows rows.
Status RunSide(SqlEngine& engine, Side& side) {
  ASSIGN_OR_RETURN(side.schema, DescribeSelect(engine, side.sql));
  bool too_many = false;
  Status scanned = engine.Scan(side.sql, 4096, [&](const RowSet& batch) {
    if (side.rows.size() + batch.rows.size() > kMaxSampleQueryRows) {
      too_many = true;
      return Status::InvalidInput("too many rows");
    }
    side.rows.insert(side.rows.end(), batch.rows.begin(), batch.rows.end());
    return Status::Ok();
  });
  if (too_many) {
    return Status::InvalidInput(
        "returns more than " + std::to_string(kMaxSampleQueryRows) +
        " rows; a sample query returns a sample (aggregate, or LIMIT after an ORDER BY)");
  }
  if (!scanned.ok()) {
    // DuckDB's Scan loses the message of an error raised while the query runs ("unknown DuckDB
    // error"): Query, which keeps it, runs the failing statement once more to say what it was.
    Result<RowSet> again = engine.Query(side.sql);
    if (!again.ok()) return again.status();
  }
  return scanned;
}

std::string Show(const Row& row) {
  std::vector<std::string> values;
  for (const Value& v : row) values.push_back(v ? *v : "NULL");
  return "(" + Join(values, ", ") + ")";
}

std::vector<std::string> Names(const Schema& schema) {
  std::vector<std::string> names;
  for (const Column& c : schema.columns) names.push_back(c.name);
  return names;
}

// Rows of one side that the other lacks, as a multiset difference: (row, times).
std::vector<std::pair<const Row*, size_t>> OnlyIn(const Side& a, const Side& b) {
  auto sorted = [](const Side& s) {
    std::vector<size_t> order(s.canonical.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t x, size_t y) { return s.canonical[x] < s.canonical[y]; });
    return order;
  };
  std::vector<size_t> as = sorted(a), bs = sorted(b);
  std::vector<std::pair<const Row*, size_t>> out;
  size_t j = 0;
  for (size_t i = 0; i < as.size();) {
    const Row& row = a.canonical[as[i]];
    size_t count_a = 0, count_b = 0;
    for (; i < as.size() && a.canonical[as[i]] == row; ++i) ++count_a;
    while (j < bs.size() && b.canonical[bs[j]] < row) ++j;
    for (; j < bs.size() && b.canonical[bs[j]] == row; ++j) ++count_b;
    if (count_a > count_b) out.push_back({&a.rows[as[i - 1]], count_a - count_b});
  }
  return out;
}

std::string ShowOnly(const std::vector<std::pair<const Row*, size_t>>& rows, int examples) {
  std::vector<std::string> shown;
  for (size_t i = 0; i < rows.size() && static_cast<int>(i) < examples; ++i) {
    shown.push_back(Show(*rows[i].first) + (rows[i].second > 1 ? " x" + std::to_string(rows[i].second) : ""));
  }
  if (rows.size() > shown.size()) shown.push_back("...");
  return Join(shown, "; ");
}

// "" when the results agree, else what differs.
std::string Difference(const Side& v1, const Side& v2, bool ordered, int examples) {
  std::vector<std::string> n1 = Names(v1.schema), n2 = Names(v2.schema);
  if (n1 != n2) {
    return "the output columns differ: v1 (" + Join(n1, ", ") + "), v2 (" + Join(n2, ", ") +
           "); give each computed column a name (AS name) in the sample query";
  }
  std::vector<std::string> problems;
  auto only_v1 = OnlyIn(v1, v2), only_v2 = OnlyIn(v2, v1);
  std::string counts =
      "v1 " + std::to_string(v1.rows.size()) + " rows, v2 " + std::to_string(v2.rows.size()) + " rows";
  if (!only_v1.empty() || !only_v2.empty()) {
    std::string out = "the results differ (" + counts + ")";
    if (!only_v1.empty()) out += "; only in v1: " + ShowOnly(only_v1, examples);
    if (!only_v2.empty()) out += "; only in v2: " + ShowOnly(only_v2, examples);
    return out;
  }
  if (!ordered || v1.canonical == v2.canonical) return "";
  std::vector<std::string> rows;
  for (size_t i = 0; i < v1.canonical.size() && static_cast<int>(rows.size()) < examples; ++i) {
    if (v1.canonical[i] != v2.canonical[i]) {
      rows.push_back("row " + std::to_string(i + 1) + ": v1 " + Show(v1.rows[i]) + ", v2 " +
                     Show(v2.rows[i]));
    }
  }
  return "the same rows in another order (ORDER BY should order by a unique key): " + Join(rows, "; ");
}

}  // namespace

Result<std::vector<Check>> SampleQueryChecks(const Migration& migration, SqlEngine& engine,
                                             std::string_view v1_relation, std::string_view v2_relation,
                                             int examples) {
  const std::vector<std::string>& queries = migration.data.verify.sample_queries;
  std::vector<Check> checks;
  if (queries.empty()) return checks;
  ASSIGN_OR_RETURN(Schema v1, DescribeSelect(engine, "SELECT * FROM " + std::string(v1_relation)));
  ASSIGN_OR_RETURN(RewriteSpec spec, RewriteSpec::FromMigration(migration, v1));
  spec.preserve_output = true;  // the results are compared column by column, by name

  for (size_t q = 0; q < queries.size(); ++q) {
    const std::string& query = queries[q];
    auto fail = [&](const std::string& why) {
      std::string pointer = "/spec/data/verify/sample_queries/" + std::to_string(q);
      checks.push_back(
          {"sample_query", "", false,
           migration.ErrorAt(pointer, "sample query " + std::to_string(q + 1) + ": " + why).message()});
    };
    Side on_v1, on_v2;
    Result<std::string> v1_sql = ReadFrom(query, migration.from, v1_relation, spec.from_columns);
    if (!v1_sql.ok()) {
      fail(v1_sql.status().message());
      continue;
    }
    RewriteResult rewritten = RewriteSql(query, spec, RewriteOptions{kDialect});
    if (!rewritten.findings.empty()) {
      std::vector<std::string> reasons;
      for (const auto& f : rewritten.findings) {
        reasons.push_back(f.reason + " (line " + std::to_string(f.line) + ", column " +
                          std::to_string(f.col) + ")");
      }
      fail("skein's rewriter cannot translate it onto " + migration.to + " provably: " + Join(reasons, "; "));
      continue;
    }
    Result<std::string> v2_sql = ReadFrom(rewritten.text, migration.to, v2_relation, spec.to_columns);
    if (!v2_sql.ok()) {
      fail("rewritten for v2 as `" + rewritten.text + "`, it " + v2_sql.status().message());
      continue;
    }
    on_v1.sql = *v1_sql;
    on_v2.sql = *v2_sql;
    Status ran = RunSide(engine, on_v1);
    if (!ran.ok()) {
      fail("on v1: " + ran.message());
      continue;
    }
    ran = RunSide(engine, on_v2);
    if (!ran.ok()) {
      fail("on v2, rewritten as `" + rewritten.text + "`: " + ran.message());
      continue;
    }
    std::vector<Comparison> how;
    for (size_t c = 0; c < on_v1.schema.columns.size() && c < on_v2.schema.columns.size(); ++c) {
      how.push_back(ColumnComparison(on_v1.schema.columns[c].type, on_v2.schema.columns[c].type));
    }
    for (Side* side : {&on_v1, &on_v2}) {
      for (const Row& row : side->rows) {
        Row canonical;
        for (size_t c = 0; c < row.size(); ++c)
          canonical.push_back(Canonical(row[c], c < how.size() ? how[c] : Comparison::kText));
        side->canonical.push_back(std::move(canonical));
      }
    }
    std::string difference = Difference(on_v1, on_v2, OrdersItsResult(query), examples);
    if (!difference.empty()) {
      fail(difference + "; rewritten for v2: " + rewritten.text);
      continue;
    }
    checks.push_back({"sample_query", "", true, ""});
  }
  return checks;
}

}  // namespace skein::dataset::internal
