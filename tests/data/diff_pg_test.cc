// The dataset diff across engines: PostgreSQL tables from the throwaway test server (each test in
// a schema of its own) against Parquet files and DuckDB tables. The canonical encoding must make
// equal data hash alike in both engines (no row moves), and every planted fault must be found
// while moving only the rows of the buckets it sits in.
#include <gtest/gtest.h>

#include <cctype>
#include <nlohmann/json.hpp>

#include "data/diff.h"
#include "data/engine.h"
#include "data/sql_text.h"
#include "tests/support/test_support.h"

namespace skein {
namespace {

class CrossEngineDiff : public ::testing::Test {
 protected:
  void SetUp() override {
    url_ = testing::PostgresUrl();
    ASSERT_FALSE(url_.empty());
    auto pg = OpenPostgresEngine(url_);
    ASSERT_TRUE(pg.ok()) << pg.status().message();
    pg_ = std::move(pg).value();
    auto duck = OpenDuckDbEngine();
    ASSERT_TRUE(duck.ok()) << duck.status().message();
    duck_ = std::move(duck).value();
    schema_ = "sd_";
    for (char c : std::string(::testing::UnitTest::GetInstance()->current_test_info()->name())) {
      schema_ += std::isalnum(static_cast<unsigned char>(c)) ? static_cast<char>(std::tolower(c)) : '_';
    }
    schema_ = schema_.substr(0, 60);
    PgExec("DROP SCHEMA IF EXISTS " + QuoteIdentifier(schema_) + " CASCADE");
    PgExec("CREATE SCHEMA " + QuoteIdentifier(schema_));
  }
  void TearDown() override {
    if (pg_ != nullptr) (void)pg_->Execute("DROP SCHEMA IF EXISTS " + QuoteIdentifier(schema_) + " CASCADE");
  }

  void PgExec(const std::string& sql) {
    Status status = pg_->Execute(sql);
    ASSERT_TRUE(status.ok()) << sql << ": " << status.message();
  }
  void DuckExec(const std::string& sql) {
    Status status = duck_->Execute(sql);
    ASSERT_TRUE(status.ok()) << sql << ": " << status.message();
  }
  DatasetLocation Location(const std::string& text) {
    auto location = DatasetLocation::Parse(text);
    EXPECT_TRUE(location.ok()) << location.status().message();
    return location.ok() ? *location : DatasetLocation{};
  }
  // A PostgreSQL table of `select`'s rows.
  DatasetLocation PgTable(const std::string& name, const std::string& select) {
    PgExec("CREATE TABLE " + QuoteIdentifier(schema_) + "." + QuoteIdentifier(name) + " AS " + select);
    return Location(url_ + "#" + schema_ + "." + name);
  }
  // A Parquet file of `select`'s rows (run by DuckDB).
  DatasetLocation Parquet(const std::string& name, const std::string& select) {
    std::string path = (dir_.path() / (name + ".parquet")).string();
    DuckExec("COPY (" + select + ") TO " + QuoteLiteral(path) + " (FORMAT parquet)");
    return Location("parquet:" + path);
  }
  // A table of a DuckDB file (so DuckDB's own types, infinities included, are kept).
  DatasetLocation DuckTable(const std::string& name, const std::string& select) {
    DatasetLocation location = Location("duckdb:" + (dir_.path() / "side.duckdb").string() + "#main." + name);
    auto table = duck_->TableName(location);
    EXPECT_TRUE(table.ok()) << table.status().message();
    DuckExec("CREATE TABLE " + *table + " AS " + select);
    return location;
  }
  static DiffOptions Key(std::vector<std::string> key) {
    DiffOptions options;
    options.key = std::move(key);
    return options;
  }

