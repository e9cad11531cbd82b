// The dataset diff on DuckDB-readable data (Parquet files, Hive folders, DuckDB files), each
// semantic point run with both methods: the one-query join, and the checksum bisection (two
// DuckDB engines standing for two engines, so the bucketing and the canonical encoding are
// exercised without a server). `skein data diff` through the binary at the end. The diffs
// against PostgreSQL are in diff_pg_test.cc.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "data/diff.h"
#include "data/engine.h"
#include "data/sql_text.h"
#include "tests/support/test_support.h"

namespace skein {
namespace {

// Parquet files in a temporary folder, written by an in-memory DuckDB.
class DiffFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = OpenDuckDbEngine();
    ASSERT_TRUE(opened.ok()) << opened.status().message();
    engine_ = std::move(opened).value();
  }

  void Exec(const std::string& sql) {
    Status status = engine_->Execute(sql);
    ASSERT_TRUE(status.ok()) << sql << ": " << status.message();
  }
  // Writes the rows of `select` to NAME.parquet and returns its location.
  DatasetLocation Parquet(const std::string& name, const std::string& select) {
    std::string path = (dir_.path() / (name + ".parquet")).string();
    Exec("COPY (" + select + ") TO " + QuoteLiteral(path) + " (FORMAT parquet)");
    auto location = DatasetLocation::Parse("parquet:" + path);
    EXPECT_TRUE(location.ok());
    return *location;
  }
  static DiffOptions Key(std::vector<std::string> key) {
    DiffOptions options;
    options.key = std::move(key);
    return options;
  }

  // 1,000 rows: id, name, score (DOUBLE), at (TIMESTAMP), flag; `changes` is a CASE arm list that
  // may alter name for some ids, e.g. "WHEN i = 7 THEN 'x'".
  static std::string People(const std::string& changes = "", const std::string& range = "range(1000)") {
    return "SELECT i AS id, CASE " + changes + " WHEN i % 13 = 0 THEN NULL ELSE 'name' || i END AS name, " +
           "i * 0.25 AS score, TIMESTAMP '2024-01-01' + INTERVAL (i) MINUTE AS at, i % 2 = 0 AS flag FROM " +
           range + " t(i)";
  }

  testing::TempDir dir_;
  std::unique_ptr<SqlEngine> engine_;
};

class DiffTest : public DiffFixture, public ::testing::WithParamInterface<DiffMethod> {
 protected:
  Result<DiffResult> Diff(const DatasetLocation& a, const DatasetLocation& b, DiffOptions options) {
    options.method = GetParam();
    return DiffDatasets(a, b, options);
  }
  bool Checksum() const { return GetParam() == DiffMethod::kChecksum; }
};

TEST_P(DiffTest, EqualDatasetsAreEqualAndMoveNoRows) {
  auto result = Diff(Parquet("a", People()), Parquet("b", People()), Key({"id"}));
  ASSERT_TRUE(result.ok()) << result.status().message();
  EXPECT_TRUE(result->equal());
  EXPECT_EQ(result->a.rows, 1000);
  EXPECT_EQ(result->b.rows, 1000);
  EXPECT_EQ(result->columns.size(), 4u);
  EXPECT_EQ(result->rows_transferred, 0);
  EXPECT_EQ(result->method, Checksum() ? "checksum" : "join");
}

TEST_P(DiffTest, ADroppedRowIsMissingInB) {
  auto result = Diff(Parquet("a", People()), Parquet("b", People() + " WHERE i <> 500"), Key({"id"}));
  ASSERT_TRUE(result.ok()) << result.status().message();
  EXPECT_FALSE(result->equal());
  EXPECT_EQ(result->missing_in_b, 1);
  EXPECT_EQ(result->extra_in_b, 0);
  EXPECT_EQ(result->changed, 0);
  ASSERT_EQ(result->missing_examples.size(), 1u);
  EXPECT_EQ(result->missing_examples[0].key, std::vector<Value>{"500"});
  EXPECT_EQ(result->b.rows, 999);
}

TEST_P(DiffTest, AnExtraRowIsExtraInB) {
  auto result = Diff(Parquet("a", People()), Parquet("b", People("", "range(1001)")), Key({"id"}));
  ASSERT_TRUE(result.ok()) << result.status().message();
  EXPECT_EQ(result->missing_in_b, 0);
  EXPECT_EQ(result->extra_in_b, 1);
  ASSERT_EQ(result->extra_examples.size(), 1u);
  EXPECT_EQ(result->extra_examples[0].key, std::vector<Value>{"1000"});
}

