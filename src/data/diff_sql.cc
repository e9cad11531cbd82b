// The diff's SQL (see diff_sql.h). Column names reach SQL only through QuoteIdentifier; every
// other name in these statements (k0, c0, kh, ...) is skein's own.
#include <algorithm>
#include <cstdio>

#include "base/text.h"
#include "data/diff_sql.h"
#include "data/sql_text.h"

namespace skein::diff_internal {
namespace {

bool IsPostgres(EngineKind engine) { return engine == EngineKind::kPostgres; }

std::string DoubleType(EngineKind engine) { return IsPostgres(engine) ? "DOUBLE PRECISION" : "DOUBLE"; }

// A double literal that both engines read as the same double: 17 significant digits round-trip.
std::string DoubleLiteral(EngineKind engine, double value) {
  char text[40];
  std::snprintf(text, sizeof text, "%.17g", value);
  return "CAST(" + QuoteLiteral(text) + " AS " + DoubleType(engine) + ")";
}

std::string ColumnRef(const PlannedColumn& column, bool is_a) {
  return QuoteIdentifier(is_a ? column.a_name : column.b_name);
}

// What the typed layer selects for column `x`: the type its canonical text is spelled from.
// Casting once here keeps costly casts (numeric to double) out of the CASEs below, which
// PostgreSQL, having pulled the layers up into one, would otherwise evaluate once per reference.
std::string Typed(EngineKind engine, const std::string& x, const PlannedColumn& column) {
  switch (column.compare) {
    case Compare::kDouble:
      return "CAST(" + x + " AS " + DoubleType(engine) + ")";
    case Compare::kTimestamp:
      return "CAST(" + x + " AS TIMESTAMP)";
    case Compare::kDecimal:
      return IsPostgres(engine) ? "CAST(" + x + " AS NUMERIC)" : x;
    default:
      return x;
  }
}

// The canonical text (see diff_sql.h) of typed column `x`, NULL for NULL. With `for_hash`, a
// column with a tolerance is spelled as its bucket ('b' and an index, never an exact spelling).
std::string Canonical(EngineKind engine, const std::string& x, const PlannedColumn& column, bool for_hash) {
  bool pg = IsPostgres(engine);
  switch (column.compare) {
    case Compare::kInteger:
      return "CAST(" + x + " AS VARCHAR)";
    case Compare::kDecimal: {
      if (pg) return "CAST(trim_scale(" + x + ") AS VARCHAR)";  // PostgreSQL 13+
      std::string text = "CAST(" + x + " AS VARCHAR)";
      return "CASE WHEN strpos(" + text + ", '.') > 0 THEN rtrim(rtrim(" + text + ", '0'), '.') ELSE " +
             text + " END";
    }
    case Compare::kDouble: {
      // PostgreSQL spells NaN, Infinity and -Infinity as the canonical text does, and they fail
      // the finite test below (NaN = trunc(NaN) holds there, abs(NaN) < x does not).
      std::string special = pg ? ""
                               : "WHEN isnan(" + x + ") THEN 'NaN' WHEN isinf(" + x + ") THEN CASE WHEN " +
                                     x + " > 0 THEN 'Infinity' ELSE '-Infinity' END ";
      if (for_hash && column.tolerance > 0) {
        // Buckets half the tolerance wide: values further apart than the tolerance never share one.
        std::string width = DoubleLiteral(engine, column.tolerance / 2);
        return "CASE " + special + "WHEN abs(" + x + " / " + width + ") < " + DoubleLiteral(engine, 9e18) +
               " THEN 'b' || CAST(CAST(floor(" + x + " / " + width + ") AS BIGINT) AS VARCHAR) ELSE CAST(" +
               x + " AS VARCHAR) END";
      }
      return "CASE " + special + "WHEN " + x + " = trunc(" + x + ") AND abs(" + x + ") < " +
             DoubleLiteral(engine, 9.2e18) + " THEN CAST(CAST(" + x + " AS BIGINT) AS VARCHAR) ELSE CAST(" +
             x + " AS VARCHAR) END";
    }
    case Compare::kBoolean:
      return "CASE WHEN " + x + " THEN 't' WHEN NOT " + x + " THEN 'f' END";
    case Compare::kDate:
      return "CASE WHEN isfinite(" + x + ") THEN CAST(" + x + " - DATE '1970-01-01' AS VARCHAR) ELSE CAST(" +
             x + " AS VARCHAR) END";
    case Compare::kTimestamp: {
      std::string us = pg ? "CAST(extract(epoch FROM " + x + ") * 1000000 AS BIGINT)" : "epoch_us(" + x + ")";
      std::string finite = "CAST(" + us + " AS VARCHAR)";
      if (for_hash && column.tolerance_us > 0) {
        std::string width = std::to_string(std::max<int64_t>(1, column.tolerance_us / 2));
        // The bucket's first microsecond: a floor division exact in both engines' integers.
        finite = "'b' || CAST(" + us + " - ((" + us + " % " + width + ") + " + width + ") % " + width +
                 " AS VARCHAR)";
      }
      return "CASE WHEN isfinite(" + x + ") THEN " + finite + " ELSE CAST(" + x + " AS VARCHAR) END";
    }
    case Compare::kBlob:
      return pg ? "encode(" + x + ", 'hex')" : "lower(hex(" + x + "))";
    case Compare::kText:
      break;
  }
  return "CAST(" + x + " AS VARCHAR)";
}

// A value's field in a row's encoding. Free text: 'N' for NULL, else 'V', its byte length, ':'
// and the text. Every other kind's canonical text holds no '|' and is never "N": the text and
// '|', or "N|" for NULL. Both decode one way, so different rows never encode alike.
std::string Field(EngineKind engine, const std::string& text, Compare compare) {
  if (compare != Compare::kText) return "COALESCE(" + text + " || '|', 'N|')";
  std::string length = IsPostgres(engine) ? "octet_length(" + text + ")" : "strlen(" + text + ")";
  return "COALESCE('V' || CAST(" + length + " AS VARCHAR) || ':' || " + text + ", 'N')";
}

// 60 bits of an md5's hex text, from its first character, as a non-negative BIGINT.
std::string Hex60(EngineKind engine, const std::string& md5) {
  std::string digits = "substr(" + md5 + ", 1, 15)";
  if (IsPostgres(engine)) return "CAST(CAST('x' || " + digits + " AS BIT(60)) AS BIGINT)";
  return "CAST('0x' || " + digits + " AS BIGINT)";
}

std::string KeyName(size_t i) { return "k" + std::to_string(i); }
std::string ColumnName(size_t i) { return "c" + std::to_string(i); }

// "k0, k1, ..., c0, c1, ..." (columns only with `with_columns`), each prefixed by `prefix`.
std::string Names(const DiffPlan& plan, bool with_columns, const std::string& prefix = "") {
  std::vector<std::string> names;
  for (size_t i = 0; i < plan.key.size(); ++i) names.push_back(prefix + KeyName(i));
  if (with_columns) {
    for (size_t i = 0; i < plan.columns.size(); ++i) names.push_back(prefix + ColumnName(i));
  }
  return Join(names, ", ");
}

// SELECT the key (k0..) and compared columns (c0..) of the side's rows, typed for Canonical.
std::string TypedSelect(const SideSql& side, const DiffPlan& plan) {
  std::vector<std::string> items;
  for (size_t i = 0; i < plan.key.size(); ++i) {
    items.push_back(Typed(side.engine, ColumnRef(plan.key[i], side.is_a), plan.key[i]) + " AS " + KeyName(i));
  }
  for (size_t i = 0; i < plan.columns.size(); ++i) {
    items.push_back(Typed(side.engine, ColumnRef(plan.columns[i], side.is_a), plan.columns[i]) + " AS " +
                    ColumnName(i));
  }
  return "SELECT " + Join(items, ", ") + " FROM " + side.relation;
}

// The canonical text of the typed layer's key (k0..) and columns (c0..), "expr AS name" each.
std::vector<std::string> CanonicalItems(const SideSql& side, const DiffPlan& plan, bool for_hash) {
  std::vector<std::string> items;
  for (size_t i = 0; i < plan.key.size(); ++i) {
    items.push_back(Canonical(side.engine, KeyName(i), plan.key[i], false) + " AS " + KeyName(i));
  }
  for (size_t i = 0; i < plan.columns.size(); ++i) {
    items.push_back(Canonical(side.engine, ColumnName(i), plan.columns[i], for_hash) + " AS " +
                    ColumnName(i));
  }
  return items;
}

// The key's fields, over the canonical layer's k0.. (or, with `inline_canonical`, over the typed
// layer's: the key's canonical text spelled in place).
std::string KeyFields(const SideSql& side, const DiffPlan& plan, bool inline_canonical) {
  std::vector<std::string> fields;
  for (size_t i = 0; i < plan.key.size(); ++i) {
    std::string text = inline_canonical ? Canonical(side.engine, KeyName(i), plan.key[i], false) : KeyName(i);
    fields.push_back(Field(side.engine, text, plan.key[i].compare));
  }
  return Join(fields, " || ");
}

std::string RowFields(const SideSql& side, const DiffPlan& plan) {
  std::string fields = KeyFields(side, plan, false) + " || '|'";
  for (size_t i = 0; i < plan.columns.size(); ++i) {
    fields += " || " + Field(side.engine, ColumnName(i), plan.columns[i].compare);
  }
  return fields;
}

// --- the join --------------------------------------------------------------------------------

// What a side of the join selects as key i: a type both sides' values compare in.
std::string JoinKey(const PlannedColumn& column, const std::string& x, JoinInput input) {
  if (input == JoinInput::kCanonical)
    return column.compare == Compare::kDouble ? "CAST(" + x + " AS DOUBLE)" : x;
  switch (column.compare) {
    case Compare::kDouble:
      return "CAST(" + x + " AS DOUBLE)";
    case Compare::kTimestamp:
      return "CAST(" + x + " AS TIMESTAMP)";
    case Compare::kText:
      return column.a_type == column.b_type ? x : "CAST(" + x + " AS VARCHAR)";
    default:
      return x;
  }
}

// Whether a (A's value) and b (B's value) are equal for `column`; never NULL.
std::string Equal(const PlannedColumn& column, const std::string& a, const std::string& b, JoinInput input) {
  auto same = [](const std::string& x, const std::string& y) { return x + " IS NOT DISTINCT FROM " + y; };
  switch (column.compare) {
    case Compare::kDouble: {
      std::string da = "CAST(" + a + " AS DOUBLE)";
      std::string db = "CAST(" + b + " AS DOUBLE)";
      if (column.tolerance <= 0) return same(da, db);
      return "(" + same(da, db) + " OR coalesce(abs(" + da + " - " + db +
             ") <= " + DoubleLiteral(EngineKind::kDuckDb, column.tolerance) + ", false))";
    }
    case Compare::kTimestamp: {
      std::string tolerance = std::to_string(column.tolerance_us);
      if (input == JoinInput::kCanonical) {  // epoch microseconds as text, or 'infinity'
        if (column.tolerance_us <= 0) return same(a, b);
        return "(" + same(a, b) + " OR coalesce(abs(TRY_CAST(" + a + " AS BIGINT) - TRY_CAST(" + b +
               " AS BIGINT)) <= " + tolerance + ", false))";
      }
      std::string ta = "CAST(" + a + " AS TIMESTAMP)";
      std::string tb = "CAST(" + b + " AS TIMESTAMP)";
      if (column.tolerance_us <= 0) return same(ta, tb);
      // epoch_us of an infinite timestamp is NULL: such values are equal only when the same.
      return "(" + same(ta, tb) + " OR coalesce(abs(epoch_us(" + ta + ") - epoch_us(" + tb +
             ")) <= " + tolerance + ", false))";
    }
    case Compare::kText:
      if (input == JoinInput::kNative && column.a_type != column.b_type) {
        return same("CAST(" + a + " AS VARCHAR)", "CAST(" + b + " AS VARCHAR)");
      }
      return same(a, b);
    default:
      return same(a, b);
  }
}

// A value as people read it in an example.
std::string Display(const PlannedColumn& column, const std::string& x, JoinInput input) {
  if (input == JoinInput::kNative) return "CAST(" + x + " AS VARCHAR)";
  switch (column.compare) {
    case Compare::kTimestamp:
      return "CASE WHEN TRY_CAST(" + x + " AS BIGINT) IS NULL THEN " + x +
             " ELSE CAST(make_timestamp(TRY_CAST(" + x + " AS BIGINT)) AS VARCHAR) END";
    case Compare::kDate:
      return "CASE WHEN TRY_CAST(" + x + " AS INTEGER) IS NULL THEN " + x +
             " ELSE CAST(DATE '1970-01-01' + TRY_CAST(" + x + " AS INTEGER) AS VARCHAR) END";
    case Compare::kBoolean:
      return "CASE " + x + " WHEN 't' THEN 'true' WHEN 'f' THEN 'false' ELSE " + x + " END";
    case Compare::kBlob:
      return "'\\x' || " + x;
    default:
      return x;
  }
}

std::string JoinSide(const DiffPlan& plan, const std::string& relation, bool is_a, JoinInput input) {
  std::vector<std::string> items;
  for (size_t i = 0; i < plan.key.size(); ++i) {
    std::string x = input == JoinInput::kNative ? ColumnRef(plan.key[i], is_a) : KeyName(i);
    items.push_back(JoinKey(plan.key[i], x, input) + " AS " + KeyName(i));
  }
  for (size_t i = 0; i < plan.columns.size(); ++i) {
    std::string x = input == JoinInput::kNative ? ColumnRef(plan.columns[i], is_a) : ColumnName(i);
    items.push_back(x + " AS " + ColumnName(i));
  }
  items.push_back("TRUE AS present");
  return "SELECT " + Join(items, ", ") + " FROM " + relation;
}

// The `examples` smallest keys (side `prefix`: "a" or "b") among the rows `filter` keeps, as a
// list of structs of `fields` (raw values: casting every row's values to text before the
// filter would cost more than the join).
std::string Examples(const DiffPlan& plan, JoinInput input, const std::string& prefix,
                     const std::vector<std::string>& fields, const std::string& filter, size_t examples) {
  std::vector<std::string> order;
  for (size_t i = 0; i < plan.key.size(); ++i) {
    std::string key = prefix + KeyName(i);
    // Integer keys copied as text still come smallest first: 9 before 10.
    if (input == JoinInput::kCanonical && plan.key[i].compare == Compare::kInteger) {
      key = "TRY_CAST(" + key + " AS HUGEINT)";
    }
    order.push_back(KeyName(i) + " := " + key);
  }
  return "arg_min(struct_pack(" + Join(fields, ", ") + "), struct_pack(" + Join(order, ", ") + "), " +
         std::to_string(examples) + ") FILTER (WHERE " + filter + ")";
}

// The examples list `list` as JSON text, each struct's values as people read them.
std::string ExamplesJson(const DiffPlan& plan, JoinInput input, const std::string& list, bool changed) {
  std::vector<std::string> fields;
  for (size_t i = 0; i < plan.key.size(); ++i) {
    fields.push_back(KeyName(i) + " := " + Display(plan.key[i], "x." + KeyName(i), input));
  }
  for (size_t i = 0; changed && i < plan.columns.size(); ++i) {
    std::string n = std::to_string(i);
    fields.push_back("a" + n + " := " + Display(plan.columns[i], "x.a" + n, input));
    fields.push_back("b" + n + " := " + Display(plan.columns[i], "x.b" + n, input));
    fields.push_back("d" + n + " := NOT x.e" + n);
  }
  return "CAST(to_json([struct_pack(" + Join(fields, ", ") + ") FOR x IN " + list + "]) AS VARCHAR)";
}

}  // namespace

std::string KeyCheckSql(const SideSql& side, const DiffPlan& plan) {
  std::vector<std::string> raw, text, nulls;
  for (size_t i = 0; i < plan.key.size(); ++i) {
    raw.push_back(ColumnRef(plan.key[i], side.is_a) + " AS " + KeyName(i));
    text.push_back("CAST(" + KeyName(i) + " AS VARCHAR) AS " + KeyName(i));
    nulls.push_back(KeyName(i) + " IS NULL");
  }
  std::string keys = Names(plan, /*with_columns=*/false);
  // The grouping carries nothing but the key and its count: anything more costs DuckDB a second
  // look at every group.
  std::string offending = "SELECT " + keys + ", count(*) AS n FROM (SELECT " + Join(raw, ", ") + " FROM " +
                          side.relation + ") r GROUP BY " + keys + " HAVING count(*) > 1 OR " +
                          Join(nulls, " OR ");
  std::string flagged =
      "SELECT " + keys + ", n, (" + Join(nulls, " OR ") + ") AS has_null FROM (" + offending + ") g";
  return "SELECT " + Join(text, ", ") +
         ", n, has_null, count(*) OVER (PARTITION BY has_null) AS groups, sum(n) OVER (PARTITION BY "
         "has_null) AS "
         "total FROM (" +
         flagged + ") f ORDER BY has_null DESC, n DESC LIMIT 1";
}

std::string JoinDiffSql(const DiffPlan& plan, const std::string& a_relation, const std::string& b_relation,
                        JoinInput input, size_t examples) {
  // The join: each side's key and columns, and whether each column is equal.
  std::vector<std::string> on, inner = {"a.present AS a_present", "b.present AS b_present"};
  for (size_t i = 0; i < plan.key.size(); ++i) {
    on.push_back("a." + KeyName(i) + " = b." + KeyName(i));
    inner.push_back("a." + KeyName(i) + " AS a" + KeyName(i));
    inner.push_back("b." + KeyName(i) + " AS b" + KeyName(i));
  }
  for (size_t i = 0; i < plan.columns.size(); ++i) {
    std::string c = ColumnName(i);
    inner.push_back("a." + c + " AS a" + c);
    inner.push_back("b." + c + " AS b" + c);
    inner.push_back(Equal(plan.columns[i], "a." + c, "b." + c, input) + " AS e" + std::to_string(i));
  }
  std::string join = "SELECT " + Join(inner, ", ") + " FROM (" + JoinSide(plan, a_relation, true, input) +
                     ") a FULL OUTER JOIN (" + JoinSide(plan, b_relation, false, input) + ") b ON " +
                     Join(on, " AND ");

  const std::string both = "a_present AND b_present";
  std::vector<std::string> equal_all;
  for (size_t i = 0; i < plan.columns.size(); ++i) equal_all.push_back("e" + std::to_string(i));
  std::vector<std::string> items = {"count(a_present) AS rows_a", "count(b_present) AS rows_b",
                                    "count(*) FILTER (WHERE b_present IS NULL) AS missing",
                                    "count(*) FILTER (WHERE a_present IS NULL) AS extra"};
  items.push_back(plan.columns.empty() ? "0 AS changed"
                                       : "count(*) FILTER (WHERE " + both + " AND NOT (" +
                                             Join(equal_all, " AND ") + ")) AS changed");
  for (size_t i = 0; i < plan.columns.size(); ++i) {
    items.push_back("count(*) FILTER (WHERE " + both + " AND NOT e" + std::to_string(i) + ") AS changed_" +
                    std::to_string(i));
  }
  std::vector<std::string> outer = {"rows_a", "rows_b", "missing", "extra", "changed"};
  for (size_t i = 0; i < plan.columns.size(); ++i) outer.push_back("changed_" + std::to_string(i));
  if (examples > 0) {
    auto key_fields = [&](const std::string& prefix) {
      std::vector<std::string> fields;
      for (size_t i = 0; i < plan.key.size(); ++i)
        fields.push_back(KeyName(i) + " := " + prefix + KeyName(i));
      return fields;
    };
    items.push_back(Examples(plan, input, "a", key_fields("a"), "b_present IS NULL", examples) +
                    " AS ex_missing");
    items.push_back(Examples(plan, input, "b", key_fields("b"), "a_present IS NULL", examples) +
                    " AS ex_extra");
    outer.push_back(ExamplesJson(plan, input, "ex_missing", false) + " AS ex_missing");
    outer.push_back(ExamplesJson(plan, input, "ex_extra", false) + " AS ex_extra");
    if (plan.columns.empty()) {
      outer.push_back("NULL AS ex_changed");
    } else {
      std::vector<std::string> fields = key_fields("a");
      for (size_t i = 0; i < plan.columns.size(); ++i) {
        std::string n = std::to_string(i);
        fields.push_back("a" + n + " := a" + ColumnName(i));
        fields.push_back("b" + n + " := b" + ColumnName(i));
        fields.push_back("e" + n + " := e" + n);
      }
      items.push_back(
          Examples(plan, input, "a", fields, both + " AND NOT (" + Join(equal_all, " AND ") + ")", examples) +
          " AS ex_changed");
      outer.push_back(ExamplesJson(plan, input, "ex_changed", true) + " AS ex_changed");
    }
  }
  return "SELECT " + Join(outer, ", ") + " FROM (SELECT " + Join(items, ", ") + " FROM (" + join + ") j) s";
}

std::string BucketSql(const SideSql& side, const DiffPlan& plan, int shift, const std::string& filter) {
  // No fence between the layers: PostgreSQL pulls them up into one scan it can run in parallel,
  // and each costly expression is referenced once.
  std::string canonical = "SELECT " + Join(CanonicalItems(side, plan, /*for_hash=*/true), ", ") + " FROM (" +
                          TypedSelect(side, plan) + ") typed";
  std::string hashed = "SELECT " + Hex60(side.engine, "md5(" + KeyFields(side, plan, false) + ")") +
                       " AS kh, " + Hex60(side.engine, "md5(" + RowFields(side, plan) + ")") +
                       " AS h FROM (" + canonical + ") canonical";
  return "SELECT kh >> " + std::to_string(shift) + " AS bucket, count(*) AS n, sum(h) AS s FROM (" + hashed +
         ") h" + (filter.empty() ? "" : " WHERE " + filter) + " GROUP BY 1";
}

std::string TransferSql(const SideSql& side, const DiffPlan& plan, const std::string& filter) {
  // The filter needs only the key's hash: the other columns are spelled for the rows it keeps.
  std::string keyed = "SELECT *, " + Hex60(side.engine, "md5(" + KeyFields(side, plan, true) + ")") +
                      " AS kh FROM (" + TypedSelect(side, plan) + ") typed";
  return "SELECT " + Join(CanonicalItems(side, plan, /*for_hash=*/false), ", ") + " FROM (" + keyed + ") t" +
         (filter.empty() ? "" : " WHERE " + filter);
}

std::string BucketFilter(const std::map<int, std::vector<int64_t>>& buckets) {
  std::vector<std::string> terms;
  for (const auto& [shift, indices] : buckets) {
    if (indices.empty()) continue;
    std::vector<std::string> values;
    for (int64_t index : indices) values.push_back(std::to_string(index));
    terms.push_back("(kh >> " + std::to_string(shift) + ") IN (" + Join(values, ", ") + ")");
  }
  return terms.empty() ? "" : "(" + Join(terms, " OR ") + ")";
}

std::string PostgresColumnsSql(const std::string& schema, const std::string& table) {
  return "SELECT column_name, data_type, udt_name, CAST(numeric_precision AS VARCHAR), CAST(numeric_scale AS "
         "VARCHAR) "
         "FROM information_schema.columns WHERE table_schema = " +
         QuoteLiteral(schema) + " AND table_name = " + QuoteLiteral(table) + " ORDER BY ordinal_position";
}

std::string PostgresUniqueKeysSql(const std::string& relation) {
  return "SELECT CAST(i.indexrelid AS VARCHAR), a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid "
         "= "
         "i.indrelid AND a.attnum = ANY((CAST(i.indkey AS int2[]))[0:i.indnkeyatts - 1]) WHERE i.indrelid = "
         "CAST(" +
         QuoteLiteral(relation) +
         " AS regclass) AND i.indisunique AND i.indpred IS NULL AND i.indexprs IS NULL";
}

std::string PostgresNotNullColumnsSql(const std::string& relation) {
  return "SELECT attname FROM pg_attribute WHERE attrelid = CAST(" + QuoteLiteral(relation) +
         " AS regclass) AND attnum > 0 AND attnotnull AND NOT attisdropped";
}

std::vector<std::string> SessionSql(EngineKind engine) {
  if (IsPostgres(engine)) {
    return {"SET TimeZone = 'UTC'", "SET extra_float_digits = 1", "SET DateStyle = 'ISO, MDY'"};
  }
  return {"SET TimeZone = 'UTC'"};
}

}  // namespace skein::diff_internal
