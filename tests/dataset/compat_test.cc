// Publishing with a compatibility view (data.publish.compat_view), through the CLI on a DuckDB
// file holding v1 and v2: v1's name reads v1's rows back from v2, rollback gives v1 its table
// back, retiring drops the view and keeps v1's table; and the v2 folder skein created for Parquet
// goes on rollback. (PostgreSQL: dataset_pg_test.cc, which runs with the postgres fixture.)
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "data/engine.h"
#include "data/sql_text.h"
#include "dataset/compat.h"
#include "dataset/dataset.h"
#include "manifest/migration.h"
#include "store/store.h"
#include "tests/support/test_support.h"

namespace skein {
namespace {

namespace fs = std::filesystem;
using testing::Contains;
using testing::RunSkein;

// Every kind of op: a rename, a retype and a recomputed column with reverses, a drop with a
// reverse, an added column.
std::string Manifest(bool compat_view, const std::string& name = "profiles") {
  return R"yaml(apiVersion: skein.dev/v1
kind: Migration
metadata: {name: )yaml" +
         name + R"yaml(}
spec:
  from: core.profiles_v1
  to: core.profiles_v2
  columns:
    - {from: user_id, to: account_id}
    - {from: score, type: DOUBLE, using: "score * 1.0", reverse: "CAST(score AS INTEGER)"}
    - {from: amount, to: amount_cents, type: BIGINT, using: "CAST(amount * 100 AS BIGINT)",
       reverse: "amount_cents / 100.0"}
    - {drop: legacy, reverse: "'seg' || (account_id % 3)"}
    - {add: tier, type: VARCHAR, using: "CASE WHEN score > 5 THEN 'high' ELSE 'low' END"}
  data: {partition_by: dt, key: [user_id], publish: {compat_view: )yaml" +
         (compat_view ? "true" : "false") + R"yaml(}}
)yaml";
}

// v1's rows: NULL emails and amounts included, legacy what its reverse computes.
const char* kV1Rows =
    "SELECT u AS user_id, CASE WHEN u % 5 = 0 THEN NULL ELSE 'u' || u || '@x.org' END AS email, "
    "CAST(u % 10 AS INTEGER) AS score, CAST(CASE WHEN u % 7 = 0 THEN NULL ELSE u * 1.25 END AS "
    "DECIMAL(10,2)) "
    "AS amount, 'seg' || (u % 3) AS legacy, DATE '2024-01-01' + d::INTEGER AS dt FROM range(20) r(u), "
    "range(3) s(d)";

class CompatViewTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = dir_.path() / "w.duckdb";
    v1_ = "duckdb:" + db_.string() + "#core.profiles_v1";
    v2_ = "duckdb:" + db_.string() + "#core.profiles_v2";
    // v1, and a copy of it in another file to compare with; the engine goes before the CLI runs.
    auto engine = std::move(OpenDuckDbEngine()).value();
    auto v1 = engine->TableName(DatasetLocation::Parse(v1_).value());
    auto copy = engine->TableName(
        DatasetLocation::Parse("duckdb:" + (dir_.path() / "copy.duckdb").string() + "#core.profiles_v1")
            .value());
    ASSERT_TRUE(v1.ok() && copy.ok());
    for (const std::string& table : {*v1, *copy}) {  // "catalog"."core"."profiles_v1"
      ASSERT_TRUE(engine->Execute("CREATE SCHEMA " + table.substr(0, table.rfind('.'))).ok());
    }
    Status made = engine->Execute("CREATE TABLE " + *v1 + " AS " + kV1Rows);
    ASSERT_TRUE(made.ok()) << made.message();
    ASSERT_TRUE(engine->Execute("CREATE TABLE " + *copy + " AS SELECT * FROM " + *v1).ok());
    Write("m.yaml", Manifest(true));
  }

  void Write(const std::string& name, const std::string& text) { dir_.Write(name, text); }

  testing::CommandResult Skein(const std::string& command, const std::string& manifest = "m.yaml",
                               const std::string& from = "", const std::string& to = "") {
    return RunSkein({"--store", "skein.db", "data", command, manifest, "--from-location",
                     from.empty() ? v1_ : from, "--to-location", to.empty() ? v2_ : to},
                    dir_.path());
  }

