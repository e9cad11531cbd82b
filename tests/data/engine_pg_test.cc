// SqlEngine conformance: one suite run on both engines, DuckDB in memory and the throwaway test
// PostgreSQL (each test in a fresh schema of its own). What one engine does, the other must do too:
// values as text, NULL as nullopt, transactions, batched scans, bulk appends, error codes.
// (In a *_pg_test.cc file so that ctest's postgres fixture starts the server first.)
#include <gtest/gtest.h>

#include <cctype>
#include <set>

#include "data/engine.h"
#include "data/sql_text.h"
#include "tests/support/test_support.h"

namespace skein {
namespace {

class EngineConformance : public ::testing::TestWithParam<EngineKind> {
 protected:
  void SetUp() override {
    if (GetParam() == EngineKind::kDuckDb) {
      auto opened = OpenDuckDbEngine();
      ASSERT_TRUE(opened.ok()) << opened.status().message();
      engine_ = std::move(opened).value();
    } else {
      url_ = testing::PostgresUrl();
      ASSERT_FALSE(url_.empty());
      auto opened = OpenPostgresEngine(url_);
      ASSERT_TRUE(opened.ok()) << opened.status().message();
      engine_ = std::move(opened).value();
    }
    // A schema named after the test, so tests running in parallel never meet.
    schema_ = "se_";
    for (char c : std::string(::testing::UnitTest::GetInstance()->current_test_info()->name())) {
      schema_ += std::isalnum(static_cast<unsigned char>(c)) ? static_cast<char>(std::tolower(c)) : '_';
    }
    Exec("DROP SCHEMA IF EXISTS " + QuoteIdentifier(schema_) + " CASCADE");
    Exec("CREATE SCHEMA " + QuoteIdentifier(schema_));
  }

  void TearDown() override {
    if (engine_ != nullptr && engine_->kind() == EngineKind::kPostgres) {
      (void)engine_->Execute("DROP SCHEMA IF EXISTS " + QuoteIdentifier(schema_) + " CASCADE");
    }
  }

  void Exec(const std::string& sql) {
    Status status = engine_->Execute(sql);
    ASSERT_TRUE(status.ok()) << sql << ": " << status.message();
  }
  std::string Table(const std::string& name) const {
    return QuoteIdentifier(schema_) + "." + QuoteIdentifier(name);
  }
  std::string Count(const std::string& table) {
    auto rows = engine_->Query("SELECT count(*) FROM " + Table(table));
    if (!rows.ok()) return "error: " + rows.status().message();
    return rows->rows.at(0).at(0).value_or("NULL");
  }
  // A table `name` (id INTEGER, v VARCHAR) with ids 0..n-1; v is NULL for every tenth id.
  void CreateNumbers(const std::string& name, int n) {
    Exec("CREATE TABLE " + Table(name) + " AS SELECT i AS id, CASE WHEN i % 10 = 0 THEN NULL ELSE 'v' || " +
         "CAST(i AS VARCHAR) END AS v FROM generate_series(0, " + std::to_string(n - 1) + ") AS g(i)");
  }
  // The location of table `name` in this engine (a PostgreSQL table, or a DuckDB file's table).
  DatasetLocation Location(const std::string& name) {
    DatasetLocation location;
    if (engine_->kind() == EngineKind::kPostgres) {
      location.format = DatasetLocation::Format::kPostgres;
      location.path = url_;
    } else {
      location.format = DatasetLocation::Format::kDuckDb;
      location.path = (dir_.path() / "db.duckdb").string();
    }
    // The schema made in SetUp is in PostgreSQL or in DuckDB's memory; a new DuckDB file has "main".
    location.table = (engine_->kind() == EngineKind::kPostgres ? schema_ : std::string("main")) + "." + name;
    return location;
  }

