// Verification on PostgreSQL catches each planted fault in the staging table — a dropped row, a
// changed value, a duplicate key, a NULL key, a float off by more than its tolerance (and not one
// within it) — and names a schema that drifted since the run; v1 is never written.
#include <gtest/gtest.h>

#include <cctype>

#include "data/engine.h"
#include "dataset/dataset.h"
#include "manifest/migration.h"
#include "store/store.h"
#include "tests/support/test_support.h"

namespace skein {
namespace {

using testing::Contains;

class PostgresFaults : public ::testing::Test {
 protected:
  void SetUp() override {
    url_ = testing::PostgresUrl();
    // A schema per test: ctest runs them side by side.
    schema_ = "dsfault_";
    for (char c : std::string(::testing::UnitTest::GetInstance()->current_test_info()->name())) {
      schema_ += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    staging_ = schema_ + ".readings_v2__skein_staging";
    engine_ = std::move(OpenPostgresEngine(url_)).value();
    ASSERT_TRUE(engine_->Execute("DROP SCHEMA IF EXISTS " + schema_ + " CASCADE").ok());
    ASSERT_TRUE(engine_->Execute("CREATE SCHEMA " + schema_).ok());
    Status made = engine_->Execute(
        "CREATE TABLE " + schema_ +
        ".readings_v1 AS SELECT s::bigint AS sensor, (s * 0.25)::double precision AS value, "
        "TIMESTAMP '2024-01-01 00:00:00' + s * INTERVAL '1 minute' AS taken_at, DATE '2024-01-01' + d AS dt "
        "FROM generate_series(0, 49) s, generate_series(0, 2) d");
    ASSERT_TRUE(made.ok()) << made.message();
    store_ = std::move(OpenStore("sqlite:" + (dir_.path() / "s.db").string())).value();
    auto m = ParseMigration(R"(apiVersion: skein.dev/v1
kind: Migration
metadata: {name: readings-pg, owner: group:iot}
spec:
  from: iot.readings_v1
  to: iot.readings_v2
  columns:
    - {from: sensor, to: sensor_id}
    - {from: value, to: reading}
  data:
    partition_by: dt
    key: [sensor]
    verify: {tolerances: {reading: 0.01, taken_at: 1s}}
)",
                            "m.yaml");
    ASSERT_TRUE(m.ok()) << m.status().message();
    migration_ = *m;
    locations_.v1 = DatasetLocation::Parse(url_ + "#" + schema_ + ".readings_v1").value();
    locations_.v2 = DatasetLocation::Parse(url_ + "#" + schema_ + ".readings_v2").value();
    auto staged = dataset::Backfill(migration_, locations_, *engine_, *store_, nullptr);
    ASSERT_TRUE(staged.ok()) << staged.status().message();
    ASSERT_EQ(staged->rows, 150);
  }
  void TearDown() override {
    auto rows = engine_->Query("SELECT count(*), sum(value), min(sensor) FROM " + schema_ + ".readings_v1");
    ASSERT_TRUE(rows.ok());
    EXPECT_EQ(rows->rows[0][0], "150") << "v1 was modified";
    EXPECT_EQ(rows->rows[0][2], "0") << "v1 was modified";
  }

  void Plant(const std::string& sql) {
    Status done = engine_->Execute(sql);
    ASSERT_TRUE(done.ok()) << done.message();
  }
  dataset::VerifyReport Verify() {
    auto report = dataset::Verify(migration_, locations_, *engine_, *store_, 5);
    EXPECT_TRUE(report.ok()) << report.status().message();
    return report.ok() ? *report : dataset::VerifyReport{};
  }
  static std::string Failed(const dataset::VerifyReport& r, const std::string& name) {
    for (const auto& c : r.checks) {
      if (c.name == name && !c.passed) return c.partition + ": " + c.detail;
    }
    return "";
  }

