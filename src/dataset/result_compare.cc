// Query results compared as multisets (see result_compare.h).
#include "dataset/result_compare.h"

#include <xxhash.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "base/text.h"
#include "data/postgres_schema.h"
#include "data/sql_text.h"

namespace skein::dataset {
namespace {

using Row = std::vector<Value>;

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

// One value as it compares: canonical text, or (floating-point with a tolerance) a number.
struct Cell {
  Value text;
  double number = 0;
  bool numeric = false;
};
using CanonicalRow = std::vector<Cell>;

Cell Canonical(const Value& value, Comparison how, double tolerance) {
  bool exponent = false;
  if (!value || how == Comparison::kText || !IsNumber(*value, &exponent)) return {value};
  if (how == Comparison::kExact && !exponent) return {ExactNumber(*value)};
  if (tolerance > 0) {
    double number = std::strtod(value->c_str(), nullptr);
    if (std::isfinite(number)) return {value, number, true};
  }
  return {RoundedNumber(*value, how == Comparison::kFloat ? 6 : 15)};
}

// A total order for sorting: NULL first, numbers by value, else text.
bool Less(const CanonicalRow& a, const CanonicalRow& b) {
  for (size_t c = 0; c < a.size() && c < b.size(); ++c) {
    const Cell &x = a[c], &y = b[c];
    if (x.text.has_value() != y.text.has_value()) return !x.text.has_value();
    if (!x.text) continue;
    if (x.numeric != y.numeric) return x.numeric;
    if (x.numeric) {
      if (x.number != y.number) return x.number < y.number;
      continue;
    }
    if (*x.text != *y.text) return *x.text < *y.text;
  }
  return a.size() < b.size();
}

bool Match(const CanonicalRow& a, const CanonicalRow& b, double tolerance) {
  if (a.size() != b.size()) return false;
  for (size_t c = 0; c < a.size(); ++c) {
    const Cell &x = a[c], &y = b[c];
    if (x.text.has_value() != y.text.has_value()) return false;
    if (!x.text) continue;
    if (x.numeric && y.numeric) {
      double scale = std::max(std::fabs(x.number), std::fabs(y.number));
      if (x.number != y.number && std::fabs(x.number - y.number) > tolerance * scale) return false;
      continue;
    }
    if (*x.text != *y.text) return false;
  }
  return true;
}

std::vector<std::string> Names(const Schema& schema) {
  std::vector<std::string> names;
  for (const Column& c : schema.columns) names.push_back(c.name);
  return names;
}

// For each v1 column, the v2 column it is compared with; empty when the names do not match.
std::vector<size_t> MatchColumns(const Schema& v1, const Schema& v2, bool by_name) {
  std::vector<size_t> map;
  if (v1.columns.size() != v2.columns.size()) return {};
  for (size_t c = 0; c < v1.columns.size(); ++c) {
    const std::string& name = v1.columns[c].name;
    if (!by_name) {
      if (v2.columns[c].name != name) return {};
      map.push_back(c);
      continue;
    }
    auto find = [&](bool exact) -> size_t {
      for (size_t d = 0; d < v2.columns.size(); ++d) {
        const std::string& other = v2.columns[d].name;
        bool taken = std::find(map.begin(), map.end(), d) != map.end();
        if (!taken && (exact ? other == name : EqualsIgnoreCase(other, name))) return d;
      }
      return v2.columns.size();
    };
    size_t d = find(true);
    if (d == v2.columns.size()) d = find(false);
    if (d == v2.columns.size()) return {};
    map.push_back(d);
  }
  return map;
}

// One side of a comparison: rows in v1's column order and their canonical forms, sorted.
struct Side {
  std::vector<Row> rows;
  std::vector<CanonicalRow> canonical;
  std::vector<size_t> sorted;  // indices into rows, in Less order
};

Side MakeSide(const QueryResult& result, const std::vector<size_t>& columns,
              const std::vector<Comparison>& how, double tolerance) {
  Side side;
  side.rows.reserve(result.rows.size());
  side.canonical.reserve(result.rows.size());
  for (const Row& raw : result.rows) {
    Row row;
    CanonicalRow canonical;
    for (size_t c = 0; c < columns.size(); ++c) {
      const Value& value = columns[c] < raw.size() ? raw[columns[c]] : Value();
      row.push_back(value);
      canonical.push_back(Canonical(value, how[c], tolerance));
    }
    side.rows.push_back(std::move(row));
    side.canonical.push_back(std::move(canonical));
  }
  side.sorted.resize(side.rows.size());
  for (size_t i = 0; i < side.sorted.size(); ++i) side.sorted[i] = i;
  std::stable_sort(side.sorted.begin(), side.sorted.end(),
                   [&](size_t x, size_t y) { return Less(side.canonical[x], side.canonical[y]); });
  return side;
}

// Up to `examples` of the rows at `indices` (sorted order), repeats counted: "(..) x3".
std::vector<std::string> ShowRows(const Side& side, const std::vector<size_t>& indices, int examples,
                                  double tolerance, bool* more) {
  std::vector<std::string> shown;
  *more = false;
  for (size_t i = 0; i < indices.size();) {
    size_t times = 1;
    while (i + times < indices.size() &&
           Match(side.canonical[indices[i]], side.canonical[indices[i + times]], tolerance))
      ++times;
    if (static_cast<int>(shown.size()) == examples) {
      *more = true;
      break;
    }
    shown.push_back(ShowRow(side.rows[indices[i]]) + (times > 1 ? " x" + std::to_string(times) : ""));
    i += times;
  }
  return shown;
}

}  // namespace

std::string ShowRow(const std::vector<Value>& row) {
  std::vector<std::string> values;
  for (const Value& v : row) values.push_back(v ? *v : "NULL");
  return "(" + Join(values, ", ") + ")";
}

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

Result<QueryResult> RunForComparison(SqlEngine& engine, const std::string& select, size_t max_rows) {
  QueryResult result;
  ASSIGN_OR_RETURN(result.schema, DescribeSelect(engine, select));
  bool too_many = false;
  Status scanned = engine.Scan(select, 4096, [&](const RowSet& batch) {
    if (result.rows.size() + batch.rows.size() > max_rows) {
      too_many = true;
      return Status::InvalidInput("too many rows");
    }
    result.rows.insert(result.rows.end(), batch.rows.begin(), batch.rows.end());
    return Status::Ok();
  });
  if (too_many) {
    return Status::InvalidInput(
        "returns more than " + std::to_string(max_rows) +
        " rows; a sample query returns a sample (aggregate, or LIMIT after an ORDER BY)");
  }
  if (!scanned.ok()) {
    // DuckDB's Scan loses the message of an error raised while the query runs ("unknown DuckDB
    // error"): Query, which keeps it, runs the failing statement once more to say what it was.
    Result<RowSet> again = engine.Query(select);
    if (!again.ok()) return again.status();
    return scanned;
  }
  return result;
}

ResultComparison CompareResults(const QueryResult& v1, const QueryResult& v2, const CompareOptions& options) {
  ResultComparison out;
  std::vector<size_t> v2_columns = MatchColumns(v1.schema, v2.schema, options.columns_by_name);
  if (v2_columns.size() != v1.schema.columns.size() || v1.schema.columns.empty()) {
    out.equal = false;
    out.columns_differ = true;
    out.difference = "the output columns differ: v1 (" + Join(Names(v1.schema), ", ") + "), v2 (" +
                     Join(Names(v2.schema), ", ") + ")";
    return out;
  }
  std::vector<size_t> v1_columns(v1.schema.columns.size());
  std::vector<Comparison> how;
  for (size_t c = 0; c < v1_columns.size(); ++c) {
    v1_columns[c] = c;
    how.push_back(ColumnComparison(v1.schema.columns[c].type, v2.schema.columns[v2_columns[c]].type));
  }
  const double tolerance = options.relative_tolerance;
  Side a = MakeSide(v1, v1_columns, how, tolerance);
  Side b = MakeSide(v2, v2_columns, how, tolerance);

  // A merge over both sorted sides: a row matched on the other side cancels one there.
  std::vector<size_t> only_a, only_b;
  size_t i = 0, j = 0;
  while (i < a.sorted.size() || j < b.sorted.size()) {
    if (i == a.sorted.size()) {
      only_b.push_back(b.sorted[j++]);
    } else if (j == b.sorted.size()) {
      only_a.push_back(a.sorted[i++]);
    } else if (Match(a.canonical[a.sorted[i]], b.canonical[b.sorted[j]], tolerance)) {
      ++i, ++j;
    } else if (Less(a.canonical[a.sorted[i]], b.canonical[b.sorted[j]])) {
      only_a.push_back(a.sorted[i++]);
    } else {
      only_b.push_back(b.sorted[j++]);
    }
  }
  if (!only_a.empty() || !only_b.empty()) {
    out.equal = false;
    bool more_a = false, more_b = false;
    out.only_v1 = ShowRows(a, only_a, options.examples, tolerance, &more_a);
    out.only_v2 = ShowRows(b, only_b, options.examples, tolerance, &more_b);
    out.difference = "the results differ (v1 " + std::to_string(v1.rows.size()) + " rows, v2 " +
                     std::to_string(v2.rows.size()) + " rows)";
    auto list = [](std::vector<std::string> shown, bool more) {
      if (more) shown.push_back("...");
      return Join(shown, "; ");
    };
    if (!only_a.empty()) out.difference += "; only in v1: " + list(out.only_v1, more_a);
    if (!only_b.empty()) out.difference += "; only in v2: " + list(out.only_v2, more_b);
    return out;
  }
  if (!options.ordered) return out;
  std::vector<std::string> rows;
  for (size_t r = 0; r < a.rows.size() && static_cast<int>(rows.size()) < options.examples; ++r) {
    if (!Match(a.canonical[r], b.canonical[r], tolerance)) {
      rows.push_back("row " + std::to_string(r + 1) + ": v1 " + ShowRow(a.rows[r]) + ", v2 " +
                     ShowRow(b.rows[r]));
    }
  }
  if (rows.empty()) return out;
  out.equal = false;
  out.difference =
      "the same rows in another order (ORDER BY should order by a unique key): " + Join(rows, "; ");
  return out;
}

std::string ResultChecksum(const QueryResult& result) {
  // A sum of row hashes does not depend on the order of the rows; each value is length-prefixed
  // so ("ab", "c") and ("a", "bc") hash apart, and NULL differs from every text.
  uint64_t sum = 0;
  std::string buffer;
  for (const Row& row : result.rows) {
    buffer.clear();
    for (const Value& value : row) {
      if (!value) {
        buffer += "N;";
        continue;
      }
      buffer += std::to_string(value->size()) + ":" + *value;
    }
    sum += XXH3_64bits(buffer.data(), buffer.size());
  }
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(sum));
  return hex;
}

}  // namespace skein::dataset
