// Warehouse: where datasets live and where SQL runs. DuckDB is the embedded default (Parquet,
// CSV, JSON Lines files, Hive-partitioned folders, DuckDB tables); a PostgreSQL table's schema is
// read through libpq. Every catalog or manifest value that reaches SQL is quoted or checked by
// data/sql_text.h first.
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
//   avro:PATH                             an Avro object container file, a glob, or a folder of
//                                         .avro files, all of one schema; read-only (skein never
//                                         writes Avro), and folder names add no Hive columns
//   duckdb:FILE#schema.table              a table in a DuckDB database file
//   postgresql://...#schema.table         a PostgreSQL table
// Relative paths resolve against the working folder.
struct DatasetLocation {
  enum class Format { kParquet, kCsv, kJson, kAvro, kDuckDb, kPostgres };
  Format format = Format::kParquet;
  std::string path;   // file, glob, folder, database file or connection URL
  std::string table;  // for kDuckDb and kPostgres: "schema.table"

  // Reads a location; a bare path whose extension says its format (.parquet, .csv, .tsv, .json,
  // .jsonl, .ndjson, .avro) needs no prefix. InvalidInput naming the text otherwise.
  static Result<DatasetLocation> Parse(std::string_view text);
  // The location as Parse reads it, with a PostgreSQL password replaced by "***".
  std::string ToString() const;
};

// Parses a `skein.dev/schema` annotation: "name TYPE, name TYPE, ...". A name is plain or
// "double quoted"; a type may hold commas inside brackets (DECIMAL(10,2), STRUCT(a INT, b
// VARCHAR), MAP(VARCHAR, INT)). Types are kept as written; DatasetSchema normalizes them.
Result<Schema> ParseSchemaAnnotation(std::string_view text);

class Warehouse {
 public:
  virtual ~Warehouse() = default;

  // The schema of the dataset at `location`. A folder means every file of the format below it,
  // Hive partition folders (dt=2024-01-01) adding their columns. NotFound when nothing is there;
  // InvalidInput or IoError with the engine's message when it cannot be read.
  virtual Result<Schema> ReadSchema(const DatasetLocation& location) = 0;
  // Checks that `expression` parses and binds over rows of `input` (and casts to `cast_to` when
  // not empty); returns the expression's result type. It must be one per-row expression: no
  // statement separator, no aggregate or window function, no file access. InvalidInput with the
  // engine's message otherwise.
  virtual Result<std::string> CheckExpression(const Schema& input, std::string_view expression,
                                              std::string_view cast_to) = 0;
};

// An in-memory DuckDB. Expressions are checked in a second in-memory database with file access
// disabled.
Result<std::unique_ptr<Warehouse>> OpenDuckDbWarehouse();

// The schema of a dataset entity: its `skein.dev/schema` annotation when present (types
// checked and spelled as DuckDB does: INT -> INTEGER), else read from its `skein.dev/location`
// through `warehouse`. Errors name the dataset; NotFound when it has neither annotation.
Result<Schema> DatasetSchema(const Entity& dataset, Warehouse& warehouse);

}  // namespace skein
