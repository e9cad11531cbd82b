// The data side of a migration on DuckDB: backfill, resume, verification catching planted
// faults, approval, publish and rollback, with v1 checked unchanged throughout.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "data/engine.h"
#include "dataset/dataset.h"
#include "manifest/migration.h"
#include "store/store.h"
#include "tests/support/test_support.h"

namespace skein {
namespace {

namespace fs = std::filesystem;

std::string Manifest(const std::string& extra_columns = "", const std::string& approval = "none") {
  return R"(apiVersion: skein.dev/v1
kind: Migration
metadata: {name: profiles, owner: group:identity}
spec:
  from: core.profiles_v1
  to: core.profiles_v2
  columns:
    - {from: user_id, to: account_id}
    - {from: score, to: score, type: DOUBLE, using: "score * 1.0"}
    - {add: tier, type: VARCHAR, using: "CASE WHEN score > 5 THEN 'high' ELSE 'low' END"}
)" + extra_columns +
         R"(  data: {partition_by: dt, key: [user_id], publish: {approval: )" + approval + R"(}}
)";
}

class DatasetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    engine_ = std::move(OpenDuckDbEngine()).value();
    v1_ = dir_.path() / "v1";
    v2_ = dir_.path() / "v2";
    // Three days of 100 users each, Hive-partitioned by dt.
    Status made = engine_->Execute(
        "COPY (SELECT u AS user_id, 'u' || u || '@x.org' AS email, (u % 10) AS score, "
        "DATE '2024-01-01' + d::INTEGER AS dt FROM range(100) r(u), range(3) s(d)) TO '" +
        v1_.string() + "' (FORMAT parquet, PARTITION_BY (dt))");
    ASSERT_TRUE(made.ok()) << made.message();
    store_ = std::move(OpenStore("sqlite:" + (dir_.path() / "skein.db").string())).value();
    locations_.v1 = DatasetLocation::Parse("parquet:" + v1_.string()).value();
    locations_.v2 = DatasetLocation::Parse("parquet:" + v2_.string()).value();
    v1_checksum_ = V1Fingerprint();
  }

  void TearDown() override { EXPECT_EQ(V1Fingerprint(), v1_checksum_) << "v1 was modified"; }

  // Every v1 file's name, size and content hash: v1 must never change.
  std::string V1Fingerprint() {
    auto rows = engine_->Query(
        "SELECT string_agg(filename || ':' || md5(content), ',' ORDER BY filename) FROM "
        "read_blob('" +
        v1_.string() + "/**/*.parquet')");
    return rows.ok() ? rows->rows[0][0].value_or("") : rows.status().message();
  }

  Migration ParseManifest(const std::string& text) {
    auto m = ParseMigration(text, "m.yaml");
    EXPECT_TRUE(m.ok()) << m.status().message();
    return *m;
  }

  dataset::BackfillReport Backfill(const Migration& m) {
    auto report = dataset::Backfill(m, locations_, *engine_, *store_, nullptr);
    EXPECT_TRUE(report.ok()) << report.status().message();
    return report.ok() ? *report : dataset::BackfillReport{};
  }

  dataset::VerifyReport Verify(const Migration& m) {
    auto report = dataset::Verify(m, locations_, *engine_, *store_, 5);
    EXPECT_TRUE(report.ok()) << report.status().message();
    return report.ok() ? *report : dataset::VerifyReport{};
  }

  static const dataset::Check* Find(const dataset::VerifyReport& r, const std::string& name) {
    for (const auto& c : r.checks) {
      if (c.name == name && !c.passed) return &c;
    }
    return nullptr;
  }

  // Every file under v2 with its content hash.
  std::string V2Files() {
    auto rows = engine_->Query(
        "SELECT string_agg(filename || ':' || md5(content), ',' ORDER BY filename) FROM "
        "read_blob('" +
        v2_.string() + "/**')");
    return rows.ok() ? rows->rows[0][0].value_or("") : rows.status().message();
  }

  std::string StagedFile(const std::string& day) {
    return (v2_ / ".skein-staging" / ("dt=" + day) / "data.parquet").string();
  }

  // Replaces a staged partition's file by the result of `select` over it.
  void Tamper(const std::string& day, const std::string& select, const std::string& where = "true") {
    std::string file = StagedFile(day);
    Status done = engine_->Execute("COPY (" + select + " FROM read_parquet('" + file + "') WHERE " + where +
                                   ") TO '" + file + ".new' (FORMAT parquet)");
    ASSERT_TRUE(done.ok()) << done.message();
    fs::rename(file + ".new", file);
  }

  testing::TempDir dir_;
  std::unique_ptr<SqlEngine> engine_;
  std::unique_ptr<Store> store_;
  fs::path v1_, v2_;
  dataset::Locations locations_;
  std::string v1_checksum_;
};