  // Runs `sql` on a fresh engine with w.duckdb attached as `w` and copy.duckdb as `copy`, read
  // only, closed again before returning (the CLI needs the files).
  RowSet Query(const std::string& sql) {
    auto engine = std::move(OpenDuckDbEngine()).value();
    EXPECT_TRUE(engine->Execute("ATTACH " + QuoteLiteral(db_.string()) + " AS w (READ_ONLY)").ok());
    EXPECT_TRUE(engine
                    ->Execute("ATTACH " + QuoteLiteral((dir_.path() / "copy.duckdb").string()) +
                              " AS copy (READ_ONLY)")
                    .ok());
    auto rows = engine->Query(sql);
    EXPECT_TRUE(rows.ok()) << sql << ": " << rows.status().message();
    return rows.ok() ? *rows : RowSet{};
  }

  // What w.duckdb holds: "name TYPE" per table and view.
  std::vector<std::string> Relations() {
    std::vector<std::string> out;
    for (const auto& row :
         Query("SELECT table_name || ' ' || table_type FROM information_schema.tables WHERE "
               "table_catalog = 'w' ORDER BY 1")
             .rows) {
      out.push_back(row[0].value_or(""));
    }
    return out;
  }

  std::vector<std::vector<Value>> Rows(const std::string& relation) {
    return Query("SELECT * FROM " + relation + " ORDER BY ALL").rows;
  }

  std::vector<std::vector<Value>> Columns(const std::string& relation) {
    return Query("SELECT column_name, column_type FROM (DESCRIBE " + relation + ")").rows;
  }

  // v1's name reads exactly what v1 held: the same columns, types and rows as the copy.
  void ExpectV1AsItWas(const std::string& relation = "w.core.profiles_v1") {
    EXPECT_EQ(Columns(relation), Columns("copy.core.profiles_v1"));
    std::vector<std::vector<Value>> rows = Rows(relation);
    EXPECT_EQ(rows.size(), 60u);
    EXPECT_EQ(rows, Rows("copy.core.profiles_v1"));
  }

  // The migration (m.yaml's, or plain.yaml's without the view) with this test's locations, an
  // engine and the CLI's store, for calling dataset/ directly. Destroy it before the CLI or
  // Query() opens the file.
  struct Direct {
    Migration migration;
    dataset::Locations locations;
    std::unique_ptr<SqlEngine> engine;
    std::unique_ptr<Store> store;
  };
  Direct Open(bool compat_view = true) {
    Direct d;
    d.migration = std::move(ParseMigration(Manifest(compat_view), "m.yaml")).value();
    d.locations = {DatasetLocation::Parse(v1_).value(), DatasetLocation::Parse(v2_).value()};
    d.engine = std::move(OpenDuckDbEngine()).value();
    d.store = std::move(OpenStore("sqlite:" + (dir_.path() / "skein.db").string())).value();
    return d;
  }

  Result<dataset::RetireReport> Retire(bool compat_view = true) {
    Direct d = Open(compat_view);
    return dataset::Retire(d.migration, d.locations, *d.engine, *d.store, "tester", 1700000000000);
  }

  Status Rollback(bool compat_view = true) {
    Direct d = Open(compat_view);
    return dataset::Rollback(d.migration, d.locations, *d.engine, *d.store);
  }

  std::string State() {
    Direct d = Open();
    return dataset::RunState(d.migration, *d.store).value();
  }

  // Runs `sql` with w.duckdb attached, writable, as `w`: a person changing the file by hand.
  void ByHand(const std::string& sql) {
    auto engine = std::move(OpenDuckDbEngine()).value();
    ASSERT_TRUE(engine->Execute("ATTACH " + QuoteLiteral(db_.string()) + " AS w").ok());
    Status done = engine->Execute(sql);
    ASSERT_TRUE(done.ok()) << sql << ": " << done.message();
  }

  testing::TempDir dir_;
  fs::path db_;
  std::string v1_, v2_;
};

