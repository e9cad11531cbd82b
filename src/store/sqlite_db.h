// Thin RAII wrappers over the sqlite3 C API for the SQLite store: a connection, a prepared
// statement, and a write transaction that rolls back unless committed. Errors come back as Status
// (busy -> Unavailable, disk and file errors -> IoError, anything else -> Internal).
//
// Thread-safety: a connection and its statements are used by one thread at a time.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"

namespace skein::store {

// The Status for `db`'s last error, prefixed by `what`.
Status SqliteError(sqlite3* db, std::string_view what);

class SqliteDb {
 public:
  // Opens (creating) the database file at `path` with WAL, a 5 s busy timeout and foreign keys on.
  static Result<SqliteDb> Open(const std::filesystem::path& path);

  sqlite3* get() const { return db_.get(); }
  // Runs one or more statements that return no rows.
  Status Exec(std::string_view sql);

 private:
  struct Close {
    void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
  };
  explicit SqliteDb(sqlite3* db) : db_(db) {}
  std::unique_ptr<sqlite3, Close> db_;
};

class SqliteStatement {
 public:
  static Result<SqliteStatement> Prepare(SqliteDb& db, std::string_view sql);

  // Binds the 1-based parameter `index`. A failed bind is reported by the next Step().
  SqliteStatement& Bind(int index, std::string_view text);
  SqliteStatement& Bind(int index, int64_t value);
  // Runs to the next row: true when there is one, false when done.
  Result<bool> Step();
  // Runs a statement that returns no rows, then resets it for the next bindings.
  Status Run();
  // Ready for new bindings.
  void Reset();

  std::string ColumnText(int column) const;
  int64_t ColumnInt(int column) const;
  int ColumnCount() const { return sqlite3_column_count(stmt_.get()); }

 private:
  struct Finalize {
    void operator()(sqlite3_stmt* stmt) const { sqlite3_finalize(stmt); }
  };
  SqliteStatement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  void NoteBind(int rc);

  sqlite3* db_;
  std::unique_ptr<sqlite3_stmt, Finalize> stmt_;
  int bind_error_ = SQLITE_OK;
};

// BEGIN IMMEDIATE (the write lock, waiting up to the busy timeout) ... COMMIT; rolls back when
// destroyed uncommitted.
class SqliteTransaction {
 public:
  static Result<std::unique_ptr<SqliteTransaction>> Begin(SqliteDb& db);
  ~SqliteTransaction();
  SqliteTransaction(const SqliteTransaction&) = delete;
  SqliteTransaction& operator=(const SqliteTransaction&) = delete;
  Status Commit();

 private:
  explicit SqliteTransaction(SqliteDb& db) : db_(db) {}
  SqliteDb& db_;
  bool open_ = true;
};

}  // namespace skein::store