TEST_F(DatasetTest, PlansTheTransformFromTheColumnOps) {
  Migration m = ParseManifest(Manifest());
  Schema v1{{{"user_id", "BIGINT"}, {"email", "VARCHAR"}, {"score", "BIGINT"}, {"dt", "DATE"}}};
  auto t = dataset::PlanTransform(m, v1);
  ASSERT_TRUE(t.ok()) << t.status().message();
  std::vector<std::string> names;
  for (const auto& c : t->columns) names.push_back(c.name + " " + c.type);
  EXPECT_EQ(names, (std::vector<std::string>{"account_id BIGINT", "email VARCHAR", "score DOUBLE", "dt DATE",
                                             "tier VARCHAR"}));
  EXPECT_EQ(t->columns[2].expression, "CAST((score * 1.0) AS DOUBLE)");
  EXPECT_EQ(t->key_v2, (std::vector<std::string>{"account_id", "dt"}));  // the key is per partition
}

TEST_F(DatasetTest, StagesVerifiesAndPublishesEveryPartition) {
  Migration m = ParseManifest(Manifest());
  dataset::BackfillReport backfill = Backfill(m);
  EXPECT_EQ(backfill.partitions.size(), 3u);
  EXPECT_EQ(backfill.rows, 300);
  dataset::VerifyReport report = Verify(m);
  EXPECT_TRUE(report.passed()) << report.ToText();
  EXPECT_EQ(report.v2_rows, 300);
  EXPECT_FALSE(fs::exists(v2_ / "dt=2024-01-01")) << "nothing is published before Publish";
  ASSERT_TRUE(dataset::Publish(m, locations_, *engine_, *store_).ok());
  EXPECT_FALSE(fs::exists(v2_ / ".skein-staging"));
  auto rows = engine_->Query(
      "SELECT count(*), count(DISTINCT account_id), sum(CASE WHEN tier = 'high' THEN 1 END) "
      "FROM read_parquet('" +
      v2_.string() + "/**/*.parquet', hive_partitioning = true)");
  ASSERT_TRUE(rows.ok()) << rows.status().message();
  EXPECT_EQ(rows->rows[0], (std::vector<Value>{"300", "100", "120"}));
  EXPECT_EQ(dataset::RunState(m, *store_).value(), "published");
}

// A publish killed between a partition's rename and its record: the next publish recognises the
// partition it moved (its staged copy gone, its bytes the ones staged) and finishes; a folder
// skein did not put there still stops it.
TEST_F(DatasetTest, APublishStoppedAfterARenameFinishesOnTheNextOne) {
  Migration m = ParseManifest(Manifest());
  Backfill(m);
  ASSERT_TRUE(Verify(m).passed());
  fs::create_directories(v2_);
  fs::rename(v2_ / ".skein-staging" / "dt=2024-01-01", v2_ / "dt=2024-01-01");  // moved, not recorded
  ASSERT_TRUE(dataset::Publish(m, locations_, *engine_, *store_).ok());
  EXPECT_EQ(dataset::RunState(m, *store_).value(), "published");
  auto rows = engine_->Query("SELECT count(*) FROM read_parquet('" + v2_.string() + "/**/*.parquet')");
  ASSERT_TRUE(rows.ok()) << rows.status().message();
  EXPECT_EQ(rows->rows[0][0], Value("300"));
}

