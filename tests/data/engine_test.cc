// The DuckDB SqlEngine over what only DuckDB reads: Parquet files, Hive-partitioned folders and
// DuckDB database files, written with DuckDB's own COPY in a temporary folder. The conformance
// suite both engines pass is tests/data/engine_pg_test.cc.
#include <gtest/gtest.h>

#include "data/engine.h"
#include "data/sql_text.h"
#include "tests/support/test_support.h"

namespace skein {
namespace {

class DuckDbEngineFiles : public ::testing::Test {
 protected:
  void SetUp() override { engine_ = Open(); }

  static std::unique_ptr<SqlEngine> Open() {
    auto opened = OpenDuckDbEngine();
    EXPECT_TRUE(opened.ok()) << opened.status().message();
    return opened.ok() ? std::move(opened).value() : nullptr;
  }
  void Exec(SqlEngine& engine, const std::string& sql) {
    Status status = engine.Execute(sql);
    ASSERT_TRUE(status.ok()) << sql << ": " << status.message();
  }
  DatasetLocation Parse(const std::string& text) {
    auto location = DatasetLocation::Parse(text);
    EXPECT_TRUE(location.ok()) << location.status().message();
    return location.ok() ? *location : DatasetLocation{};
  }
  // The rows of `SELECT columns FROM relation ORDER BY order`, each row's cells joined with '|'.
  std::vector<std::string> Rows(const std::string& relation, const std::string& columns,
                                const std::string& order) {
    auto rows = engine_->Query("SELECT " + columns + " FROM " + relation + " ORDER BY " + order);
    EXPECT_TRUE(rows.ok()) << rows.status().message();
    std::vector<std::string> out;
    if (!rows.ok()) return out;
    for (const auto& row : rows->rows) {
      std::string line;
      for (const auto& cell : row) line += (line.empty() ? "" : "|") + cell.value_or("NULL");
      out.push_back(line);
    }
    return out;
  }

  static constexpr const char* kEvents =
      "SELECT * FROM (VALUES (1, 'a', DATE '2024-01-01'), (2, NULL, DATE '2024-01-01'), "
      "(3, 'c', DATE '2024-01-02')) AS t(id, name, dt)";

