// RAII wrappers over sqlite3 and the mapping of its result codes to Status.
#include "store/sqlite_db.h"

#include <chrono>
#include <thread>

namespace skein::store {
namespace {

constexpr int kBusyTimeoutMs = 5000;

Status StatusFor(int rc, std::string message) {
  switch (rc & 0xff) {  // the primary result code
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Status::Unavailable(std::move(message));
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return Status::IoError(std::move(message));
    default:
      return Status::Internal(std::move(message));
  }
}

}  // namespace

Result<SqliteDb> SqliteDb::Open(const std::filesystem::path& path) {
  sqlite3* raw = nullptr;
  // NOMUTEX: a Store, and so its connection, is used by one thread at a time.
  int rc = sqlite3_open_v2(path.c_str(), &raw,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  SqliteDb db(raw);
  if (rc != SQLITE_OK) {
    std::string detail = raw != nullptr ? sqlite3_errmsg(raw) : sqlite3_errstr(rc);
    return StatusFor(rc, "cannot open the SQLite store " + path.string() + ": " + detail);
  }
  sqlite3_extended_result_codes(raw, 1);
  sqlite3_busy_timeout(raw, kBusyTimeoutMs);
  // Switching a new database to WAL needs an exclusive lock and does not wait through the busy
  // handler, so a process opening it at the same moment as another retries here.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kBusyTimeoutMs);
  Status wal = db.Exec("PRAGMA journal_mode=WAL");
  while (wal.code() == StatusCode::kUnavailable && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    wal = db.Exec("PRAGMA journal_mode=WAL");
  }
  RETURN_IF_ERROR(wal.WithContext("cannot open the SQLite store " + path.string()));
  RETURN_IF_ERROR(
      db.Exec("PRAGMA foreign_keys=ON").WithContext("cannot open the SQLite store " + path.string()));
  return db;
}

Status SqliteDb::Exec(std::string_view sql) {
  char* error = nullptr;
  int rc = sqlite3_exec(db_.get(), std::string(sql).c_str(), nullptr, nullptr, &error);
  if (rc == SQLITE_OK) return Status::Ok();
  std::string message = error != nullptr ? error : sqlite3_errstr(rc);
  sqlite3_free(error);
  return StatusFor(rc, "SQLite: " + message);
}

Status SqliteError(sqlite3* db, std::string_view what) {
  return StatusFor(sqlite3_extended_errcode(db), std::string(what) + ": SQLite: " + sqlite3_errmsg(db));
}

Result<SqliteStatement> SqliteStatement::Prepare(SqliteDb& db, std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v2(db.get(), sql.data(), static_cast<int>(sql.size()), &stmt, nullptr);
  if (rc != SQLITE_OK) return SqliteError(db.get(), "cannot prepare \"" + std::string(sql) + "\"");
  return SqliteStatement(db.get(), stmt);
}

void SqliteStatement::NoteBind(int rc) {
  if (rc != SQLITE_OK && bind_error_ == SQLITE_OK) bind_error_ = rc;
}

SqliteStatement& SqliteStatement::Bind(int index, std::string_view text) {
  NoteBind(
      sqlite3_bind_text(stmt_.get(), index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT));
  return *this;
}

SqliteStatement& SqliteStatement::Bind(int index, int64_t value) {
  NoteBind(sqlite3_bind_int64(stmt_.get(), index, value));
  return *this;
}

Result<bool> SqliteStatement::Step() {
  if (bind_error_ != SQLITE_OK) {
    return Status::Internal(std::string("SQLite: cannot bind a parameter: ") + sqlite3_errstr(bind_error_));
  }
  int rc = sqlite3_step(stmt_.get());
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return SqliteError(db_, "cannot run \"" + std::string(sqlite3_sql(stmt_.get())) + "\"");
}

Status SqliteStatement::Run() {
  auto stepped = Step();
  Reset();
  return stepped.status();
}

void SqliteStatement::Reset() {
  sqlite3_reset(stmt_.get());
  sqlite3_clear_bindings(stmt_.get());
  bind_error_ = SQLITE_OK;
}

std::string SqliteStatement::ColumnText(int column) const {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_.get(), column));
  if (text == nullptr) return {};
  return std::string(text, static_cast<size_t>(sqlite3_column_bytes(stmt_.get(), column)));
}

int64_t SqliteStatement::ColumnInt(int column) const { return sqlite3_column_int64(stmt_.get(), column); }

Result<std::unique_ptr<SqliteTransaction>> SqliteTransaction::Begin(SqliteDb& db) {
  RETURN_IF_ERROR(db.Exec("BEGIN IMMEDIATE").WithContext("cannot start a write transaction"));
  return std::unique_ptr<SqliteTransaction>(new SqliteTransaction(db));
}

SqliteTransaction::~SqliteTransaction() {
  if (open_) (void)db_.Exec("ROLLBACK");
}

Status SqliteTransaction::Commit() {
  Status status = db_.Exec("COMMIT");
  // A failed COMMIT leaves the transaction open; the destructor rolls it back.
  if (status.ok()) open_ = false;
  return status;
}

}  // namespace skein::store
