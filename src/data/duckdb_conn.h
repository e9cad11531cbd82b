// Internal to data/: one DuckDB database and its connection, through DuckDB's C API, and the
// table functions that read dataset files. The warehouse (schemas, expression checks) and the
// DuckDB SqlEngine are built on it.
//
// Thread-safety: one thread at a time.
#pragma once

#include <duckdb.h>

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"
#include "data/engine.h"
#include "data/warehouse.h"

namespace skein::duckdb_internal {

class DuckDb {
 public:
  DuckDb() = default;
  DuckDb(const DuckDb&) = delete;
  DuckDb& operator=(const DuckDb&) = delete;
  ~DuckDb();

  // Opens an in-memory database with these config options (name, value).
  Status Open(const std::vector<std::pair<std::string, std::string>>& options);

  // Runs exactly one statement and returns all its rows as text. IO errors are IoError, every
  // other engine error InvalidInput, each with DuckDB's message.
  Result<RowSet> Query(const std::string& sql);
  // Runs one statement, streaming its rows (cast to VARCHAR) to `sink` a batch at a time.
  Status Scan(const std::string& sql, size_t batch_rows, const std::function<Status(const RowSet&)>& sink);
  // Appends text rows to catalog.schema.table (catalog "" for the default one) with DuckDB's
  // appender, which casts each value to its column's type.
  Status Append(const std::string& catalog, const std::string& schema, const std::string& table,
                const RowSet& rows);

 private:
  Status CheckSingleStatement(const std::string& sql);

  duckdb_database database_ = nullptr;
  duckdb_connection connection_ = nullptr;
};

// DuckDB's message without the "LINE 1: <our statement>" excerpt it appends, on one line.
std::string CleanMessage(const char* raw);

// The table function reading a file, glob or folder location:
// "read_parquet(['a/**/*.parquet'], hive_partitioning = true)". NotFound when nothing is there.
Result<std::string> FileReader(const DatasetLocation& location);

}  // namespace skein::duckdb_internal