  // `n` rows of many types, spelled for `engine`; `change` (a CASE arm on i) may alter `label`.
  static std::string Rows(EngineKind engine, int n, const std::string& change = "",
                          const std::string& where = "") {
    bool pg = engine == EngineKind::kPostgres;
    std::string dbl = pg ? "DOUBLE PRECISION" : "DOUBLE";
    std::string minutes = pg ? "make_interval(mins => i)" : "to_minutes(CAST(i AS BIGINT))";
    return "SELECT CAST(i AS BIGINT) AS id, CAST(i % 1000 AS INTEGER) AS small, CASE " + change +
           " WHEN i % 17 = 0 THEN NULL ELSE 'label ' || CAST(i AS VARCHAR) END AS label, CAST(i AS " + dbl +
           ") / 7 AS ratio, CAST(i AS DECIMAL(12,2)) / 4 AS amount, TIMESTAMP '2024-01-01 00:00:00.123456' "
           "+ " +
           minutes + " AS seen_at, CAST(TIMESTAMP '1969-12-31 23:00:00' + " + minutes +
           " AS TIMESTAMP WITH TIME ZONE) AS changed_at, DATE '2024-02-29' - CAST(i % 400 AS INTEGER) AS "
           "day, " +
           "i % 3 = 0 AS flag FROM generate_series(0, " + std::to_string(n - 1) + ") AS g(i)" +
           (where.empty() ? "" : " WHERE " + where);
  }