// The same, when a run between the two staged that partition again (its staged copy was gone):
// the file in place holds the rows staged again, so it is skein's and the publish finishes; the
// crash test at every moment found this one (dataset_crash.CrashResume, Parquet).
TEST_F(DatasetTest, APublishStoppedAfterARenameFinishesAfterARerunStagedItAgain) {
  Migration m = ParseManifest(Manifest());
  Backfill(m);
  ASSERT_TRUE(Verify(m).passed());
  fs::create_directories(v2_);
  fs::rename(v2_ / ".skein-staging" / "dt=2024-01-01", v2_ / "dt=2024-01-01");  // moved, not recorded
  dataset::BackfillReport again = Backfill(m);
  EXPECT_EQ(again.skipped, 2) << "the moved partition is staged again";
  ASSERT_TRUE(fs::exists(v2_ / ".skein-staging" / "dt=2024-01-01" / "data.parquet"));
  ASSERT_TRUE(Verify(m).passed());
  Status published = dataset::Publish(m, locations_, *engine_, *store_);
  ASSERT_TRUE(published.ok()) << published.message();
  EXPECT_FALSE(fs::exists(v2_ / ".skein-staging")) << "the second staged copy goes with the staging folder";
  auto rows = engine_->Query("SELECT count(*) FROM read_parquet('" + v2_.string() + "/**/*.parquet')");
  ASSERT_TRUE(rows.ok()) << rows.status().message();
  EXPECT_EQ(rows->rows[0][0], Value("300")) << "each partition once";

  // Rows that differ from what was staged are not skein's: refused.
  Migration other = ParseManifest(Manifest());
  ASSERT_TRUE(dataset::Rollback(other, locations_, *engine_, *store_).ok());
  Backfill(other);
  ASSERT_TRUE(Verify(other).passed());
  fs::create_directories(v2_ / "dt=2024-01-02");
  auto copied = engine_->Execute("COPY (SELECT 1 AS x) TO '" +
                                 (v2_ / "dt=2024-01-02" / "data.parquet").string() + "' (FORMAT PARQUET)");
  ASSERT_TRUE(copied.ok()) << copied.message();
  Status refused = dataset::Publish(other, locations_, *engine_, *store_);
  EXPECT_EQ(refused.code(), StatusCode::kConflict) << refused.message();
}

TEST_F(DatasetTest, APublishRefusesAPartitionFolderItDidNotWrite) {
  Migration m = ParseManifest(Manifest());
  Backfill(m);
  ASSERT_TRUE(Verify(m).passed());
  fs::create_directories(v2_ / "dt=2024-01-02");
  std::ofstream(v2_ / "dt=2024-01-02" / "data.parquet") << "someone else's";
  Status published = dataset::Publish(m, locations_, *engine_, *store_);
  EXPECT_EQ(published.code(), StatusCode::kConflict);
  EXPECT_NE(published.message().find("exists and skein did not write it"), std::string::npos)
      << published.message();
}

TEST_F(DatasetTest, ARerunSkipsWhatIsStagedAndRedoesOnlyWhatIsMissing) {
  Migration m = ParseManifest(Manifest());
  Backfill(m);
  dataset::BackfillReport again = Backfill(m);
  EXPECT_EQ(again.skipped, 3);
  // A crash that lost one partition's file (or left a foreign one): only that partition is redone.
  fs::remove(StagedFile("2024-01-02"));
  dataset::BackfillReport third = Backfill(m);
  EXPECT_EQ(third.skipped, 2);
  EXPECT_EQ(third.rows, 300);
  EXPECT_TRUE(Verify(m).passed());
}

TEST_F(DatasetTest, VerificationCatchesADroppedRow) {
  Migration m = ParseManifest(Manifest());
  Backfill(m);
  Tamper("2024-01-02", "SELECT *", "account_id <> 42");
  dataset::VerifyReport report = Verify(m);
  EXPECT_FALSE(report.passed());
  ASSERT_NE(Find(report, "counts"), nullptr);
  EXPECT_EQ(Find(report, "counts")->partition, "2024-01-02");
  ASSERT_NE(Find(report, "key_diff"), nullptr);
  EXPECT_NE(Find(report, "key_diff")->detail.find("1 missing"), std::string::npos)
      << Find(report, "key_diff")->detail;
  EXPECT_NE(Find(report, "key_diff")->detail.find("(42, 2024-01-02)"), std::string::npos);
  EXPECT_EQ(dataset::RunState(m, *store_).value(), "failed");
  EXPECT_EQ(dataset::Publish(m, locations_, *engine_, *store_).code(), StatusCode::kConflict);
  EXPECT_FALSE(fs::exists(v2_ / "dt=2024-01-01")) << "a failed verification never publishes";
}