  testing::TempDir dir_;
  std::unique_ptr<SqlEngine> engine_;
};

TEST_F(DuckDbEngineFiles, RelationReadsAParquetFile) {
  std::string file = (dir_.path() / "events.parquet").string();
  Exec(*engine_, std::string("COPY (") + kEvents + ") TO " + QuoteLiteral(file) + " (FORMAT parquet)");
  auto relation = engine_->Relation(Parse("parquet:" + file));
  ASSERT_TRUE(relation.ok()) << relation.status().message();
  EXPECT_EQ(Rows(*relation, "id, name, dt", "id"),
            (std::vector<std::string>{"1|a|2024-01-01", "2|NULL|2024-01-01", "3|c|2024-01-02"}));
  // A bare path with the extension reads the same.
  auto bare = engine_->Relation(Parse(file));
  ASSERT_TRUE(bare.ok()) << bare.status().message();
  EXPECT_EQ(Rows(*bare, "count(*)", "1"), (std::vector<std::string>{"3"}));
}

TEST_F(DuckDbEngineFiles, RelationReadsAHivePartitionedFolderWithItsPartitionColumn) {
  std::string folder = (dir_.path() / "events").string();
  Exec(*engine_, std::string("COPY (") + kEvents + ") TO " + QuoteLiteral(folder) +
                     " (FORMAT parquet, PARTITION_BY (dt))");
  auto relation = engine_->Relation(Parse("parquet:" + folder));
  ASSERT_TRUE(relation.ok()) << relation.status().message();
  EXPECT_TRUE(testing::Contains(*relation, "hive_partitioning")) << *relation;
  EXPECT_EQ(Rows(*relation, "id, name, CAST(dt AS VARCHAR)", "id"),
            (std::vector<std::string>{"1|a|2024-01-01", "2|NULL|2024-01-01", "3|c|2024-01-02"}));
}

TEST_F(DuckDbEngineFiles, RelationReadsATableOfADuckDbFile) {
  std::string file = (dir_.path() / "warehouse.duckdb").string();
  {
    std::unique_ptr<SqlEngine> writer = Open();
    auto name = writer->TableName(Parse("duckdb:" + file + "#core.events"));
    ASSERT_TRUE(name.ok()) << name.status().message();
    std::string catalog = name->substr(0, name->find('.'));  // the attached file's quoted alias
    Exec(*writer, "CREATE SCHEMA IF NOT EXISTS " + catalog + ".core");
    Exec(*writer, "CREATE TABLE " + *name + " AS " + kEvents);
  }  // closes the file
  auto relation = engine_->Relation(Parse("duckdb:" + file + "#core.events"));
  ASSERT_TRUE(relation.ok()) << relation.status().message();
  EXPECT_EQ(Rows(*relation, "id, name", "id"), (std::vector<std::string>{"1|a", "2|NULL", "3|c"}));
  // The same file again is the same attachment, and a table without a schema is in "main".
  auto again = engine_->Relation(Parse("duckdb:" + file + "#core.events"));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *relation);
  auto main_table = engine_->TableName(Parse("duckdb:" + file + "#plain"));
  ASSERT_TRUE(main_table.ok()) << main_table.status().message();
  Exec(*engine_, "CREATE TABLE " + *main_table + " AS SELECT 1 AS x");
  auto plain = engine_->Relation(Parse("duckdb:" + file + "#main.plain"));
  ASSERT_TRUE(plain.ok()) << plain.status().message();
  EXPECT_EQ(Rows(*plain, "x", "x"), (std::vector<std::string>{"1"}));
}

TEST_F(DuckDbEngineFiles, AMissingFileOrFolderIsNotFoundAndNothingIsCreated) {
  std::string file = (dir_.path() / "missing.duckdb").string();
  auto table = engine_->Relation(Parse("duckdb:" + file + "#main.t"));
  ASSERT_FALSE(table.ok());
  EXPECT_EQ(table.status().code(), StatusCode::kNotFound) << table.status().message();
  EXPECT_FALSE(std::filesystem::exists(file));
  auto parquet = engine_->Relation(Parse("parquet:" + (dir_.path() / "nothing.parquet").string()));
  ASSERT_FALSE(parquet.ok());
  EXPECT_EQ(parquet.status().code(), StatusCode::kNotFound) << parquet.status().message();
  std::filesystem::create_directories(dir_.path() / "empty");
  auto folder = engine_->Relation(Parse("parquet:" + (dir_.path() / "empty").string()));
  ASSERT_FALSE(folder.ok());
  EXPECT_EQ(folder.status().code(), StatusCode::kNotFound) << folder.status().message();
}

TEST_F(DuckDbEngineFiles, APostgresLocationIsNotReadAndAFileIsNotATable) {
  auto pg = engine_->Relation(Parse("postgresql://u@localhost/db#public.t"));
  ASSERT_FALSE(pg.ok());
  EXPECT_EQ(pg.status().code(), StatusCode::kInvalidInput);
  auto file = engine_->TableName(Parse("parquet:" + (dir_.path() / "x.parquet").string()));
  ASSERT_FALSE(file.ok());
  EXPECT_EQ(file.status().code(), StatusCode::kInvalidInput);
}

TEST_F(DuckDbEngineFiles, AnUnreadableFileIsTheSameErrorFromQueryAndScan) {
  std::string file = dir_.path().string() + "/corrupt.parquet";
  dir_.Write("corrupt.parquet", "this is not parquet");
  auto relation = engine_->Relation(Parse("parquet:" + file));
  ASSERT_TRUE(relation.ok()) << relation.status().message();
  auto rows = engine_->Query("SELECT * FROM " + *relation);
  ASSERT_FALSE(rows.ok());
  EXPECT_TRUE(testing::Contains(rows.status().message(), "corrupt.parquet")) << rows.status().message();
  Status scan = engine_->Scan("SELECT * FROM " + *relation, 10, [](const RowSet&) { return Status::Ok(); });
  EXPECT_EQ(scan.code(), rows.status().code()) << scan.message();
}

TEST_F(DuckDbEngineFiles, QueryAndScanRenderNestedValuesAsDuckDbCastsThem) {
  const std::string sql =
      "SELECT [1, 2] AS list, {'a': 1} AS record, 'a'::ENUM('a', 'b') AS choice, "
      "TIMESTAMP_NS '2024-01-01 00:00:00.123456789' AS nanos, '\\x00\\xFF'::BLOB AS bytes, "
      "CAST('0b6d3c8e-4a3c-4a8e-9c55-1f2a3b4c5d6e' AS UUID) AS id";
  auto rows = engine_->Query(sql);
  ASSERT_TRUE(rows.ok()) << rows.status().message();
  const std::vector<Value> expected = {"[1, 2]",     "{'a': 1}",
                                       "a",          "2024-01-01 00:00:00.123456789",
                                       "\\x00\\xFF", "0b6d3c8e-4a3c-4a8e-9c55-1f2a3b4c5d6e"};
  ASSERT_EQ(rows->rows.size(), 1u);
  EXPECT_EQ(rows->rows[0], expected);
  std::vector<Value> scanned;
  ASSERT_TRUE(engine_
                  ->Scan(sql, 10,
                         [&](const RowSet& batch) {
                           scanned = batch.rows.at(0);
                           return Status::Ok();
                         })
                  .ok());
  EXPECT_EQ(scanned, expected);
}

TEST_F(DuckDbEngineFiles, DescribeAndPragmaStatementsReturnTheirRows) {
  auto rows = engine_->Query("DESCRIBE SELECT 1 AS one, 'x' AS two");
  ASSERT_TRUE(rows.ok()) << rows.status().message();
  ASSERT_EQ(rows->rows.size(), 2u);
  EXPECT_EQ(rows->rows[0][0], Value("one"));
  EXPECT_EQ(rows->rows[0][1], Value("INTEGER"));
  auto setting = engine_->Query("SELECT current_setting('threads') > 0 AS ok");
  ASSERT_TRUE(setting.ok()) << setting.status().message();
  EXPECT_EQ(setting->rows.at(0).at(0), Value("true"));
}

}  // namespace
}  // namespace skein