  std::string url_;
  std::string schema_;
  std::unique_ptr<SqlEngine> pg_;
  std::unique_ptr<SqlEngine> duck_;
  testing::TempDir dir_;
};

TEST_F(CrossEngineDiff, EqualDataMovesNoRowsEitherWay) {
  auto pg = PgTable("people", Rows(EngineKind::kPostgres, 50000));
  auto parquet = Parquet("people", Rows(EngineKind::kDuckDb, 50000));
  for (const auto& [a, b] : {std::pair{pg, parquet}, std::pair{parquet, pg}}) {
    auto result = DiffDatasets(a, b, Key({"id"}));
    ASSERT_TRUE(result.ok()) << result.status().message();
    EXPECT_EQ(result->method, "checksum");
    EXPECT_TRUE(result->equal()) << "changed " << result->changed << ", missing " << result->missing_in_b;
    EXPECT_EQ(result->a.rows, 50000);
    EXPECT_EQ(result->b.rows, 50000);
    EXPECT_EQ(result->rows_transferred, 0);
    EXPECT_EQ(result->checksum_queries, 2);
    EXPECT_EQ(result->columns.size(), 8u);
  }
}

TEST_F(CrossEngineDiff, TheCanonicalEncodingIsTheSameInBothEngines) {
  // Each value written in both engines' SQL; -0 on one side is 0 on the other.
  const char* kValues =
      "(1, 0.1, CAST(0.1 AS REAL), 1.50, DATE '2024-02-29', TIMESTAMP '2024-01-01 12:34:56.789012', "
      "CAST('2024-01-01 12:00:00+02' AS TIMESTAMP WITH TIME ZONE), true, 'ünïcødé ✓ 日本語', CAST(7 AS "
      "SMALLINT)), "
      "(2, 1e-7, CAST(-2.5 AS REAL), -0.10, DATE '1969-12-31', TIMESTAMP '1960-06-01 00:00:00.5', "
      "CAST('1970-01-01 00:00:00+00' AS TIMESTAMP WITH TIME ZONE), false, 'tab\there\nnewline', CAST(-7 AS "
      "SMALLINT)), "
      "(3, 123.0, NULL, 0.00, DATE '0001-01-01', TIMESTAMP '2038-01-19 03:14:08', NULL, NULL, '', NULL), "
      "(4, 1e15, CAST(3.4e38 AS REAL), 99999.99, NULL, NULL, NULL, true, 'N', 0), "
      "(5, 1e16, 0, NULL, DATE '9999-12-31', TIMESTAMP '0001-01-01 00:00:00', NULL, false, 'V3:abc', 1), "
      "(6, 1e300, 0, 1, DATE '2000-01-01', TIMESTAMP '2000-01-01', NULL, true, NULL, 2), "
      "(7, 5e-324, 0, 1, DATE '2000-01-01', TIMESTAMP '2000-01-01', NULL, true, 'x''y\\\\z', 3), "
      "(8, NULL, 0, 1, DATE '2000-01-01', TIMESTAMP '2000-01-01', NULL, true, 'a', 4)";
  const char* kColumns = "(id, x, r, amount, day, ts, tz, flag, text, tiny)";
  std::string special_pg =
      " UNION ALL SELECT 9, CAST('NaN' AS DOUBLE PRECISION), 0, 1, NULL, NULL, NULL, NULL, NULL, NULL"
      " UNION ALL SELECT 10, CAST('Infinity' AS DOUBLE PRECISION), 0, 1, NULL, NULL, NULL, NULL, NULL, NULL"
      " UNION ALL SELECT 11, CAST('-Infinity' AS DOUBLE PRECISION), 0, 1, NULL, NULL, NULL, NULL, NULL, NULL"
      " UNION ALL SELECT 12, CAST('-0' AS DOUBLE PRECISION), 0, 1, NULL, NULL, NULL, NULL, NULL, NULL";
  std::string special_duck =
      " UNION ALL SELECT 9, CAST('NaN' AS DOUBLE), 0, 1, NULL, NULL, NULL, NULL, NULL, NULL"
      " UNION ALL SELECT 10, CAST('Infinity' AS DOUBLE), 0, 1, NULL, NULL, NULL, NULL, NULL, NULL"
      " UNION ALL SELECT 11, CAST('-Infinity' AS DOUBLE), 0, 1, NULL, NULL, NULL, NULL, NULL, NULL"
      " UNION ALL SELECT 12, CAST('0' AS DOUBLE), 0, 1, NULL, NULL, NULL, NULL, NULL, NULL";
  auto pg =
      PgTable("tricky",
              "SELECT CAST(id AS INTEGER) AS id, CAST(x AS DOUBLE PRECISION) AS x, CAST(r AS REAL) AS r, "
              "CAST(amount AS NUMERIC(12,2)) AS amount, day, ts, tz, flag, text, tiny FROM (VALUES " +
                  std::string(kValues) + special_pg + ") AS v" + kColumns);
  PgExec("ALTER TABLE " + QuoteIdentifier(schema_) + ".tricky ADD COLUMN bytes BYTEA, ADD COLUMN uid UUID");
  PgExec("UPDATE " + QuoteIdentifier(schema_) +
         ".tricky SET bytes = '\\x00ff10'::bytea, uid = '0b6d3c8e-4a3c-4a8e-9c55-1f2a3b4c5d6e' WHERE id % 2 "
         "= 0");
  auto duck = DuckTable("tricky",
                        "SELECT CAST(id AS BIGINT) AS id, CAST(x AS DOUBLE) AS x, CAST(r AS FLOAT) AS r, "
                        "CAST(amount AS DECIMAL(18,4)) AS amount, day, ts, tz, flag, text, tiny, "
                        "CASE WHEN id % 2 = 0 THEN CAST('\\x00\\xFF\\x10' AS BLOB) END AS bytes, "
                        "CASE WHEN id % 2 = 0 THEN CAST('0b6d3c8e-4a3c-4a8e-9c55-1f2a3b4c5d6e' AS UUID) END "
                        "AS uid FROM (VALUES " +
                            std::string(kValues) + special_duck + ") AS v" + kColumns);
  auto result = DiffDatasets(pg, duck, Key({"id"}));
  ASSERT_TRUE(result.ok()) << result.status().message();
  EXPECT_EQ(result->a.rows, 12);
  for (const auto& column : result->columns) EXPECT_EQ(column.changed, 0) << column.name;
  EXPECT_TRUE(result->equal());
  EXPECT_EQ(result->rows_transferred, 0) << "a value hashed differently in the two engines";
}

TEST_F(CrossEngineDiff, AFloatSpelledDifferentlyCostsATransferNotAFalseDifference) {
  // PostgreSQL writes 1.2345678901234565e+15, DuckDB 1234567890123456.5: the rows move, and
  // compare equal as numbers.
  auto pg = PgTable("t", "SELECT 1 AS id, CAST(1234567890123456.5 AS DOUBLE PRECISION) AS x");
  auto parquet = Parquet("t", "SELECT 1 AS id, CAST(1234567890123456.5 AS DOUBLE) AS x");
  auto result = DiffDatasets(pg, parquet, Key({"id"}));
  ASSERT_TRUE(result.ok()) << result.status().message();
  EXPECT_TRUE(result->equal());
  EXPECT_EQ(result->rows_transferred, 2);
}

TEST_F(CrossEngineDiff, ThreeChangedRowsAmongFiftyThousandAreAllFoundMovingFewRows) {
  auto pg = PgTable("people", Rows(EngineKind::kPostgres, 50000));
  auto parquet =
      Parquet("people", Rows(EngineKind::kDuckDb, 50000, "WHEN i IN (17, 25000, 49999) THEN 'edited'"));
  auto result = DiffDatasets(pg, parquet, Key({"id"}));
  ASSERT_TRUE(result.ok()) << result.status().message();
  EXPECT_EQ(result->changed, 3);
  EXPECT_EQ(result->missing_in_b + result->extra_in_b, 0);
  ASSERT_EQ(result->changed_examples.size(), 3u);
  EXPECT_EQ(result->changed_examples[0].key, std::vector<Value>{"17"});
  EXPECT_EQ(result->changed_examples[0].changes[0].column, "label");
  EXPECT_EQ(result->changed_examples[0].changes[0].a, std::nullopt);  // 17 % 17 == 0
  EXPECT_EQ(result->changed_examples[0].changes[0].b, Value("edited"));
  EXPECT_EQ(result->changed_examples[1].key, std::vector<Value>{"25000"});
  EXPECT_EQ(result->changed_examples[2].key, std::vector<Value>{"49999"});
  EXPECT_GT(result->rows_transferred, 0);
  EXPECT_LT(result->rows_transferred, 500);  // under 0.5% of the 100,000 rows
}

TEST_F(CrossEngineDiff, DroppedAndExtraRowsAreFound) {
  auto pg = PgTable("people", Rows(EngineKind::kPostgres, 5000, "", "i <> 1234"));
  auto parquet = Parquet("people", Rows(EngineKind::kDuckDb, 5001, "", "i <> 42"));
  auto result = DiffDatasets(parquet, pg, Key({"id"}));  // A: Parquet, B: PostgreSQL
  ASSERT_TRUE(result.ok()) << result.status().message();
  EXPECT_EQ(result->missing_in_b, 2);  // 1234 and 5000
  EXPECT_EQ(result->extra_in_b, 1);    // 42
  EXPECT_EQ(result->changed, 0);
  ASSERT_EQ(result->missing_examples.size(), 2u);
  EXPECT_EQ(result->missing_examples[0].key, std::vector<Value>{"1234"});
  EXPECT_EQ(result->missing_examples[1].key, std::vector<Value>{"5000"});
  EXPECT_EQ(result->extra_examples.at(0).key, std::vector<Value>{"42"});
}

TEST_F(CrossEngineDiff, ADuplicateKeyInPostgresStopsTheDiff) {
  auto pg = PgTable("people", Rows(EngineKind::kPostgres, 100) + " UNION ALL " +
                                  Rows(EngineKind::kPostgres, 100, "", "i = 77"));
  auto parquet = Parquet("people", Rows(EngineKind::kDuckDb, 100));
  auto result = DiffDatasets(parquet, pg, Key({"id"}));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kInvalidInput);
  const std::string& message = result.status().message();
  EXPECT_TRUE(testing::Contains(message, "B (postgresql://")) << message;
  EXPECT_TRUE(testing::Contains(message, "key (id) is not unique")) << message;
  EXPECT_TRUE(testing::Contains(message, "id=77 in 2 rows")) << message;
}

TEST_F(CrossEngineDiff, ANullKeyInPostgresStopsTheDiff) {
  auto pg = PgTable("t", "SELECT * FROM (VALUES (1, 'a'), (NULL, 'b')) AS v(id, v)");
  auto parquet = Parquet("t", "SELECT * FROM (VALUES (1, 'a')) AS v(id, v)");
  auto result = DiffDatasets(pg, parquet, Key({"id"}));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kInvalidInput);
  EXPECT_TRUE(testing::Contains(result.status().message(), "A (postgresql://")) << result.status().message();
  EXPECT_TRUE(testing::Contains(result.status().message(), "key (id) is NULL in 1 row(s), e.g. id=NULL"))
      << result.status().message();
}

