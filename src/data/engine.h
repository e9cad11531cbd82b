// SqlEngine: one connection to an engine that runs SQL over datasets. DuckDB is the embedded
// default (it reads Parquet, CSV and JSON files and folders, and DuckDB database files, ATTACHed
// on demand; Avro files are loaded into a temporary table, see Relation); PostgreSQL runs SQL
// over its own tables through libpq. Everything the data side does (materialize, verify, diff,
// publish) is SQL sent through this interface, so the same code drives both engines; the few
// places where their SQL differs ask `kind()`.
//
// Values cross the interface as text (the engine's own cast to VARCHAR/text), NULL as nullopt.
// Identifiers and literals that reach SQL go through data/sql_text.h first.
//
// Thread-safety: an engine object is used by one thread at a time.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "data/warehouse.h"

namespace skein {

using Value = std::optional<std::string>;  // a value as text; nullopt is SQL NULL

struct RowSet {
  std::vector<std::string> columns;
  std::vector<std::vector<Value>> rows;
};

enum class EngineKind { kDuckDb, kPostgres };
std::string_view EngineKindName(EngineKind kind);  // "duckdb", "postgresql"

class SqlEngine {
 public:
  virtual ~SqlEngine() = default;

  virtual EngineKind kind() const = 0;
  // Where it runs, for messages (a PostgreSQL URL has its password redacted).
  virtual std::string description() const = 0;

  // Runs one statement and returns all its rows: for small results. InvalidInput with the
  // engine's message when the SQL fails, IoError when a file cannot be read or written,
  // Unavailable when the server cannot be reached.
  virtual Result<RowSet> Query(std::string_view sql) = 0;
  // Runs one statement, discarding any rows.
  virtual Status Execute(std::string_view sql) = 0;
  // Runs one statement and hands its rows to `sink` in batches of at most `batch_rows`, so
  // memory stays bounded by one batch. A sink error stops the scan and is returned.
  virtual Status Scan(std::string_view sql, size_t batch_rows,
                      const std::function<Status(const RowSet&)>& sink) = 0;
  // Appends rows (text values cast to the column types, in the table's column order) to an
  // existing table, in bulk: DuckDB's appender, PostgreSQL's COPY FROM STDIN. `table` is the
  // name's parts, unquoted: {schema, table} or {catalog, schema, table}.
  virtual Status Append(const std::vector<std::string>& table, const RowSet& rows) = 0;

  virtual Status Begin() = 0;
  virtual Status Commit() = 0;
  virtual Status Rollback() = 0;

  // The quoted name of the table `location` (a DuckDB-file or PostgreSQL table) names, ready to
  // be created or written: a DuckDB file is ATTACHed (and created when missing). InvalidInput
  // for a file location, which is written with COPY instead, and for Avro, which is never written.
  virtual Result<std::string> TableName(const DatasetLocation& location) = 0;

  // The FROM item that reads `location` in this engine: read_parquet([...], hive_partitioning
  // = true), a quoted table name, ... InvalidInput when this engine cannot read that location
  // (a file from PostgreSQL); NotFound when nothing is there. DuckDB reads Avro files by loading
  // them, on the first call for that location, into a temporary table of this engine object
  // (later calls reuse it, so later changes to the files are not seen); a truncated or corrupt
  // file is an error naming it, and leaves no table behind.
  virtual Result<std::string> Relation(const DatasetLocation& location) = 0;
};

// An in-memory DuckDB. DuckDB database files named by locations are ATTACHed when first used.
Result<std::unique_ptr<SqlEngine>> OpenDuckDbEngine();
// A connection to the PostgreSQL database at `url`.
Result<std::unique_ptr<SqlEngine>> OpenPostgresEngine(std::string_view url);
// The engine that reads `location`: PostgreSQL for postgresql:// locations, else DuckDB.
Result<std::unique_ptr<SqlEngine>> OpenEngineFor(const DatasetLocation& location);

}  // namespace skein
