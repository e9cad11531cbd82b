// SqlSession: one connection to the store's database, as the queue needs it — statements with
// `$1, $2, ...` parameters that return rows of text, and transactions — over SQLite (its single
// writer: BEGIN IMMEDIATE) or PostgreSQL (libpq). The queue's SQL is written once, in the subset
// both dialects share; Dialect() says where they differ.
//
// Reconnection: a PostgreSQL session that loses its server reconnects on the next Begin() (the
// caller retries the whole transaction; see Queue's contract).
//
// Thread-safety: a session is used by one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/status.h"

namespace skein::queue {

// A statement parameter: an integer or text.
struct Param {
  Param(int64_t v) : value(v) {}                        // NOLINT: implicit on purpose, for brace lists
  Param(int v) : value(static_cast<int64_t>(v)) {}      // NOLINT
  Param(std::string v) : value(std::move(v)) {}         // NOLINT
  Param(std::string_view v) : value(std::string(v)) {}  // NOLINT
  Param(const char* v) : value(std::string(v)) {}       // NOLINT
  std::variant<int64_t, std::string> value;
};

// Rows of text; NULL reads as "".
struct Rows {
  std::vector<std::vector<std::string>> rows;
  size_t size() const { return rows.size(); }
  bool empty() const { return rows.empty(); }
  const std::string& at(size_t row, size_t column) const { return rows[row][column]; }
  int64_t Int(size_t row, size_t column) const;
};

enum class Dialect { kSqlite, kPostgres };

class SqlSession {
 public:
  virtual ~SqlSession() = default;
  virtual Dialect dialect() const = 0;
  // Starts a write transaction (SQLite: BEGIN IMMEDIATE, waiting for the writer lock).
  virtual Status Begin() = 0;
  // Starts a transaction that only reads (SQLite: a deferred BEGIN, which does not wait for the
  // writer lock; readers see the last committed snapshot under WAL).
  virtual Status BeginRead() { return Begin(); }
  virtual Status Commit() = 0;
  virtual void Rollback() = 0;
  // Runs one statement; `$N` parameters in both dialects.
  virtual Result<Rows> Query(std::string_view sql, const std::vector<Param>& params = {}) = 0;
  // "sqlite:PATH" or the PostgreSQL server's description (never a password).
  virtual std::string Describe() const = 0;
};

// Opens a session on the store at `url` (store/store.h's OpenStore rules), applying the store's
// schema migrations first.
Result<std::unique_ptr<SqlSession>> OpenSession(std::string_view url);

// "$1 IN (...)" helpers: the SQL of a list of ids passed as one JSON array parameter `$n`.
std::string IdsIn(Dialect dialect, int n);
std::string JsonIds(const std::vector<int64_t>& ids);
// "$1 IN (...)" for a list of texts passed as one JSON array of strings `$n`.
std::string TextsIn(Dialect dialect, int n);

}  // namespace skein::queue