TEST_F(CrossEngineDiff, AUniqueIndexStandsInForTheKeyCheckOnlyWhereItHolds) {
  // id is the primary key, but the diff's key (id, region) may still hold a NULL region.
  auto pg = PgTable("t", "SELECT * FROM (VALUES (1, 'eu', 'a'), (2, NULL, 'b')) AS v(id, region, v)");
  PgExec("ALTER TABLE " + QuoteIdentifier(schema_) + ".t ADD PRIMARY KEY (id)");
  auto parquet = Parquet("t", "SELECT * FROM (VALUES (1, 'eu', 'a'), (2, 'us', 'b')) AS v(id, region, v)");
  auto result = DiffDatasets(pg, parquet, Key({"id", "region"}));
  ASSERT_FALSE(result.ok());
  EXPECT_TRUE(testing::Contains(result.status().message(), "key (id, region) is NULL in 1 row(s)"))
      << result.status().message();
  // With NOT NULL on region too, the primary key guarantees the key: the diff runs.
  PgExec("UPDATE " + QuoteIdentifier(schema_) + ".t SET region = 'us' WHERE id = 2");
  PgExec("ALTER TABLE " + QuoteIdentifier(schema_) + ".t ALTER COLUMN region SET NOT NULL");
  auto equal = DiffDatasets(pg, parquet, Key({"id", "region"}));
  ASSERT_TRUE(equal.ok()) << equal.status().message();
  EXPECT_TRUE(equal->equal());
}