TEST_P(DiffTest, AChangedValueIsReportedWithItsColumnAndOldAndNewValues) {
  auto result = Diff(Parquet("a", People()),
                     Parquet("b", People("WHEN i = 7 THEN 'renamed' WHEN i = 8 THEN NULL")), Key({"id"}));
  ASSERT_TRUE(result.ok()) << result.status().message();
  EXPECT_EQ(result->changed, 2);
  EXPECT_EQ(result->missing_in_b + result->extra_in_b, 0);
  ASSERT_EQ(result->columns[0].name, "name");
  EXPECT_EQ(result->columns[0].changed, 2);
  EXPECT_EQ(result->columns[1].changed, 0);
  ASSERT_EQ(result->changed_examples.size(), 2u);
  EXPECT_EQ(result->changed_examples[0].key, std::vector<Value>{"7"});
  ASSERT_EQ(result->changed_examples[0].changes.size(), 1u);
  EXPECT_EQ(result->changed_examples[0].changes[0].column, "name");
  EXPECT_EQ(result->changed_examples[0].changes[0].a, Value("name7"));
  EXPECT_EQ(result->changed_examples[0].changes[0].b, Value("renamed"));
  EXPECT_EQ(result->changed_examples[1].changes[0].b, std::nullopt);
}

TEST_P(DiffTest, ExamplesAreLimitedAndSmallestKeysComeFirst) {
  DiffOptions options = Key({"id"});
  options.examples = 3;
  auto result = Diff(Parquet("a", People()), Parquet("b", People() + " WHERE i % 100 <> 5"), options);
  ASSERT_TRUE(result.ok()) << result.status().message();
  EXPECT_EQ(result->missing_in_b, 10);
  ASSERT_EQ(result->missing_examples.size(), 3u);
  EXPECT_EQ(result->missing_examples[0].key, std::vector<Value>{"5"});
  EXPECT_EQ(result->missing_examples[1].key, std::vector<Value>{"105"});
  EXPECT_EQ(result->missing_examples[2].key, std::vector<Value>{"205"});
}

TEST_P(DiffTest, ADuplicateKeyStopsTheDiffNamingTheSideAndTheKey) {
  auto a = Parquet("a", People());
  auto b = Parquet("b", People() + " UNION ALL SELECT 42, 'again', 0, NULL, true");
  auto result = Diff(a, b, Key({"id"}));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kInvalidInput);
  const std::string& message = result.status().message();
  EXPECT_TRUE(testing::Contains(message, "B (parquet:")) << message;
  EXPECT_TRUE(testing::Contains(message, "not unique")) << message;
  EXPECT_TRUE(testing::Contains(message, "id=42")) << message;
  // The same on side A.
  auto reversed = Diff(b, a, Key({"id"}));
  ASSERT_FALSE(reversed.ok());
  EXPECT_TRUE(testing::Contains(reversed.status().message(), "A (parquet:")) << reversed.status().message();
}

TEST_P(DiffTest, ANullKeyStopsTheDiffNamingTheSideAndTheKey) {
  auto a =
      Parquet("a", "SELECT * FROM (VALUES (1, 'x', 'a'), (2, NULL, 'b'), (3, NULL, 'c')) t(id, region, v)");
  auto b = Parquet("b", "SELECT * FROM (VALUES (1, 'x', 'a')) t(id, region, v)");
  auto result = Diff(a, b, Key({"id", "region"}));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kInvalidInput);
  const std::string& message = result.status().message();
  EXPECT_TRUE(testing::Contains(message, "A (parquet:")) << message;
  EXPECT_TRUE(testing::Contains(message, "key (id, region) is NULL in 2 row(s)")) << message;
  EXPECT_TRUE(testing::Contains(message, "region=NULL")) << message;
}

TEST_P(DiffTest, CompositeKeyPartsNeverRunTogether) {
  // Concatenated without separators both keys read "abc", and both rows "abc1".
  auto a = Parquet("a", "SELECT 'ab' AS k1, 'c' AS k2, 1 AS v");
  auto b = Parquet("b", "SELECT 'a' AS k1, 'bc' AS k2, 1 AS v");
  auto result = Diff(a, b, Key({"k1", "k2"}));
  ASSERT_TRUE(result.ok()) << result.status().message();
  EXPECT_EQ(result->missing_in_b, 1);
  EXPECT_EQ(result->extra_in_b, 1);
  ASSERT_EQ(result->missing_examples.size(), 1u);
  EXPECT_EQ(result->missing_examples[0].key, (std::vector<Value>{"ab", "c"}));
  EXPECT_EQ(result->extra_examples[0].key, (std::vector<Value>{"a", "bc"}));
}

