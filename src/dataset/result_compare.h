// Running a query for comparison and comparing two results as multisets of rows: the manifest's
// sample queries (dataset/sample_queries.cc) and the equivalence verifier (verify/) both judge a
// rewritten query by whether it returns on v2 what the original returns on v1.
//
// Values compare as the engine's text, NULL only equal to NULL, except in a column that is
// numeric on both sides, where numbers compare by value: exactly when both sides are exact types
// (integers, DECIMAL: 5, 5.0 and 5.00 agree); when either side is floating-point, to the digits
// the type holds (15 significant for DOUBLE, 6 for FLOAT/REAL), or within a relative tolerance
// when one is given.
//
// Thread-safety: free functions; one engine per thread.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"
#include "data/engine.h"
#include "data/warehouse.h"

namespace skein::dataset {

struct QueryResult {
  Schema schema;  // output columns: names and DuckDB type names
  std::vector<std::vector<Value>> rows;
};

// The names and types (DuckDB's spelling) of the columns `select` returns, without running it.
Result<Schema> DescribeSelect(SqlEngine& engine, const std::string& select);

// Describes and runs `select`, keeping its rows. InvalidInput when it returns more than
// `max_rows` rows (results are compared in memory) or the engine refuses it (its message).
Result<QueryResult> RunForComparison(SqlEngine& engine, const std::string& select, size_t max_rows);

struct CompareOptions {
  // False: the same output column names in the same order. True: v2's columns are matched to
  // v1's by name (exactly, else ignoring case); order does not matter.
  bool columns_by_name = false;
  // After the multiset check, rows must also come in the same order.
  bool ordered = false;
  // > 0: floating-point values agree when |a - b| <= tolerance * max(|a|, |b|). 0: to the
  // digits their type holds.
  double relative_tolerance = 0;
  int examples = 5;  // differing rows shown per side
};

struct ResultComparison {
  bool equal = true;
  bool columns_differ = false;       // the output column names do not match (rows not compared)
  std::string difference;            // "" when equal, else one line saying what differs
  std::vector<std::string> only_v1;  // up to `examples` rows v2 lacks: "(7, a@x.org)" or "(..) x3"
  std::vector<std::string> only_v2;  // the same the other way
};

ResultComparison CompareResults(const QueryResult& v1, const QueryResult& v2, const CompareOptions& options);

// An order-independent checksum of a result's rows (16 hex digits): equal for equal multisets of
// the same columns in the same order, values as text.
std::string ResultChecksum(const QueryResult& result);

// "(a, NULL, c)".
std::string ShowRow(const std::vector<Value>& row);

}  // namespace skein::dataset
