#include "tests/store/store_test_databases.h"

#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <sqlite3.h>

#include <random>

#include "tests/support/test_support.h"

namespace skein::testing {
namespace {

class SqliteDatabase final : public StoreDatabase {
 public:
  std::string url() const override { return "sqlite:" + (dir_.path() / "store.db").string(); }

  void Exec(const std::string& sql) override {
    Run(sql, [](sqlite3_stmt*) {});
  }

  std::string QueryText(const std::string& sql) override {
    std::string text;
    Run(sql, [&text](sqlite3_stmt* stmt) {
      if (const unsigned char* value = sqlite3_column_text(stmt, 0); value != nullptr && text.empty()) {
        text = reinterpret_cast<const char*>(value);
      }
    });
    return text;
  }

  void MakeStoringFail(const std::string& key) override {
    Exec("CREATE TRIGGER fail_storing BEFORE INSERT ON entities WHEN NEW.key = '" + key +
         "' BEGIN SELECT RAISE(ABORT, 'storing this entity fails'); END");
  }

 private:
  template <typename OnRow>
  void Run(const std::string& sql, OnRow on_row) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((dir_.path() / "store.db").c_str(), &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr);
    if (rc == SQLITE_OK) {
      while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) on_row(stmt);
    }
    EXPECT_TRUE(rc == SQLITE_DONE || rc == SQLITE_OK) << sql << ": " << sqlite3_errmsg(db);
    sqlite3_finalize(stmt);
    sqlite3_close(db);
  }

  TempDir dir_;
};

class PostgresDatabase final : public StoreDatabase {
 public:
  PostgresDatabase() : server_url_(PostgresUrl()) {
    std::random_device rd;
    schema_ = "skein_test_" + std::to_string(rd()) + std::to_string(rd());
    RunOn(server_url_, "CREATE SCHEMA " + schema_);
  }
  ~PostgresDatabase() override { RunOn(server_url_, "DROP SCHEMA IF EXISTS " + schema_ + " CASCADE"); }

  std::string url() const override {
    return server_url_ + (server_url_.find('?') == std::string::npos ? "?" : "&") +
           "options=-csearch_path%3D" + schema_;
  }
  void Exec(const std::string& sql) override { RunOn(url(), sql); }
  std::string QueryText(const std::string& sql) override { return RunOn(url(), sql); }

  void MakeStoringFail(const std::string& key) override {
    Exec(
        "CREATE FUNCTION fail_storing() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF NEW.key = '" + key +
        "' THEN RAISE EXCEPTION 'storing this entity fails'; END IF; RETURN NEW; END $$;"
        "CREATE TRIGGER fail_storing BEFORE INSERT ON entities FOR EACH ROW EXECUTE FUNCTION fail_storing()");
  }

 private:
  static std::string RunOn(const std::string& url, const std::string& sql) {
    PGconn* conn = PQconnectdb(url.c_str());
    std::string text;
    if (PQstatus(conn) != CONNECTION_OK) {
      ADD_FAILURE() << "cannot connect to the test PostgreSQL: " << PQerrorMessage(conn);
    } else {
      PQsetNoticeProcessor(
          conn, [](void*, const char*) {}, nullptr);
      PGresult* result = PQexec(conn, sql.c_str());
      ExecStatusType status = PQresultStatus(result);
      EXPECT_TRUE(status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK)
          << sql << ": " << PQerrorMessage(conn);
      if (status == PGRES_TUPLES_OK && PQntuples(result) > 0) text = PQgetvalue(result, 0, 0);
      PQclear(result);
    }
    PQfinish(conn);
    return text;
  }

  std::string server_url_;
  std::string schema_;
};

}  // namespace

std::unique_ptr<StoreDatabase> NewStoreDatabase(std::string_view kind) {
  if (kind == "postgresql") return std::make_unique<PostgresDatabase>();
  return std::make_unique<SqliteDatabase>();
}

}  // namespace skein::testing