TEST_P(DiffTest, ValuesNeverRunTogetherAndNullIsNeitherEmptyNorTheLetterN) {
  auto a = Parquet("a",
                   "SELECT * FROM (VALUES (1, 'ab', 'c'), (2, NULL, 'x'), (3, NULL, 'y'), (4, 'V1:a', NULL)) "
                   "t(id, p, q)");
  auto b = Parquet(
      "b", "SELECT * FROM (VALUES (1, 'a', 'bc'), (2, '', 'x'), (3, 'N', 'y'), (4, NULL, 'a')) t(id, p, q)");
  auto result = Diff(a, b, Key({"id"}));
  ASSERT_TRUE(result.ok()) << result.status().message();
  EXPECT_EQ(result->changed, 4);
  EXPECT_EQ(result->columns[0].changed, 4);  // p
  EXPECT_EQ(result->columns[1].changed, 2);  // q
}

TEST_P(DiffTest, NullEqualsNullAndDiffersFromAnyValue) {
  auto a = Parquet("a", "SELECT * FROM (VALUES (1, NULL::INTEGER), (2, NULL), (3, 0)) t(id, v)");
  auto b = Parquet("b", "SELECT * FROM (VALUES (1, NULL::INTEGER), (2, 0), (3, NULL)) t(id, v)");
  auto result = Diff(a, b, Key({"id"}));
  ASSERT_TRUE(result.ok()) << result.status().message();
  EXPECT_EQ(result->changed, 2);
  ASSERT_EQ(result->changed_examples.size(), 2u);
  EXPECT_EQ(result->changed_examples[0].key, std::vector<Value>{"2"});
  EXPECT_EQ(result->changed_examples[0].changes[0].a, std::nullopt);
  EXPECT_EQ(result->changed_examples[0].changes[0].b, Value("0"));
}

TEST_P(DiffTest, NanEqualsNanAndNegativeZeroEqualsZero) {
  auto a = Parquet("a",
                   "SELECT * FROM (VALUES (1, CAST('NaN' AS DOUBLE)), (2, CAST('-0.0' AS DOUBLE)), "
                   "(3, CAST('Infinity' AS DOUBLE)), (4, CAST('NaN' AS DOUBLE))) t(id, x)");
  auto b = Parquet("b",
                   "SELECT * FROM (VALUES (1, CAST('NaN' AS DOUBLE)), (2, CAST('0.0' AS DOUBLE)), "
                   "(3, CAST('Infinity' AS DOUBLE)), (4, CAST('1' AS DOUBLE))) t(id, x)");
  auto result = Diff(a, b, Key({"id"}));
  ASSERT_TRUE(result.ok()) << result.status().message();
  EXPECT_EQ(result->changed, 1);
  ASSERT_EQ(result->changed_examples.size(), 1u);
  EXPECT_EQ(result->changed_examples[0].key, std::vector<Value>{"4"});
  if (Checksum()) {
    EXPECT_LE(result->rows_transferred, 2);  // -0.0 and 0.0 hash alike
  }
}

TEST_P(DiffTest, AFloatWithinTheToleranceIsEqualAndOneBeyondIsChanged) {
  auto a = Parquet("a", "SELECT * FROM (VALUES (1, 1.0::DOUBLE), (2, 2.0), (3, 3.0), (4, -0.0004)) t(id, x)");
  auto b =
      Parquet("b", "SELECT * FROM (VALUES (1, 1.0009::DOUBLE), (2, 2.0011), (3, 3.0), (4, 0.0004)) t(id, x)");
  DiffOptions options = Key({"id"});
  options.tolerances = {{"x", "0.001"}};
  auto result = Diff(a, b, options);
  ASSERT_TRUE(result.ok()) << result.status().message();
  EXPECT_EQ(result->changed, 1);
  ASSERT_EQ(result->changed_examples.size(), 1u);
  EXPECT_EQ(result->changed_examples[0].key, std::vector<Value>{"2"});
  // Exact by default: both differences count.
  auto exact = Diff(a, b, Key({"id"}));
  ASSERT_TRUE(exact.ok()) << exact.status().message();
  EXPECT_EQ(exact->changed, 3);
}