TEST_F(CompatViewTest, PublishMakesV1AViewOverV2ThatReturnsV1sRows) {
  auto run = Skein("run");
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_TRUE(Contains(run.out, "published")) << run.out;
  EXPECT_EQ(Relations(), (std::vector<std::string>{"profiles_v1 VIEW", "profiles_v1__skein_v1 BASE TABLE",
                                                   "profiles_v2 BASE TABLE"}));
  ExpectV1AsItWas();
  ExpectV1AsItWas("w.core.profiles_v1__skein_v1");  // v1's table, kept whole
  // v2 is v2: renamed and added columns, no dropped one.
  EXPECT_EQ(Query("SELECT column_name FROM (DESCRIBE w.core.profiles_v2)").rows,
            (std::vector<std::vector<Value>>{
                {"account_id"}, {"email"}, {"score"}, {"amount_cents"}, {"dt"}, {"tier"}}));
  // Publishing again changes nothing.
  auto again = Skein("publish");
  EXPECT_EQ(again.exit_code, 0) << again.err;
  ExpectV1AsItWas();
}

TEST_F(CompatViewTest, RollbackGivesV1ItsTableBackAndRemovesV2) {
  ASSERT_EQ(Skein("run").exit_code, 0);
  auto rollback = Skein("rollback");
  ASSERT_EQ(rollback.exit_code, 0) << rollback.err;
  EXPECT_EQ(Relations(), (std::vector<std::string>{"profiles_v1 BASE TABLE"}));
  ExpectV1AsItWas();
  // The migration can run again from the start.
  ASSERT_EQ(Skein("run").exit_code, 0);
  ExpectV1AsItWas();
}

TEST_F(CompatViewTest, ThePublishedFileWorksForAnyoneWhoOpensIt) {
  ASSERT_EQ(Skein("run").exit_code, 0);
  // Attached under another name than skein used (and as a consumer's DuckDB opens it directly):
  // the view names v2 within its own file.
  auto engine = std::move(OpenDuckDbEngine()).value();
  ASSERT_TRUE(engine->Execute("ATTACH " + QuoteLiteral(db_.string()) + " AS consumer (READ_ONLY)").ok());
  std::string query = "SELECT sum(amount), count(email), count(DISTINCT legacy), sum(score) FROM ";
  auto through_view = engine->Query(query + "consumer.core.profiles_v1");
  ASSERT_TRUE(through_view.ok()) << through_view.status().message();
  engine.reset();
  EXPECT_EQ(through_view->rows, Query(query + "copy.core.profiles_v1").rows);
  EXPECT_EQ(through_view->rows[0][1], "48");  // NULL emails stay NULL
}

TEST_F(CompatViewTest, APublishStoppedAfterItsCommitIsFinishedByARerunOrUndoneByRollback) {
  ASSERT_EQ(Skein("run").exit_code, 0);
  // The store as a process that died between the publishing transaction's commit and recording
  // it leaves it: not yet published, the publish under way.
  auto crashed = [&] {
    auto store = std::move(OpenStore("sqlite:" + (dir_.path() / "skein.db").string())).value();
    auto record = store->FindDataRun("profiles");
    ASSERT_TRUE(record.ok() && record->has_value());
    nlohmann::json run = nlohmann::json::parse((*record)->body);
    ASSERT_TRUE(run.contains("compat_view")) << run.dump();
    run["state"] = "verified";
    run["publishing"] = true;
    ASSERT_TRUE(store->PutDataRun({"profiles", run.dump()}).ok());
  };
  crashed();
  auto publish = Skein("publish");
  ASSERT_EQ(publish.exit_code, 0) << publish.err;
  ExpectV1AsItWas();
  EXPECT_EQ(Relations().size(), 3u);
  crashed();
  auto rollback = Skein("rollback");
  ASSERT_EQ(rollback.exit_code, 0) << rollback.err;
  EXPECT_EQ(Relations(), (std::vector<std::string>{"profiles_v1 BASE TABLE"}));
  ExpectV1AsItWas();
}

TEST_F(CompatViewTest, RollbackRestoresV1EvenWhenTheManifestNoLongerAsksForTheView) {
  ASSERT_EQ(Skein("run").exit_code, 0);
  Write("m.yaml", Manifest(false));
  ASSERT_EQ(Skein("rollback").exit_code, 0);
  EXPECT_EQ(Relations(), (std::vector<std::string>{"profiles_v1 BASE TABLE"}));
  ExpectV1AsItWas();
}

