// Internal to the dataset diff (data/diff.h): which columns pair up and how each pair compares
// (diff_plan.cc), and the SQL each step runs (diff_sql.cc). Plain functions over plain data.
//
// The canonical encoding. Across engines a row is hashed as text that DuckDB and PostgreSQL spell
// identically: integers in decimal; decimals without trailing zeros (PostgreSQL 13+'s
// trim_scale); floats as their shortest round-trip text, integral ones as integers, NaN,
// Infinity and -Infinity by name, -0 as 0; timestamps as epoch microseconds (UTC), dates as days
// since 1970-01-01; booleans t/f; blobs as lower-case hex; anything else as the engine's text.
// Each value becomes a field: free text as 'N' for NULL, else 'V', its byte length, ':' and the
// text; every other kind, whose text holds no '|' and is never "N", as the text and '|', or "N|".
// The fields decode one way, so no two different rows (or keys: ('ab','c') and ('a','bc'))
// encode alike. With a tolerance, a float or timestamp is hashed as the index of its bucket of
// half the tolerance's width, so values further apart than the tolerance always hash differently
// (values within it may too: their rows are then diffed exactly). A value whose text differs
// between the engines although the values are equal (a float PostgreSQL writes with an exponent
// and DuckDB without) only costs its bucket a transfer: the local join compares values.
//
// Thread-safety: free functions, no state.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "base/status.h"
#include "data/diff.h"
#include "data/engine.h"
#include "data/warehouse.h"

namespace skein::diff_internal {

// The kinds of values, from a column type in DuckDB's spelling.
enum class TypeClass { kInteger, kDecimal, kFloat, kBoolean, kDate, kTimestamp, kBlob, kText };
TypeClass ClassOf(std::string_view duckdb_type);

// How a pair of columns (one per side) compares; both sides are read as this kind.
enum class Compare { kInteger, kDecimal, kDouble, kBoolean, kDate, kTimestamp, kBlob, kText };

struct PlannedColumn {
  std::string a_name;
  std::string b_name;
  std::string a_type;
  std::string b_type;
  Compare compare = Compare::kText;
  double tolerance = 0;      // kDouble: absolute; 0 is exact
  int64_t tolerance_us = 0;  // kTimestamp: microseconds; 0 is exact
};

struct DiffPlan {
  std::vector<PlannedColumn> key;
  std::vector<PlannedColumn> columns;  // compared, key columns excluded, in A's order
  std::vector<std::string> only_in_a;
  std::vector<std::string> only_in_b;
};

// Pairs the columns of `a` and `b` after options.columns_map, resolves the key, the compared
// columns and the tolerances. InvalidInput naming the option, the column and the side
// (`a_label`, `b_label`) when one does not resolve.
Result<DiffPlan> PlanDiff(const Schema& a, const Schema& b, const DiffOptions& options,
                          const std::string& a_label, const std::string& b_label);

// --- SQL ---------------------------------------------------------------------------------------

// One side: its engine, the FROM item reading it, and whether it is A (else B) of the plan.
struct SideSql {
  EngineKind engine;
  std::string relation;
  bool is_a;
};

// Up to one row about the key's NULL parts and duplicates: k0..kn as text, n (rows of that key
// value), has_null, groups (offending key values of that kind), total (their rows). NULL keys sort
// first. Runs in either engine.
std::string KeyCheckSql(const SideSql& side, const DiffPlan& plan);

// How JoinDiffSql reads its two relations: the datasets themselves (kNative, in one DuckDB), or
// tables of canonical text k0..kn, c0..cm copied from two engines (kCanonical).
enum class JoinInput { kNative, kCanonical };

// The one-statement DuckDB diff: a FULL OUTER JOIN on the key returning one row: rows_a, rows_b,
// missing, extra, changed, changed_0..changed_m, and (examples > 0) ex_missing, ex_extra,
// ex_changed: JSON arrays of the `examples` smallest keys of each kind, objects with k0..kn (text)
// and for changed rows a<i>, b<i> (text) and d<i> (whether column i differs).
std::string JoinDiffSql(const DiffPlan& plan, const std::string& a_relation, const std::string& b_relation,
                        JoinInput input, size_t examples);

// The bit width of the key hash that places rows in buckets: kh is in [0, 2^kHashBits).
constexpr int kHashBits = 60;

// Per bucket `kh >> shift` of the rows `filter` keeps ("" for all): bucket, n, s (the sum of 60
// bits of each row's md5).
std::string BucketSql(const SideSql& side, const DiffPlan& plan, int shift, const std::string& filter);
// The canonical text k0..kn, c0..cm of the rows `filter` keeps.
std::string TransferSql(const SideSql& side, const DiffPlan& plan, const std::string& filter);
// A filter over kh keeping the buckets `buckets` lists per shift; "" when it lists none.
std::string BucketFilter(const std::map<int, std::vector<int64_t>>& buckets);

// PostgreSQL's catalog: a table's columns (column_name, data_type, udt_name, precision, scale), the
// key columns of its unique indexes that are neither partial nor on expressions (index, column
// name), and its NOT NULL columns (attname); `relation` is the quoted table name.
std::string PostgresColumnsSql(const std::string& schema, const std::string& table);
std::string PostgresUniqueKeysSql(const std::string& relation);
std::string PostgresNotNullColumnsSql(const std::string& relation);

// Statements that make an engine's text of values the same as the other engine's (time zone UTC,
// shortest round-trip floats, ISO dates).
std::vector<std::string> SessionSql(EngineKind engine);

}  // namespace skein::diff_internal