TEST_P(DiffTest, ATimestampToleranceTakesMicrosecondsOrAnInterval) {
  auto a = Parquet("a",
                   "SELECT * FROM (VALUES (1, TIMESTAMP '2024-01-01 00:00:00'), "
                   "(2, TIMESTAMP '2024-01-01 00:00:00'), (3, TIMESTAMP '1960-01-01 00:00:00')) t(id, ts)");
  auto b = Parquet(
      "b",
      "SELECT * FROM (VALUES (1, TIMESTAMP '2024-01-01 00:00:00.0008'), "
      "(2, TIMESTAMP '2024-01-01 00:00:00.002'), (3, TIMESTAMP '1959-12-31 23:59:59.9995')) t(id, ts)");
  for (const std::string& tolerance : {std::string("1ms"), std::string("1000"), std::string("0.001s")}) {
    DiffOptions options = Key({"id"});
    options.tolerances = {{"ts", tolerance}};
    auto result = Diff(a, b, options);
    ASSERT_TRUE(result.ok()) << result.status().message();
    EXPECT_EQ(result->changed, 1) << tolerance;
    ASSERT_EQ(result->changed_examples.size(), 1u);
    EXPECT_EQ(result->changed_examples[0].key, std::vector<Value>{"2"}) << tolerance;
    EXPECT_EQ(result->changed_examples[0].changes[0].b, Value("2024-01-01 00:00:00.002")) << tolerance;
  }
  auto exact = Diff(a, b, Key({"id"}));
  ASSERT_TRUE(exact.ok());
  EXPECT_EQ(exact->changed, 3);
}

TEST_P(DiffTest, TheColumnsMapPairsARenamedColumn) {
  auto a = Parquet("a", "SELECT i AS user_id, 'u' || i AS email, i AS legacy FROM range(100) t(i)");
  auto b = Parquet("b", "SELECT i AS account_id, 'u' || i AS mail, i AS plan FROM range(100) t(i)");
  DiffOptions options = Key({"user_id"});
  options.columns_map = {{"user_id", "account_id"}, {"email", "mail"}};
  auto result = Diff(a, b, options);
  ASSERT_TRUE(result.ok()) << result.status().message();
  EXPECT_EQ(result->key, std::vector<std::string>{"account_id"});
  ASSERT_EQ(result->columns.size(), 1u);
  EXPECT_EQ(result->columns[0].name, "mail");
  EXPECT_EQ(result->columns[0].a_name, "email");
  EXPECT_EQ(result->changed, 0);
  // Columns on one side only are a schema difference.
  EXPECT_EQ(result->only_in_a, std::vector<std::string>{"legacy"});
  EXPECT_EQ(result->only_in_b, std::vector<std::string>{"plan"});
  EXPECT_FALSE(result->equal());
  // --columns limits the comparison, and the schema check with it.
  options.columns = {"mail"};
  auto limited = Diff(a, b, options);
  ASSERT_TRUE(limited.ok()) << limited.status().message();
  EXPECT_TRUE(limited->equal());
  // Without the map, the renamed column is on one side only.
  options.columns_map = {{"user_id", "account_id"}};
  options.columns.clear();
  auto unmapped = Diff(a, b, options);
  ASSERT_TRUE(unmapped.ok()) << unmapped.status().message();
  EXPECT_EQ(unmapped->only_in_a, (std::vector<std::string>{"email", "legacy"}));
}

TEST_P(DiffTest, ARenamedColumnsValuesAreCompared) {
  auto a = Parquet("a", "SELECT i AS id, 'u' || i AS email FROM range(100) t(i)");
  auto b = Parquet(
      "b", "SELECT i AS id, CASE WHEN i = 50 THEN 'other' ELSE 'u' || i END AS mail FROM range(100) t(i)");
  DiffOptions options = Key({"id"});
  options.columns_map = {{"email", "mail"}};
  auto result = Diff(a, b, options);
  ASSERT_TRUE(result.ok()) << result.status().message();
  EXPECT_EQ(result->changed, 1);
  ASSERT_EQ(result->changed_examples.size(), 1u);
  EXPECT_EQ(result->changed_examples[0].changes[0].column, "mail");
  EXPECT_EQ(result->changed_examples[0].changes[0].a, Value("u50"));
}

TEST_P(DiffTest, ValuesOfDifferentTypesCompareAsValues) {
  auto a = Parquet(
      "a",
      "SELECT CAST(i AS INTEGER) AS id, CAST(i AS DECIMAL(10,2)) AS amount, CAST(i AS INTEGER) AS n, "
      "CAST(DATE '2024-01-01' + CAST(i AS INTEGER) AS DATE) AS day, 'x' || i AS label FROM range(50) t(i)");
  auto b =
      Parquet("b",
              "SELECT CAST(i AS BIGINT) AS id, CAST(i AS DECIMAL(12,4)) AS amount, CAST(i AS DOUBLE) AS n, "
              "CAST(DATE '2024-01-01' + CAST(i AS INTEGER) AS TIMESTAMP) AS day, 'x' || i AS label "
              "FROM range(50) t(i)");
  auto result = Diff(a, b, Key({"id"}));
  ASSERT_TRUE(result.ok()) << result.status().message();
  EXPECT_TRUE(result->equal()) << result->changed;
  EXPECT_EQ(result->rows_transferred, 0);
}