TEST_F(CompatViewTest, WithoutTheViewV1StaysATable) {
  Write("plain.yaml", Manifest(false));
  ASSERT_EQ(Skein("run", "plain.yaml").exit_code, 0);
  EXPECT_EQ(Relations(), (std::vector<std::string>{"profiles_v1 BASE TABLE", "profiles_v2 BASE TABLE"}));
  ExpectV1AsItWas();
}

TEST_F(CompatViewTest, AnIndexOnV1StopsThePublishWithNothingChangedAndThePlainPublishStillWorks) {
  {
    auto engine = std::move(OpenDuckDbEngine()).value();
    ASSERT_TRUE(engine->Execute("ATTACH " + QuoteLiteral(db_.string()) + " AS w").ok());
    ASSERT_TRUE(engine->Execute("CREATE INDEX profiles_v1_email ON w.core.profiles_v1 (email)").ok());
  }
  auto run = Skein("run");
  EXPECT_NE(run.exit_code, 0);
  EXPECT_TRUE(Contains(run.err, "DuckDB renames no table that has an index")) << run.err;
  EXPECT_EQ(Relations(),
            (std::vector<std::string>{"profiles_v1 BASE TABLE", "profiles_v2__skein_staging BASE TABLE"}));
  ExpectV1AsItWas();
  // The failed attempt committed nothing: publishing without the view goes ahead.
  Write("m.yaml", Manifest(false));
  auto publish = Skein("publish");
  ASSERT_EQ(publish.exit_code, 0) << publish.err;
  EXPECT_EQ(Relations(), (std::vector<std::string>{"profiles_v1 BASE TABLE", "profiles_v2 BASE TABLE"}));
  ExpectV1AsItWas();
}

TEST_F(CompatViewTest, AParquetV1IsRefusedWithTheReason) {
  fs::path files = dir_.path() / "v1files";
  {
    auto engine = std::move(OpenDuckDbEngine()).value();
    ASSERT_TRUE(engine
                    ->Execute("COPY (" + std::string(kV1Rows) + ") TO " + QuoteLiteral(files.string()) +
                              " (FORMAT parquet, PARTITION_BY (dt))")
                    .ok());
  }
  auto run = Skein("run", "m.yaml", "parquet:" + files.string());
  EXPECT_EQ(run.exit_code, 2) << run.out << run.err;
  EXPECT_TRUE(Contains(run.err, "m.yaml:")) << run.err;
  EXPECT_TRUE(Contains(run.err, "migration profiles: compat_view")) << run.err;
  EXPECT_TRUE(Contains(run.err, "core.profiles_v1 is parquet:" + files.string())) << run.err;
  EXPECT_TRUE(Contains(run.err, "files cannot be replaced by a view")) << run.err;
  for (const std::string& relation : Relations())
    EXPECT_FALSE(Contains(relation, "profiles_v2 BASE")) << relation;
}

TEST_F(CompatViewTest, RetireDropsTheViewKeepsV1sTableAndEndsTheRollback) {
  ASSERT_EQ(Skein("run").exit_code, 0);
  std::vector<std::vector<Value>> v2_rows = Rows("w.core.profiles_v2");
  ASSERT_EQ(v2_rows.size(), 60u);

  auto retired = Retire();
  ASSERT_TRUE(retired.ok()) << retired.status().message();
  EXPECT_TRUE(retired->dropped_view);
  EXPECT_FALSE(retired->already_retired);
  EXPECT_EQ(retired->kept_table, "core.profiles_v1__skein_v1");
  EXPECT_TRUE(Contains(retired->message, "core.profiles_v1__skein_v1")) << retired->message;
  // v1's name is gone; v1's table holds exactly v1's rows; v2 is as published.
  EXPECT_EQ(Relations(),
            (std::vector<std::string>{"profiles_v1__skein_v1 BASE TABLE", "profiles_v2 BASE TABLE"}));
  ExpectV1AsItWas("w.core.profiles_v1__skein_v1");
  EXPECT_EQ(Rows("w.core.profiles_v2"), v2_rows);
  EXPECT_EQ(State(), "retired");

  Status rollback = Rollback();
  EXPECT_EQ(rollback.code(), StatusCode::kConflict);
  EXPECT_TRUE(Contains(rollback.message(), "rolling back profiles: it is retired")) << rollback.message();
  EXPECT_EQ(Relations().size(), 2u) << "the refused rollback changed nothing";

  auto again = Retire();
  ASSERT_TRUE(again.ok()) << again.status().message();
  EXPECT_TRUE(again->already_retired);
  EXPECT_FALSE(again->dropped_view);
  EXPECT_EQ(State(), "retired");

  // Publishing again is a no-op; staging again is refused.
  {
    Direct d = Open();
    EXPECT_TRUE(dataset::Publish(d.migration, d.locations, *d.engine, *d.store).ok());
    auto backfill = dataset::Backfill(d.migration, d.locations, *d.engine, *d.store, nullptr);
    EXPECT_EQ(backfill.status().code(), StatusCode::kConflict);
  }
  EXPECT_EQ(Relations().size(), 2u);
  ExpectV1AsItWas("w.core.profiles_v1__skein_v1");
}

