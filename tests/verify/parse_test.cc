// The parse verifier: changed SQL files must still parse, in DuckDB's parser or skein's reader.
#include <gtest/gtest.h>

#include "tests/verify/verify_fixture.h"
#include "verify/verifiers.h"

namespace skein::verify {
namespace {

using testing::AnyLineContains;
using testing::Describe;
using testing::Fixture;

VerifierResult Parse(const Fixture& f) { return MakeParseVerifier()->Verify(f.context); }

TEST(ParseVerifier, PassesAChangedSqlFileThatParses) {
  Fixture f;
  f.Change("queries/active.sql", "SELECT user_id FROM core.user_profile_v1 WHERE country = 'DE'\n",
           "SELECT account_id AS user_id FROM core.user_profile_v2 WHERE country = 'DE'\n");
  VerifierResult r = Parse(f);
  EXPECT_EQ(r.outcome, Outcome::kPass) << Describe(r);
}

TEST(ParseVerifier, FailsABrokenChangedSqlFileWithPathLineAndColumn) {
  Fixture f;
  f.Change("queries/active.sql", "SELECT user_id\nFROM core.user_profile_v1\nWHERE country = 'DE'\n",
           "SELECT account_id AS user_id\nFROM FROM core.user_profile_v2\nWHERE country = 'DE'\n");
  VerifierResult r = Parse(f);
  ASSERT_EQ(r.outcome, Outcome::kFail) << Describe(r);
  ASSERT_EQ(r.lines.size(), 1u) << Describe(r);
  EXPECT_TRUE(r.lines[0].starts_with("queries/active.sql:2:6: ")) << r.lines[0];
  EXPECT_TRUE(AnyLineContains(r, "syntax error")) << Describe(r);
}

TEST(ParseVerifier, DoesNotNeedTheTablesToExist) {
  Fixture f;
  f.Change("a.sql", "",
           "CREATE TABLE out.t AS SELECT account_id FROM core.user_profile_v2;\n"
           "INSERT INTO out.t SELECT account_id FROM core.user_profile_v2 WHERE no_such_column > 1;\n");
  VerifierResult r = Parse(f);
  EXPECT_EQ(r.outcome, Outcome::kPass) << Describe(r);
}

TEST(ParseVerifier, IsNotApplicableWithoutAChangedSqlFile) {
  Fixture f;
  f.Change("jobs/load.py", "T = 'core.user_profile_v1'\n", "T = 'core.user_profile_v2'\n");
  f.Delete("old.sql", "SELECT 1\n");
  VerifierResult r = Parse(f);
  EXPECT_EQ(r.outcome, Outcome::kNotApplicable) << Describe(r);
  EXPECT_NE(r.summary.find("no SQL file changed"), std::string::npos) << r.summary;
}

TEST(ParseVerifier, DoesNotBlameTheChangeForAFileThatNeverParsed) {
  Fixture f;
  f.Change("broken.sql", "SELECT user_id FROM core.user_profile_v1 WHERE\n",
           "SELECT account_id AS user_id FROM core.user_profile_v2 WHERE\n");
  VerifierResult r = Parse(f);
  EXPECT_NE(r.outcome, Outcome::kFail) << Describe(r);
  ASSERT_TRUE(r.evidence.contains("notes"));
  EXPECT_NE(r.evidence["notes"].dump().find("did not parse before"), std::string::npos);
}

TEST(ParseVerifier, RendersDbtSourceRefAndConfigBeforeParsing) {
  Fixture f;
  std::string before =
      "{{ config(materialized='table') }}\n"
      "SELECT p.user_id, o.n\nFROM {{ source('core', 'user_profile_v1') }} p\nJOIN {{ ref('orders') }} o "
      "USING (user_id)\n";
  f.Change("models/users.sql", before,
           "{{ config(materialized='table') }}\n"
           "SELECT p.account_id AS user_id, o.n\nFROM {{ source('core', 'user_profile_v2') }} p\n"
           "JOIN {{ ref('orders') }} o ON o.user_id = p.account_id\n");
  EXPECT_EQ(Parse(f).outcome, Outcome::kPass) << Describe(Parse(f));

  Fixture broken;
  broken.Change("models/users.sql", before,
                "{{ config(materialized='table') }}\n"
                "SELECT p.account_id AS user_id, o.n\nFROM {{ source('core', 'user_profile_v2') }} p\n"
                "JOIN {{ ref('orders') }} o ON\n");
  VerifierResult r = Parse(broken);
  ASSERT_EQ(r.outcome, Outcome::kFail) << Describe(r);
  EXPECT_TRUE(r.lines[0].starts_with("models/users.sql:")) << r.lines[0];
}

TEST(ParseVerifier, IsNotApplicableToADbtModelWithJinjaBlocks) {
  Fixture f;
  f.Change("models/m.sql",
           "{% if true %}SELECT user_id FROM {{ source('core', 'user_profile_v1') }}{% endif %}\n",
           "{% if true %}SELECT account_id FROM {{ source('core', 'user_profile_v2') }}{% endif %}\n");
  VerifierResult r = Parse(f);
  EXPECT_EQ(r.outcome, Outcome::kNotApplicable) << Describe(r);
}

TEST(ParseVerifier, ReadsOtherDialectsWithSkeinsReader) {
  Fixture f;
  f.Change("bq.sql", "-- dialect: bigquery\nSELECT user_id FROM `core.user_profile_v1`\n",
           "-- dialect: bigquery\nSELECT account_id FROM `core.user_profile_v2`\n");
  EXPECT_EQ(Parse(f).outcome, Outcome::kPass) << Describe(Parse(f));

  Fixture broken;
  broken.Change("bq.sql", "-- dialect: bigquery\nSELECT user_id FROM `core.user_profile_v1`\n",
                "-- dialect: bigquery\nSELECT account_id FROM `core.user_profile_v2\n");
  VerifierResult r = Parse(broken);
  ASSERT_EQ(r.outcome, Outcome::kFail) << Describe(r);
  EXPECT_TRUE(r.lines[0].starts_with("bq.sql:2:")) << r.lines[0];
}

}  // namespace
}  // namespace skein::verify
