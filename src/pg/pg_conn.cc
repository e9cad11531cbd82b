// libpq wrappers and the mapping of PostgreSQL errors to Status.
#include "pg/pg_conn.h"

#include <cstdlib>
#include <utility>

#include "base/text.h"

namespace skein::pg {
namespace {

// Seconds to wait for a server that does not answer, unless the URL says otherwise.
constexpr const char* kConnectTimeoutSeconds = "10";

std::string OneLine(std::string_view text) {
  std::string line;
  for (char c : Trim(text)) {
    if (c == '\n' || c == '\t') {
      if (!line.empty() && line.back() != ' ') line += ' ';
    } else {
      line += c;
    }
  }
  return line;
}

std::string ReplaceAll(std::string text, std::string_view from, std::string_view to) {
  if (from.empty()) return text;
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

std::string Describe(PGconn* conn) {
  auto value = [](const char* text, const char* fallback) {
    return std::string(text != nullptr && *text != '\0' ? text : fallback);
  };
  std::string host = value(PQhost(conn), "localhost");
  if (!host.empty() && host[0] == '/') host = "socket " + host;
  return host + ":" + value(PQport(conn), "5432") + " (database \"" + value(PQdb(conn), "") + "\", user \"" +
         value(PQuser(conn), "") + "\")";
}

Status StatusFor(PGconn* conn, const PGresult* result, std::string message) {
  const char* state = result != nullptr ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  std::string_view sqlstate = state != nullptr ? state : "";
  std::string_view error_class = sqlstate.substr(0, 2);
  if (PQstatus(conn) == CONNECTION_BAD || error_class == "08" || error_class == "53" || error_class == "57") {
    return Status::Unavailable(std::move(message));
  }
  if (error_class == "23" || error_class == "40") return Status::Conflict(std::move(message));
  // Data exceptions (a failing cast) and syntax or access errors: what the SQL asked is wrong.
  if (error_class == "22" || error_class == "42") return Status::InvalidInput(std::move(message));
  return Status::Internal(std::move(message));
}

}  // namespace

std::string PgResult::Text(int row, int column) const {
  return std::string(PQgetvalue(result_.get(), row, column),
                     static_cast<size_t>(PQgetlength(result_.get(), row, column)));
}

int PgResult::Int(int row, int column) const { return std::atoi(PQgetvalue(result_.get(), row, column)); }

bool PgResult::IsNull(int row, int column) const { return PQgetisnull(result_.get(), row, column) != 0; }

int PgResult::columns() const { return PQnfields(result_.get()); }

std::string PgResult::ColumnName(int column) const { return PQfname(result_.get(), column); }

Result<PgConnection> PgConnection::Connect(std::string_view url) {
  std::string conninfo(url);
  char* parse_error = nullptr;
  PQconninfoOption* options = PQconninfoParse(conninfo.c_str(), &parse_error);
  if (options == nullptr) {
    std::string detail = parse_error != nullptr ? OneLine(parse_error) : "out of memory";
    PQfreemem(parse_error);
    return Status::InvalidInput("invalid PostgreSQL URL " + RedactPasswords(url) + ": " +
                                RedactPasswords(detail));
  }
  PQconninfoFree(options);

  // Values after "dbname" override it; the URL expanded from it overrides those before.
  const char* keywords[] = {"connect_timeout", "application_name", "dbname", nullptr};
  const char* values[] = {kConnectTimeoutSeconds, "skein", conninfo.c_str(), nullptr};
  PgConnection conn(PQconnectdbParams(keywords, values, /*expand_dbname=*/1), "");
  if (conn.conn_ == nullptr) return Status::Internal("libpq: out of memory");
  conn.description_ = Describe(conn.conn_.get());
  if (PQstatus(conn.conn_.get()) != CONNECTION_OK) {
    std::string detail = OneLine(PQerrorMessage(conn.conn_.get()));
    if (const char* password = PQpass(conn.conn_.get()); password != nullptr) {
      detail = ReplaceAll(detail, password, "***");
    }
    return Status::Unavailable("cannot reach PostgreSQL at " + conn.description_ + ": " +
                               RedactPasswords(detail));
  }
  // CREATE TABLE IF NOT EXISTS and friends send notices; libpq would print them on stderr.
  PQsetNoticeProcessor(
      conn.conn_.get(), [](void*, const char*) {}, nullptr);
  return conn;
}

Result<PgResult> PgConnection::Check(PGresult* raw, std::string_view sql) {
  PgResult result(raw);
  ExecStatusType status = PQresultStatus(raw);
  if (raw != nullptr && (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK)) return result;
  std::string error = raw != nullptr ? PQresultErrorMessage(raw) : PQerrorMessage(conn_.get());
  std::string first_words(sql.substr(0, 60));
  return StatusFor(conn_.get(), raw,
                   "PostgreSQL: " + OneLine(error) + " (in \"" + OneLine(first_words) +
                       (sql.size() > 60 ? "...\")" : "\")"));
}

Result<PgResult> PgConnection::Exec(std::string_view sql, const std::vector<std::string>& params) {
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& param : params) values.push_back(param.c_str());
  std::string text(sql);
  return Check(PQexecParams(conn_.get(), text.c_str(), static_cast<int>(params.size()), nullptr,
                            values.data(), nullptr, nullptr, /*resultFormat=*/0),
               sql);
}

Status PgConnection::ExecScript(std::string_view sql) {
  std::string text(sql);
  return Check(PQexec(conn_.get(), text.c_str()), sql).status();
}

Result<std::unique_ptr<PgTransaction>> PgTransaction::Begin(PgConnection& conn) {
  RETURN_IF_ERROR(conn.Exec("BEGIN").status());
  return std::unique_ptr<PgTransaction>(new PgTransaction(conn));
}

PgTransaction::~PgTransaction() {
  if (open_) (void)conn_.Exec("ROLLBACK");
}

Status PgTransaction::Commit() {
  open_ = false;  // a failed COMMIT ends the transaction too
  return conn_.Exec("COMMIT").status();
}

std::string PgTextArray(const std::vector<std::string>& values) {
  std::string array = "{";
  for (const auto& value : values) {
    if (array.size() > 1) array += ',';
    array += '"';
    for (char c : value) {
      if (c == '"' || c == '\\') array += '\\';
      array += c;
    }
    array += '"';
  }
  array += '}';
  return array;
}

std::string RedactPasswords(std::string_view text) {
  std::string out(text);
  // scheme://user:password@host
  for (size_t scheme = out.find("://"); scheme != std::string::npos; scheme = out.find("://", scheme + 3)) {
    size_t start = scheme + 3;
    size_t end = out.find_first_of("/?# \t\n\"'", start);
    size_t at = out.rfind('@', end == std::string::npos ? std::string::npos : end);
    if (at == std::string::npos || at < start) continue;
    size_t colon = out.find(':', start);
    if (colon == std::string::npos || colon > at) continue;
    out.replace(colon + 1, at - colon - 1, "***");
  }
  // password=... in a query string or a key/value conninfo
  for (size_t key = out.find("password="); key != std::string::npos; key = out.find("password=", key + 1)) {
    size_t start = key + 9;
    size_t end = out.find_first_of("& \t\n\"'", start);
    if (end == std::string::npos) end = out.size();
    out.replace(start, end - start, "***");
  }
  return out;
}

Status PgConnection::CopyIn(std::string_view copy_sql, std::string_view data) {
  std::string text(copy_sql);
  PGresult* start = PQexec(conn_.get(), text.c_str());
  if (PQresultStatus(start) != PGRES_COPY_IN) return Check(start, copy_sql).status();
  PQclear(start);
  bool sent = PQputCopyData(conn_.get(), data.data(), static_cast<int>(data.size())) == 1;
  bool ended = PQputCopyEnd(conn_.get(), sent ? nullptr : "skein: sending rows failed") == 1;
  Status status = Status::Ok();
  for (PGresult* result = PQgetResult(conn_.get()); result != nullptr; result = PQgetResult(conn_.get())) {
    Result<PgResult> checked = Check(result, copy_sql);
    if (status.ok() && !checked.ok()) status = checked.status();
  }
  if (status.ok() && (!sent || !ended)) status = Status::Unavailable("COPY to " + description_ + " was cut off");
  return status;
}

}  // namespace skein::pg