TEST_F(CompatViewTest, RetireRecordsARetireThatStoppedAfterDroppingTheView) {
  ASSERT_EQ(Skein("run").exit_code, 0);
  // What a retire killed between its commit and recording it leaves: the view gone, still published.
  ByHand("DROP VIEW w.core.profiles_v1");
  ASSERT_EQ(State(), "published");
  auto retired = Retire();
  ASSERT_TRUE(retired.ok()) << retired.status().message();
  EXPECT_FALSE(retired->dropped_view);
  EXPECT_FALSE(retired->already_retired);
  EXPECT_EQ(retired->kept_table, "core.profiles_v1__skein_v1");
  EXPECT_TRUE(Contains(retired->message, "already dropped")) << retired->message;
  EXPECT_EQ(State(), "retired");
  ExpectV1AsItWas("w.core.profiles_v1__skein_v1");
}

TEST_F(CompatViewTest, RetireDropsNoTableThatHasV1sName) {
  ASSERT_EQ(Skein("run").exit_code, 0);
  // Someone gave v1's name back to its table by hand.
  ByHand("DROP VIEW w.core.profiles_v1");
  ByHand("ALTER TABLE w.core.profiles_v1__skein_v1 RENAME TO profiles_v1");
  auto retired = Retire();
  EXPECT_EQ(retired.status().code(), StatusCode::kConflict);
  EXPECT_TRUE(Contains(retired.status().message(), "retiring profiles")) << retired.status().message();
  EXPECT_TRUE(Contains(retired.status().message(), "is a table")) << retired.status().message();
  EXPECT_EQ(Relations(), (std::vector<std::string>{"profiles_v1 BASE TABLE", "profiles_v2 BASE TABLE"}));
  ExpectV1AsItWas();
  EXPECT_EQ(State(), "published");
}

TEST_F(CompatViewTest, RetireBeforePublishingIsRefused) {
  auto nothing = Retire();
  EXPECT_EQ(nothing.status().code(), StatusCode::kConflict);
  EXPECT_TRUE(Contains(nothing.status().message(), "retiring profiles: only a published migration"))
      << nothing.status().message();
  {
    Direct d = Open();
    ASSERT_TRUE(dataset::Backfill(d.migration, d.locations, *d.engine, *d.store, nullptr).ok());
    ASSERT_TRUE(dataset::Verify(d.migration, d.locations, *d.engine, *d.store, 5)->passed());
  }
  auto verified = Retire();
  EXPECT_EQ(verified.status().code(), StatusCode::kConflict);
  EXPECT_TRUE(Contains(verified.status().message(), "retiring profiles")) << verified.status().message();
  EXPECT_TRUE(Contains(verified.status().message(), "verified")) << verified.status().message();
  EXPECT_EQ(State(), "verified");
  EXPECT_EQ(Relations(),
            (std::vector<std::string>{"profiles_v1 BASE TABLE", "profiles_v2__skein_staging BASE TABLE"}));
  ExpectV1AsItWas();
}

