// The residual verifier: no reference to the old dataset, and no old column read from the new
// one, remains anywhere in the checkout.
#include <gtest/gtest.h>

#include "tests/verify/verify_fixture.h"
#include "verify/verifiers.h"

namespace skein::verify {
namespace {

using testing::AnyLineContains;
using testing::Describe;
using testing::Fixture;

VerifierResult Residual(const Fixture& f) { return MakeResidualVerifier()->Verify(f.context); }

constexpr const char* kQuery =
    "SELECT p.user_id, p.signup_ts, p.is_premium, p.country\n"
    "FROM core.user_profile_v1 p\n"
    "WHERE p.dt = DATE '2024-01-01'\n";

TEST(ResidualVerifier, PassesAFullyRewrittenCheckout) {
  Fixture f;
  f.Change("queries/users.sql", kQuery, f.Rewritten("queries/users.sql", kQuery));
  std::string code = "TABLE = \"core.user_profile_v1\"\n";
  f.Change("jobs/load.py", code, f.Rewritten("jobs/load.py", code));
  std::string model =
      "{{ config(materialized='view') }}\nSELECT user_id, count(*) AS n\n"
      "FROM {{ source('core', 'user_profile_v1') }}\nGROUP BY user_id\nORDER BY user_id\n";
  f.Change("models/users.sql", model, f.Rewritten("models/users.sql", model));
  f.Keep("README.md", "Reads the user profiles.\n");
  VerifierResult r = Residual(f);
  EXPECT_EQ(r.outcome, Outcome::kPass) << Describe(r);
}

TEST(ResidualVerifier, CatchesALeftoverReferenceToTheOldDatasetInAnUntouchedFile) {
  Fixture f;
  f.Change("queries/users.sql", kQuery, f.Rewritten("queries/users.sql", kQuery));
  f.Keep("docs/notes.md", "Intro\n\nSee core.user_profile_v1 for details.\n");
  f.Keep(".git/config", "core.user_profile_v1\n");  // git's own files are not the consumer's
  VerifierResult r = Residual(f);
  ASSERT_EQ(r.outcome, Outcome::kFail) << Describe(r);
  ASSERT_EQ(r.lines.size(), 1u) << Describe(r);
  EXPECT_EQ(r.lines[0], "docs/notes.md:3:5: still refers to core.user_profile_v1");
}

TEST(ResidualVerifier, CatchesARenamedColumnStillReadFromTheNewDataset) {
  Fixture f;
  std::string after = "SELECT p.user_id, p.country\nFROM core.user_profile_v2 p\n";
  f.Change("queries/users.sql", "SELECT p.user_id, p.country\nFROM core.user_profile_v1 p\n", after);
  VerifierResult r = Residual(f);
  ASSERT_EQ(r.outcome, Outcome::kFail) << Describe(r);
  EXPECT_TRUE(AnyLineContains(r, "queries/users.sql:1:8: ")) << Describe(r);
  EXPECT_TRUE(AnyLineContains(r, "user_id")) << Describe(r);
  EXPECT_FALSE(AnyLineContains(r, "still refers to")) << Describe(r);
}

TEST(ResidualVerifier, CatchesADroppedColumnStillReadFromTheNewDataset) {
  Fixture f;
  f.Change("q.sql", "SELECT legacy_segment FROM core.user_profile_v1\n",
           "SELECT legacy_segment FROM core.user_profile_v2\n");
  VerifierResult r = Residual(f);
  ASSERT_EQ(r.outcome, Outcome::kFail) << Describe(r);
  EXPECT_TRUE(AnyLineContains(r, "legacy_segment")) << Describe(r);
}

TEST(ResidualVerifier, ReportsWhatTheRewriterStillFindsInAFileOnTheOldDataset) {
  Fixture f;
  std::string text = "SELECT legacy_segment FROM core.user_profile_v1\n";
  f.Keep("q.sql", text);
  VerifierResult r = Residual(f);
  ASSERT_EQ(r.outcome, Outcome::kFail) << Describe(r);
  EXPECT_TRUE(AnyLineContains(r, "q.sql:1:28: still refers to core.user_profile_v1")) << Describe(r);
  EXPECT_TRUE(AnyLineContains(r, "dropped column legacy_segment")) << Describe(r);
}

}  // namespace
}  // namespace skein::verify