TEST_P(DiffTest, EveryValueTypeSurvivesTheComparison) {
  const std::string select =
      "SELECT i AS id, i % 3 = 0 AS flag, CAST(i % 100 AS TINYINT) AS tiny, CAST(i * 1000000007 AS HUGEINT) "
      "AS huge, "
      "CAST(i / 7 AS FLOAT) AS f4, i / 7 AS f8, CAST(i / 8 AS DECIMAL(18,3)) AS dec, "
      "CAST('2024-02-29' AS DATE) - CAST(i AS INTEGER) AS day, TIMESTAMP '1969-12-31 23:59:59.999999' + "
      "INTERVAL (i) SECOND AS ts, CAST('2024-01-01 12:00:00+02' AS TIMESTAMPTZ) AS tz, "
      "CAST('\\x00\\xFF' AS BLOB) AS bytes, [i, i + 1] AS list, {'a': i} AS record, "
      "CAST('0b6d3c8e-4a3c-4a8e-9c55-1f2a3b4c5d6e' AS UUID) AS id2, 'tab\tnew\nline ✓' AS text FROM "
      "range(200) t(i)";
  auto a = Parquet("a", select);
  auto result = Diff(a, Parquet("b", select), Key({"id"}));
  ASSERT_TRUE(result.ok()) << result.status().message();
  EXPECT_TRUE(result->equal()) << result->changed;
  EXPECT_EQ(result->rows_transferred, 0);
}

TEST_P(DiffTest, ReadsDuckDbTablesAndHivePartitionedFolders) {
  std::string file = (dir_.path() / "warehouse.duckdb").string();
  auto table = DatasetLocation::Parse("duckdb:" + file + "#main.people");
  ASSERT_TRUE(table.ok());
  {
    auto writer = OpenDuckDbEngine();
    ASSERT_TRUE(writer.ok());
    auto name = (*writer)->TableName(*table);
    ASSERT_TRUE(name.ok()) << name.status().message();
    ASSERT_TRUE((*writer)->Execute("CREATE TABLE " + *name + " AS " + People()).ok());
  }
  std::string folder = (dir_.path() / "people").string();
  Exec("COPY (" + People("WHEN i = 3 THEN 'three'") + ") TO " + QuoteLiteral(folder) +
       " (FORMAT parquet, PARTITION_BY (flag))");
  auto hive = DatasetLocation::Parse("parquet:" + folder);
  ASSERT_TRUE(hive.ok());
  auto result = Diff(*table, *hive, Key({"id"}));
  ASSERT_TRUE(result.ok()) << result.status().message();
  EXPECT_EQ(result->a.rows, 1000);
  EXPECT_EQ(result->b.rows, 1000);
  EXPECT_EQ(result->changed, 1);
  EXPECT_TRUE(result->only_in_a.empty() && result->only_in_b.empty());
  ASSERT_EQ(result->changed_examples.size(), 1u);
  EXPECT_EQ(result->changed_examples[0].key, std::vector<Value>{"3"});
}

TEST_P(DiffTest, EmptyDatasetsAreEqualAndRowsAgainstNoneAreExtra) {
  auto empty = Parquet("empty", People() + " WHERE false");
  auto result = Diff(empty, Parquet("empty2", People() + " WHERE false"), Key({"id"}));
  ASSERT_TRUE(result.ok()) << result.status().message();
  EXPECT_TRUE(result->equal());
  auto some = Diff(empty, Parquet("some", People()), Key({"id"}));
  ASSERT_TRUE(some.ok()) << some.status().message();
  EXPECT_EQ(some->extra_in_b, 1000);
}

TEST_P(DiffTest, WhenEveryRowDiffersEveryRowIsCounted) {
  auto a = Parquet("a", People());
  auto b = Parquet("b", "SELECT id, name || '!' AS name, score, \"at\", flag FROM (" + People() + ")");
  auto result = Diff(a, b, Key({"id"}));
  ASSERT_TRUE(result.ok()) << result.status().message();
  EXPECT_EQ(result->changed, 1000 - 77);  // the NULL names stay NULL
  EXPECT_EQ(result->columns[0].changed, 1000 - 77);
}

