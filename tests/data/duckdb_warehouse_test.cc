// The DuckDB warehouse against real files written by DuckDB in a temporary folder: Parquet,
// Hive-partitioned folders, CSV, JSON Lines, DuckDB tables; expression checks; DatasetSchema.
#include <duckdb.h>
#include <gtest/gtest.h>

#include "data/sql_text.h"
#include "data/warehouse.h"
#include "tests/support/test_support.h"

namespace skein {
namespace {

// Runs `sql` in a fresh DuckDB (a file database when `database` is given): writes fixtures.
void RunDuckDb(const std::string& sql, const std::string& database = "") {
  duckdb_database db = nullptr;
  duckdb_connection con = nullptr;
  ASSERT_EQ(duckdb_open(database.empty() ? nullptr : database.c_str(), &db), DuckDBSuccess);
  ASSERT_EQ(duckdb_connect(db, &con), DuckDBSuccess);
  duckdb_result result;
  bool ok = duckdb_query(con, sql.c_str(), &result) == DuckDBSuccess;
  std::string error = ok ? "" : duckdb_result_error(&result);
  duckdb_destroy_result(&result);
  duckdb_disconnect(&con);
  duckdb_close(&db);
  ASSERT_TRUE(ok) << error;
}

std::string Describe(const Schema& schema) {
  std::string text;
  for (const auto& column : schema.columns)
    text += (text.empty() ? "" : ", ") + column.name + " " + column.type;
  return text;
}

class DuckDbWarehouseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = OpenDuckDbWarehouse();
    ASSERT_TRUE(opened.ok()) << opened.status().message();
    warehouse_ = std::move(opened).value();
  }

  Result<Schema> Read(const std::string& location) {
    auto parsed = DatasetLocation::Parse(location);
    if (!parsed.ok()) return parsed.status();
    return warehouse_->ReadSchema(*parsed);
  }

  static constexpr const char* kUsers =
      "SELECT * FROM (VALUES (1::BIGINT, 'a@x.io', 1, DATE '2024-01-01'), (2, 'b@x.io', 0, DATE "
      "'2024-01-02'))"
      " AS t(user_id, email, is_premium, dt)";

  testing::TempDir dir_;
  std::unique_ptr<Warehouse> warehouse_;
};

TEST_F(DuckDbWarehouseTest, ReadsTheSchemaOfAParquetFile) {
  auto file = dir_.path() / "users.parquet";
  RunDuckDb(std::string("COPY (") + kUsers + ") TO " + QuoteLiteral(file.string()) + " (FORMAT parquet)");
  auto schema = Read("parquet:" + file.string());
  ASSERT_TRUE(schema.ok()) << schema.status().message();
  EXPECT_EQ(Describe(*schema), "user_id BIGINT, email VARCHAR, is_premium INTEGER, dt DATE");
}

TEST_F(DuckDbWarehouseTest, ReadsAHivePartitionedFolderWithItsPartitionColumn) {
  auto folder = dir_.path() / "user_profile_v1";
  RunDuckDb(std::string("COPY (") + kUsers + ") TO " + QuoteLiteral(folder.string()) +
            " (FORMAT parquet, PARTITION_BY (dt))");
  ASSERT_TRUE(std::filesystem::exists(folder / "dt=2024-01-01"));
  auto schema = Read("parquet:" + folder.string());
  ASSERT_TRUE(schema.ok()) << schema.status().message();
  EXPECT_EQ(Describe(*schema), "user_id BIGINT, email VARCHAR, is_premium INTEGER, dt DATE");
}

TEST_F(DuckDbWarehouseTest, ReadsACsvFileWithDetectedTypes) {
  auto file = dir_.Write("exports/users.csv", "user_id,email,score\n1,a@x.io,1.5\n2,b@x.io,2.25\n");
  auto schema = Read("csv:" + file.string());
  ASSERT_TRUE(schema.ok()) << schema.status().message();
  EXPECT_EQ(Describe(*schema), "user_id BIGINT, email VARCHAR, score DOUBLE");
}

