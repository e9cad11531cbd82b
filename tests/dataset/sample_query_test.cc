// Sample queries (data.verify.sample_queries): each runs on v1 as written and on v2 as the
// rewriter translates it, over Parquet files on an in-memory DuckDB; results must agree.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "data/engine.h"
#include "data/sql_text.h"
#include "dataset/sample_queries.h"
#include "manifest/migration.h"
#include "tests/support/test_support.h"

namespace skein {
namespace {

using dataset::Check;

// user_id is renamed; score and amount become DOUBLE, with reverses (amount's gives the DOUBLE
// back as it is, so v2's sums are DOUBLE where v1's are DECIMAL); legacy is dropped without one.
std::string Manifest(const std::vector<std::string>& queries) {
  std::string text = R"yaml(apiVersion: skein.dev/v1
kind: Migration
metadata: {name: payments}
spec:
  from: core.payments_v1
  to: core.payments_v2
  columns:
    - {from: user_id, to: account_id}
    - {from: score, type: DOUBLE, reverse: "CAST(score AS INTEGER)"}
    - {from: amount, type: DOUBLE, reverse: "amount"}
    - {drop: legacy}
    - {add: plan, type: VARCHAR, using: "'free'"}
  data:
    verify:
      sample_queries:
)yaml";
  for (const auto& q : queries) text += "        - \"" + q + "\"\n";
  return text;
}

class SampleQueryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    engine_ = std::move(OpenDuckDbEngine()).value();
    std::string v1 = (dir_.path() / "v1.parquet").string();
    std::string v2 = (dir_.path() / "v2.parquet").string();
    // 20 users over 3 days; amounts in steps of 0.1, which DOUBLE sums cannot hold exactly.
    Status made = engine_->Execute(
        "COPY (SELECT u AS user_id, 'u' || u || '@x.org' AS email, CAST(u % 7 AS INTEGER) AS score, "
        "CAST(u * 0.1 + d AS DECIMAL(10,2)) AS amount, 'seg' || (u % 3) AS legacy, DATE '2024-01-01' + "
        "d::INTEGER "
        "AS dt FROM range(20) r(u), range(3) s(d)) TO " +
        QuoteLiteral(v1) + " (FORMAT parquet)");
    ASSERT_TRUE(made.ok()) << made.message();
    v1_ = "read_parquet(" + QuoteLiteral(v1) + ")";
    WriteV2("");
    v2_ = "read_parquet(" + QuoteLiteral(v2) + ")";
  }

  // v2 as the migration computes it, with `replace` (a DuckDB REPLACE list) planting faults.
  void WriteV2(const std::string& replace) {
    std::string v2 = (dir_.path() / "v2.parquet").string();
    Status made =
        engine_->Execute("COPY (SELECT * " + replace +
                         " FROM (SELECT user_id AS account_id, email, CAST(score AS DOUBLE) AS score, "
                         "CAST(amount AS DOUBLE) AS amount, dt, 'free' AS plan FROM " +
                         v1_ + ")) TO " + QuoteLiteral(v2) + " (FORMAT parquet)");
    ASSERT_TRUE(made.ok()) << made.message();
  }

  std::vector<Check> Checks(const std::vector<std::string>& queries, int examples = 5) {
    auto migration = ParseMigration(Manifest(queries), "m.yaml");
    EXPECT_TRUE(migration.ok()) << migration.status().message();
    if (!migration.ok()) return {};
    auto checks = dataset::internal::SampleQueryChecks(*migration, *engine_, v1_, v2_, examples);
    EXPECT_TRUE(checks.ok()) << checks.status().message();
    if (!checks.ok()) return {};
    EXPECT_EQ(checks->size(), queries.size());
    for (const Check& c : *checks) {
      EXPECT_EQ(c.name, "sample_query");
      EXPECT_EQ(c.partition, "");
    }
    return *checks;
  }

  Check One(const std::string& query) {
    std::vector<Check> checks = Checks({query});
    return checks.empty() ? Check{"missing", "", false, "no check"} : checks[0];
  }

  testing::TempDir dir_;
  std::unique_ptr<SqlEngine> engine_;
  std::string v1_, v2_;
};

bool Has(const std::string& text, const std::string& part) { return testing::Contains(text, part); }