  std::string url_;
  std::unique_ptr<SqlEngine> engine_;
  testing::TempDir dir_;
  std::unique_ptr<Store> store_;
  Migration migration_;
  dataset::Locations locations_;
  std::string schema_;
  std::string staging_;
};

TEST_F(PostgresFaults, ACleanStagingVerifies) { EXPECT_TRUE(Verify().passed()) << Verify().ToText(); }

TEST_F(PostgresFaults, ADroppedRow) {
  Plant("DELETE FROM " + staging_ + " WHERE sensor_id = 7 AND dt = DATE '2024-01-02'");
  dataset::VerifyReport r = Verify();
  EXPECT_EQ(Failed(r, "counts"), "2024-01-02: v1 through the transform has 50 rows, v2 49");
  EXPECT_TRUE(Contains(Failed(r, "key_diff"), "1 missing, 0 extra, 0 changed")) << r.ToText();
  EXPECT_TRUE(Contains(Failed(r, "key_diff"), "missing in v2: key (7, 2024-01-02)")) << r.ToText();
}

TEST_F(PostgresFaults, AChangedValue) {
  Plant("UPDATE " + staging_ +
        " SET taken_at = taken_at + INTERVAL '1 hour' WHERE sensor_id = 3 AND dt = DATE '2024-01-03'");
  dataset::VerifyReport r = Verify();
  EXPECT_EQ(Failed(r, "counts"), "");
  EXPECT_TRUE(Contains(Failed(r, "checksum"), "2024-01-03")) << r.ToText();
  EXPECT_TRUE(Contains(Failed(r, "key_diff"), "0 missing, 0 extra, 1 changed")) << r.ToText();
  EXPECT_TRUE(Contains(Failed(r, "key_diff"), "changed: key (3, 2024-01-03) taken_at")) << r.ToText();
}

TEST_F(PostgresFaults, ADuplicateKey) {
  Plant("UPDATE " + staging_ + " SET sensor_id = 5 WHERE sensor_id = 6 AND dt = DATE '2024-01-01'");
  dataset::VerifyReport r = Verify();
  EXPECT_TRUE(Contains(Failed(r, "keys"), "partition 2024-01-01: v2: key (sensor_id, dt) is not unique"))
      << r.ToText();
  EXPECT_TRUE(Contains(Failed(r, "keys"), "sensor_id=5, dt=2024-01-01 in 2 rows")) << r.ToText();
}

TEST_F(PostgresFaults, ANullKey) {
  Plant("UPDATE " + staging_ + " SET sensor_id = NULL WHERE sensor_id = 8 AND dt = DATE '2024-01-02'");
  dataset::VerifyReport r = Verify();
  EXPECT_TRUE(Contains(Failed(r, "keys"), "partition 2024-01-02: v2: key (sensor_id, dt) is NULL in 1 row"))
      << r.ToText();
  EXPECT_TRUE(Contains(Failed(r, "null_counts"), "sensor_id: 1 NULLs, expected 0")) << r.ToText();
}

TEST_F(PostgresFaults, AFloatBeyondItsToleranceButNotOneWithinIt) {
  Plant("UPDATE " + staging_ + " SET reading = reading + 0.004 WHERE sensor_id = 10");  // within 0.01
  Plant("UPDATE " + staging_ + " SET taken_at = taken_at + INTERVAL '300 milliseconds' WHERE sensor_id = 11");
  dataset::VerifyReport within = Verify();
  EXPECT_TRUE(within.passed()) << within.ToText();
  Plant("UPDATE " + staging_ +
        " SET reading = reading + 0.5 WHERE sensor_id = 12 AND dt = DATE '2024-01-03'");
  dataset::VerifyReport beyond = Verify();
  EXPECT_FALSE(beyond.passed());
  EXPECT_TRUE(Contains(Failed(beyond, "key_diff"), "0 missing, 0 extra, 1 changed")) << beyond.ToText();
  EXPECT_TRUE(Contains(Failed(beyond, "key_diff"), "changed: key (12, 2024-01-03) reading 3 -> 3.5"))
      << beyond.ToText();
}

TEST_F(PostgresFaults, ASchemaThatDriftedIsNamed) {
  // v1 is the test's own table: the drift is upstream's doing, not skein's.
  Plant("ALTER TABLE " + schema_ + ".readings_v1 ALTER COLUMN sensor TYPE integer");
  auto again = dataset::Backfill(migration_, locations_, *engine_, *store_, nullptr);
  ASSERT_EQ(again.status().code(), StatusCode::kInvalidInput);
  EXPECT_TRUE(
      Contains(again.status().message(), "iot.readings_v1 (v1) drifted since readings-pg was planned"))
      << again.status().message();
  EXPECT_TRUE(Contains(again.status().message(), "column sensor was BIGINT, is INTEGER"))
      << again.status().message();
  Plant("ALTER TABLE " + schema_ + ".readings_v1 ALTER COLUMN sensor TYPE bigint");
  EXPECT_TRUE(Verify().passed());
}

}  // namespace
}  // namespace skein
