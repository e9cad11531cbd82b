// Key-based dataset diff (`skein data diff`): compares two datasets row by row on a key and says
// which keys are missing from B, which are extra in B, and which rows changed, column by column.
//
// The key is checked first on both sides: a NULL key part or a duplicate key stops the diff with
// InvalidInput naming the side, the key and a sample value. Columns pair up by name after the
// columns map (A's old name = B's new name); a column on one side only is a schema difference.
//
// Values compare exactly, except: NULL equals NULL and differs from any value; NaN equals NaN;
// -0.0 equals 0.0; numbers whose types differ compare as numbers (1 = 1.0); a column with an
// absolute tolerance (floats, decimals, integers: |a - b| <= x; timestamps and dates: a number of
// microseconds or an interval such as "500us", "1ms", "2s", "1.5min", "1h", "1d") equals within
// it. Timestamps compare to the microsecond, TIMESTAMP and TIMESTAMPTZ alike as UTC. Values of
// other types compare as their text; across engines that text can differ for equal values (a
// PostgreSQL array {1,2} and a DuckDB list [1, 2]): leave such columns out with `columns`.
//
// How: when one DuckDB reads both datasets (files, DuckDB files) the diff is one FULL OUTER JOIN
// on the key in DuckDB. Across engines (PostgreSQL and DuckDB, or two PostgreSQL databases) each
// side hashes its rows in its own SQL: the key's md5 places a row in one of 4,096 buckets of the
// key space, and each bucket's row count and order-independent checksum (the sum of 60 bits of
// each row's md5 over a canonical text encoding that both engines spell identically, see
// diff_sql.h) are compared. Buckets that differ and hold more than `transfer_rows` rows are split
// again (one more scan per side); smaller ones have their rows alone copied into a local DuckDB
// and joined there. Equal datasets move no rows at all.
//
// Thread-safety: DiffDatasets opens its own engines; calls on different threads are independent.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"
#include "data/engine.h"
#include "data/warehouse.h"

namespace skein {

struct DiffTolerance {
  std::string column;  // A's or B's name
  std::string value;   // as written: "0.001"; for timestamps "250" (microseconds) or "1ms"
};

enum class DiffMethod {
  kAuto,      // a join when one DuckDB reads both sides, else checksums
  kJoin,      // one FULL OUTER JOIN (both sides must be DuckDB-readable)
  kChecksum,  // bucket checksums and bisection, each side in an engine of its own
};

struct DiffOptions {
  std::vector<std::string> key;  // key columns (A's or B's names), at least one
  std::vector<std::pair<std::string, std::string>> columns_map;  // A's name -> B's name
  std::vector<std::string> columns;  // compare only these; empty: every column both sides have
  std::vector<DiffTolerance> tolerances;
  size_t examples = 10;  // example rows kept per kind (missing, extra, changed)
  DiffMethod method = DiffMethod::kAuto;
  // Checksums: a differing bucket with at most this many rows on each side is copied and joined
  // locally; a larger one is split again.
  int64_t transfer_rows = 1000;
};

struct DiffSide {
  std::string location;  // as DatasetLocation::ToString() writes it (no password)
  std::string engine;    // "duckdb", "postgresql"
  int64_t rows = 0;
};

struct DiffColumn {
  std::string name;    // B's name
  std::string a_name;  // A's name (differs after --columns-map)
  std::string a_type;  // DuckDB's spelling
  std::string b_type;
  int64_t changed = 0;  // rows on both sides whose value differs in this column
};

struct DiffChange {
  std::string column;  // B's name
  Value a;
  Value b;
};

struct DiffExample {
  std::vector<Value> key;           // in DiffResult::key order
  std::vector<DiffChange> changes;  // changed rows: each column that differs
};

struct DiffResult {
  DiffSide a;
  DiffSide b;
  std::vector<std::string> key;               // B's names
  std::vector<DiffColumn> columns;            // compared columns, in A's order
  std::vector<std::string> only_in_a;         // schema difference: columns B lacks (A's names)
  std::vector<std::string> only_in_b;         // columns A lacks (B's names)
  int64_t missing_in_b = 0;                   // keys in A, not in B
  int64_t extra_in_b = 0;                     // keys in B, not in A
  int64_t changed = 0;                        // keys on both sides whose rows differ
  std::vector<DiffExample> missing_examples;  // the smallest keys first
  std::vector<DiffExample> extra_examples;
  std::vector<DiffExample> changed_examples;
  std::string method;            // "join" or "checksum"
  int64_t rows_transferred = 0;  // checksums: rows copied out of the engines, both sides together
  int checksum_queries = 0;      // checksums: bucket queries run, both sides together

  bool equal() const {
    return missing_in_b == 0 && extra_in_b == 0 && changed == 0 && only_in_a.empty() && only_in_b.empty();
  }
};

// Diffs the dataset at `a` (the old one) against the one at `b` (the new one). InvalidInput for
// a bad option (an unknown column, names the side), a NULL or duplicate key; NotFound when a
// dataset is not there; Unavailable when PostgreSQL cannot be reached.
Result<DiffResult> DiffDatasets(const DatasetLocation& a, const DatasetLocation& b,
                                const DiffOptions& options);

// One side of DiffRelations: a FROM item its engine reads ("(SELECT ...) AS a", a quoted table
// name, read_parquet(...)) and its columns in DuckDB's spelling.
struct DiffRelation {
  std::string label;  // for messages and DiffSide::location: "v1 through the transform"
  std::string relation;
  Schema schema;
};

// Diffs two relations that one engine reads, with the same rules and results as DiffDatasets:
// DuckDB joins them; PostgreSQL compares bucket checksums in its own SQL and joins only the
// small differing buckets' rows in a local DuckDB. The engine's session is set as the diff needs
// (time zone UTC, shortest round-trip floats).
Result<DiffResult> DiffRelations(SqlEngine& engine, const DiffRelation& a, const DiffRelation& b,
                                 const DiffOptions& options);

// A tolerance for timestamps in microseconds: "250", "250us", "1ms", "1.5s", "2min" (or "2m"),
// "1h", "1d". InvalidInput otherwise.
Result<int64_t> ParseMicroseconds(std::string_view text);

}  // namespace skein