TEST_F(DuckDbWarehouseTest, ReadsJsonLines) {
  auto file = dir_.Write("events.jsonl",
                         "{\"id\": 1, \"kind\": \"click\", \"at\": \"2024-01-01 10:00:00\"}\n"
                         "{\"id\": 2, \"kind\": \"view\", \"at\": \"2024-01-01 11:00:00\"}\n");
  auto schema = Read("json:" + file.string());
  ASSERT_TRUE(schema.ok()) << schema.status().message();
  EXPECT_EQ(Describe(*schema), "id BIGINT, kind VARCHAR, at TIMESTAMP");
}

TEST_F(DuckDbWarehouseTest, ReadsAFolderOfCsvFiles) {
  dir_.Write("daily/dt=2024-01-01/part.csv", "user_id,email\n1,a@x.io\n");
  dir_.Write("daily/dt=2024-01-02/part.csv", "user_id,email\n2,b@x.io\n");
  auto schema = Read("csv:" + (dir_.path() / "daily").string());
  ASSERT_TRUE(schema.ok()) << schema.status().message();
  EXPECT_EQ(Describe(*schema), "user_id BIGINT, email VARCHAR, dt DATE");
}

TEST_F(DuckDbWarehouseTest, ReadsADuckDbTable) {
  auto file = dir_.path() / "warehouse.duckdb";
  RunDuckDb(std::string("CREATE SCHEMA core; CREATE TABLE core.users AS ") + kUsers, file.string());
  auto schema = Read("duckdb:" + file.string() + "#core.users");
  ASSERT_TRUE(schema.ok()) << schema.status().message();
  EXPECT_EQ(Describe(*schema), "user_id BIGINT, email VARCHAR, is_premium INTEGER, dt DATE");
  // The file is attached read-only and detached again: a second read works the same.
  EXPECT_TRUE(Read("duckdb:" + file.string() + "#core.users").ok());
}

TEST_F(DuckDbWarehouseTest, AMissingTableInADuckDbFileIsNotFound) {
  auto file = dir_.path() / "warehouse.duckdb";
  RunDuckDb("CREATE TABLE present(a INT)", file.string());
  auto schema = Read("duckdb:" + file.string() + "#main.absent");
  ASSERT_FALSE(schema.ok());
  EXPECT_EQ(schema.status().code(), StatusCode::kNotFound);
  EXPECT_NE(schema.status().message().find("main.absent"), std::string::npos);
}

TEST_F(DuckDbWarehouseTest, AMissingPathIsNotFoundNamingTheLocation) {
  std::string location = "parquet:" + (dir_.path() / "nowhere").string();
  auto schema = Read(location);
  ASSERT_FALSE(schema.ok());
  EXPECT_EQ(schema.status().code(), StatusCode::kNotFound);
  EXPECT_NE(schema.status().message().find(location), std::string::npos) << schema.status().message();

  auto glob = Read("parquet:" + (dir_.path() / "none" / "*.parquet").string());
  ASSERT_FALSE(glob.ok());
  EXPECT_EQ(glob.status().code(), StatusCode::kNotFound);

  auto duck = Read("duckdb:" + (dir_.path() / "absent.duckdb").string() + "#t");
  ASSERT_FALSE(duck.ok());
  EXPECT_EQ(duck.status().code(), StatusCode::kNotFound);
}

TEST_F(DuckDbWarehouseTest, AFolderWithoutFilesOfTheFormatIsNotFound) {
  dir_.Write("empty/README.md", "no data here\n");
  auto schema = Read("parquet:" + (dir_.path() / "empty").string());
  ASSERT_FALSE(schema.ok());
  EXPECT_EQ(schema.status().code(), StatusCode::kNotFound);
  EXPECT_NE(schema.status().message().find(".parquet"), std::string::npos);
}

