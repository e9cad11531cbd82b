// The data side of a migration inside one PostgreSQL database: v1 and v2 are tables.
#include <gtest/gtest.h>

#include "data/engine.h"
#include "dataset/dataset.h"
#include "manifest/migration.h"
#include "store/store.h"
#include "tests/support/test_support.h"

namespace skein {
namespace {

TEST(DatasetPostgres, StagesVerifiesPublishesAndRollsBackTables) {
  std::string url = testing::PostgresUrl();
  auto engine = std::move(OpenPostgresEngine(url)).value();
  ASSERT_TRUE(engine->Execute("DROP SCHEMA IF EXISTS dspg CASCADE").ok());
  ASSERT_TRUE(engine->Execute("CREATE SCHEMA dspg").ok());
  Status made = engine->Execute(
      "CREATE TABLE dspg.profiles_v1 AS SELECT u::bigint AS user_id, (u % 10)::bigint AS score, "
      "DATE '2024-01-01' + d AS dt FROM generate_series(0, 99) u, generate_series(0, 2) d");
  ASSERT_TRUE(made.ok()) << made.message();
  testing::TempDir dir;
  auto store = std::move(OpenStore("sqlite:" + (dir.path() / "s.db").string())).value();
  auto m = ParseMigration(R"(apiVersion: skein.dev/v1
kind: Migration
metadata: {name: profiles-pg, owner: group:identity}
spec:
  from: core.profiles_v1
  to: core.profiles_v2
  columns:
    - {from: user_id, to: account_id}
    - {add: tier, type: VARCHAR, using: "CASE WHEN score > 5 THEN 'high' ELSE 'low' END"}
  data: {partition_by: dt, key: [user_id]}
)",
                          "m.yaml");
  ASSERT_TRUE(m.ok()) << m.status().message();
  dataset::Locations locations;
  locations.v1 = DatasetLocation::Parse(url + "#dspg.profiles_v1").value();
  locations.v2 = DatasetLocation::Parse(url + "#dspg.profiles_v2").value();
  auto backfill = dataset::Backfill(*m, locations, *engine, *store, nullptr);
  ASSERT_TRUE(backfill.ok()) << backfill.status().message();
  EXPECT_EQ(backfill->rows, 300);
  EXPECT_EQ(dataset::Backfill(*m, locations, *engine, *store, nullptr)->skipped, 3);
  auto report = dataset::Verify(*m, locations, *engine, *store, 5);
  ASSERT_TRUE(report.ok()) << report.status().message();
  EXPECT_TRUE(report->passed()) << report->ToText();

  // A planted fault in the staging table is caught.
  ASSERT_TRUE(engine
                  ->Execute("DELETE FROM dspg.profiles_v2__skein_staging WHERE account_id = 9 AND dt = DATE "
                            "'2024-01-02'")
                  .ok());
  auto faulty = dataset::Verify(*m, locations, *engine, *store, 5);
  ASSERT_TRUE(faulty.ok());
  EXPECT_FALSE(faulty->passed());
  EXPECT_NE(faulty->ToText().find("(9, 2024-01-02)"), std::string::npos) << faulty->ToText();

  ASSERT_TRUE(dataset::Backfill(*m, locations, *engine, *store, nullptr).ok());  // restages that partition
  ASSERT_TRUE(dataset::Verify(*m, locations, *engine, *store, 5)->passed());
  ASSERT_TRUE(dataset::Publish(*m, locations, *engine, *store).ok());
  EXPECT_EQ(engine->Query("SELECT count(*) FROM dspg.profiles_v2")->rows[0][0], "300");
  ASSERT_TRUE(dataset::Rollback(*m, locations, *engine, *store).ok());
  EXPECT_FALSE(engine->Query("SELECT 1 FROM dspg.profiles_v2").ok());
  EXPECT_EQ(engine->Query("SELECT count(*) FROM dspg.profiles_v1")->rows[0][0], "300") << "v1 untouched";
}

}  // namespace
}  // namespace skein

