// The equivalence verifier: each changed query reading the dataset must return on v2 sample data
// (as changed) the rows the original returns on v1 sample data; what DuckDB cannot run is not
// applicable, never a pass.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

#include "data/engine.h"
#include "data/sql_text.h"
#include "tests/verify/verify_fixture.h"
#include "verify/verifiers.h"

namespace skein::verify {
namespace {

using testing::AnyLineContains;
using testing::Describe;
using testing::Fixture;

bool Has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

VerifierResult Equivalence(Fixture& f, int rows = 500) {
  f.context.settings.sample_rows = rows;
  return MakeEquivalenceVerifier()->Verify(f.context);
}

const char* kPremiumUsers = "SELECT user_id, country FROM core.user_profile_v1 WHERE is_premium = 1\n";

TEST(EquivalenceVerifier, PassesTheBuiltinRewriteOfARenameAndRetype) {
  Fixture f;
  std::string after = f.Rewritten("models/premium.sql", kPremiumUsers);
  ASSERT_TRUE(Has(after, "core.user_profile_v2")) << after;
  f.Change("models/premium.sql", kPremiumUsers, after);
  VerifierResult r = Equivalence(f);
  EXPECT_EQ(r.outcome, Outcome::kPass) << Describe(r);
  EXPECT_EQ(r.summary, "1 query equal on 500 sample rows generated") << Describe(r);
  const nlohmann::json& q = r.evidence["queries"][0];
  EXPECT_EQ(q["file"], "models/premium.sql");
  EXPECT_EQ(q["line"], 1);
  EXPECT_EQ(q["outcome"], "pass");
  EXPECT_GT(q["rows_v1"].get<int64_t>(), 0);
  EXPECT_EQ(q["rows_v1"], q["rows_v2"]);
  EXPECT_EQ(q["checksum_v1"], q["checksum_v2"]);
}

TEST(EquivalenceVerifier, ChecksInOneThreadShareAnEngineButNeverSamples) {
  // The verifier keeps one DuckDB per thread; each check must see only its own sample.
  Fixture right;
  right.Change("models/premium.sql", kPremiumUsers, right.Rewritten("models/premium.sql", kPremiumUsers));
  VerifierResult first = Equivalence(right, 300);
  ASSERT_EQ(first.outcome, Outcome::kPass) << Describe(first);
  Fixture wrong;
  wrong.Change("premium.sql", kPremiumUsers,
               "SELECT account_id AS user_id, country FROM core.user_profile_v2 WHERE NOT is_premium\n");
  VerifierResult second = Equivalence(wrong, 200);
  EXPECT_EQ(second.outcome, Outcome::kFail) << Describe(second);
  EXPECT_EQ(second.evidence["sample"]["v1_rows"], 200) << second.evidence.dump(2);
  VerifierResult third = Equivalence(right, 300);
  EXPECT_EQ(third.outcome, Outcome::kPass) << Describe(third);
  EXPECT_EQ(third.evidence["queries"][0]["checksum_v1"], first.evidence["queries"][0]["checksum_v1"]);
}

TEST(EquivalenceVerifier, PassesAHandWrittenRewriteThatReordersOutputColumns) {
  Fixture f;
  // Columns match by name, not position; `is_premium` is BOOLEAN in v2, so the filter changes.
  f.Change("premium.sql", kPremiumUsers,
           "SELECT country, account_id AS user_id FROM core.user_profile_v2 WHERE is_premium\n");
  VerifierResult r = Equivalence(f);
  EXPECT_EQ(r.outcome, Outcome::kPass) << Describe(r);
}

TEST(EquivalenceVerifier, FailsAChangedComparisonAndShowsTheDifferingRows) {
  Fixture f;
  f.Change("reports/ids.sql", "-- ids\nSELECT user_id FROM core.user_profile_v1 WHERE user_id > 10\n",
           "-- ids\nSELECT account_id AS user_id FROM core.user_profile_v2 WHERE account_id >= 10\n");
  VerifierResult r = Equivalence(f);
  ASSERT_EQ(r.outcome, Outcome::kFail) << Describe(r);
  EXPECT_TRUE(Has(r.summary, "1 query of 1 differ on 500 sample rows")) << r.summary;
  EXPECT_TRUE(AnyLineContains(r, "reports/ids.sql:2: the results differ")) << Describe(r);
  EXPECT_TRUE(AnyLineContains(r, "only on v2: (10)")) << Describe(r);
  EXPECT_FALSE(AnyLineContains(r, "only on v1:")) << Describe(r);
  const nlohmann::json& q = r.evidence["queries"][0];
  EXPECT_EQ(q["outcome"], "fail");
  EXPECT_LT(q["rows_v1"].get<int64_t>(), q["rows_v2"].get<int64_t>());
  EXPECT_NE(q["checksum_v1"], q["checksum_v2"]);
}

TEST(EquivalenceVerifier, FailsAFilterThatLostItsMeaning) {
  Fixture f;
  // v1's is_premium = 1 became v2's BOOLEAN is_premium; NOT inverts the filter.
  f.Change("premium.sql", kPremiumUsers,
           "SELECT account_id AS user_id, country FROM core.user_profile_v2 WHERE NOT is_premium\n");
  VerifierResult r = Equivalence(f);
  EXPECT_EQ(r.outcome, Outcome::kFail) << Describe(r);
  EXPECT_TRUE(AnyLineContains(r, "only on v1: (")) << Describe(r);
  EXPECT_TRUE(AnyLineContains(r, "only on v2: (")) << Describe(r);
  size_t examples = 0;
  for (const std::string& line : r.lines) examples += Has(line, "only on v1: ");
  EXPECT_LE(examples, 5u);
}

TEST(EquivalenceVerifier, AQueryReadingAnotherTableIsNotApplicableNeverPass) {
  Fixture f;
  std::string before =
      "SELECT p.user_id, o.total FROM core.user_profile_v1 p JOIN sales.orders o ON o.user_id = p.user_id\n";
  f.Change("join.sql", before, f.Rewritten("join.sql", before));
  VerifierResult r = Equivalence(f);
  EXPECT_EQ(r.outcome, Outcome::kNotApplicable) << Describe(r);
  EXPECT_TRUE(Has(r.summary, "no query could be compared: 1 not applicable (reads other tables)"))
      << r.summary;
  EXPECT_TRUE(AnyLineContains(r, "join.sql:1: DuckDB cannot run the original query")) << Describe(r);
  EXPECT_EQ(r.evidence["queries"][0]["outcome"], "not applicable");
}

TEST(EquivalenceVerifier, AParameterizedQueryInCodeIsNotApplicable) {
  Fixture f;
  std::string before = "import db\n\nQ = \"SELECT country FROM core.user_profile_v1 WHERE user_id = ?\"\n";
  f.Change("app/users.py", before, f.Rewritten("app/users.py", before));
  VerifierResult r = Equivalence(f);
  EXPECT_EQ(r.outcome, Outcome::kNotApplicable) << Describe(r);
  EXPECT_TRUE(Has(r.summary, "(parameters)")) << r.summary;
  EXPECT_TRUE(AnyLineContains(r, "app/users.py:3: ")) << Describe(r);
}

TEST(EquivalenceVerifier, ComparesSqlEmbeddedInCodeStrings) {
  Fixture f;
  std::string before =
      "def premium(conn):\n"
      "    return conn.sql(\"\"\"\n"
      "        SELECT user_id, country\n"
      "        FROM core.user_profile_v1 WHERE is_premium = 1\"\"\")\n";
  f.Change("app/premium.py", before, f.Rewritten("app/premium.py", before));
  VerifierResult r = Equivalence(f);
  EXPECT_EQ(r.outcome, Outcome::kPass) << Describe(r);
  EXPECT_EQ(r.evidence["queries"][0]["line"], 3) << r.evidence.dump();
}

TEST(EquivalenceVerifier, RendersDbtSourceAndConfig) {
  Fixture f;
  std::string before =
      "{{ config(materialized='view') }}\n"
      "select user_id, country from {{ source('core', 'user_profile_v1') }} where is_premium = 1\n";
  std::string after =
      "{{ config(materialized='view') }}\n"
      "select account_id as user_id, country from {{ source('core', 'user_profile_v2') }} where is_premium\n";
  f.Change("models/premium.sql", before, after);
  VerifierResult r = Equivalence(f);
  EXPECT_EQ(r.outcome, Outcome::kPass) << Describe(r);
}

TEST(EquivalenceVerifier, ReadsBigQueryTablePathsAndCountsBigQueryOnlySyntaxAsNotApplicable) {
  Fixture f;
  f.Change("bq/plain.sql", "SELECT user_id FROM `proj.core.user_profile_v1` WHERE is_premium = 1\n",
           "SELECT account_id AS user_id FROM `proj.core.user_profile_v2` WHERE is_premium\n");
  f.Change("bq/regex.sql",
           "SELECT user_id FROM `proj.core.user_profile_v1` WHERE REGEXP_CONTAINS(country, r'^U')\n",
           "SELECT account_id AS user_id FROM `proj.core.user_profile_v2` WHERE REGEXP_CONTAINS(country, "
           "r'^U')\n");
  VerifierResult r = Equivalence(f);
  EXPECT_EQ(r.outcome, Outcome::kPass) << Describe(r);
  EXPECT_EQ(r.summary, "1 query equal on 500 sample rows generated; 1 not applicable (BigQuery syntax)")
      << Describe(r);
}

TEST(EquivalenceVerifier, FloatToleranceAcceptsTinyDifferencesAndRejectsLargeOnes) {
  const char* before = "SELECT user_id, CAST(user_id AS DOUBLE) / 3 AS share FROM core.user_profile_v1\n";
  {
    Fixture f;  // the default tolerance, 1e-9 relative, accepts a 1e-12 difference
    f.Change("share.sql", before,
             "SELECT account_id AS user_id, CAST(account_id AS DOUBLE) / 3 * (1 + 1e-12) AS share "
             "FROM core.user_profile_v2\n");
    VerifierResult r = Equivalence(f);
    EXPECT_EQ(r.outcome, Outcome::kPass) << Describe(r);
  }
  {
    Fixture f;
    f.Change("share.sql", before,
             "SELECT account_id AS user_id, CAST(account_id AS DOUBLE) / 3 * 1.001 AS share "
             "FROM core.user_profile_v2\n");
    VerifierResult r = Equivalence(f);
    EXPECT_EQ(r.outcome, Outcome::kFail) << Describe(r);
  }
  {
    Fixture f;  // a looser tolerance accepts the 0.1% difference
    f.context.settings.float_tolerance = 1e-2;
    f.Change("share.sql", before,
             "SELECT account_id AS user_id, CAST(account_id AS DOUBLE) / 3 * 1.001 AS share "
             "FROM core.user_profile_v2\n");
    VerifierResult r = Equivalence(f);
    EXPECT_EQ(r.outcome, Outcome::kPass) << Describe(r);
  }
}

TEST(EquivalenceVerifier, PairsQueriesByOrderWithinAFile) {
  Fixture f;
  std::string before =
      "SELECT user_id FROM core.user_profile_v1 WHERE is_premium = 1;\n"
      "SELECT country, count(*) AS n FROM core.user_profile_v1 GROUP BY country;\n";
  std::string after =
      "SELECT account_id AS user_id FROM core.user_profile_v2 WHERE is_premium;\n"
      "SELECT country, count(*) - 1 AS n FROM core.user_profile_v2 GROUP BY country;\n";
  f.Change("two.sql", before, after);
  VerifierResult r = Equivalence(f);
  EXPECT_EQ(r.outcome, Outcome::kFail) << Describe(r);
  EXPECT_EQ(r.evidence["queries"][0]["outcome"], "pass");
  EXPECT_EQ(r.evidence["queries"][1]["outcome"], "fail");
  EXPECT_EQ(r.evidence["queries"][1]["line"], 2);
  EXPECT_TRUE(AnyLineContains(r, "two.sql:2: the results differ")) << Describe(r);
}

TEST(EquivalenceVerifier, IsNotApplicableWhenNoChangedFileReadsTheDataset) {
  Fixture f;
  f.Change("README.md", "core.user_profile_v1\n", "core.user_profile_v2\n");
  f.Change("other.sql", "SELECT 1 FROM sales.orders\n", "SELECT 2 FROM sales.orders\n");
  VerifierResult r = Equivalence(f);
  EXPECT_EQ(r.outcome, Outcome::kNotApplicable) << Describe(r);
  EXPECT_EQ(r.summary, "no changed file has a query that reads core.user_profile_v1");
}

TEST(EquivalenceVerifier, SamplesTheRealV1WhenItsParquetFolderIsReadable) {
  Fixture f;
  skein::testing::TempDir data;
  std::filesystem::create_directories(data.path() / "v1");
  auto engine = std::move(OpenDuckDbEngine()).value();
  ASSERT_TRUE(
      engine
          ->Execute("COPY (SELECT u AS user_id, '2024-01-01 00:00:00' AS signup_ts, u % 2 AS is_premium, "
                    "'seg' AS legacy_segment, 'real-' || (u % 4) AS country, DATE '2024-01-01' AS dt "
                    "FROM range(1000) r(u)) TO " +
                    QuoteLiteral((data.path() / "v1" / "part-0.parquet").string()) + " (FORMAT parquet)")
          .ok());
  f.context.v1_location =
      std::move(DatasetLocation::Parse("parquet:" + (data.path() / "v1").string())).value();
  f.Change("countries.sql", "SELECT DISTINCT country FROM core.user_profile_v1 WHERE is_premium = 1\n",
           "SELECT DISTINCT country FROM core.user_profile_v2 WHERE is_premium\n");
  VerifierResult r = Equivalence(f, 200);
  EXPECT_EQ(r.outcome, Outcome::kPass) << Describe(r);
  EXPECT_EQ(r.evidence["sample"]["real"], true) << r.evidence.dump();
  EXPECT_EQ(r.evidence["sample"]["v1_rows"], 200);
  EXPECT_EQ(r.summary, "1 query equal on 200 sample rows of real v1");
  // Only real values: premium users are the odd ids, in countries real-1 and real-3.
  EXPECT_EQ(r.evidence["queries"][0]["rows_v1"], 2);
}

TEST(EquivalenceVerifier, SamplesKeptForTheNextCheckFollowTheirInputs) {
  // A thread keeps its samples from check to check while their inputs stay the same; v1's files
  // changing, or another seed, gets new ones.
  skein::testing::TempDir data;
  std::filesystem::create_directories(data.path() / "v1");
  auto write = [&](const std::string& country) {
    auto engine = std::move(OpenDuckDbEngine()).value();
    ASSERT_TRUE(
        engine
            ->Execute("COPY (SELECT u AS user_id, '2024-01-01 00:00:00' AS signup_ts, u % 2 AS is_premium, "
                      "'seg' AS legacy_segment, " +
                      QuoteLiteral(country) +
                      " || (u % 3) AS country, DATE '2024-01-01' AS dt "
                      "FROM range(1000) r(u)) TO " +
                      QuoteLiteral((data.path() / "v1" / "part-0.parquet").string()) + " (FORMAT parquet)")
            .ok());
    std::this_thread::sleep_for(std::chrono::milliseconds(2100));  // past SampleTablesKey's "just changed"
  };
  auto check = [&](uint64_t seed) {
    Fixture f;
    f.context.v1_location =
        std::move(DatasetLocation::Parse("parquet:" + (data.path() / "v1").string())).value();
    f.context.settings.sample_seed = seed;
    f.Change("premium.sql", kPremiumUsers,
             "SELECT account_id AS user_id, country FROM core.user_profile_v2 WHERE is_premium\n");
    VerifierResult r = Equivalence(f, 200);
    EXPECT_EQ(r.outcome, Outcome::kPass) << Describe(r);
    EXPECT_EQ(r.evidence["sample"]["real"], true) << r.evidence.dump();
    return r.evidence["queries"][0]["checksum_v1"].dump();
  };
  write("a-");
  std::string first = check(1);
  EXPECT_EQ(check(1), first);
  std::string other_seed = check(2);
  EXPECT_NE(other_seed, first) << "another seed samples other rows";
  EXPECT_EQ(check(1), first);
  write("b-");
  EXPECT_NE(check(1), first) << "v1's files changed: the samples must be taken again";
}

TEST(EquivalenceVerifier, FallsBackToGeneratedRowsWhenTheLocationCannotBeRead) {
  Fixture f;
  f.context.v1_location = std::move(DatasetLocation::Parse("parquet:/nonexistent/skein/v1")).value();
  f.Change("premium.sql", kPremiumUsers, f.Rewritten("premium.sql", kPremiumUsers));
  VerifierResult r = Equivalence(f);
  EXPECT_EQ(r.outcome, Outcome::kPass) << Describe(r);
  EXPECT_EQ(r.evidence["sample"]["real"], false);
  EXPECT_TRUE(Has(r.evidence["sample"]["fallback"].get<std::string>(), "real v1 not sampled"))
      << r.evidence.dump();
}

}  // namespace
}  // namespace skein::verify