TEST_F(DuckDbWarehouseTest, ACorruptParquetFileIsAClearError) {
  auto file = dir_.Write("broken.parquet", "this is not parquet at all, just bytes");
  auto schema = Read("parquet:" + file.string());
  ASSERT_FALSE(schema.ok());
  EXPECT_TRUE(schema.status().code() == StatusCode::kInvalidInput ||
              schema.status().code() == StatusCode::kIoError);
  EXPECT_NE(schema.status().message().find("broken.parquet"), std::string::npos) << schema.status().message();
  EXPECT_NE(schema.status().message().find("magic bytes"), std::string::npos) << schema.status().message();
}

TEST_F(DuckDbWarehouseTest, QuotesPathsThatHoldQuotes) {
  auto file = dir_.path() / "it's; DROP.parquet";
  RunDuckDb(std::string("COPY (") + kUsers + ") TO " + QuoteLiteral(file.string()) + " (FORMAT parquet)");
  auto schema = Read("parquet:" + file.string());
  ASSERT_TRUE(schema.ok()) << schema.status().message();
  EXPECT_EQ(schema->columns.size(), 4u);
}

const Schema kV1{{{"user_id", "BIGINT"}, {"signup_ts", "VARCHAR"}, {"is_premium", "INTEGER"}}};

TEST_F(DuckDbWarehouseTest, CheckExpressionReturnsTheResultType) {
  auto type = warehouse_->CheckExpression(kV1, "is_premium = 1", "");
  ASSERT_TRUE(type.ok()) << type.status().message();
  EXPECT_EQ(*type, "BOOLEAN");
  auto cast = warehouse_->CheckExpression(kV1, "CAST(signup_ts AS TIMESTAMP)", "TIMESTAMP");
  ASSERT_TRUE(cast.ok()) << cast.status().message();
  EXPECT_EQ(*cast, "TIMESTAMP");
}

TEST_F(DuckDbWarehouseTest, CheckExpressionRejectsAnUnknownColumnWithDuckDbsMessage) {
  auto type = warehouse_->CheckExpression(kV1, "signup_tss + 1", "");
  ASSERT_FALSE(type.ok());
  EXPECT_EQ(type.status().code(), StatusCode::kInvalidInput);
  EXPECT_NE(type.status().message().find("signup_tss"), std::string::npos) << type.status().message();
  EXPECT_EQ(type.status().message().find("LINE 1"), std::string::npos) << type.status().message();
}

TEST_F(DuckDbWarehouseTest, CheckExpressionRejectsWhatDoesNotParse) {
  auto type = warehouse_->CheckExpression(kV1, "CASE WHEN is_premium THEN", "");
  ASSERT_FALSE(type.ok());
  EXPECT_EQ(type.status().code(), StatusCode::kInvalidInput);
  EXPECT_NE(type.status().message().find("syntax error"), std::string::npos) << type.status().message();
}

TEST_F(DuckDbWarehouseTest, CheckExpressionRejectsSmuggledStatements) {
  for (const char* expression : {"1); DROP TABLE x; --", "1) AS v; SELECT (1", "1 -- \n); SELECT 2"}) {
    auto type = warehouse_->CheckExpression(kV1, expression, "");
    ASSERT_FALSE(type.ok()) << expression;
    EXPECT_EQ(type.status().code(), StatusCode::kInvalidInput) << expression;
  }
}

TEST_F(DuckDbWarehouseTest, CheckExpressionRejectsAggregatesAndFileAccess) {
  auto aggregate = warehouse_->CheckExpression(kV1, "sum(is_premium)", "");
  ASSERT_FALSE(aggregate.ok());
  EXPECT_NE(aggregate.status().message().find("aggregate"), std::string::npos);
  auto csv = dir_.Write("secret.csv", "a\n1\n");
  auto file = warehouse_->CheckExpression(
      kV1, "(SELECT count(*) FROM read_csv(" + QuoteLiteral(csv.string()) + "))", "");
  ASSERT_FALSE(file.ok());
  EXPECT_NE(file.status().message().find("disabled"), std::string::npos) << file.status().message();
}