TEST_F(CompatViewTest, RetireWithoutTheViewDropsNothing) {
  Write("plain.yaml", Manifest(false));
  ASSERT_EQ(Skein("run", "plain.yaml").exit_code, 0);
  auto retired = Retire(false);
  ASSERT_TRUE(retired.ok()) << retired.status().message();
  EXPECT_FALSE(retired->dropped_view);
  EXPECT_FALSE(retired->already_retired);
  EXPECT_EQ(retired->kept_table, "");
  EXPECT_TRUE(Contains(retired->message, "Nothing to drop")) << retired->message;
  EXPECT_EQ(State(), "retired");
  EXPECT_EQ(Relations(), (std::vector<std::string>{"profiles_v1 BASE TABLE", "profiles_v2 BASE TABLE"}));
  ExpectV1AsItWas();
  EXPECT_EQ(Rollback(false).code(), StatusCode::kConflict);
  EXPECT_EQ(Relations().size(), 2u);
}

TEST(CheckCompatView, NeedsTablesOfOneDatabaseAndEveryReverse) {
  testing::TempDir dir;
  auto parse = [](const std::string& text) {
    auto m = ParseMigration(text, "m.yaml");
    EXPECT_TRUE(m.ok()) << m.status().message();
    return m.ok() ? *m : Migration{};
  };
  Migration m = parse(Manifest(true));
  auto at = [](const std::string& v1, const std::string& v2) {
    return dataset::Locations{DatasetLocation::Parse(v1).value(), DatasetLocation::Parse(v2).value()};
  };
  std::string file = (dir.path() / "w.duckdb").string();
  EXPECT_TRUE(
      dataset::internal::CheckCompatView(m, at("duckdb:" + file + "#core.a", "duckdb:" + file + "#core.b"))
          .ok());
  // The same file spelled another way is one database.
  std::string other_spelling = (dir.path() / "." / "w.duckdb").string();
  EXPECT_TRUE(dataset::internal::CheckCompatView(
                  m, at("duckdb:" + file + "#core.a", "duckdb:" + other_spelling + "#x.b"))
                  .ok());

  Status two_files = dataset::internal::CheckCompatView(
      m, at("duckdb:" + file + "#core.a", "duckdb:" + (dir.path() / "v2.duckdb").string() + "#core.b"));
  EXPECT_EQ(two_files.code(), StatusCode::kInvalidInput);
  EXPECT_TRUE(Contains(two_files.message(), "migration profiles: compat_view")) << two_files.message();
  EXPECT_TRUE(Contains(two_files.message(), "both in one database")) << two_files.message();

  Status two_databases =
      dataset::internal::CheckCompatView(m, at("postgresql://h/one#s.a", "postgresql://h/two#s.b"));
  EXPECT_TRUE(Contains(two_databases.message(), "both in one database")) << two_databases.message();

  Status parquet_v2 = dataset::internal::CheckCompatView(m, at("duckdb:" + file + "#core.a", "parquet:out"));
  EXPECT_TRUE(Contains(parquet_v2.message(), "core.profiles_v2 is parquet:")) << parquet_v2.message();

  // The parser requires the reverses already; a migration built otherwise is refused here too.
  Migration unprovable = m;
  unprovable.columns[1].reverse.clear();
  Status missing = dataset::internal::CheckCompatView(
      unprovable, at("duckdb:" + file + "#core.a", "duckdb:" + file + "#core.b"));
  EXPECT_TRUE(Contains(missing.message(), "missing for score")) << missing.message();

  Migration no_view = parse(Manifest(false));
  EXPECT_TRUE(dataset::internal::CheckCompatView(no_view, at("parquet:a", "parquet:b")).ok());
}

// Rollback of a Parquet v2: the folder skein created goes once empty; nobody else's does.
class ParquetRollbackTest : public ::testing::Test {
 protected:
  void SetUp() override {
    engine_ = std::move(OpenDuckDbEngine()).value();
    fs::path v1 = dir_.path() / "v1";
    ASSERT_TRUE(engine_
                    ->Execute("COPY (" + std::string(kV1Rows) + ") TO " + QuoteLiteral(v1.string()) +
                              " (FORMAT parquet, PARTITION_BY (dt))")
                    .ok());
    v2_ = dir_.path() / "out" / "v2";
    locations_.v1 = DatasetLocation::Parse("parquet:" + v1.string()).value();
    locations_.v2 = DatasetLocation::Parse("parquet:" + v2_.string()).value();
    store_ = std::move(OpenStore("sqlite:" + (dir_.path() / "skein.db").string())).value();
    migration_ = std::move(ParseMigration(Manifest(false), "m.yaml")).value();
  }