TEST_F(DatasetTest, VerificationCatchesAChangedValueWithEqualCounts) {
  Migration m = ParseManifest(Manifest());
  Backfill(m);
  Tamper("2024-01-03", "SELECT * REPLACE (CASE WHEN account_id = 7 THEN 'x@y' ELSE email END AS email)");
  dataset::VerifyReport report = Verify(m);
  EXPECT_EQ(Find(report, "counts"), nullptr);
  ASSERT_NE(Find(report, "checksum"), nullptr);
  ASSERT_NE(Find(report, "key_diff"), nullptr);
  EXPECT_NE(Find(report, "key_diff")->detail.find("1 changed"), std::string::npos);
}

TEST_F(DatasetTest, VerificationCatchesNewNullsAndDuplicateKeys) {
  Migration m = ParseManifest(Manifest());
  Backfill(m);
  Tamper("2024-01-01", "SELECT * REPLACE (CASE WHEN account_id = 3 THEN NULL ELSE tier END AS tier)");
  Tamper("2024-01-02",
         "SELECT * REPLACE (CASE WHEN account_id = 5 THEN 6 ELSE account_id END AS account_id)");
  dataset::VerifyReport report = Verify(m);
  ASSERT_NE(Find(report, "null_counts"), nullptr);
  EXPECT_NE(Find(report, "null_counts")->detail.find("tier: 1 NULLs, expected 0"), std::string::npos);
  ASSERT_NE(Find(report, "keys"), nullptr);
  EXPECT_TRUE(testing::Contains(Find(report, "keys")->detail,
                                "partition 2024-01-02: v2: key (account_id, dt) is not unique"))
      << Find(report, "keys")->detail;
  EXPECT_TRUE(testing::Contains(Find(report, "keys")->detail, "account_id=6, dt=2024-01-02 in 2 rows"))
      << Find(report, "keys")->detail;
}

TEST_F(DatasetTest, VerificationCatchesANullKey) {
  Migration m = ParseManifest(Manifest());
  Backfill(m);
  Tamper("2024-01-03",
         "SELECT * REPLACE (CASE WHEN account_id = 9 THEN NULL ELSE account_id END AS account_id)");
  dataset::VerifyReport report = Verify(m);
  ASSERT_NE(Find(report, "keys"), nullptr);
  EXPECT_TRUE(testing::Contains(Find(report, "keys")->detail,
                                "partition 2024-01-03: v2: key (account_id, dt) is NULL in 1 row"))
      << Find(report, "keys")->detail;
  EXPECT_NE(Find(report, "null_counts"), nullptr);
}

TEST_F(DatasetTest, FloatsCompareWithinTheManifestsTolerance) {
  std::string manifest = Manifest();
  manifest.replace(manifest.find("publish:"), 0, "verify: {tolerances: {score: 0.01}}, ");
  Migration m = ParseManifest(manifest);
  ASSERT_EQ(m.data.verify.tolerances.size(), 1u);
  Backfill(m);
  Tamper("2024-01-02",
         "SELECT * REPLACE (CASE WHEN account_id = 11 THEN score + 0.004 ELSE score END AS score)");
  dataset::VerifyReport within = Verify(m);
  EXPECT_TRUE(within.passed()) << within.ToText();
  EXPECT_EQ(within.mismatched_rows, 0);

  Tamper("2024-01-02",
         "SELECT * REPLACE (CASE WHEN account_id = 12 THEN score + 0.02 ELSE score END AS score)");
  dataset::VerifyReport beyond = Verify(m);
  EXPECT_FALSE(beyond.passed());
  ASSERT_NE(Find(beyond, "key_diff"), nullptr);
  EXPECT_TRUE(testing::Contains(Find(beyond, "key_diff")->detail, "1 changed"))
      << Find(beyond, "key_diff")->detail;
  EXPECT_TRUE(
      testing::Contains(Find(beyond, "key_diff")->detail, "changed: key (12, 2024-01-02) score 2.0 -> 2.02"))
      << Find(beyond, "key_diff")->detail;
  EXPECT_EQ(beyond.mismatched_rows, 1) << "the row within the tolerance is not counted";
}