TEST_F(CrossEngineDiff, NumericsCompareExactlyAcrossEngines) {
  // An unconstrained numeric is compared as a decimal (exact), not as a double.
  auto pg = PgTable("t",
                    "SELECT * FROM (VALUES (1, CAST('0.10000000000000000001' AS NUMERIC)), "
                    "(2, CAST('2.50' AS NUMERIC)), (3, CAST('7' AS NUMERIC))) AS v(id, amount)");
  auto duck =
      DuckTable("t",
                "SELECT * FROM (VALUES (1, CAST('0.1' AS DECIMAL(38,20))), "
                "(2, CAST('2.5' AS DECIMAL(38,20))), (3, CAST('7' AS DECIMAL(38,20)))) AS v(id, amount)");
  auto result = DiffDatasets(pg, duck, Key({"id"}));
  ASSERT_TRUE(result.ok()) << result.status().message();
  EXPECT_EQ(result->columns.at(0).a_type, "DECIMAL");
  EXPECT_EQ(result->changed, 1);
  ASSERT_EQ(result->changed_examples.size(), 1u);
  EXPECT_EQ(result->changed_examples[0].key, std::vector<Value>{"1"});
  EXPECT_LE(result->rows_transferred, 2);
}

TEST_F(CrossEngineDiff, AFloatToleranceHoldsAcrossEngines) {
  auto pg = PgTable(
      "t", "SELECT * FROM (VALUES (1, CAST(1.0 AS DOUBLE PRECISION)), (2, 2.0), (3, 3.0)) AS v(id, x)");
  auto parquet =
      Parquet("t", "SELECT * FROM (VALUES (1, CAST(1.0004 AS DOUBLE)), (2, 2.0), (3, 3.002)) AS v(id, x)");
  DiffOptions options = Key({"id"});
  options.tolerances = {{"x", "0.001"}};
  auto result = DiffDatasets(pg, parquet, options);
  ASSERT_TRUE(result.ok()) << result.status().message();
  EXPECT_EQ(result->changed, 1);
  ASSERT_EQ(result->changed_examples.size(), 1u);
  EXPECT_EQ(result->changed_examples[0].key, std::vector<Value>{"3"});
  EXPECT_EQ(result->changed_examples[0].changes[0].a, Value("3"));
  EXPECT_EQ(result->changed_examples[0].changes[0].b, Value("3.002"));
}

TEST_F(CrossEngineDiff, CompositeKeysDoNotCollideAcrossEngines) {
  auto pg = PgTable("t", "SELECT 'ab' AS k1, 'c' AS k2, 1 AS v");
  auto parquet = Parquet("t", "SELECT 'a' AS k1, 'bc' AS k2, 1 AS v");
  auto result = DiffDatasets(pg, parquet, Key({"k1", "k2"}));
  ASSERT_TRUE(result.ok()) << result.status().message();
  EXPECT_EQ(result->missing_in_b, 1);
  EXPECT_EQ(result->extra_in_b, 1);
}

