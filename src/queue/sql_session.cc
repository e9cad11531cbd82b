// SqlSession over SQLite and PostgreSQL.
#include "queue/sql_session.h"

#include <filesystem>
#include <optional>

#include "pg/pg_conn.h"
#include "store/sqlite_db.h"
#include "store/store.h"

namespace skein::queue {
namespace {

namespace fs = std::filesystem;

bool StartsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

// SQLite reads "$1" as a named parameter; "?1" is the numbered one.
std::string ToSqliteParams(std::string_view sql) {
  std::string out(sql);
  for (size_t i = 0; i + 1 < out.size(); ++i) {
    if (out[i] == '$' && out[i + 1] >= '0' && out[i + 1] <= '9') out[i] = '?';
  }
  return out;
}

class SqliteSession final : public SqlSession {
 public:
  SqliteSession(store::SqliteDb db, fs::path path) : db_(std::move(db)), path_(std::move(path)) {}
  Dialect dialect() const override { return Dialect::kSqlite; }
  Status Begin() override { return db_.Exec("BEGIN IMMEDIATE"); }
  Status BeginRead() override { return db_.Exec("BEGIN"); }
  Status Commit() override { return db_.Exec("COMMIT"); }
  void Rollback() override { (void)db_.Exec("ROLLBACK"); }
  std::string Describe() const override { return "sqlite:" + path_.string(); }

  Result<Rows> Query(std::string_view sql, const std::vector<Param>& params) override {
    ASSIGN_OR_RETURN(store::SqliteStatement stmt, store::SqliteStatement::Prepare(db_, ToSqliteParams(sql)));
    for (size_t i = 0; i < params.size(); ++i) {
      int index = static_cast<int>(i) + 1;
      if (const auto* v = std::get_if<int64_t>(&params[i].value)) {
        stmt.Bind(index, *v);
      } else {
        stmt.Bind(index, std::get<std::string>(params[i].value));
      }
    }
    Rows rows;
    int columns = stmt.ColumnCount();
    for (;;) {
      ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) break;
      std::vector<std::string> values;
      values.reserve(static_cast<size_t>(columns));
      for (int c = 0; c < columns; ++c) values.push_back(stmt.ColumnText(c));
      rows.rows.push_back(std::move(values));
    }
    return rows;
  }

 private:
  store::SqliteDb db_;
  fs::path path_;
};

class PostgresSession final : public SqlSession {
 public:
  PostgresSession(pg::PgConnection conn, std::string url) : conn_(std::move(conn)), url_(std::move(url)) {}
  Dialect dialect() const override { return Dialect::kPostgres; }
  std::string Describe() const override { return conn_ ? conn_->description() : "PostgreSQL"; }

  Status Begin() override {
    if (!conn_) {
      ASSIGN_OR_RETURN(pg::PgConnection conn, pg::PgConnection::Connect(url_));
      conn_.emplace(std::move(conn));
    }
    Status begun = Run("BEGIN");
    if (begun.code() == StatusCode::kUnavailable) {
      // The server went away since the last statement: one fresh connection, then give up.
      conn_.reset();
      ASSIGN_OR_RETURN(pg::PgConnection conn, pg::PgConnection::Connect(url_));
      conn_.emplace(std::move(conn));
      return Run("BEGIN");
    }
    return begun;
  }
  Status Commit() override { return Run("COMMIT"); }
  void Rollback() override {
    if (conn_) (void)Run("ROLLBACK");
  }

  Result<Rows> Query(std::string_view sql, const std::vector<Param>& params) override {
    if (!conn_) return Status::Unavailable("not connected to PostgreSQL");
    std::vector<std::string> text;
    text.reserve(params.size());
    for (const Param& p : params) {
      if (const auto* v = std::get_if<int64_t>(&p.value)) {
        text.push_back(std::to_string(*v));
      } else {
        text.push_back(std::get<std::string>(p.value));
      }
    }
    Result<pg::PgResult> result = conn_->Exec(sql, text);
    if (!result.ok()) {
      if (result.status().code() == StatusCode::kUnavailable) conn_.reset();
      return result.status();
    }
    Rows rows;
    rows.rows.reserve(static_cast<size_t>(result->rows()));
    for (int r = 0; r < result->rows(); ++r) {
      std::vector<std::string> values;
      values.reserve(static_cast<size_t>(result->columns()));
      for (int c = 0; c < result->columns(); ++c) values.push_back(result->Text(r, c));
      rows.rows.push_back(std::move(values));
    }
    return rows;
  }

 private:
  Status Run(std::string_view sql) {
    Result<Rows> rows = Query(sql, {});
    return rows.status();
  }
  std::optional<pg::PgConnection> conn_;
  std::string url_;
};

}  // namespace

int64_t Rows::Int(size_t row, size_t column) const {
  const std::string& text = rows[row][column];
  return text.empty() ? 0 : std::stoll(text);
}

Result<std::unique_ptr<SqlSession>> OpenSession(std::string_view url) {
  // OpenStore applies the schema migrations (and creates the default folder).
  ASSIGN_OR_RETURN(std::unique_ptr<Store> store, OpenStore(url));
  if (StartsWith(url, "postgresql://") || StartsWith(url, "postgres://")) {
    ASSIGN_OR_RETURN(pg::PgConnection conn, pg::PgConnection::Connect(url));
    return std::unique_ptr<SqlSession>(new PostgresSession(std::move(conn), std::string(url)));
  }
  fs::path path;
  if (url.empty()) {
    path = fs::current_path() / ".skein" / "skein.db";
  } else {
    std::string_view p = url;
    if (StartsWith(p, "sqlite:")) {
      p = p.substr(7);
      if (StartsWith(p, "//")) p = p.substr(2);
    }
    path = fs::path(p);
  }
  ASSIGN_OR_RETURN(store::SqliteDb db, store::SqliteDb::Open(path));
  return std::unique_ptr<SqlSession>(new SqliteSession(std::move(db), path));
}

std::string IdsIn(Dialect dialect, int n) {
  std::string p = "$" + std::to_string(n);
  if (dialect == Dialect::kSqlite) return "IN (SELECT value FROM json_each(" + p + "))";
  return "IN (SELECT CAST(value AS BIGINT) FROM json_array_elements_text(CAST(" + p + " AS json)))";
}

std::string TextsIn(Dialect dialect, int n) {
  std::string p = "$" + std::to_string(n);
  if (dialect == Dialect::kSqlite) return "IN (SELECT value FROM json_each(" + p + "))";
  // An array (an InitPlan): PostgreSQL plans `= ANY` of it as a list, so an index on the other
  // columns stays usable, where a join against the JSON rows would be estimated from the JSON.
  return "= ANY(ARRAY(SELECT json_array_elements_text(CAST(" + p + " AS json))))";
}

std::string JsonIds(const std::vector<int64_t>& ids) {
  std::string out = "[";
  for (size_t i = 0; i < ids.size(); ++i) {
    if (i > 0) out += ',';
    out += std::to_string(ids[i]);
  }
  return out + "]";
}

}  // namespace skein::queue
