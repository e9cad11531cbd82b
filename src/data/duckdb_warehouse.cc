// The DuckDB warehouse: schemas of files, folders and DuckDB tables (Avro files' from their
// headers, through avro_reader.h), and expression checks.
// Two in-memory databases: one reads files; the other, with file access disabled, binds the
// manifest's expressions, so an expression cannot read or write anything.
#include <filesystem>

#include "base/text.h"
#include "data/avro_reader.h"
#include "data/duckdb_conn.h"
#include "data/postgres_schema.h"
#include "data/sql_text.h"
#include "data/warehouse.h"

namespace skein {
namespace {

using duckdb_internal::DuckDb;
using duckdb_internal::FileReader;
using Rows = RowSet;

Result<Schema> SchemaFromDescribe(const Rows& rows) {
  Schema schema;
  for (const auto& row : rows.rows) {
    if (row.size() < 2)
      return Status::Internal("DESCRIBE returned a row with " + std::to_string(row.size()) + " cells");
    schema.columns.push_back({row[0].value_or(""), row[1].value_or("")});
  }
  return schema;
}

class DuckDbWarehouse final : public Warehouse {
 public:
  Status Open() {
    RETURN_IF_ERROR(files_.Open({{"autoinstall_known_extensions", "false"}}));
    return sandbox_.Open({{"enable_external_access", "false"},
                          {"autoinstall_known_extensions", "false"},
                          {"autoload_known_extensions", "false"},
                          {"threads", "1"}});
  }

  Result<Schema> ReadSchema(const DatasetLocation& location) override {
    Result<Schema> schema = ReadSchemaUnlabelled(location);
    if (schema.ok() && schema->columns.empty()) schema = Status::InvalidInput("no columns");
    if (!schema.ok()) return schema.status().WithContext("location '" + location.ToString() + "'");
    return schema;
  }

  Result<std::string> CheckExpression(const Schema& input, std::string_view expression,
                                      std::string_view cast_to) override;

 private:
  Status CheckCastable(const std::string& from, std::string_view to);

  Result<Schema> ReadSchemaUnlabelled(const DatasetLocation& location) {
    switch (location.format) {
      case DatasetLocation::Format::kPostgres:
        return ReadPostgresSchema(location.path, location.table);
      case DatasetLocation::Format::kDuckDb:
        return ReadDuckDbTableSchema(location);
      case DatasetLocation::Format::kAvro: {
        // DuckDB has no Avro reader here: the schema is the files' header (all of them agree).
        ASSIGN_OR_RETURN(AvroFileSet avro, ReadAvroFileSet(location.path));
        return std::move(avro.schema);
      }
      default:
        break;
    }
    ASSIGN_OR_RETURN(std::string reader, FileReader(location));
    Result<Rows> rows = files_.Query("DESCRIBE SELECT * FROM " + reader);
    if (!rows.ok() && rows.status().message().find("No files found") != std::string::npos) {
      return Status::NotFound(rows.status().message());
    }
    if (!rows.ok()) return rows.status();
    return SchemaFromDescribe(*rows);
  }

  Result<Schema> ReadDuckDbTableSchema(const DatasetLocation& location) {
    std::error_code ec;
    if (location.path.find("://") == std::string::npos && !std::filesystem::is_regular_file(location.path, ec)) {
      return Status::NotFound("no such DuckDB file: " + location.path);
    }
    std::string alias = "skein_attached_" + std::to_string(++attach_count_);
    RETURN_IF_ERROR(
        files_
            .Query("ATTACH " + QuoteLiteral(location.path) + " AS " + QuoteIdentifier(alias) + " (READ_ONLY)")
            .status());
    Result<Rows> rows =
        files_.Query("DESCRIBE " + QuoteIdentifier(alias) + "." + QuoteQualifiedName(location.table));
    (void)files_.Query("DETACH " + QuoteIdentifier(alias));
    if (!rows.ok() && rows.status().message().find("does not exist") != std::string::npos) {
      return Status::NotFound("no table " + location.table + " in " + location.path);
    }
    if (!rows.ok()) return rows.status();
    return SchemaFromDescribe(*rows);
  }