TEST_F(CrossEngineDiff, TheColumnsMapPairsRenamedColumnsAcrossEngines) {
  auto pg = PgTable(
      "v1", "SELECT i AS user_id, 'u' || CAST(i AS VARCHAR) AS email FROM generate_series(1, 300) AS g(i)");
  auto parquet =
      Parquet("v2", "SELECT i AS account_id, 'u' || CAST(i AS VARCHAR) AS mail FROM range(1, 301) t(i)");
  DiffOptions options = Key({"account_id"});
  options.columns_map = {{"user_id", "account_id"}, {"email", "mail"}};
  auto result = DiffDatasets(pg, parquet, options);
  ASSERT_TRUE(result.ok()) << result.status().message();
  EXPECT_TRUE(result->equal());
  EXPECT_EQ(result->rows_transferred, 0);
}

TEST_F(CrossEngineDiff, TwoPostgresTablesDiffThroughChecksums) {
  auto a = PgTable("a", Rows(EngineKind::kPostgres, 3000));
  auto b = PgTable("b", Rows(EngineKind::kPostgres, 3000, "WHEN i = 2999 THEN 'last'"));
  auto result = DiffDatasets(a, b, Key({"id"}));
  ASSERT_TRUE(result.ok()) << result.status().message();
  EXPECT_EQ(result->method, "checksum");
  EXPECT_EQ(result->changed, 1);
  EXPECT_LE(result->rows_transferred, 20);
  DiffOptions join = Key({"id"});
  join.method = DiffMethod::kJoin;
  auto refused = DiffDatasets(a, b, join);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kInvalidInput);
}

TEST_F(CrossEngineDiff, AMissingTableIsNotFoundAndAnUnreachableServerIsUnavailable) {
  auto parquet = Parquet("t", "SELECT 1 AS id");
  auto missing = DiffDatasets(parquet, Location(url_ + "#" + schema_ + ".nope"), Key({"id"}));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(testing::Contains(missing.status().message(), "B (postgresql://"))
      << missing.status().message();
  auto down = DiffDatasets(parquet, Location("postgresql://u:secret@127.0.0.1:1/db#public.t"), Key({"id"}));
  ASSERT_FALSE(down.ok());
  EXPECT_EQ(down.status().code(), StatusCode::kUnavailable);
  EXPECT_FALSE(testing::Contains(down.status().message(), "secret")) << down.status().message();
}

TEST_F(CrossEngineDiff, TheCommandExitsZeroOneOrTwo) {
  auto pg = PgTable("people", Rows(EngineKind::kPostgres, 2000));
  Parquet("same", Rows(EngineKind::kDuckDb, 2000));
  Parquet("edited", Rows(EngineKind::kDuckDb, 2000, "WHEN i = 5 THEN 'five'"));
  std::string b = url_ + "#" + schema_ + ".people";
  auto equal = testing::RunSkein({"data", "diff", "same.parquet", b, "--key", "id", "--json"}, dir_.path());
  EXPECT_EQ(equal.exit_code, 0) << equal.err;
  nlohmann::json json = nlohmann::json::parse(equal.out, nullptr, false);
  ASSERT_FALSE(json.is_discarded()) << equal.out;
  EXPECT_EQ(json["equal"], true);
  EXPECT_EQ(json["rows_transferred"], 0);
  EXPECT_EQ(json["b"]["engine"], "postgresql");
  auto edited = testing::RunSkein({"data", "diff", "edited.parquet", b, "--key", "id"}, dir_.path());
  EXPECT_EQ(edited.exit_code, 1) << edited.err;
  EXPECT_TRUE(testing::Contains(edited.out, "    label: five -> label 5\n")) << edited.out;
  EXPECT_TRUE(testing::Contains(edited.out, "rows transferred")) << edited.out;
  auto bad = testing::RunSkein({"data", "diff", "same.parquet", b, "--key", "label"}, dir_.path());
  EXPECT_EQ(bad.exit_code, 2) << bad.err;
  EXPECT_TRUE(testing::Contains(bad.err, "is NULL in")) << bad.err;
}

}  // namespace
}  // namespace skein