TEST_F(DuckDbWarehouseTest, CheckExpressionRejectsAnImpossibleCast) {
  auto type = warehouse_->CheckExpression(kV1, "user_id", "STRUCT(a INT)");
  ASSERT_FALSE(type.ok());
  EXPECT_EQ(type.status().code(), StatusCode::kInvalidInput);
  EXPECT_NE(type.status().message().find("BIGINT"), std::string::npos) << type.status().message();
  EXPECT_FALSE(warehouse_->CheckExpression(kV1, "CAST(signup_ts AS DATE)", "INTEGER").ok());
  // A cast that fails only on some values is the data's business, not the manifest's.
  EXPECT_TRUE(warehouse_->CheckExpression(kV1, "signup_ts", "TIMESTAMP").ok());
  EXPECT_FALSE(warehouse_->CheckExpression(kV1, "user_id", "NOT_A_TYPE").ok());
}

Entity Dataset(const std::string& id, std::map<std::string, std::string> annotations) {
  Entity entity;
  entity.kind = "Resource";
  entity.name = "ds";
  entity.annotations = std::move(annotations);
  entity.annotations["skein.dev/dataset-id"] = id;
  return entity;
}

TEST_F(DuckDbWarehouseTest, DatasetSchemaPrefersTheAnnotationAndSpellsTypesAsDuckDb) {
  Entity dataset =
      Dataset("core.users", {{"skein.dev/schema", "id int, price decimal(10,2), who STRUCT(a INT, b TEXT)"},
                             {"skein.dev/location", "parquet:/does/not/exist"}});
  auto schema = DatasetSchema(dataset, *warehouse_);
  ASSERT_TRUE(schema.ok()) << schema.status().message();
  EXPECT_EQ(Describe(*schema), "id INTEGER, price DECIMAL(10,2), who STRUCT(a INTEGER, b VARCHAR)");
}

TEST_F(DuckDbWarehouseTest, DatasetSchemaReadsTheLocationWithoutAnAnnotation) {
  auto file = dir_.path() / "users.parquet";
  RunDuckDb(std::string("COPY (") + kUsers + ") TO " + QuoteLiteral(file.string()) + " (FORMAT parquet)");
  auto schema =
      DatasetSchema(Dataset("core.users", {{"skein.dev/location", "parquet:" + file.string()}}), *warehouse_);
  ASSERT_TRUE(schema.ok()) << schema.status().message();
  EXPECT_EQ(schema->columns.size(), 4u);
}

TEST_F(DuckDbWarehouseTest, DatasetSchemaErrorsNameTheDataset) {
  auto missing =
      DatasetSchema(Dataset("core.users", {{"skein.dev/location", "parquet:/does/not/exist"}}), *warehouse_);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(missing.status().message().rfind("dataset core.users: ", 0), 0u) << missing.status().message();

  auto bad_type = DatasetSchema(Dataset("core.users", {{"skein.dev/schema", "id NOT_A_TYPE"}}), *warehouse_);
  ASSERT_FALSE(bad_type.ok());
  EXPECT_NE(bad_type.status().message().find("core.users"), std::string::npos);
  EXPECT_NE(bad_type.status().message().find("NOT_A_TYPE"), std::string::npos);

  auto neither = DatasetSchema(Dataset("core.users", {}), *warehouse_);
  ASSERT_FALSE(neither.ok());
  EXPECT_EQ(neither.status().code(), StatusCode::kNotFound);
  EXPECT_NE(neither.status().message().find("skein.dev/schema"), std::string::npos);
}

}  // namespace
}  // namespace skein
