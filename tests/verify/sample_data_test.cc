// Sample data for the equivalence verifier: generated rows hold the values queries get wrong and
// are fixed by the seed; a readable real v1 is sampled instead, repeatably; v2 is the manifest's
// transform of v1's sample.
#include "verify/sample_data.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <set>
#include <thread>

#include "data/sql_text.h"
#include "dataset/result_compare.h"
#include "tests/verify/verify_fixture.h"

namespace skein::verify {
namespace {

Schema AllKinds() {
  return Schema{{{"id", "BIGINT"},
                 {"small", "SMALLINT"},
                 {"name", "VARCHAR"},
                 {"score", "DOUBLE"},
                 {"price", "DECIMAL(10,2)"},
                 {"born", "DATE"},
                 {"seen", "TIMESTAMP"},
                 {"flag", "BOOLEAN"},
                 {"tags", "VARCHAR[]"}}};
}

std::vector<Value> Column(const RowSet& rows, size_t c) {
  std::vector<Value> values;
  for (const auto& row : rows.rows) values.push_back(row[c]);
  return values;
}

bool HasValue(const std::vector<Value>& values, const std::string& value) {
  return std::find(values.begin(), values.end(), Value(value)) != values.end();
}

TEST(SampleData, GeneratedRowsHoldNullsEmptiesExtremesAndDuplicates) {
  RowSet rows = GenerateSampleRows(AllKinds(), 1000, 42);
  ASSERT_EQ(rows.rows.size(), 1000u);
  for (size_t c = 0; c < rows.columns.size(); ++c) {
    std::vector<Value> values = Column(rows, c);
    EXPECT_GT(std::count(values.begin(), values.end(), std::nullopt), 1) << rows.columns[c] << " has NULLs";
  }
  EXPECT_TRUE(HasValue(Column(rows, 0), "-9223372036854775808"));
  EXPECT_TRUE(HasValue(Column(rows, 0), "9223372036854775807"));
  EXPECT_TRUE(HasValue(Column(rows, 1), "-32768"));
  EXPECT_TRUE(HasValue(Column(rows, 1), "32767"));
  EXPECT_TRUE(HasValue(Column(rows, 2), ""));
  EXPECT_TRUE(HasValue(Column(rows, 3), "1.7976931348623157e308"));
  EXPECT_TRUE(HasValue(Column(rows, 3), "2.2250738585072014e-308"));
  EXPECT_TRUE(HasValue(Column(rows, 4), "99999999.99"));
  EXPECT_TRUE(HasValue(Column(rows, 5), "1970-01-01"));
  EXPECT_TRUE(HasValue(Column(rows, 5), "9999-12-31"));
  EXPECT_TRUE(HasValue(Column(rows, 6), "1970-01-01 00:00:00"));
  // Whole rows repeat, and values repeat within a column (categories, join keys).
  std::set<std::vector<Value>> distinct(rows.rows.begin(), rows.rows.end());
  EXPECT_LT(distinct.size(), rows.rows.size());
  std::vector<Value> names = Column(rows, 2);
  std::set<Value> distinct_names(names.begin(), names.end());
  EXPECT_LT(distinct_names.size(), 600u);
  // A type it cannot invent values for is NULL throughout.
  std::vector<Value> tags = Column(rows, 8);
  EXPECT_EQ(std::count(tags.begin(), tags.end(), std::nullopt), 1000);
}

TEST(SampleData, GeneratedRowsAreFixedBySeed) {
  EXPECT_EQ(GenerateSampleRows(AllKinds(), 300, 7).rows, GenerateSampleRows(AllKinds(), 300, 7).rows);
  EXPECT_NE(GenerateSampleRows(AllKinds(), 300, 7).rows, GenerateSampleRows(AllKinds(), 300, 8).rows);
}

TEST(SampleData, WithoutExtremesEdgeRowsKeepNullsAndEmpties) {
  RowSet rows = GenerateSampleRows(AllKinds(), 200, 42, /*extremes=*/false);
  EXPECT_FALSE(HasValue(Column(rows, 0), "9223372036854775807"));
  EXPECT_TRUE(HasValue(Column(rows, 2), ""));
  std::vector<Value> ids = Column(rows, 0);
  EXPECT_GT(std::count(ids.begin(), ids.end(), std::nullopt), 0);
}

TEST(SampleData, TablesAreNamedAsTheDatasets) {
  EXPECT_EQ(SampleTableName("core.user_profile_v1"), (std::vector<std::string>{"core", "user_profile_v1"}));
  EXPECT_EQ(SampleTableName("proj.core.user_profile_v1"),
            (std::vector<std::string>{"core", "user_profile_v1"}));
  EXPECT_EQ(SampleTableName("users"), (std::vector<std::string>{"main", "users"}));
}

dataset::QueryResult All(SqlEngine& engine, const std::string& table) {
  return std::move(dataset::RunForComparison(engine, "SELECT * FROM " + table, 100000)).value();
}

TEST(SampleData, AGeneratedColumnWithAReverseHoldsOnlyValuesThatRoundTrip) {
  // is_premium: INTEGER in v1, `is_premium = 1` in v2, reverse CASE ... THEN 1 ELSE 0. A generated
  // 26 would turn into FALSE and back into 0, so a correct consumer change would look wrong.
  testing::Fixture f;
  auto engine = std::move(OpenDuckDbEngine()).value();
  Result<SampleTables> samples =
      LoadSampleTables(*engine, *f.context.migration, *f.context.v1_schema, std::nullopt, 1000, 42);
  ASSERT_TRUE(samples.ok()) << samples.status().message();
  auto values = engine->Query("SELECT DISTINCT is_premium FROM core.user_profile_v1 ORDER BY 1 NULLS LAST");
  ASSERT_TRUE(values.ok()) << values.status().message();
  // This manifest's reverse reads a NULL flag back as 0, so the round trip holds no NULL either.
  ASSERT_EQ(values->rows.size(), 2u);
  EXPECT_EQ(values->rows[0][0], Value("0"));
  EXPECT_EQ(values->rows[1][0], Value("1"));
  // Columns without a reverse keep their generated edge values.
  auto ids = engine->Query("SELECT max(user_id) FROM core.user_profile_v1");
  ASSERT_TRUE(ids.ok());
  EXPECT_EQ(ids->rows[0][0], Value("9223372036854775807"));
}

TEST(SampleData, V2IsTheManifestsTransformOfTheGeneratedV1) {
  testing::Fixture f;
  auto engine = std::move(OpenDuckDbEngine()).value();
  Result<SampleTables> samples =
      LoadSampleTables(*engine, *f.context.migration, *f.context.v1_schema, std::nullopt, 400, 42);
  ASSERT_TRUE(samples.ok()) << samples.status().message();
  EXPECT_EQ(samples->v1, "\"core\".\"user_profile_v1\"");
  EXPECT_EQ(samples->v2, "\"core\".\"user_profile_v2\"");
  EXPECT_FALSE(samples->real);
  EXPECT_EQ(samples->v1_rows, 400);
  EXPECT_EQ(samples->v2_rows, 400);
  // signup_ts (VARCHAR in v1, TIMESTAMP in v2) holds text the manifest's cast reads.
  auto premium = engine->Query(
      "SELECT count(*) FILTER (WHERE v1.is_premium = 1), count(*) FILTER (WHERE v2.is_premium) FROM "
      "(SELECT row_number() OVER () AS n, * FROM core.user_profile_v1) v1 JOIN (SELECT row_number() OVER () "
      "AS n, * FROM core.user_profile_v2) v2 USING (n)");
  ASSERT_TRUE(premium.ok()) << premium.status().message();
  EXPECT_EQ(premium->rows[0][0], premium->rows[0][1]);
  EXPECT_NE(premium->rows[0][0], Value("0"));
  auto engine2 = std::move(OpenDuckDbEngine()).value();
  ASSERT_TRUE(
      LoadSampleTables(*engine2, *f.context.migration, *f.context.v1_schema, std::nullopt, 400, 42).ok());
  EXPECT_EQ(dataset::ResultChecksum(All(*engine, samples->v2)),
            dataset::ResultChecksum(All(*engine2, samples->v2)));
}

TEST(SampleData, SamplesAReadableParquetFolderRepeatably) {
  testing::Fixture f;
  skein::testing::TempDir data;
  std::filesystem::create_directories(data.path() / "v1" / "dt=2024-01-01");
  auto writer = std::move(OpenDuckDbEngine()).value();
  ASSERT_TRUE(
      writer
          ->Execute("COPY (SELECT u AS user_id, '2024-01-01 10:00:00' AS signup_ts, u % 2 AS is_premium, "
                    "'seg' AS legacy_segment, 'real' AS country, DATE '2024-01-01' AS dt FROM range(5000) "
                    "r(u)) TO " +
                    QuoteLiteral((data.path() / "v1" / "dt=2024-01-01" / "part.parquet").string()) +
                    " (FORMAT parquet)")
          .ok());
  DatasetLocation location =
      std::move(DatasetLocation::Parse("parquet:" + (data.path() / "v1").string())).value();
  std::string checksums[2];
  for (std::string& checksum : checksums) {
    auto engine = std::move(OpenDuckDbEngine()).value();
    Result<SampleTables> samples =
        LoadSampleTables(*engine, *f.context.migration, *f.context.v1_schema, location, 100, 42);
    ASSERT_TRUE(samples.ok()) << samples.status().message();
    EXPECT_TRUE(samples->real);
    EXPECT_EQ(samples->v1_rows, 100);
    auto countries = engine->Query("SELECT DISTINCT country FROM core.user_profile_v1");
    ASSERT_TRUE(countries.ok());
    EXPECT_EQ(countries->rows, (std::vector<std::vector<Value>>{{Value("real")}}));
    checksum = dataset::ResultChecksum(All(*engine, samples->v1));
  }
  EXPECT_EQ(checksums[0], checksums[1]);
}

// A Parquet file of `users` rows in `country` at `path`.
void WriteParquet(const std::filesystem::path& path, int users, const std::string& country) {
  auto writer = std::move(OpenDuckDbEngine()).value();
  ASSERT_TRUE(
      writer
          ->Execute("COPY (SELECT u AS user_id, '2024-01-01 10:00:00' AS signup_ts, u % 2 AS is_premium, "
                    "'seg' AS legacy_segment, " +
                    QuoteLiteral(country) + " AS country, DATE '2024-01-01' AS dt FROM range(" +
                    std::to_string(users) + ") r(u)) TO " + QuoteLiteral(path.string()) + " (FORMAT parquet)")
          .ok());
}

TEST(SampleData, TheKeyChangesWithEveryInputOfTheTables) {
  testing::Fixture f;
  const Migration& m = *f.context.migration;
  const Schema& v1 = *f.context.v1_schema;
  std::optional<std::string> key = SampleTablesKey(m, v1, std::nullopt, 100, 42);
  ASSERT_TRUE(key.has_value());
  EXPECT_EQ(SampleTablesKey(m, v1, std::nullopt, 100, 42), key);
  EXPECT_NE(SampleTablesKey(m, v1, std::nullopt, 101, 42), key);
  EXPECT_NE(SampleTablesKey(m, v1, std::nullopt, 100, 43), key);
  Schema wider = v1;
  wider.columns.push_back({"email", "VARCHAR"});
  EXPECT_NE(SampleTablesKey(m, wider, std::nullopt, 100, 42), key);
  Migration other = m;
  other.columns[2].reverse = "CASE WHEN is_premium THEN 2 ELSE 0 END";
  EXPECT_NE(SampleTablesKey(other, v1, std::nullopt, 100, 42), key);
  other = m;
  other.data.window = "dt >= DATE '2024-01-01'";
  EXPECT_NE(SampleTablesKey(other, v1, std::nullopt, 100, 42), key);
}

// Past the window in which SampleTablesKey does not vouch for a file just written.
void LetTheFileSystemClockMoveOn() { std::this_thread::sleep_for(std::chrono::milliseconds(2100)); }

TEST(SampleData, TheKeyOfAFolderChangesWithAnyFileBelowIt) {
  testing::Fixture f;
  skein::testing::TempDir data;
  std::filesystem::path folder = data.path() / "v1", partition = folder / "dt=2024-01-01";
  DatasetLocation location = std::move(DatasetLocation::Parse("parquet:" + folder.string())).value();
  auto key = [&] { return SampleTablesKey(*f.context.migration, *f.context.v1_schema, location, 100, 42); };
  std::optional<std::string> absent = key();
  ASSERT_TRUE(absent.has_value()) << "a missing folder is a state too: generated rows";
  std::filesystem::create_directories(partition);
  WriteParquet(partition / "part-0.parquet", 100, "DE");
  EXPECT_FALSE(key().has_value()) << "just written: a second write in the same tick would go unseen";
  LetTheFileSystemClockMoveOn();
  std::optional<std::string> one = key();
  ASSERT_TRUE(one.has_value());
  EXPECT_NE(one, absent);
  EXPECT_EQ(key(), one) << "nothing changed";

  // Rewritten in place with its old modification time put back: still another key.
  auto written = std::filesystem::last_write_time(partition / "part-0.parquet");
  WriteParquet(partition / "part-0.parquet", 100, "FR");
  std::filesystem::last_write_time(partition / "part-0.parquet", written);
  LetTheFileSystemClockMoveOn();
  std::optional<std::string> rewritten = key();
  ASSERT_TRUE(rewritten.has_value());
  EXPECT_NE(rewritten, one);

  WriteParquet(partition / "part-1.parquet", 10, "FR");
  LetTheFileSystemClockMoveOn();
  std::optional<std::string> added = key();
  ASSERT_TRUE(added.has_value());
  EXPECT_NE(added, rewritten) << "a new file in a partition";
}

TEST(SampleData, NoKeyForWhatCannotBeVouchedFor) {
  testing::Fixture f;
  for (const char* text :
       {"postgresql://skein@localhost/db#core.user_profile_v1", "parquet:s3://bucket/core/user_profile_v1"}) {
    DatasetLocation location = std::move(DatasetLocation::Parse(text)).value();
    EXPECT_FALSE(SampleTablesKey(*f.context.migration, *f.context.v1_schema, location, 100, 42).has_value())
        << text;
  }
}

}  // namespace
}  // namespace skein::verify