// Publishing with a compatibility view (data.publish.compat_view) in PostgreSQL, through the CLI:
// v1's name becomes a view over v2 returning v1's rows with v1's exact column types, and the
// rollback gives the name back to the very same table (its OID and indexes).
namespace skein {
namespace {

TEST(DatasetPostgres, CompatViewServesV1sRowsAndRollbackRestoresTheSameTable) {
  std::string url = testing::PostgresUrl();
  auto engine = std::move(OpenPostgresEngine(url)).value();
  auto sql = [&](const std::string& statement) {
    Status done = engine->Execute(statement);
    ASSERT_TRUE(done.ok()) << statement << ": " << done.message();
  };
  auto rows = [&](const std::string& query) {
    auto result = engine->Query(query);
    EXPECT_TRUE(result.ok()) << query << ": " << result.status().message();
    return result.ok() ? result->rows : std::vector<std::vector<Value>>{};
  };
  sql("DROP SCHEMA IF EXISTS compat_pg CASCADE");
  sql("DROP SCHEMA IF EXISTS compat_pg_copy CASCADE");
  sql("CREATE SCHEMA compat_pg");
  sql("CREATE SCHEMA compat_pg_copy");
  sql("CREATE TABLE compat_pg.profiles_v1 (user_id bigint, email varchar(40), score integer, amount "
      "numeric(10,2), "
      "legacy text, dt date, PRIMARY KEY (user_id, dt))");
  sql("CREATE INDEX profiles_v1_email ON compat_pg.profiles_v1 (email)");
  sql("INSERT INTO compat_pg.profiles_v1 SELECT u, CASE WHEN u % 5 = 0 THEN NULL ELSE 'u' || u || '@x.org' "
      "END, "
      "u % 10, CASE WHEN u % 7 = 0 THEN NULL ELSE u * 1.25 END, 'seg' || (u % 3), DATE '2024-01-01' + d "
      "FROM generate_series(0, 19) u, generate_series(0, 2) d");
  sql("CREATE TABLE compat_pg_copy.profiles_v1 AS SELECT * FROM compat_pg.profiles_v1");

  auto relations = [&] {
    std::vector<std::string> out;
    for (const auto& row : rows("SELECT table_name || ' ' || table_type FROM information_schema.tables WHERE "
                                "table_schema = 'compat_pg' ORDER BY 1")) {
      out.push_back(row[0].value_or(""));
    }
    return out;
  };
  auto types = [&](const std::string& relation) {
    return rows("SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = CAST('" +
                relation + "' AS regclass) AND attnum > 0 AND NOT attisdropped ORDER BY attnum");
  };
  auto content = [&](const std::string& relation) {
    return rows("SELECT * FROM " + relation + " ORDER BY 1, 6");
  };
  auto oid = [&](const std::string& relation) {
    return rows("SELECT CAST(CAST(CAST('" + relation + "' AS regclass) AS oid) AS text)").at(0).at(0);
  };
  Value v1_oid = oid("compat_pg.profiles_v1");
  auto v1_indexes = rows("SELECT indexname FROM pg_indexes WHERE schemaname = 'compat_pg' ORDER BY 1");

  testing::TempDir dir;
  dir.Write("m.yaml", R"yaml(apiVersion: skein.dev/v1
kind: Migration
metadata: {name: profiles-compat-pg}
spec:
  from: core.profiles_v1
  to: core.profiles_v2
  columns:
    - {from: user_id, to: account_id}
    - {from: score, type: BIGINT, using: "CAST(score AS BIGINT) * 2", reverse: "CAST(score / 2 AS INTEGER)"}
    - {from: amount, to: amount_cents, type: BIGINT, using: "CAST(amount * 100 AS BIGINT)",
       reverse: "amount_cents / 100.0"}
    - {drop: legacy, reverse: "'seg' || (account_id % 3)"}
    - {add: tier, type: VARCHAR, using: "CASE WHEN score > 5 THEN 'high' ELSE 'low' END"}
  data: {partition_by: dt, key: [user_id], publish: {compat_view: true}}
)yaml");
  auto skein = [&](const std::string& command) {
    return testing::RunSkein(
        {"--store", "skein.db", "data", command, "m.yaml", "--from-location", url + "#compat_pg.profiles_v1",
         "--to-location", url + "#compat_pg.profiles_v2"},
        dir.path());
  };

  auto run = skein("run");
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_EQ(relations(), (std::vector<std::string>{"profiles_v1 VIEW", "profiles_v1__skein_v1 BASE TABLE",
                                                   "profiles_v2 BASE TABLE"}));
  EXPECT_EQ(types("compat_pg.profiles_v1"),
            types("compat_pg_copy.profiles_v1"));  // varchar(40), numeric(10,2)
  EXPECT_EQ(content("compat_pg.profiles_v1").size(), 60u);
  EXPECT_EQ(content("compat_pg.profiles_v1"), content("compat_pg_copy.profiles_v1"));
  EXPECT_EQ(oid("compat_pg.profiles_v1__skein_v1"), v1_oid) << "v1's table is kept, not copied";
  EXPECT_EQ(content("compat_pg.profiles_v1__skein_v1"), content("compat_pg_copy.profiles_v1"));
  EXPECT_EQ(skein("publish").exit_code, 0);  // again: nothing to do

  auto rollback = skein("rollback");
  ASSERT_EQ(rollback.exit_code, 0) << rollback.err;
  EXPECT_EQ(relations(), (std::vector<std::string>{"profiles_v1 BASE TABLE"}));
  EXPECT_EQ(oid("compat_pg.profiles_v1"), v1_oid);
  EXPECT_EQ(rows("SELECT indexname FROM pg_indexes WHERE schemaname = 'compat_pg' ORDER BY 1"), v1_indexes);
  EXPECT_EQ(types("compat_pg.profiles_v1"), types("compat_pg_copy.profiles_v1"));
  EXPECT_EQ(content("compat_pg.profiles_v1"), content("compat_pg_copy.profiles_v1"));
}

}  // namespace
}  // namespace skein