TEST_P(DiffTest, UnknownColumnsAreInvalidInputNamingTheSide) {
  auto a = Parquet("a", "SELECT 1 AS id, 2 AS only_a, 3 AS v");
  auto b = Parquet("b", "SELECT 1 AS id, 3 AS v");
  auto no_key = Diff(a, b, Key({"nope"}));
  ASSERT_FALSE(no_key.ok());
  EXPECT_EQ(no_key.status().code(), StatusCode::kInvalidInput);
  EXPECT_TRUE(testing::Contains(no_key.status().message(), "--key: column 'nope' is in neither A (parquet:"))
      << no_key.status().message();
  auto one_side = Diff(a, b, Key({"only_a"}));
  ASSERT_FALSE(one_side.ok());
  EXPECT_TRUE(testing::Contains(one_side.status().message(), "'only_a' is only in A ("))
      << one_side.status().message();
  DiffOptions options = Key({"id"});
  options.columns = {"v", "missing"};
  auto columns = Diff(a, b, options);
  ASSERT_FALSE(columns.ok());
  EXPECT_TRUE(testing::Contains(columns.status().message(), "--columns: column 'missing'"))
      << columns.status().message();
  options = Key({"id"});
  options.columns_map = {{"v", "w"}};
  auto map = Diff(a, b, options);
  ASSERT_FALSE(map.ok());
  EXPECT_TRUE(testing::Contains(map.status().message(), "--columns-map v=w: B (parquet:"))
      << map.status().message();
}

TEST_P(DiffTest, ABadToleranceIsInvalidInput) {
  auto a = Parquet("a", "SELECT 1 AS id, 'x' AS s, 1.5 AS x, TIMESTAMP '2024-01-01' AS \"at\"");
  for (const auto& [column, value, expected] : std::vector<std::tuple<std::string, std::string, std::string>>{
           {"s", "0.1", "tolerances apply to numbers"},
           {"x", "abc", "is not a tolerance"},
           {"x", "-1", "is not a tolerance"},
           {"at", "5 parsecs", "is not a time tolerance"},
           {"id", "1", "a key column compares exactly"}}) {
    DiffOptions options = Key({"id"});
    options.tolerances = {{column, value}};
    auto result = Diff(a, a, options);
    ASSERT_FALSE(result.ok()) << column << "=" << value;
    EXPECT_EQ(result.status().code(), StatusCode::kInvalidInput);
    EXPECT_TRUE(testing::Contains(result.status().message(), expected)) << result.status().message();
    EXPECT_TRUE(testing::Contains(result.status().message(), "--tolerance " + column + "=" + value))
        << result.status().message();
  }
}

TEST_P(DiffTest, AMissingDatasetIsNotFoundNamingTheSide) {
  auto a = Parquet("a", People());
  auto missing = DatasetLocation::Parse("parquet:" + (dir_.path() / "nope.parquet").string());
  auto result = Diff(a, *missing, Key({"id"}));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(testing::Contains(result.status().message(), "B (parquet:")) << result.status().message();
}

INSTANTIATE_TEST_SUITE_P(Methods, DiffTest, ::testing::Values(DiffMethod::kJoin, DiffMethod::kChecksum),
                         [](const ::testing::TestParamInfo<DiffMethod>& info) {
                           return std::string(info.param == DiffMethod::kJoin ? "Join" : "Checksum");
                         });

// --- the checksum bisection ----------------------------------------------------------------------

class ChecksumDiffTest : public DiffFixture {};

TEST_F(ChecksumDiffTest, AFewChangesAmongManyRowsMoveOnlyTheirBuckets) {
  auto a = Parquet("a", People("", "range(50000)"));
  auto b = Parquet("b", "SELECT * FROM (" + People("WHEN i IN (123, 24680) THEN 'x'", "range(50000)") +
                            ") WHERE id <> 40000");
  DiffOptions options = Key({"id"});
  options.method = DiffMethod::kChecksum;
  auto result = DiffDatasets(a, b, options);
  ASSERT_TRUE(result.ok()) << result.status().message();
  EXPECT_EQ(result->changed, 2);
  EXPECT_EQ(result->missing_in_b, 1);
  EXPECT_EQ(result->a.rows, 50000);
  EXPECT_EQ(result->b.rows, 49999);
  // 4,096 buckets of ~12 rows: three buckets a side.
  EXPECT_GT(result->rows_transferred, 0);
  EXPECT_LE(result->rows_transferred, 200);
  EXPECT_EQ(result->checksum_queries, 2);
}

