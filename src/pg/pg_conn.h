// pg/: thin RAII wrappers over libpq, shared by the PostgreSQL store and the PostgreSQL warehouse:
// a connection, a query result, and a transaction that rolls back unless committed. Values always travel as query parameters
// (PQexecParams), never inside SQL text; identifiers built into SQL are quoted by the caller. Errors come back as Status: connection trouble ->
// Unavailable, integrity and serialization failures -> Conflict, data exceptions and syntax or
// access errors -> InvalidInput, anything else -> Internal.
// No message ever contains the connection's password.
//
// Thread-safety: a connection is used by one thread at a time.
#pragma once

#include <libpq-fe.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace skein::pg {

class PgResult {
 public:
  int rows() const { return PQntuples(result_.get()); }
  std::string Text(int row, int column) const;
  int Int(int row, int column) const;
  bool IsNull(int row, int column) const;
  int columns() const;
  std::string ColumnName(int column) const;

 private:
  friend class PgConnection;
  struct Clear {
    void operator()(PGresult* result) const { PQclear(result); }
  };
  explicit PgResult(PGresult* result) : result_(result) {}
  std::unique_ptr<PGresult, Clear> result_;
};

class PgConnection {
 public:
  // Connects to `url` (a libpq URL: postgresql://user@host:port/db?options=...). InvalidInput when
  // the URL is malformed, Unavailable when the server cannot be reached or refuses the login.
  static Result<PgConnection> Connect(std::string_view url);

  // "host:port (database "db", user "u")", for messages.
  const std::string& description() const { return description_; }
  // Runs one statement with text parameters ($1, $2, ...).
  Result<PgResult> Exec(std::string_view sql, const std::vector<std::string>& params = {});
  // Runs a script of statements without parameters (schema migrations).
  Status ExecScript(std::string_view sql);
  // Runs `copy_sql` (COPY ... FROM STDIN) and sends `data` in COPY's format.
  Status CopyIn(std::string_view copy_sql, std::string_view data);

 private:
  struct Finish {
    void operator()(PGconn* conn) const { PQfinish(conn); }
  };
  PgConnection(PGconn* conn, std::string description) : conn_(conn), description_(std::move(description)) {}
  Result<PgResult> Check(PGresult* result, std::string_view sql);

  std::unique_ptr<PGconn, Finish> conn_;
  std::string description_;
};

// BEGIN ... COMMIT; rolls back when destroyed uncommitted.
class PgTransaction {
 public:
  static Result<std::unique_ptr<PgTransaction>> Begin(PgConnection& conn);
  ~PgTransaction();
  PgTransaction(const PgTransaction&) = delete;
  PgTransaction& operator=(const PgTransaction&) = delete;
  Status Commit();

 private:
  explicit PgTransaction(PgConnection& conn) : conn_(conn) {}
  PgConnection& conn_;
  bool open_ = true;
};

// A PostgreSQL text[] literal holding `values`, to pass as one parameter (`= ANY($1::text[])`).
std::string PgTextArray(const std::vector<std::string>& values);

// `text` with the password of any URL in it ("scheme://user:PASSWORD@", "password=PASSWORD")
// replaced by "***".
std::string RedactPasswords(std::string_view text);

}  // namespace skein::pg
