// The DuckDB warehouse: schemas of files, folders and DuckDB tables, and expression checks.
// Two in-memory databases: one reads files; the other, with file access disabled, binds the
// manifest's expressions, so an expression cannot read or write anything.
#include <duckdb.h>

#include <filesystem>
#include <set>

#include "base/text.h"
#include "data/postgres_schema.h"
#include "data/sql_text.h"
#include "data/warehouse.h"

namespace skein {
namespace {

using Rows = std::vector<std::vector<std::string>>;

// DuckDB's message without the "LINE 1: <our statement>" excerpt it appends, on one line.
std::string CleanMessage(const char* raw) {
  std::string text = raw == nullptr ? "unknown DuckDB error" : raw;
  size_t excerpt = text.find("\nLINE ");
  if (excerpt != std::string::npos) text.resize(excerpt);
  std::vector<std::string> lines = Split(text, '\n');
  return Join(lines, "; ");
}

// One in-memory DuckDB database and its connection.
class DuckDb {
 public:
  DuckDb() = default;
  DuckDb(const DuckDb&) = delete;
  DuckDb& operator=(const DuckDb&) = delete;
  ~DuckDb() {
    if (connection_ != nullptr) duckdb_disconnect(&connection_);
    if (database_ != nullptr) duckdb_close(&database_);
  }

  Status Open(const std::vector<std::pair<std::string, std::string>>& options) {
    duckdb_config config = nullptr;
    if (duckdb_create_config(&config) != DuckDBSuccess)
      return Status::Internal("cannot create a DuckDB config");
    for (const auto& [name, value] : options) duckdb_set_config(config, name.c_str(), value.c_str());
    char* error = nullptr;
    duckdb_state state = duckdb_open_ext(nullptr, &database_, config, &error);
    duckdb_destroy_config(&config);
    if (state != DuckDBSuccess) {
      std::string message = CleanMessage(error);
      duckdb_free(error);
      return Status::Internal("cannot open DuckDB: " + message);
    }
    if (duckdb_connect(database_, &connection_) != DuckDBSuccess)
      return Status::Internal("cannot connect to DuckDB");
    return Status::Ok();
  }

  // Runs exactly one statement and returns its rows as text ("" for NULL). IO errors are
  // IoError, every other engine error InvalidInput, each with DuckDB's message.
  Result<Rows> Query(const std::string& sql) {
    RETURN_IF_ERROR(CheckSingleStatement(sql));
    duckdb_result result;
    if (duckdb_query(connection_, sql.c_str(), &result) != DuckDBSuccess) {
      std::string message = CleanMessage(duckdb_result_error(&result));
      duckdb_error_type type = duckdb_result_error_type(&result);
      duckdb_destroy_result(&result);
      return type == DUCKDB_ERROR_IO ? Status::IoError(message) : Status::InvalidInput(message);
    }
    Rows rows(duckdb_row_count(&result));
    idx_t columns = duckdb_column_count(&result);
    for (idx_t row = 0; row < rows.size(); ++row) {
      for (idx_t col = 0; col < columns; ++col) {
        char* value = duckdb_value_varchar(&result, col, row);
        rows[row].push_back(value == nullptr ? "" : value);
        duckdb_free(value);
      }
    }
    duckdb_destroy_result(&result);
    return rows;
  }

 private:
  // Every statement skein builds is one statement; more means a value escaped its quoting.
  Status CheckSingleStatement(const std::string& sql) {
    duckdb_extracted_statements statements = nullptr;
    idx_t count = duckdb_extract_statements(connection_, sql.c_str(), &statements);
    std::string error = count == 0 ? CleanMessage(duckdb_extract_statements_error(statements)) : "";
    duckdb_destroy_extracted(&statements);
    if (count == 0) return Status::InvalidInput(error);
    if (count > 1)
      return Status::InvalidInput("the SQL holds " + std::to_string(count) + " statements, not one");
    return Status::Ok();
  }

  duckdb_database database_ = nullptr;
  duckdb_connection connection_ = nullptr;
};

bool HasGlob(std::string_view path) { return path.find_first_of("*?[") != std::string_view::npos; }
bool IsRemote(std::string_view path) { return path.find("://") != std::string_view::npos; }

std::vector<std::string> Extensions(DatasetLocation::Format format) {
  switch (format) {
    case DatasetLocation::Format::kCsv:
      return {".csv", ".tsv"};
    case DatasetLocation::Format::kJson:
      return {".json", ".jsonl", ".ndjson"};
    default:
      return {".parquet"};
  }
}

// The globs that cover a folder: one per extension of the format that occurs below it.
Result<std::vector<std::string>> FolderGlobs(const std::filesystem::path& folder,
                                             DatasetLocation::Format format) {
  std::set<std::string> found;
  std::vector<std::string> wanted = Extensions(format);
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(folder, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_regular_file()) continue;
    std::string ext = ToLower(it->path().extension().string());
    for (const auto& want : wanted) {
      if (ext == want) found.insert(want);
    }
  }
  if (ec) return Status::IoError("cannot list " + folder.string() + ": " + ec.message());
  if (found.empty()) {
    return Status::NotFound("no " + Join(wanted, "/") + " files under folder " + folder.string());
  }
  std::vector<std::string> globs;
  for (const auto& ext : found) globs.push_back((folder / "**" / ("*" + ext)).string());
  return globs;
}

const char* ReaderFunction(DatasetLocation::Format format) {
  switch (format) {
    case DatasetLocation::Format::kCsv:
      return "read_csv";
    case DatasetLocation::Format::kJson:
      return "read_json_auto";
    default:
      return "read_parquet";
  }
}

// "read_parquet(['a/**/*.parquet'], hive_partitioning = true)" for a file, glob or folder.
Result<std::string> FileReader(const DatasetLocation& location) {
  std::vector<std::string> paths = {location.path};
  bool folder = false;
  if (!IsRemote(location.path) && !HasGlob(location.path)) {
    std::error_code ec;
    auto status = std::filesystem::status(location.path, ec);
    if (std::filesystem::is_directory(status)) {
      ASSIGN_OR_RETURN(paths, FolderGlobs(location.path, location.format));
      folder = true;
    } else if (!std::filesystem::exists(status)) {
      return Status::NotFound("no such file or folder: " + location.path);
    }
  }
  std::vector<std::string> literals;
  for (const auto& path : paths) literals.push_back(QuoteLiteral(path));
  std::string reader = std::string(ReaderFunction(location.format)) + "([" + Join(literals, ", ") + "]";
  if (folder) reader += ", hive_partitioning = true";
  return reader + ")";
}

Result<Schema> SchemaFromDescribe(const Rows& rows) {
  Schema schema;
  for (const auto& row : rows) {
    if (row.size() < 2)
      return Status::Internal("DESCRIBE returned a row with " + std::to_string(row.size()) + " cells");
    schema.columns.push_back({row[0], row[1]});
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
    if (!IsRemote(location.path) && !std::filesystem::is_regular_file(location.path, ec)) {
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
  if (rows->empty() || rows->front().size() < 2)
    return Status::Internal("DESCRIBE of an expression returned nothing");
  std::string type = rows->front()[1];
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
