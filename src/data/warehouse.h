// Warehouse: where datasets live and where SQL runs. DuckDB is the embedded default (Parquet,
// CSV, JSON Lines files, Hive-partitioned folders, DuckDB tables); PostgreSQL tables come later
// through the same interface.
//
// Thread-safety: a Warehouse object is used by one thread at a time.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "catalog/entity.h"

namespace skein {

struct Column {
  std::string name;
  std::string type;  // DuckDB's spelling: VARCHAR, BIGINT, TIMESTAMP, ...
};

struct Schema {
  std::vector<Column> columns;
  // The column with this name (case-insensitive, as SQL compares unquoted names), or nullptr.
  const Column* Find(std::string_view name) const;
};

// Parsed `skein.dev/location`:
//   parquet:PATH | csv:PATH | json:PATH   a file, a glob, or a (Hive-partitioned) folder
//   duckdb:FILE#schema.table              a table in a DuckDB database file
//   postgresql://...#schema.table         a PostgreSQL table
// Relative paths resolve against the working folder.
struct DatasetLocation {
  enum class Format { kParquet, kCsv, kJson, kDuckDb, kPostgres };
  Format format = Format::kParquet;
  std::string path;   // file, glob, folder, database file or connection URL
  std::string table;  // for kDuckDb and kPostgres: "schema.table"

  static Result<DatasetLocation> Parse(std::string_view text);
};

// Parses a `skein.dev/schema` annotation: "name TYPE, name TYPE, ...".
Result<Schema> ParseSchemaAnnotation(std::string_view text);

class Warehouse {
 public:
  virtual ~Warehouse() = default;

  // The schema of the dataset at `location`. NotFound when nothing is there.
  virtual Result<Schema> ReadSchema(const DatasetLocation& location) = 0;
  // Checks that `expression` parses and binds over rows of `input` (and casts to `cast_to` when
  // not empty); returns the expression's result type. InvalidInput with the engine's message
  // otherwise.
  virtual Result<std::string> CheckExpression(const Schema& input, std::string_view expression,
                                              std::string_view cast_to) = 0;
};

// An in-memory DuckDB.
Result<std::unique_ptr<Warehouse>> OpenDuckDbWarehouse();

// The schema of a dataset entity: its `skein.dev/schema` annotation when present, else read
// from its `skein.dev/location` through `warehouse`. Errors name the dataset.
Result<Schema> DatasetSchema(const Entity& dataset, Warehouse& warehouse);

}  // namespace skein
