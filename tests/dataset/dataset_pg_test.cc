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
  ASSERT_TRUE(engine->Execute("DELETE FROM dspg.profiles_v2__skein_staging WHERE account_id = 9 AND dt = DATE "
                              "'2024-01-02'").ok());
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