TEST_F(DatasetTest, ATruncatedPartitionIsNamedAndARerunRestagesIt) {
  Migration m = ParseManifest(Manifest());
  Backfill(m);
  std::string file = StagedFile("2024-01-02");
  fs::resize_file(file, fs::file_size(file) / 2);
  dataset::VerifyReport report = Verify(m);
  EXPECT_FALSE(report.passed());
  const dataset::Check* bad = Find(report, "partition");
  ASSERT_NE(bad, nullptr) << report.ToText();
  EXPECT_EQ(bad->partition, "2024-01-02");
  EXPECT_TRUE(testing::Contains(bad->detail, "cannot be read")) << bad->detail;
  EXPECT_TRUE(testing::Contains(bad->detail, "2024-01-02")) << "the file is named: " << bad->detail;
  EXPECT_EQ(Find(report, "counts"), nullptr) << "the readable partitions still verify";

  dataset::BackfillReport again = Backfill(m);
  EXPECT_EQ(again.skipped, 2) << "the truncated file's checksum no longer matches its record";
  EXPECT_TRUE(Verify(m).passed());
}

TEST_F(DatasetTest, AMissingPartitionIsNamed) {
  Migration m = ParseManifest(Manifest());
  Backfill(m);
  fs::remove_all(v2_ / ".skein-staging" / "dt=2024-01-03");
  dataset::VerifyReport report = Verify(m);
  const dataset::Check* missing = Find(report, "partition");
  ASSERT_NE(missing, nullptr) << report.ToText();
  EXPECT_EQ(missing->partition, "2024-01-03");
  EXPECT_TRUE(testing::Contains(missing->detail, "v2 has no such partition (100 rows expected)"))
      << missing->detail;
  EXPECT_EQ(dataset::Publish(m, locations_, *engine_, *store_).code(), StatusCode::kConflict);

  dataset::BackfillOptions only;
  only.partitions = {"2024-02-30"};
  auto wrong = dataset::Backfill(m, locations_, *engine_, *store_, nullptr, only);
  ASSERT_EQ(wrong.status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(testing::Contains(
      wrong.status().message(),
      "core.profiles_v1 (v1) has no partition dt=2024-02-30 (it has 2024-01-01, 2024-01-02, 2024-01-03)"))
      << wrong.status().message();
  only.partitions = {"2024-01-03"};
  auto repaired = dataset::Backfill(m, locations_, *engine_, *store_, nullptr, only);
  ASSERT_TRUE(repaired.ok()) << repaired.status().message();
  EXPECT_EQ(repaired->rows, 100);
  EXPECT_TRUE(Verify(m).passed());
}

// A copy of v1 the test may break (the fixture's v1 must stay as it is).
class DatasetCopyTest : public DatasetTest {
 protected:
  void SetUp() override {
    DatasetTest::SetUp();
    copy_ = dir_.path() / "v1-copy";
    fs::copy(v1_, copy_, fs::copy_options::recursive);
    locations_.v1 = DatasetLocation::Parse("parquet:" + copy_.string()).value();
  }
  fs::path DayFile(const std::string& day) {
    for (const auto& entry : fs::directory_iterator(copy_ / ("dt=" + day))) return entry.path();
    return {};
  }
  fs::path copy_;
};

TEST_F(DatasetCopyTest, ACorruptParquetFileInV1StopsTheRunAndNamesIt) {
  Migration m = ParseManifest(Manifest());
  fs::path file = DayFile("2024-01-02");
  std::ofstream(file, std::ios::binary | std::ios::trunc) << "PAR1 this is not a parquet file";
  auto report = dataset::Backfill(m, locations_, *engine_, *store_, nullptr);
  ASSERT_FALSE(report.ok());
  EXPECT_TRUE(testing::Contains(report.status().message(), file.string())) << report.status().message();
  EXPECT_TRUE(testing::Contains(report.status().message(), "core.profiles_v1 (v1)"))
      << report.status().message();
  EXPECT_FALSE(fs::exists(v2_)) << "the bad file is found before anything is written";
  EXPECT_EQ(dataset::RunState(m, *store_).value(), "none");
}

TEST_F(DatasetCopyTest, ASchemaThatDriftedSinceTheRunIsNamedAndNothingIsWritten) {
  Migration m = ParseManifest(Manifest());
  Backfill(m);
  std::string staged_before = V2Files();
  // Upstream changes v1: score becomes text, and a column appears.
  for (const std::string day : {"2024-01-01", "2024-01-02", "2024-01-03"}) {
    fs::path file = DayFile(day);
    Status rewritten = engine_->Execute(
        "COPY (SELECT user_id, email, CAST(score AS VARCHAR) AS score, 1 AS extra FROM "
        "read_parquet('" +
        file.string() + "')) TO '" + file.string() + ".new' (FORMAT parquet)");
    ASSERT_TRUE(rewritten.ok()) << rewritten.message();
    fs::rename(file.string() + ".new", file);
  }
  auto again = dataset::Backfill(m, locations_, *engine_, *store_, nullptr);
  ASSERT_EQ(again.status().code(), StatusCode::kInvalidInput);
  EXPECT_TRUE(testing::Contains(again.status().message(),
                                "core.profiles_v1 (v1) drifted since profiles was planned and staged"))
      << again.status().message();
  EXPECT_TRUE(testing::Contains(again.status().message(), "column score was BIGINT, is VARCHAR"))
      << again.status().message();
  EXPECT_TRUE(testing::Contains(again.status().message(), "column extra (INTEGER) is new"))
      << again.status().message();
  auto verify = dataset::Verify(m, locations_, *engine_, *store_, 5);
  EXPECT_EQ(verify.status().code(), StatusCode::kInvalidInput);
  EXPECT_EQ(V2Files(), staged_before) << "the staged partitions are left as they were";
}

TEST_F(DatasetTest, AFailingCastStopsTheBackfillAndNamesThePartition) {
  Migration m = ParseManifest(Manifest("    - {from: email, to: email, type: INTEGER}\n"));
  auto report = dataset::Backfill(m, locations_, *engine_, *store_, nullptr);
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.status().code(), StatusCode::kInvalidInput);
  EXPECT_NE(report.status().message().find("partition 2024-01-01"), std::string::npos)
      << report.status().message();
  EXPECT_NE(report.status().message().find("u0@x.org"), std::string::npos) << "the failing value is shown";
  EXPECT_FALSE(fs::exists(v2_ / "dt=2024-01-01"));
}

