// PostgreSQL table schemas through libpq (see postgres_schema.h).
#include "data/postgres_schema.h"

#include <libpq-fe.h>

#include <map>
#include <memory>

#include "base/text.h"

namespace skein {
namespace {

struct PgConnDeleter {
  void operator()(PGconn* conn) const { PQfinish(conn); }
};
struct PgResultDeleter {
  void operator()(PGresult* result) const { PQclear(result); }
};

std::string FirstLine(const char* text) {
  std::string line = text == nullptr ? "" : text;
  size_t end = line.find('\n');
  return std::string(Trim(line.substr(0, end)));
}

// A PostgreSQL element type name (udt_name without the array '_') in DuckDB's spelling, or "".
std::string ScalarType(std::string_view udt) {
  static const std::map<std::string, std::string, std::less<>> kTypes = {
      {"bool", "BOOLEAN"},
      {"int2", "SMALLINT"},
      {"int4", "INTEGER"},
      {"int8", "BIGINT"},
      {"float4", "FLOAT"},
      {"float8", "DOUBLE"},
      {"text", "VARCHAR"},
      {"varchar", "VARCHAR"},
      {"bpchar", "VARCHAR"},
      {"name", "VARCHAR"},
      {"date", "DATE"},
      {"time", "TIME"},
      {"timetz", "TIME WITH TIME ZONE"},
      {"timestamp", "TIMESTAMP"},
      {"timestamptz", "TIMESTAMP WITH TIME ZONE"},
      {"interval", "INTERVAL"},
      {"bytea", "BLOB"},
      {"uuid", "UUID"},
      {"json", "JSON"},
      {"jsonb", "JSON"},
      {"numeric", "DECIMAL"},
      {"oid", "UINTEGER"}};
  auto it = kTypes.find(udt);
  return it == kTypes.end() ? "" : it->second;
}

}  // namespace

std::string RedactUrl(std::string_view url) {
  std::string text(url);
  size_t scheme = text.find("://");
  size_t at = text.find('@');
  if (scheme == std::string::npos || at == std::string::npos || at < scheme) return text;
  size_t colon = text.find(':', scheme + 3);
  if (colon == std::string::npos || colon > at) return text;
  return text.substr(0, colon + 1) + "***" + text.substr(at);
}

std::string DuckDbTypeForPostgres(std::string_view data_type, std::string_view udt_name,
                                  std::string_view precision, std::string_view scale) {
  if (data_type == "ARRAY") {
    std::string element = ScalarType(udt_name.substr(udt_name.empty() || udt_name[0] != '_' ? 0 : 1));
    return (element.empty() || element == "DECIMAL" ? std::string("VARCHAR") : element) + "[]";
  }
  std::string type = ScalarType(udt_name);
  if (type == "DECIMAL") {
    // An unconstrained numeric has no DuckDB counterpart; DuckDB's postgres scanner reads DOUBLE.
    if (precision.empty()) return "DOUBLE";
    return "DECIMAL(" + std::string(precision) + "," + std::string(scale.empty() ? "0" : scale) + ")";
  }
  return type.empty() ? "VARCHAR" : type;
}

Result<Schema> ReadPostgresSchema(std::string_view url, std::string_view table) {
  std::vector<std::string> parts = Split(table, '.');
  std::string schema_name = parts.size() == 2 ? parts[0] : "public";
  std::string table_name = parts.empty() ? "" : parts.back();
  std::string url_text(url);
  const char* keys[] = {"dbname", "connect_timeout", nullptr};
  const char* values[] = {url_text.c_str(), "10", nullptr};
  std::unique_ptr<PGconn, PgConnDeleter> conn(PQconnectdbParams(keys, values, /*expand_dbname=*/1));
  if (conn == nullptr || PQstatus(conn.get()) != CONNECTION_OK) {
    return Status::Unavailable("cannot connect to " + RedactUrl(url) + ": " +
                               FirstLine(conn ? PQerrorMessage(conn.get()) : "out of memory"));
  }
  const char* params[] = {schema_name.c_str(), table_name.c_str()};
  std::unique_ptr<PGresult, PgResultDeleter> result(PQexecParams(
      conn.get(),
      "SELECT column_name, data_type, udt_name, numeric_precision::text, numeric_scale::text "
      "FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position",
      2, nullptr, params, nullptr, nullptr, 0));
  if (PQresultStatus(result.get()) != PGRES_TUPLES_OK) {
    return Status::IoError("reading the columns of " + std::string(table) + " in " + RedactUrl(url) + ": " +
                           FirstLine(PQresultErrorMessage(result.get())));
  }
  Schema out;
  for (int row = 0; row < PQntuples(result.get()); ++row) {
    auto cell = [&](int col) { return std::string(PQgetvalue(result.get(), row, col)); };
    out.columns.push_back({cell(0), DuckDbTypeForPostgres(cell(1), cell(2), cell(3), cell(4))});
  }
  if (out.columns.empty()) {
    return Status::NotFound("table " + schema_name + "." + table_name + " not found in " + RedactUrl(url));
  }
  return out;
}

}  // namespace skein