TEST_F(SampleQueryTest, AQueryOverUnchangedAndRenamedColumnsAgrees) {
  Check c =
      One("SELECT p.user_id, email FROM core.payments_v1 p WHERE dt = DATE '2024-01-02' AND user_id < 5");
  EXPECT_TRUE(c.passed) << c.detail;
  EXPECT_EQ(c.detail, "");
}

TEST_F(SampleQueryTest, APlantedWrongValueInV2FailsAndShowsTheRow) {
  WriteV2(
      "REPLACE (CASE WHEN account_id = 7 AND dt = DATE '2024-01-02' THEN 'wrong@x.org' ELSE email END AS "
      "email)");
  Check c = One("SELECT user_id, email FROM core.payments_v1 WHERE dt = DATE '2024-01-02'");
  EXPECT_FALSE(c.passed);
  EXPECT_TRUE(Has(c.detail, "m.yaml:")) << c.detail;
  EXPECT_TRUE(Has(c.detail, "sample query 1: the results differ (v1 20 rows, v2 20 rows)")) << c.detail;
  EXPECT_TRUE(Has(c.detail, "only in v1: (7, u7@x.org)")) << c.detail;
  EXPECT_TRUE(Has(c.detail, "only in v2: (7, wrong@x.org)")) << c.detail;
  EXPECT_TRUE(Has(c.detail, "rewritten for v2: SELECT account_id AS user_id, email FROM core.payments_v2"))
      << c.detail;
}

TEST_F(SampleQueryTest, AnAggregateGroupedByARenamedColumnAgrees) {
  Check c =
      One("SELECT user_id, count(*) AS days, sum(score) AS points FROM core.payments_v1 GROUP BY user_id");
  EXPECT_TRUE(c.passed) << c.detail;
  WriteV2("REPLACE (CASE WHEN account_id = 3 AND dt = DATE '2024-01-03' THEN 99.0 ELSE score END AS score)");
  Check wrong =
      One("SELECT user_id, count(*) AS days, sum(score) AS points FROM core.payments_v1 GROUP BY user_id");
  EXPECT_FALSE(wrong.passed);
  EXPECT_TRUE(Has(wrong.detail, "only in v1: (3, 3, 9)")) << wrong.detail;
  EXPECT_TRUE(Has(wrong.detail, "only in v2: (3, 3, 105)")) << wrong.detail;
}

TEST_F(SampleQueryTest, DoubleSumsAgreeWithDecimalSumsToFifteenDigits) {
  std::string query = "SELECT dt, sum(amount) AS total FROM core.payments_v1 GROUP BY dt";
  // The raw texts differ (DECIMAL 19.00 against a DOUBLE that missed it by an ulp, or 19.0):
  // only the numeric rule makes them agree.
  auto decimal =
      engine_->Query("SELECT CAST(sum(amount) AS VARCHAR) FROM " + v1_ + " GROUP BY dt ORDER BY dt");
  auto floating =
      engine_->Query("SELECT CAST(sum(amount) AS VARCHAR) FROM " + v2_ + " GROUP BY dt ORDER BY dt");
  ASSERT_TRUE(decimal.ok() && floating.ok());
  EXPECT_NE(decimal->rows, floating->rows);
  Check c = One(query);
  EXPECT_TRUE(c.passed) << c.detail;
  // A real difference in the third decimal still shows.
  WriteV2(
      "REPLACE (CASE WHEN account_id = 4 AND dt = DATE '2024-01-01' THEN amount + 0.001 ELSE amount END AS "
      "amount)");
  Check wrong = One(query);
  EXPECT_FALSE(wrong.passed);
  EXPECT_TRUE(Has(wrong.detail, "only in v1: (2024-01-01, 19.00)")) << wrong.detail;
}