TEST_F(ChecksumDiffTest, LargeDifferingBucketsAreSplitAgainBeforeAnyRowMoves) {
  auto a = Parquet("a", People("", "range(50000)"));
  auto b = Parquet("b", People("WHEN i IN (5, 6000, 33333) THEN 'x'", "range(50000)"));
  DiffOptions options = Key({"id"});
  options.method = DiffMethod::kChecksum;
  options.transfer_rows = 4;  // buckets of ~12 rows are too large: split them
  auto result = DiffDatasets(a, b, options);
  ASSERT_TRUE(result.ok()) << result.status().message();
  EXPECT_EQ(result->changed, 3);
  EXPECT_GT(result->checksum_queries, 2);
  EXPECT_LE(result->rows_transferred, 2 * 3 * 4);
  ASSERT_EQ(result->changed_examples.size(), 3u);
  EXPECT_EQ(result->changed_examples[0].key, std::vector<Value>{"5"});
  EXPECT_EQ(result->changed_examples[1].key, std::vector<Value>{"6000"});
  EXPECT_EQ(result->changed_examples[2].key, std::vector<Value>{"33333"});
}

TEST(DiffTolerance, ParsesMicrosecondsAndIntervals) {
  EXPECT_EQ(*ParseMicroseconds("250"), 250);
  EXPECT_EQ(*ParseMicroseconds("250us"), 250);
  EXPECT_EQ(*ParseMicroseconds("1ms"), 1000);
  EXPECT_EQ(*ParseMicroseconds("1.5s"), 1500000);
  EXPECT_EQ(*ParseMicroseconds("2 min"), 120000000);
  EXPECT_EQ(*ParseMicroseconds("2m"), 120000000);
  EXPECT_EQ(*ParseMicroseconds("1h"), 3600000000);
  EXPECT_EQ(*ParseMicroseconds("1d"), 86400000000);
  EXPECT_FALSE(ParseMicroseconds("").ok());
  EXPECT_FALSE(ParseMicroseconds("ms").ok());
  EXPECT_FALSE(ParseMicroseconds("-1ms").ok());
  EXPECT_FALSE(ParseMicroseconds("1 week").ok());
}

// --- skein data diff ---------------------------------------------------------------------------

class DataDiffCli : public DiffFixture {
 protected:
  testing::CommandResult Skein(std::vector<std::string> args) {
    args.insert(args.begin(), {"data", "diff"});
    return testing::RunSkein(args, dir_.path());
  }
};

TEST_F(DataDiffCli, ExitsZeroWhenEqualAndOneWhenDifferentWithASummary) {
  Parquet("a", People());
  Parquet("same", People());
  Parquet("b", People("WHEN i = 7 THEN 'seven'") + " WHERE i <> 9");
  auto equal = Skein({"a.parquet", "same.parquet", "--key", "id"});
  EXPECT_EQ(equal.exit_code, 0) << equal.err;
  EXPECT_TRUE(testing::Contains(equal.out, "result: equal")) << equal.out;
  auto different = Skein({"parquet:a.parquet", "b.parquet", "--key", "id"});
  EXPECT_EQ(different.exit_code, 1) << different.err;
  EXPECT_TRUE(testing::Contains(different.out, "missing in B: 1")) << different.out;
  EXPECT_TRUE(testing::Contains(different.out, "changed: 1")) << different.out;
  EXPECT_TRUE(testing::Contains(different.out, "  id=9\n")) << different.out;
  EXPECT_TRUE(testing::Contains(different.out, "    name: name7 -> seven\n")) << different.out;
  EXPECT_TRUE(testing::Contains(different.out, "result: different")) << different.out;
}