  // Backfill as it runs once it records the v2 folder it creates (the first call stands in for
  // Backfill's own), then verify and, when asked, publish.
  void Stage(bool publish) {
    auto run = nlohmann::json{{"state", "none"}};
    ASSERT_TRUE(dataset::internal::RememberCreatedV2Folder(migration_, locations_, *store_, run).ok());
    auto backfill = dataset::Backfill(migration_, locations_, *engine_, *store_, nullptr);
    ASSERT_TRUE(backfill.ok()) << backfill.status().message();
    ASSERT_TRUE(dataset::Verify(migration_, locations_, *engine_, *store_, 5)->passed());
    if (publish) {
      ASSERT_TRUE(dataset::Publish(migration_, locations_, *engine_, *store_).ok());
    }
  }

  testing::TempDir dir_;
  std::unique_ptr<SqlEngine> engine_;
  std::unique_ptr<Store> store_;
  fs::path v2_;
  dataset::Locations locations_;
  Migration migration_;
};

TEST_F(ParquetRollbackTest, TheV2FolderSkeinCreatedGoesWithTheRollback) {
  Stage(true);
  ASSERT_TRUE(fs::exists(v2_ / "dt=2024-01-01" / "data.parquet"));
  ASSERT_TRUE(dataset::Rollback(migration_, locations_, *engine_, *store_).ok());
  EXPECT_FALSE(fs::exists(v2_));
  EXPECT_TRUE(fs::exists(v2_.parent_path())) << "only the v2 folder itself is skein's to remove";
}

TEST_F(ParquetRollbackTest, AStagedOnlyRunGoesToo) {
  Stage(false);
  ASSERT_TRUE(fs::exists(v2_ / ".skein-staging"));
  ASSERT_TRUE(dataset::Rollback(migration_, locations_, *engine_, *store_).ok());
  EXPECT_FALSE(fs::exists(v2_));
}

TEST_F(ParquetRollbackTest, AFolderHoldingSomethingElseStays) {
  Stage(true);
  std::ofstream(v2_ / "README") << "someone else's\n";
  ASSERT_TRUE(dataset::Rollback(migration_, locations_, *engine_, *store_).ok());
  EXPECT_TRUE(fs::exists(v2_ / "README"));
  EXPECT_FALSE(fs::exists(v2_ / "dt=2024-01-01"));
}

TEST_F(ParquetRollbackTest, ARetiredRunKeepsItsFilesAndRefusesTheRollback) {
  Stage(true);
  auto retired = dataset::Retire(migration_, locations_, *engine_, *store_, "tester", 1700000000000);
  ASSERT_TRUE(retired.ok()) << retired.status().message();
  EXPECT_FALSE(retired->dropped_view);
  EXPECT_EQ(retired->kept_table, "");
  EXPECT_TRUE(Contains(retired->message, "as files")) << retired->message;
  EXPECT_EQ(dataset::RunState(migration_, *store_).value(), "retired");
  Status rollback = dataset::Rollback(migration_, locations_, *engine_, *store_);
  EXPECT_EQ(rollback.code(), StatusCode::kConflict);
  EXPECT_TRUE(Contains(rollback.message(), "profiles")) << rollback.message();
  EXPECT_TRUE(fs::exists(v2_ / "dt=2024-01-01" / "data.parquet"));
}

TEST_F(ParquetRollbackTest, AFolderThatWasThereBeforeStays) {
  fs::create_directories(v2_);
  Stage(true);
  ASSERT_TRUE(dataset::Rollback(migration_, locations_, *engine_, *store_).ok());
  EXPECT_TRUE(fs::exists(v2_));
  EXPECT_TRUE(fs::is_empty(v2_));
}

}  // namespace
}  // namespace skein