TEST_F(SampleQueryTest, OrderByComparesInOrderAndOtherwiseAsMultisets) {
  std::string ordered = "SELECT email FROM core.payments_v1 WHERE dt = DATE '2024-01-01' ORDER BY user_id";
  std::string unordered = "SELECT email FROM core.payments_v1 WHERE dt = DATE '2024-01-01'";
  EXPECT_TRUE(One(ordered).passed) << One(ordered).detail;
  // Users 1 and 2 swap emails: the same multiset of emails, in another order by user.
  WriteV2(
      "REPLACE (CASE WHEN account_id = 1 THEN 'u2@x.org' WHEN account_id = 2 THEN 'u1@x.org' ELSE email "
      "END AS email)");
  Check c = One(ordered);
  EXPECT_FALSE(c.passed);
  EXPECT_TRUE(Has(c.detail, "the same rows in another order")) << c.detail;
  EXPECT_TRUE(Has(c.detail, "row 2: v1 (u1@x.org), v2 (u2@x.org)")) << c.detail;
  Check multiset = One(unordered);
  EXPECT_TRUE(multiset.passed) << multiset.detail;
  // An ORDER BY inside a window or a subquery does not order the result.
  Check window =
      One("SELECT email, row_number() OVER (ORDER BY user_id) AS n FROM core.payments_v1 WHERE dt = DATE "
          "'2024-01-01' AND user_id > 5");
  EXPECT_TRUE(window.passed) << window.detail;
}

TEST_F(SampleQueryTest, TheTableNameQualifiesColumnsAndCtesAreAllowed) {
  Check c =
      One("WITH recent AS (SELECT user_id, dt FROM core.payments_v1 WHERE dt > DATE '2024-01-01') SELECT "
          "core.payments_v1.user_id, n FROM core.payments_v1 JOIN (SELECT user_id AS id, count(*) AS n FROM "
          "recent GROUP BY user_id) c ON c.id = core.payments_v1.user_id WHERE core.payments_v1.dt = DATE "
          "'2024-01-03'");
  EXPECT_TRUE(c.passed) << c.detail;
}

TEST_F(SampleQueryTest, RefusesWhatIsNotOneSelectOverTheFromDataset) {
  std::vector<Check> checks = Checks({
      "DELETE FROM core.payments_v1 WHERE user_id = 1",
      "SELECT 42 AS answer",
      "SELECT * FROM core.payments_v1 p JOIN core.orders o ON o.user_id = p.user_id",
      "SELECT * FROM read_parquet('elsewhere.parquet')",
      "SELECT legacy, count(*) AS n FROM core.payments_v1 GROUP BY legacy",
      "CREATE TABLE copy AS SELECT * FROM core.payments_v1",
  });
  ASSERT_EQ(checks.size(), 6u);
  for (const Check& c : checks) EXPECT_FALSE(c.passed) << c.detail;
  EXPECT_TRUE(Has(checks[0].detail, "sample query 1: is not one SELECT statement")) << checks[0].detail;
  EXPECT_TRUE(Has(checks[1].detail, "sample query 2: does not read core.payments_v1")) << checks[1].detail;
  EXPECT_TRUE(Has(checks[2].detail, "sample query 3: reads core.orders, which is not core.payments_v1"))
      << checks[2].detail;
  EXPECT_TRUE(Has(checks[3].detail, "sample query 4: reads read_parquet")) << checks[3].detail;
  EXPECT_TRUE(
      Has(checks[4].detail, "sample query 5: skein's rewriter cannot translate it onto core.payments_v2"))
      << checks[4].detail;
  EXPECT_TRUE(Has(checks[4].detail, "dropped column legacy has no reverse")) << checks[4].detail;
  EXPECT_TRUE(Has(checks[5].detail, "sample query 6: is not one SELECT statement")) << checks[5].detail;
}

TEST_F(SampleQueryTest, AQueryTheEngineRejectsFailsWithItsMessage) {
  Check c = One("SELECT user_id FROM core.payments_v1 WHERE dt = 'not a date'");
  EXPECT_FALSE(c.passed);
  EXPECT_TRUE(Has(c.detail, "sample query 1: on v1: ")) << c.detail;
  EXPECT_TRUE(Has(c.detail, "not a date")) << c.detail;
}

TEST_F(SampleQueryTest, NoSampleQueriesMakeNoChecks) {
  auto migration = ParseMigration(Manifest({"SELECT 1 AS x FROM core.payments_v1"}), "m.yaml");
  ASSERT_TRUE(migration.ok()) << migration.status().message();
  migration->data.verify.sample_queries.clear();
  auto checks = dataset::internal::SampleQueryChecks(*migration, *engine_, v1_, v2_, 5);
  ASSERT_TRUE(checks.ok()) << checks.status().message();
  EXPECT_TRUE(checks->empty());
}

}  // namespace
}  // namespace skein
