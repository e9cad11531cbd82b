// One DuckDB database through the C API (see duckdb_conn.h).
#include "data/duckdb_conn.h"

#include <cctype>
#include <filesystem>
#include <set>

#include "base/text.h"
#include "data/sql_text.h"

namespace skein::duckdb_internal {
namespace {

Status ErrorFor(duckdb_error_type type, std::string message) {
  return type == DUCKDB_ERROR_IO ? Status::IoError(std::move(message))
                                 : Status::InvalidInput(std::move(message));
}

// For the errors the C API gives as a message only (prepare, pending): DuckDB starts the message
// with its error type.
Status ErrorFromMessage(std::string message) {
  return ErrorFor(message.starts_with("IO Error") ? DUCKDB_ERROR_IO : DUCKDB_ERROR_INVALID_INPUT,
                  std::move(message));
}

// `sql` as a subquery whose every column is cast to VARCHAR. The statement's trailing semicolons
// are dropped and the closing parenthesis goes on a line of its own, so neither a ';' nor a
// trailing "-- comment" swallows it.
std::string AsTextQuery(const std::string& sql) {
  size_t end = sql.size();
  while (end > 0 && (sql[end - 1] == ';' || std::isspace(static_cast<unsigned char>(sql[end - 1])))) --end;
  return "SELECT COLUMNS(*)::VARCHAR FROM (\n" + sql.substr(0, end) + "\n)";
}

// A prepared statement, destroyed on scope exit.
struct Prepared {
  duckdb_prepared_statement statement = nullptr;
  ~Prepared() { duckdb_destroy_prepare(&statement); }
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

// The globs that cover a folder: one per extension of the format that occurs below it. Folders
// whose name starts with '.' (skein's staging, hidden tool folders) are not part of the dataset.
Result<std::vector<std::string>> FolderGlobs(const std::filesystem::path& folder,
                                             DatasetLocation::Format format) {
  std::set<std::string> found;
  std::vector<std::string> wanted = Extensions(format);
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(folder, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_directory() && it->path().filename().string().starts_with(".")) {
      it.disable_recursion_pending();
      continue;
    }
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

}  // namespace

std::string CleanMessage(const char* raw) {
  std::string text = raw == nullptr ? "unknown DuckDB error" : raw;
  size_t excerpt = text.find("\nLINE ");
  if (excerpt != std::string::npos) text.resize(excerpt);
  std::vector<std::string> lines = Split(text, '\n');
  return Join(lines, "; ");
}

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

DuckDb::~DuckDb() {
  if (connection_ != nullptr) duckdb_disconnect(&connection_);
  if (database_ != nullptr) duckdb_close(&database_);
}

Status DuckDb::Open(const std::vector<std::pair<std::string, std::string>>& options) {
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

Result<RowSet> DuckDb::Query(const std::string& sql) {
  RETURN_IF_ERROR(CheckSingleStatement(sql));
  // A SELECT's rows come back through the same cast to VARCHAR as Scan's: DuckDB's value functions
  // render no UUID, TIMESTAMPTZ, ENUM or nested value (they return NULL) and crash on some mixes.
  duckdb_result result;
  duckdb_state state = DuckDBError;
  {
    Prepared prepared;
    if (duckdb_prepare(connection_, sql.c_str(), &prepared.statement) != DuckDBSuccess) {
      // Not every statement prepares; run it directly, which also reports its error with its type.
      state = duckdb_query(connection_, sql.c_str(), &result);
    } else {
      bool as_text = false;
      if (duckdb_prepared_statement_type(prepared.statement) == DUCKDB_STATEMENT_TYPE_SELECT) {
        for (idx_t col = 0; col < duckdb_prepared_statement_column_count(prepared.statement); ++col) {
          as_text = as_text ||
                    duckdb_prepared_statement_column_type(prepared.statement, col) != DUCKDB_TYPE_VARCHAR;
        }
      }
      if (as_text) {
        Prepared text;
        if (duckdb_prepare(connection_, AsTextQuery(sql).c_str(), &text.statement) != DuckDBSuccess) {
          return ErrorFromMessage(CleanMessage(duckdb_prepare_error(text.statement)));
        }
        state = duckdb_execute_prepared(text.statement, &result);
      } else {
        state = duckdb_execute_prepared(prepared.statement, &result);
      }
    }
  }
  if (state != DuckDBSuccess) {
    std::string message = CleanMessage(duckdb_result_error(&result));
    duckdb_error_type type = duckdb_result_error_type(&result);
    duckdb_destroy_result(&result);
    return ErrorFor(type, std::move(message));
  }
  RowSet out;
  idx_t columns = duckdb_column_count(&result);
  for (idx_t col = 0; col < columns; ++col) out.columns.emplace_back(duckdb_column_name(&result, col));
  out.rows.resize(duckdb_row_count(&result));
  Status status = Status::Ok();
  for (idx_t row = 0; row < out.rows.size() && status.ok(); ++row) {
    out.rows[row].reserve(columns);
    for (idx_t col = 0; col < columns; ++col) {
      if (duckdb_value_is_null(&result, col, row)) {
        out.rows[row].emplace_back(std::nullopt);
        continue;
      }
      char* value = duckdb_value_varchar(&result, col, row);
      if (value == nullptr) {  // a type the value functions do not render, from a non-SELECT statement
        status = Status::Internal("DuckDB cannot render column '" + out.columns[col] +
                                  "' of this statement as text; cast it to VARCHAR");
        break;
      }
      out.rows[row].emplace_back(value);
      duckdb_free(value);
    }
  }
  duckdb_destroy_result(&result);
  RETURN_IF_ERROR(status);
  return out;
}

Status DuckDb::Scan(const std::string& sql, size_t batch_rows,
                    const std::function<Status(const RowSet&)>& sink) {
  RETURN_IF_ERROR(CheckSingleStatement(sql));
  batch_rows = std::max<size_t>(batch_rows, 1);
  // Every column as VARCHAR, so a chunk's vectors are all strings.
  std::string text_sql = AsTextQuery(sql);
  duckdb_prepared_statement prepared = nullptr;
  if (duckdb_prepare(connection_, text_sql.c_str(), &prepared) != DuckDBSuccess) {
    std::string message = CleanMessage(duckdb_prepare_error(prepared));
    duckdb_destroy_prepare(&prepared);
    return ErrorFromMessage(message);
  }
  duckdb_pending_result pending = nullptr;
  duckdb_state state = duckdb_pending_prepared_streaming(prepared, &pending);
  duckdb_destroy_prepare(&prepared);
  duckdb_result result;
  if (state != DuckDBSuccess) {
    std::string message = CleanMessage(duckdb_pending_error(pending));
    duckdb_destroy_pending(&pending);
    return ErrorFromMessage(message);
  }
  if (duckdb_execute_pending(pending, &result) != DuckDBSuccess) {
    // The failure is the result's (and the result must be freed), not the pending query's.
    std::string message = CleanMessage(duckdb_result_error(&result));
    duckdb_destroy_result(&result);
    duckdb_destroy_pending(&pending);
    return ErrorFromMessage(message);
  }
  duckdb_destroy_pending(&pending);
  RowSet batch;
  idx_t columns = duckdb_column_count(&result);
  for (idx_t col = 0; col < columns; ++col) batch.columns.emplace_back(duckdb_column_name(&result, col));
  Status status = Status::Ok();
  for (;;) {
    duckdb_data_chunk chunk = duckdb_fetch_chunk(result);
    if (chunk == nullptr) break;
    idx_t size = duckdb_data_chunk_get_size(chunk);
    std::vector<duckdb_string_t*> data(columns);
    std::vector<uint64_t*> validity(columns);
    for (idx_t col = 0; col < columns; ++col) {
      duckdb_vector vector = duckdb_data_chunk_get_vector(chunk, col);
      data[col] = static_cast<duckdb_string_t*>(duckdb_vector_get_data(vector));
      validity[col] = duckdb_vector_get_validity(vector);
    }
    for (idx_t row = 0; row < size; ++row) {
      std::vector<Value>& out = batch.rows.emplace_back();
      out.reserve(columns);
      for (idx_t col = 0; col < columns; ++col) {
        if (validity[col] != nullptr && !duckdb_validity_row_is_valid(validity[col], row)) {
          out.emplace_back(std::nullopt);
          continue;
        }
        duckdb_string_t* s = &data[col][row];
        out.emplace_back(std::string(duckdb_string_t_data(s), duckdb_string_t_length(*s)));
      }
      if (batch.rows.size() >= batch_rows) {
        status = sink(batch);
        batch.rows.clear();
        if (!status.ok()) break;
      }
    }
    duckdb_destroy_data_chunk(&chunk);
    if (!status.ok()) break;
  }
  const char* error = duckdb_result_error(&result);
  if (status.ok() && error != nullptr)
    status = ErrorFor(duckdb_result_error_type(&result), CleanMessage(error));
  duckdb_destroy_result(&result);
  if (status.ok() && !batch.rows.empty()) status = sink(batch);
  return status;
}

Status DuckDb::Append(const std::string& catalog, const std::string& schema, const std::string& table,
                      const RowSet& rows) {
  std::string name = (catalog.empty() ? "" : catalog + ".") + schema + "." + table;
  duckdb_appender appender = nullptr;
  if (duckdb_appender_create_ext(connection_, catalog.empty() ? nullptr : catalog.c_str(), schema.c_str(),
                                 table.c_str(), &appender) != DuckDBSuccess) {
    duckdb_error_data error = duckdb_appender_error_data(appender);
    std::string message = CleanMessage(duckdb_error_data_message(error));
    duckdb_destroy_error_data(&error);
    duckdb_appender_destroy(&appender);
    return Status::InvalidInput("cannot append to " + name + ": " + message);
  }
  // The first failing value stops the append: the appender's error is about that value.
  std::string where;
  for (size_t row = 0; row < rows.rows.size() && where.empty(); ++row) {
    const std::vector<Value>& values = rows.rows[row];
    for (size_t col = 0; col < values.size() && where.empty(); ++col) {
      const Value& value = values[col];
      duckdb_state s = value ? duckdb_append_varchar_length(appender, value->data(), value->size())
                             : duckdb_append_null(appender);
      if (s != DuckDBSuccess) {
        std::string column = col < rows.columns.size() ? " '" + rows.columns[col] + "'" : "";
        where = "row " + std::to_string(row + 1) + ", column " + std::to_string(col + 1) + column + ": ";
      }
    }
    if (where.empty() && duckdb_appender_end_row(appender) != DuckDBSuccess) {
      where = "row " + std::to_string(row + 1) + ": ";
    }
  }
  if (where.empty() && duckdb_appender_close(appender) != DuckDBSuccess) where = " ";
  std::string message;
  if (!where.empty()) {
    duckdb_error_data error = duckdb_appender_error_data(appender);
    message = CleanMessage(duckdb_error_data_message(error));
    duckdb_destroy_error_data(&error);
  }
  // Destroying flushes what the appender still holds (after a failure, the rows before it): the
  // caller's transaction makes the append all or nothing.
  duckdb_appender_destroy(&appender);
  if (!where.empty()) {
    return Status::InvalidInput("cannot append to " + name + ": " + std::string(Trim(where + message)));
  }
  return Status::Ok();
}

// Every statement skein builds is one statement; more means a value escaped its quoting.
Status DuckDb::CheckSingleStatement(const std::string& sql) {
  duckdb_extracted_statements statements = nullptr;
  idx_t count = duckdb_extract_statements(connection_, sql.c_str(), &statements);
  std::string error = count == 0 ? CleanMessage(duckdb_extract_statements_error(statements)) : "";
  duckdb_destroy_extracted(&statements);
  if (count == 0) return Status::InvalidInput(error);
  if (count > 1)
    return Status::InvalidInput("the SQL holds " + std::to_string(count) + " statements, not one");
  return Status::Ok();
}

}  // namespace skein::duckdb_internal