  DuckDb files_;
  DuckDb sandbox_;
  int attach_count_ = 0;
};

// "SELECT (...) AS value FROM (typed empty row) WHERE ((...) IS NULL OR TRUE)": the WHERE clause
// makes DuckDB refuse aggregates and window functions, which have no per-row value.
std::string ExpressionProbe(const Schema& input, std::string_view expression, std::string_view cast_to) {
  std::string wrapped = "(\n" + std::string(expression) + "\n)";
  std::string sql = "DESCRIBE SELECT " + wrapped + " AS \"value\"";
  if (!cast_to.empty()) sql += ", CAST(" + wrapped + " AS " + std::string(cast_to) + ") AS \"cast_value\"";
  if (!input.columns.empty()) {
    std::vector<std::string> columns;
    for (const auto& column : input.columns) {
      columns.push_back("CAST(NULL AS " + column.type + ") AS " + QuoteIdentifier(column.name));
    }
    sql += " FROM (SELECT " + Join(columns, ", ") + ") AS \"input\"";
  }
  return sql + " WHERE (" + wrapped + " IS NULL OR TRUE)";
}

// A non-NULL literal of `type` for the types DuckDB may refuse to cast, or "" (VARCHAR and nested
// types: their casts fail, if at all, on particular values only).
std::string SampleLiteral(std::string_view type) {
  static const std::vector<std::pair<std::string_view, std::string_view>> kSamples = {
      {"BOOLEAN", "true"},    {"TINYINT", "1"},         {"SMALLINT", "1"},
      {"INTEGER", "1"},       {"BIGINT", "1"},          {"HUGEINT", "1"},
      {"UTINYINT", "1"},      {"USMALLINT", "1"},       {"UINTEGER", "1"},
      {"UBIGINT", "1"},       {"FLOAT", "1"},           {"DOUBLE", "1"},
      {"DECIMAL", "1"},       {"DATE", "'2024-01-01'"}, {"TIMESTAMP", "'2024-01-01 00:00:00'"},
      {"TIME", "'12:00:00'"}, {"INTERVAL", "'1 day'"},  {"UUID", "'00000000-0000-0000-0000-000000000000'"},
      {"BLOB", "'a'"}};
  for (const auto& [prefix, literal] : kSamples) {
    if (type.substr(0, prefix.size()) != prefix) continue;
    std::string_view rest = type.substr(prefix.size());
    if (rest.empty() || rest[0] == '(' || rest[0] == ' ' || rest[0] == '_') return std::string(literal);
  }
  return "";
}

Result<std::string> DuckDbWarehouse::CheckExpression(const Schema& input, std::string_view expression,
                                                     std::string_view cast_to) {
  RETURN_IF_ERROR(CheckSqlFragment(expression));
  if (!cast_to.empty())
    RETURN_IF_ERROR(CheckSqlFragment(cast_to).WithContext("type '" + std::string(cast_to) + "'"));
  for (const auto& column : input.columns) {
    RETURN_IF_ERROR(CheckSqlFragment(column.type).WithContext("type of column '" + column.name + "'"));
  }
  Result<Rows> rows = sandbox_.Query(ExpressionProbe(input, expression, cast_to));
  if (!rows.ok()) {
    std::string message = rows.status().message();
    if (message.find("cannot contain aggregates") != std::string::npos) {
      message = "aggregate functions have no per-row value: " + message;
    } else if (message.find("cannot contain window functions") != std::string::npos) {
      message = "window functions have no per-row value: " + message;
    }
    return Status::InvalidInput(message);
  }
  if (rows->rows.empty() || rows->rows.front().size() < 2)
    return Status::Internal("DESCRIBE of an expression returned nothing");
  std::string type = rows->rows.front()[1].value_or("");
  RETURN_IF_ERROR(CheckCastable(type, cast_to));
  return type;
}

// DuckDB refuses a cast it has no implementation for only when it meets a non-NULL value: cast
// one. Value-dependent failures ('abc' to INTEGER) say nothing about the types and pass.
Status DuckDbWarehouse::CheckCastable(const std::string& from, std::string_view to) {
  std::string sample = SampleLiteral(from);
  if (to.empty() || sample.empty()) return Status::Ok();
  Result<Rows> rows =
      sandbox_.Query("SELECT CAST(CAST(" + sample + " AS " + from + ") AS " + std::string(to) + ")");
  if (!rows.ok() && rows.status().message().find("Unimplemented type for cast") != std::string::npos) {
    return Status::InvalidInput("a " + from + " value cannot be cast to " + std::string(to));
  }
  return Status::Ok();
}

}  // namespace

std::string DatasetLocation::ToString() const {
  switch (format) {
    case Format::kParquet:
      return "parquet:" + path;
    case Format::kCsv:
      return "csv:" + path;
    case Format::kJson:
      return "json:" + path;
    case Format::kAvro:
      return "avro:" + path;
    case Format::kDuckDb:
      return "duckdb:" + path + "#" + table;
    case Format::kPostgres:
      return RedactUrl(path) + "#" + table;
  }
  return path;
}

Result<std::unique_ptr<Warehouse>> OpenDuckDbWarehouse() {
  auto warehouse = std::make_unique<DuckDbWarehouse>();
  RETURN_IF_ERROR(warehouse->Open());
  return std::unique_ptr<Warehouse>(std::move(warehouse));
}

}  // namespace skein