// Sample queries on PostgreSQL: result types are read through a temporary view, so a DOUBLE v2
// column compares by value with v1's numeric.
#include "dataset/sample_queries.h"

namespace skein {
namespace {

TEST(DatasetPostgres, SampleQueriesCompareV1AndTheRewrittenQueryOnV2) {
  auto engine = std::move(OpenPostgresEngine(testing::PostgresUrl())).value();
  for (const char* statement :
       {"DROP SCHEMA IF EXISTS sample_pg CASCADE", "CREATE SCHEMA sample_pg",
        "CREATE TABLE sample_pg.payments_v1 AS SELECT u::bigint AS user_id, CAST(u * 0.1 + d AS "
        "numeric(10,2)) AS "
        "amount, DATE '2024-01-01' + d AS dt FROM generate_series(0, 19) u, generate_series(0, 2) d",
        "CREATE TABLE sample_pg.payments_v2 AS SELECT user_id AS account_id, CAST(amount AS double "
        "precision) AS "
        "amount, dt FROM sample_pg.payments_v1"}) {
    Status done = engine->Execute(statement);
    ASSERT_TRUE(done.ok()) << statement << ": " << done.message();
  }
  auto m = ParseMigration(R"yaml(apiVersion: skein.dev/v1
kind: Migration
metadata: {name: payments-pg}
spec:
  from: core.payments_v1
  to: core.payments_v2
  columns:
    - {from: user_id, to: account_id}
    - {from: amount, type: DOUBLE, reverse: "amount"}
  data:
    verify:
      sample_queries:
        - "SELECT user_id, sum(amount) AS total FROM core.payments_v1 GROUP BY user_id"
        - "SELECT dt, count(*) AS n FROM core.payments_v1 p WHERE p.user_id < 5 GROUP BY dt ORDER BY dt"
)yaml",
                          "m.yaml");
  ASSERT_TRUE(m.ok()) << m.status().message();
  auto check = [&] {
    auto checks = dataset::internal::SampleQueryChecks(*m, *engine, "\"sample_pg\".\"payments_v1\"",
                                                       "\"sample_pg\".\"payments_v2\"", 5);
    EXPECT_TRUE(checks.ok()) << checks.status().message();
    return checks.ok() ? *checks : std::vector<dataset::Check>{};
  };
  std::vector<dataset::Check> agreeing = check();
  ASSERT_EQ(agreeing.size(), 2u);
  EXPECT_TRUE(agreeing[0].passed) << agreeing[0].detail;
  EXPECT_TRUE(agreeing[1].passed) << agreeing[1].detail;