  std::unique_ptr<SqlEngine> engine_;
  std::string url_;
  std::string schema_;
  testing::TempDir dir_;
};

TEST_P(EngineConformance, QueryReturnsColumnNamesTextValuesAndNulls) {
  auto rows =
      engine_->Query("SELECT 42 AS answer, 'x y' AS label, CAST(NULL AS VARCHAR) AS nothing, 1.5 AS ratio");
  ASSERT_TRUE(rows.ok()) << rows.status().message();
  EXPECT_EQ(rows->columns, (std::vector<std::string>{"answer", "label", "nothing", "ratio"}));
  ASSERT_EQ(rows->rows.size(), 1u);
  EXPECT_EQ(rows->rows[0][0], Value("42"));
  EXPECT_EQ(rows->rows[0][1], Value("x y"));
  EXPECT_EQ(rows->rows[0][2], std::nullopt);
  EXPECT_EQ(rows->rows[0][3], Value("1.5"));
}

TEST_P(EngineConformance, QueryOfNoRowsStillNamesTheColumns) {
  auto rows = engine_->Query("SELECT 1 AS a, 'b' AS b WHERE 1 = 0");
  ASSERT_TRUE(rows.ok()) << rows.status().message();
  EXPECT_EQ(rows->columns, (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(rows->rows.empty());
}

TEST_P(EngineConformance, QueryKeepsTheOrderOfAnOrderedResult) {
  CreateNumbers("t", 5000);
  auto rows = engine_->Query("SELECT id FROM " + Table("t") + " ORDER BY id DESC");
  ASSERT_TRUE(rows.ok()) << rows.status().message();
  ASSERT_EQ(rows->rows.size(), 5000u);
  for (size_t i = 0; i < rows->rows.size(); ++i) ASSERT_EQ(rows->rows[i][0], Value(std::to_string(4999 - i)));
}

TEST_P(EngineConformance, QueryReadsTimestampsWithTimeZoneAndUuidsAsText) {
  // DuckDB's C API renders neither type through its value functions: they must not come back empty.
  auto rows = engine_->Query(
      "SELECT CAST('2024-05-06 07:08:09+00' AS TIMESTAMP WITH TIME ZONE) AS at, "
      "CAST('0b6d3c8e-4a3c-4a8e-9c55-1f2a3b4c5d6e' AS UUID) AS id");
  ASSERT_TRUE(rows.ok()) << rows.status().message();
  ASSERT_EQ(rows->rows.size(), 1u);
  ASSERT_TRUE(rows->rows[0][0].has_value());
  EXPECT_TRUE(testing::Contains(*rows->rows[0][0], "2024-05-06")) << *rows->rows[0][0];
  EXPECT_EQ(rows->rows[0][1], Value("0b6d3c8e-4a3c-4a8e-9c55-1f2a3b4c5d6e"));
}

TEST_P(EngineConformance, ExecuteRunsStatementsAndDiscardsRows) {
  Exec("CREATE TABLE " + Table("t") + " (id INTEGER, name VARCHAR)");
  Exec("INSERT INTO " + Table("t") + " VALUES (1, 'a'), (2, 'b')");
  Exec("SELECT * FROM " + Table("t"));
  EXPECT_EQ(Count("t"), "2");
}

TEST_P(EngineConformance, RollbackUndoesAndCommitKeeps) {
  Exec("CREATE TABLE " + Table("t") + " (id INTEGER)");
  ASSERT_TRUE(engine_->Begin().ok());
  Exec("INSERT INTO " + Table("t") + " VALUES (1), (2)");
  EXPECT_EQ(Count("t"), "2");  // visible inside the transaction
  ASSERT_TRUE(engine_->Rollback().ok());
  EXPECT_EQ(Count("t"), "0");
  ASSERT_TRUE(engine_->Begin().ok());
  Exec("INSERT INTO " + Table("t") + " VALUES (3)");
  ASSERT_TRUE(engine_->Commit().ok());
  EXPECT_EQ(Count("t"), "1");
}

TEST_P(EngineConformance, ScanStreamsEveryRowOnceInBatchesKeepingNulls) {
  CreateNumbers("t", 2500);
  std::vector<size_t> batches;
  std::set<std::string> ids;
  size_t nulls = 0;
  Status status =
      engine_->Scan("SELECT id, v FROM " + Table("t") + " ORDER BY id", 1000, [&](const RowSet& batch) {
        EXPECT_EQ(batch.columns, (std::vector<std::string>{"id", "v"}));
        batches.push_back(batch.rows.size());
        for (const auto& row : batch.rows) {
          EXPECT_TRUE(ids.insert(row[0].value_or("NULL")).second)
              << "row " << row[0].value_or("NULL") << " twice";
          if (!row[1]) ++nulls;
        }
        return Status::Ok();
      });
  ASSERT_TRUE(status.ok()) << status.message();
  EXPECT_EQ(batches, (std::vector<size_t>{1000, 1000, 500}));
  EXPECT_EQ(ids.size(), 2500u);
  EXPECT_EQ(nulls, 250u);
}

TEST_P(EngineConformance, ScanOfAnExactMultipleEndsWithoutAnEmptyBatch) {
  CreateNumbers("t", 2000);
  std::vector<size_t> batches;
  Status status = engine_->Scan("SELECT id FROM " + Table("t"), 1000, [&](const RowSet& batch) {
    batches.push_back(batch.rows.size());
    return Status::Ok();
  });
  ASSERT_TRUE(status.ok()) << status.message();
  EXPECT_EQ(batches, (std::vector<size_t>{1000, 1000}));
}

TEST_P(EngineConformance, ScanStopsAtTheSinksErrorAndReturnsIt) {
  CreateNumbers("t", 2500);
  int calls = 0;
  Status status = engine_->Scan("SELECT id FROM " + Table("t"), 1000, [&](const RowSet&) {
    return ++calls == 2 ? Status::Conflict("sink says stop") : Status::Ok();
  });
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(status.code(), StatusCode::kConflict);
  EXPECT_EQ(status.message(), "sink says stop");
  EXPECT_EQ(Count("t"), "2500");  // the engine is still usable
}

TEST_P(EngineConformance, ScanInsideACallersTransactionSeesItsRows) {
  CreateNumbers("t", 10);
  ASSERT_TRUE(engine_->Begin().ok());
  Exec("INSERT INTO " + Table("t") + " VALUES (100, 'new')");
  size_t rows = 0;
  auto count = [&](const RowSet& batch) {
    rows += batch.rows.size();
    return Status::Ok();
  };
  ASSERT_TRUE(engine_->Scan("SELECT * FROM " + Table("t"), 4, count).ok());
  EXPECT_EQ(rows, 11u);
  // A failing sink inside the caller's transaction leaves it usable.
  Status failed =
      engine_->Scan("SELECT * FROM " + Table("t"), 4, [](const RowSet&) { return Status::IoError("x"); });
  EXPECT_EQ(failed.code(), StatusCode::kIoError);
  EXPECT_EQ(Count("t"), "11");
  ASSERT_TRUE(engine_->Rollback().ok());
  EXPECT_EQ(Count("t"), "10");
}

TEST_P(EngineConformance, ScanTakesAStatementEndingInACommentOrASemicolon) {
  CreateNumbers("t", 3);
  for (const std::string& tail : {std::string(" -- the end"), std::string(";"), std::string(" ; \n")}) {
    size_t rows = 0;
    Status status = engine_->Scan("SELECT id FROM " + Table("t") + tail, 10, [&](const RowSet& batch) {
      rows += batch.rows.size();
      return Status::Ok();
    });
    EXPECT_TRUE(status.ok()) << "'" << tail << "': " << status.message();
    EXPECT_EQ(rows, 3u) << "'" << tail << "'";
  }
}

TEST_P(EngineConformance, ScanOfASqlErrorIsInvalidInput) {
  Status status = engine_->Scan("SELECT * FROM " + Table("no_such_table"), 10, [](const RowSet&) {
    ADD_FAILURE() << "no rows expected";
    return Status::Ok();
  });
  EXPECT_EQ(status.code(), StatusCode::kInvalidInput) << status.message();
  EXPECT_TRUE(testing::Contains(status.message(), "no_such_table")) << status.message();
}

TEST_P(EngineConformance, AppendKeepsTabsNewlinesBackslashesNullsAndUnicode) {
  Exec("CREATE TABLE " + Table("t") + " (id INTEGER, s VARCHAR)");
  const std::vector<Value> values = {"tab\there", "line1\nline2",     "back\\slash", "\\N",
                                     "",          std::nullopt,       "cr\rlf\r\n",  "ünïcødé ✓ 日本語",
                                     "\\.",       "'quoted' \"both\""};
  RowSet rows;
  rows.columns = {"id", "s"};
  for (size_t i = 0; i < values.size(); ++i) rows.rows.push_back({std::to_string(i), values[i]});
  Status status = engine_->Append({schema_, "t"}, rows);
  ASSERT_TRUE(status.ok()) << status.message();
  auto back = engine_->Query("SELECT id, s FROM " + Table("t") + " ORDER BY id");
  ASSERT_TRUE(back.ok()) << back.status().message();
  ASSERT_EQ(back->rows.size(), values.size());
  for (size_t i = 0; i < values.size(); ++i) EXPECT_EQ(back->rows[i][1], values[i]) << "row " << i;
}

TEST_P(EngineConformance, AppendOfABadIntegerIsInvalidInputAndAppendsNothing) {
  Exec("CREATE TABLE " + Table("t") + " (id INTEGER, s VARCHAR)");
  RowSet rows;
  rows.columns = {"id", "s"};
  rows.rows = {{"1", "fine"}, {"2", "fine"}, {"three", "bad"}, {"4", "fine"}};
  Status status = engine_->Append({schema_, "t"}, rows);
  EXPECT_EQ(status.code(), StatusCode::kInvalidInput) << status.message();
  EXPECT_TRUE(testing::Contains(status.message(), "three")) << status.message();
  EXPECT_EQ(Count("t"), "0");
  // The engine takes the next good append.
  rows.rows = {{"5", "ok"}};
  ASSERT_TRUE(engine_->Append({schema_, "t"}, rows).ok());
  EXPECT_EQ(Count("t"), "1");
}

TEST_P(EngineConformance, AppendToAMissingTableIsAnError) {
  RowSet rows;
  rows.columns = {"id"};
  rows.rows = {{"1"}};
  Status status = engine_->Append({schema_, "missing"}, rows);
  EXPECT_FALSE(status.ok());
  EXPECT_TRUE(testing::Contains(status.message(), "missing")) << status.message();
}

TEST_P(EngineConformance, TableNameNamesATableToCreateAndRelationReadsIt) {
  DatasetLocation location = Location("made");
  auto name = engine_->TableName(location);
  ASSERT_TRUE(name.ok()) << name.status().message();
  Exec("CREATE TABLE " + *name + " (id INTEGER)");
  Exec("INSERT INTO " + *name + " VALUES (7)");
  auto relation = engine_->Relation(location);
  ASSERT_TRUE(relation.ok()) << relation.status().message();
  auto rows = engine_->Query("SELECT id FROM " + *relation);
  ASSERT_TRUE(rows.ok()) << rows.status().message();
  ASSERT_EQ(rows->rows.size(), 1u);
  EXPECT_EQ(rows->rows[0][0], Value("7"));
}

TEST_P(EngineConformance, RelationOfAMissingTableIsNotFound) {
  if (engine_->kind() == EngineKind::kDuckDb) {
    // The file exists, the table does not.
    ASSERT_TRUE(engine_->TableName(Location("other")).ok());
  }
  auto relation = engine_->Relation(Location("no_such_table"));
  ASSERT_FALSE(relation.ok());
  EXPECT_EQ(relation.status().code(), StatusCode::kNotFound) << relation.status().message();
  EXPECT_TRUE(testing::Contains(relation.status().message(), "no_such_table")) << relation.status().message();
}

TEST_P(EngineConformance, RelationOfAMissingSchemaIsNotFound) {
  DatasetLocation location = Location("t");
  if (engine_->kind() == EngineKind::kDuckDb) {
    ASSERT_TRUE(engine_->TableName(location).ok());
  }
  location.table = "no_such_schema.t";
  auto relation = engine_->Relation(location);
  ASSERT_FALSE(relation.ok());
  EXPECT_EQ(relation.status().code(), StatusCode::kNotFound) << relation.status().message();
}

TEST_P(EngineConformance, ASqlErrorIsInvalidInputWithTheEnginesMessage) {
  auto syntax = engine_->Query("SELEC 1");
  ASSERT_FALSE(syntax.ok());
  EXPECT_EQ(syntax.status().code(), StatusCode::kInvalidInput);
  EXPECT_TRUE(testing::Contains(syntax.status().message(), "syntax error")) << syntax.status().message();
  Status missing = engine_->Execute("INSERT INTO " + Table("no_such_table") + " VALUES (1)");
  EXPECT_EQ(missing.code(), StatusCode::kInvalidInput);
  EXPECT_TRUE(testing::Contains(missing.message(), "no_such_table")) << missing.message();
  auto cast = engine_->Query("SELECT CAST('x' AS INTEGER)");
  ASSERT_FALSE(cast.ok());
  EXPECT_EQ(cast.status().code(), StatusCode::kInvalidInput) << cast.status().message();
}

TEST_P(EngineConformance, MoreThanOneStatementIsRejected) {
  Exec("CREATE TABLE " + Table("t") + " (id INTEGER)");
  Status status = engine_->Execute("INSERT INTO " + Table("t") + " VALUES (1); INSERT INTO " + Table("t") +
                                   " VALUES (2)");
  EXPECT_EQ(status.code(), StatusCode::kInvalidInput) << status.message();
  EXPECT_EQ(Count("t"), "0");
}

TEST_P(EngineConformance, AnErrorInsideATransactionIsReportedAndRollbackRecovers) {
  Exec("CREATE TABLE " + Table("t") + " (id INTEGER)");
  ASSERT_TRUE(engine_->Begin().ok());
  Exec("INSERT INTO " + Table("t") + " VALUES (1)");
  EXPECT_FALSE(engine_->Execute("SELECT * FROM " + Table("no_such_table")).ok());
  ASSERT_TRUE(engine_->Rollback().ok());
  EXPECT_EQ(Count("t"), "0");
}

INSTANTIATE_TEST_SUITE_P(Engines, EngineConformance,
                         ::testing::Values(EngineKind::kDuckDb, EngineKind::kPostgres),
                         [](const ::testing::TestParamInfo<EngineKind>& info) {
                           return std::string(info.param == EngineKind::kDuckDb ? "DuckDb" : "Postgres");
                         });

}  // namespace
}  // namespace skein