TEST_F(DataDiffCli, PrintsJson) {
  Parquet("a", People());
  Parquet("b", People("WHEN i = 7 THEN 'seven'"));
  auto r =
      Skein({"a.parquet", "b.parquet", "--key", "id", "--json", "--examples", "1", "--method", "checksum"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  nlohmann::json json = nlohmann::json::parse(r.out, nullptr, false);
  ASSERT_FALSE(json.is_discarded()) << r.out;
  EXPECT_EQ(json["equal"], false);
  EXPECT_EQ(json["changed"], 1);
  EXPECT_EQ(json["a"]["rows"], 1000);
  EXPECT_EQ(json["method"], "checksum");
  EXPECT_GT(json["rows_transferred"].get<int64_t>(), 0);
  EXPECT_EQ(json["examples"]["changed"][0]["key"]["id"], "7");
  EXPECT_EQ(json["examples"]["changed"][0]["changes"]["name"]["a"], "name7");
  EXPECT_EQ(json["examples"]["changed"][0]["changes"]["name"]["b"], "seven");
}

TEST_F(DataDiffCli, TakesColumnsMapsAndTolerances) {
  Parquet("a", "SELECT i AS id, 'u' || i AS email, i * 1.0 AS x FROM range(10) t(i)");
  Parquet("b", "SELECT i AS id, 'u' || i AS mail, i * 1.0 + 0.0005 AS x FROM range(10) t(i)");
  auto r = Skein(
      {"a.parquet", "b.parquet", "--key", "id", "--columns-map", "email=mail", "--tolerance", "x=0.001"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  auto strict = Skein({"a.parquet", "b.parquet", "--key", "id", "--columns-map", "email=mail"});
  EXPECT_EQ(strict.exit_code, 1) << strict.out << strict.err;
  EXPECT_TRUE(testing::Contains(strict.out, "  x: 10\n")) << strict.out;
}

TEST_F(DataDiffCli, OptionsMayComeBeforeTheDatasetsAndRepeat) {
  Parquet("a", "SELECT i AS id, i % 2 AS part, 'u' || i AS email FROM range(10) t(i)");
  Parquet("b", "SELECT i AS id, i % 2 AS part, 'u' || i AS mail FROM range(10) t(i)");
  auto r = Skein(
      {"--key", "id", "--key", "part", "--columns-map", "email=mail", "a.parquet", "b.parquet", "--json"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  nlohmann::json json = nlohmann::json::parse(r.out, nullptr, false);
  ASSERT_FALSE(json.is_discarded()) << r.out;
  EXPECT_EQ(json["key"], nlohmann::json({"id", "part"}));
  auto commas =
      Skein({"--key", "id,part", "a.parquet", "b.parquet", "--columns-map", "email=mail,part=part"});
  EXPECT_EQ(commas.exit_code, 0) << commas.out << commas.err;
}

TEST_F(DataDiffCli, ExitsTwoOnBadInput) {
  Parquet("a", People());
  Parquet("dup", People() + " UNION ALL SELECT 5, 'x', 0, NULL, false");
  auto duplicate = Skein({"a.parquet", "dup.parquet", "--key", "id"});
  EXPECT_EQ(duplicate.exit_code, 2);
  EXPECT_TRUE(testing::Contains(duplicate.err, "B (parquet:dup.parquet): key (id) is not unique"))
      << duplicate.err;
  auto column = Skein({"a.parquet", "a.parquet", "--key", "nope"});
  EXPECT_EQ(column.exit_code, 2);
  EXPECT_TRUE(testing::Contains(column.err, "--key: column 'nope'")) << column.err;
  auto location = Skein({"a.parquet", "no-such-thing", "--key", "id"});
  EXPECT_EQ(location.exit_code, 2);
  EXPECT_TRUE(testing::Contains(location.err, "B: 'no-such-thing' is not a dataset location"))
      << location.err;
  auto missing = Skein({"a.parquet", "missing.parquet", "--key", "id"});
  EXPECT_EQ(missing.exit_code, 2);
  auto no_key = Skein({"a.parquet", "a.parquet"});
  EXPECT_EQ(no_key.exit_code, 2);
  auto tolerance = Skein({"a.parquet", "a.parquet", "--key", "id", "--tolerance", "score"});
  EXPECT_EQ(tolerance.exit_code, 2);
  EXPECT_TRUE(testing::Contains(tolerance.err, "--tolerance: expected NAME=VALUE")) << tolerance.err;
}

TEST_F(DataDiffCli, ResolvesCatalogDatasetIdsToTheirLocations) {
  Parquet("v1", People());
  Parquet("v2", People("WHEN i = 1 THEN 'one'"));
  dir_.Write(
      "catalog/datasets.yaml",
      "apiVersion: backstage.io/v1alpha1\nkind: Resource\nmetadata:\n  name: people-v1\n  annotations:\n"
      "    skein.dev/dataset-id: core.people_v1\n    skein.dev/location: parquet:v1.parquet\n"
      "spec: {type: dataset, owner: group:default/data}\n---\n"
      "apiVersion: backstage.io/v1alpha1\nkind: Resource\nmetadata:\n  name: people-v2\n  annotations:\n"
      "    skein.dev/dataset-id: core.people_v2\n    skein.dev/location: parquet:v2.parquet\n"
      "spec: {type: dataset, owner: group:default/data}\n");
  auto imported = testing::RunSkein({"--store", "store.db", "catalog", "import", "catalog"}, dir_.path());
  ASSERT_EQ(imported.exit_code, 0) << imported.out << imported.err;
  auto r = testing::RunSkein(
      {"--store", "store.db", "data", "diff", "core.people_v1", "core.people_v2", "--key", "id"},
      dir_.path());
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_TRUE(testing::Contains(r.out, "A: parquet:v1.parquet")) << r.out;
  EXPECT_TRUE(testing::Contains(r.out, "changed: 1")) << r.out;
  auto unknown = testing::RunSkein(
      {"--store", "store.db", "data", "diff", "core.nope", "v2.parquet", "--key", "id"}, dir_.path());
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_TRUE(testing::Contains(unknown.err, "nor a dataset id in the catalog")) << unknown.err;
}

}  // namespace
}  // namespace skein