  ASSERT_TRUE(
      engine
          ->Execute("UPDATE sample_pg.payments_v2 SET amount = amount + 1 WHERE account_id = 4 AND dt = "
                    "DATE '2024-01-02'")
          .ok());
  std::vector<dataset::Check> planted = check();
  ASSERT_EQ(planted.size(), 2u);
  EXPECT_FALSE(planted[0].passed);
  EXPECT_TRUE(testing::Contains(planted[0].detail, "only in v1: (4, 4.20)")) << planted[0].detail;
  EXPECT_TRUE(testing::Contains(planted[0].detail, "only in v2: (4, 5.")) << planted[0].detail;
  EXPECT_TRUE(planted[1].passed) << planted[1].detail;
}

}  // namespace
}  // namespace skein

// Retiring a migration in PostgreSQL: the compatibility view goes, in one transaction and only
// when nothing depends on it; v1's table stays, the very same table, under its kept name.
namespace skein {
namespace {

class RetirePostgresTest : public ::testing::Test {
 protected:
  void SetUp() override {
    url_ = testing::PostgresUrl();
    ASSERT_FALSE(url_.empty());
    engine_ = std::move(OpenPostgresEngine(url_)).value();
    store_ = std::move(OpenStore("sqlite:" + (dir_.path() / "s.db").string())).value();
    for (const char* schema : {"retire_pg", "retire_pg_copy"}) {
      Sql(std::string("DROP SCHEMA IF EXISTS ") + schema + " CASCADE");
      Sql(std::string("CREATE SCHEMA ") + schema);
    }
    Sql("CREATE TABLE retire_pg.profiles_v1 (user_id bigint, email varchar(40), score integer, amount "
        "numeric(10,2), legacy text, dt date, PRIMARY KEY (user_id, dt))");
    Sql("INSERT INTO retire_pg.profiles_v1 SELECT u, CASE WHEN u % 5 = 0 THEN NULL ELSE 'u' || u || "
        "'@x.org' END, u % 10, CASE WHEN u % 7 = 0 THEN NULL ELSE u * 1.25 END, 'seg' || (u % 3), "
        "DATE '2024-01-01' + d FROM generate_series(0, 19) u, generate_series(0, 2) d");
    Sql("CREATE TABLE retire_pg_copy.profiles_v1 AS SELECT * FROM retire_pg.profiles_v1");
    locations_.v1 = DatasetLocation::Parse(url_ + "#retire_pg.profiles_v1").value();
    locations_.v2 = DatasetLocation::Parse(url_ + "#retire_pg.profiles_v2").value();
  }