TEST_F(DatasetTest, PublishingWaitsForTheApprovalTheManifestAsksFor) {
  Migration m = ParseManifest(Manifest("", "required"));
  Backfill(m);
  ASSERT_TRUE(Verify(m).passed());
  Status early = dataset::Publish(m, locations_, *engine_, *store_);
  EXPECT_EQ(early.code(), StatusCode::kConflict);
  EXPECT_NE(early.message().find("needs an approval"), std::string::npos);
  ASSERT_TRUE(dataset::Approve(m, *store_, "alice").ok());
  ASSERT_TRUE(dataset::Publish(m, locations_, *engine_, *store_).ok());
  EXPECT_TRUE(fs::exists(v2_ / "dt=2024-01-03" / "data.parquet"));
}

TEST_F(DatasetTest, RollbackRemovesWhatWasPublishedAndStaged) {
  Migration m = ParseManifest(Manifest());
  Backfill(m);
  Verify(m);
  ASSERT_TRUE(dataset::Publish(m, locations_, *engine_, *store_).ok());
  EXPECT_EQ(dataset::Backfill(m, locations_, *engine_, *store_, nullptr).status().code(),
            StatusCode::kConflict);
  ASSERT_TRUE(dataset::Rollback(m, locations_, *engine_, *store_).ok());
  EXPECT_FALSE(fs::exists(v2_ / "dt=2024-01-01"));
  EXPECT_FALSE(fs::exists(v2_ / ".skein-staging"));
  EXPECT_EQ(dataset::RunState(m, *store_).value(), "none");
  EXPECT_TRUE(store_->ListDataPartitions("profiles")->empty());
}

TEST_F(DatasetTest, WritesADuckDbTableInOneTransactionPerPartition) {
  locations_.v2 =
      DatasetLocation::Parse("duckdb:" + (dir_.path() / "v2.duckdb").string() + "#core.profiles_v2").value();
  Migration m = ParseManifest(Manifest());
  EXPECT_EQ(Backfill(m).rows, 300);
  EXPECT_EQ(Backfill(m).skipped, 3);
  EXPECT_TRUE(Verify(m).passed());
  ASSERT_TRUE(dataset::Publish(m, locations_, *engine_, *store_).ok());
  auto name = engine_->TableName(locations_.v2);
  ASSERT_TRUE(name.ok());
  auto rows = engine_->Query("SELECT count(*) FROM " + *name);
  ASSERT_TRUE(rows.ok()) << rows.status().message();
  EXPECT_EQ(rows->rows[0][0], "300");
  ASSERT_TRUE(dataset::Rollback(m, locations_, *engine_, *store_).ok());
  EXPECT_FALSE(engine_->Query("SELECT count(*) FROM " + *name).ok());
}

}  // namespace
}  // namespace skein