  static Migration Manifest(bool compat_view) {
    std::string name = compat_view ? "profiles-retire-pg" : "profiles-retire-plain-pg";
    return std::move(ParseMigration(R"yaml(apiVersion: skein.dev/v1
kind: Migration
metadata: {name: )yaml" + name + R"yaml(}
spec:
  from: core.profiles_v1
  to: core.profiles_v2
  columns:
    - {from: user_id, to: account_id}
    - {from: score, type: BIGINT, using: "CAST(score AS BIGINT) * 2", reverse: "CAST(score / 2 AS INTEGER)"}
    - {from: amount, to: amount_cents, type: BIGINT, using: "CAST(amount * 100 AS BIGINT)",
       reverse: "amount_cents / 100.0"}
    - {drop: legacy, reverse: "'seg' || (account_id % 3)"}
    - {add: tier, type: VARCHAR, using: "CASE WHEN score > 5 THEN 'high' ELSE 'low' END"}
  data: {partition_by: dt, key: [user_id], publish: {compat_view: )yaml" +
                                        (compat_view ? "true" : "false") + "}}\n",
                                    "m.yaml"))
        .value();
  }

  void Sql(const std::string& statement) {
    Status done = engine_->Execute(statement);
    ASSERT_TRUE(done.ok()) << statement << ": " << done.message();
  }

  std::vector<std::vector<Value>> Rows(const std::string& query) {
    auto result = engine_->Query(query);
    EXPECT_TRUE(result.ok()) << query << ": " << result.status().message();
    return result.ok() ? result->rows : std::vector<std::vector<Value>>{};
  }

  std::vector<std::string> Relations() {
    std::vector<std::string> out;
    for (const auto& row : Rows("SELECT table_name || ' ' || table_type FROM information_schema.tables WHERE "
                                "table_schema = 'retire_pg' ORDER BY 1")) {
      out.push_back(row[0].value_or(""));
    }
    return out;
  }

  std::vector<std::vector<Value>> Content(const std::string& relation) {
    return Rows("SELECT * FROM " + relation + " ORDER BY 1, 6");
  }

  Value Oid(const std::string& relation) {
    return Rows("SELECT CAST(CAST(CAST('" + relation + "' AS regclass) AS oid) AS text)").at(0).at(0);
  }

  void StageAndVerify(const Migration& m) {
    auto backfill = dataset::Backfill(m, locations_, *engine_, *store_, nullptr);
    ASSERT_TRUE(backfill.ok()) << backfill.status().message();
    auto verify = dataset::Verify(m, locations_, *engine_, *store_, 5);
    ASSERT_TRUE(verify.ok()) << verify.status().message();
    ASSERT_TRUE(verify->passed()) << verify->ToText();
  }

  Result<dataset::RetireReport> Retire(const Migration& m) {
    return dataset::Retire(m, locations_, *engine_, *store_, "tester", 1700000000000);
  }

  std::string State(const Migration& m) { return dataset::RunState(m, *store_).value(); }

  testing::TempDir dir_;
  std::string url_;
  std::unique_ptr<SqlEngine> engine_;
  std::unique_ptr<Store> store_;
  dataset::Locations locations_;
};

TEST_F(RetirePostgresTest, RetireDropsTheCompatViewKeepsV1sTableAndEndsTheRollback) {
  Migration m = Manifest(true);
  Value v1_oid = Oid("retire_pg.profiles_v1");

  // Not published yet: refused, naming the migration.
  auto early = Retire(m);
  EXPECT_EQ(early.status().code(), StatusCode::kConflict);
  EXPECT_TRUE(testing::Contains(early.status().message(), "retiring profiles-retire-pg"))
      << early.status().message();
  StageAndVerify(m);
  auto verified = Retire(m);
  EXPECT_EQ(verified.status().code(), StatusCode::kConflict);
  EXPECT_TRUE(testing::Contains(verified.status().message(), "verified")) << verified.status().message();
  EXPECT_EQ(State(m), "verified");

  ASSERT_TRUE(dataset::Publish(m, locations_, *engine_, *store_).ok());
  ASSERT_EQ(Relations(), (std::vector<std::string>{"profiles_v1 VIEW", "profiles_v1__skein_v1 BASE TABLE",
                                                   "profiles_v2 BASE TABLE"}));
  std::vector<std::vector<Value>> v2_rows = Rows("SELECT * FROM retire_pg.profiles_v2 ORDER BY 1, 5");
  ASSERT_EQ(v2_rows.size(), 60u);

  // A view still reading v1's name stops the retire, which then changes nothing.
  Sql("CREATE VIEW retire_pg.consumer AS SELECT email FROM retire_pg.profiles_v1");
  auto blocked = Retire(m);
  EXPECT_FALSE(blocked.ok());
  EXPECT_TRUE(testing::Contains(blocked.status().message(), "retiring profiles-retire-pg"))
      << blocked.status().message();
  EXPECT_EQ(State(m), "published");
  EXPECT_EQ(Relations(),
            (std::vector<std::string>{"consumer VIEW", "profiles_v1 VIEW", "profiles_v1__skein_v1 BASE TABLE",
                                      "profiles_v2 BASE TABLE"}));
  Sql("DROP VIEW retire_pg.consumer");

  auto retired = Retire(m);
  ASSERT_TRUE(retired.ok()) << retired.status().message();
  EXPECT_TRUE(retired->dropped_view);
  EXPECT_FALSE(retired->already_retired);
  EXPECT_EQ(retired->kept_table, "retire_pg.profiles_v1__skein_v1");
  EXPECT_EQ(Relations(),
            (std::vector<std::string>{"profiles_v1__skein_v1 BASE TABLE", "profiles_v2 BASE TABLE"}));
  EXPECT_EQ(Oid("retire_pg.profiles_v1__skein_v1"), v1_oid) << "v1's table is kept, not copied";
  EXPECT_EQ(Content("retire_pg.profiles_v1__skein_v1"), Content("retire_pg_copy.profiles_v1"));
  EXPECT_EQ(Rows("SELECT * FROM retire_pg.profiles_v2 ORDER BY 1, 5"), v2_rows);
  EXPECT_EQ(State(m), "retired");

  Status rollback = dataset::Rollback(m, locations_, *engine_, *store_);
  EXPECT_EQ(rollback.code(), StatusCode::kConflict);
  EXPECT_TRUE(testing::Contains(rollback.message(), "rolling back profiles-retire-pg: it is retired"))
      << rollback.message();
  EXPECT_EQ(Relations().size(), 2u) << "the refused rollback changed nothing";

  auto again = Retire(m);
  ASSERT_TRUE(again.ok()) << again.status().message();
  EXPECT_TRUE(again->already_retired);
  EXPECT_FALSE(again->dropped_view);
}

TEST_F(RetirePostgresTest, RetireAfterTheViewWasDroppedOnlyRecordsIt) {
  Migration m = Manifest(true);
  StageAndVerify(m);
  ASSERT_TRUE(dataset::Publish(m, locations_, *engine_, *store_).ok());
  Sql("DROP VIEW retire_pg.profiles_v1");  // a retire stopped between its commit and its record
  auto retired = Retire(m);
  ASSERT_TRUE(retired.ok()) << retired.status().message();
  EXPECT_FALSE(retired->dropped_view);
  EXPECT_EQ(retired->kept_table, "retire_pg.profiles_v1__skein_v1");
  EXPECT_EQ(State(m), "retired");
  EXPECT_EQ(Content("retire_pg.profiles_v1__skein_v1"), Content("retire_pg_copy.profiles_v1"));
}

TEST_F(RetirePostgresTest, RetireWithoutACompatViewDropsNothing) {
  Migration m = Manifest(false);
  Value v1_oid = Oid("retire_pg.profiles_v1");
  StageAndVerify(m);
  ASSERT_TRUE(dataset::Publish(m, locations_, *engine_, *store_).ok());
  auto retired = Retire(m);
  ASSERT_TRUE(retired.ok()) << retired.status().message();
  EXPECT_FALSE(retired->dropped_view);
  EXPECT_EQ(retired->kept_table, "");
  EXPECT_EQ(State(m), "retired");
  EXPECT_EQ(Relations(), (std::vector<std::string>{"profiles_v1 BASE TABLE", "profiles_v2 BASE TABLE"}));
  EXPECT_EQ(Oid("retire_pg.profiles_v1"), v1_oid);
  EXPECT_EQ(Content("retire_pg.profiles_v1"), Content("retire_pg_copy.profiles_v1"));
  EXPECT_EQ(dataset::Rollback(m, locations_, *engine_, *store_).code(), StatusCode::kConflict);
}

}  // namespace
}  // namespace skein
