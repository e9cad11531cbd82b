// The scope verifier: every changed line must be about the dataset or its columns; a command
// agent's change may also go past a judge.
#include <gtest/gtest.h>

#include "tests/verify/verify_fixture.h"
#include "verify/verifiers.h"

namespace skein::verify {
namespace {

using testing::AnyLineContains;
using testing::Describe;
using testing::Fixture;

VerifierResult Scope(const Fixture& f) { return MakeScopeVerifier()->Verify(f.context); }

constexpr const char* kQuery =
    "-- daily users\n"
    "SELECT p.user_id, p.signup_ts, p.country, o.total\n"
    "FROM core.user_profile_v1 p\n"
    "JOIN sales.orders o ON o.customer = p.user_id\n"
    "WHERE o.status = 'open'\n";

TEST(ScopeVerifier, PassesAPureRename) {
  Fixture f;
  f.Change("q.sql", kQuery, f.Rewritten("q.sql", kQuery));
  std::string code = "import duckdb\nTABLE = 'core.user_profile_v1'\nprint(TABLE)\n";
  f.Change("load.py", code, f.Rewritten("load.py", code));
  ASSERT_NE(f.context.changes[0].after, kQuery);
  VerifierResult r = Scope(f);
  EXPECT_EQ(r.outcome, Outcome::kPass) << Describe(r);
}

TEST(ScopeVerifier, FailsAnEditedComment) {
  Fixture f;
  std::string after = f.Rewritten("q.sql", kQuery);
  after.replace(0, after.find('\n'), "-- daily active users");
  f.Change("q.sql", kQuery, after);
  VerifierResult r = Scope(f);
  ASSERT_EQ(r.outcome, Outcome::kFail) << Describe(r);
  ASSERT_EQ(r.lines.size(), 2u) << Describe(r);
  EXPECT_EQ(r.lines[0], "q.sql:1: --- daily users");
  EXPECT_EQ(r.lines[1], "q.sql:1: +-- daily active users");
}

TEST(ScopeVerifier, FailsAChangedFilterUnrelatedToTheDatasetsColumns) {
  Fixture f;
  std::string after = f.Rewritten("q.sql", kQuery);
  after.replace(after.find("'open'"), 6, "'closed'");
  f.Change("q.sql", kQuery, after);
  VerifierResult r = Scope(f);
  ASSERT_EQ(r.outcome, Outcome::kFail) << Describe(r);
  EXPECT_TRUE(AnyLineContains(r, "q.sql:5: +WHERE o.status = 'closed'")) << Describe(r);
  EXPECT_FALSE(AnyLineContains(r, "core.user_profile")) << Describe(r);
}

TEST(ScopeVerifier, FailsADeletedTestFile) {
  Fixture f;
  f.Change("q.sql", kQuery, f.Rewritten("q.sql", kQuery));
  f.Delete("tests/test_users.py", "def test_users():\n    assert run('core.user_profile_v1')\n");
  VerifierResult r = Scope(f);
  ASSERT_EQ(r.outcome, Outcome::kFail) << Describe(r);
  EXPECT_TRUE(AnyLineContains(r, "tests/test_users.py: file deleted")) << Describe(r);
}

TEST(ScopeVerifier, FailsWhenTheJudgeExitsNonZero) {
  Fixture f;
  f.Change("q.sql", kQuery, f.Rewritten("q.sql", kQuery));
  f.context.agent = "command";
  f.context.command_agent_changed = true;
  f.context.settings.judge_command = "cat >/dev/null; echo 'the change is too broad'; exit 3";
  VerifierResult r = Scope(f);
  ASSERT_EQ(r.outcome, Outcome::kFail) << Describe(r);
  EXPECT_TRUE(AnyLineContains(r, "judge: the change is too broad")) << Describe(r);
  EXPECT_NE(r.summary.find("judge"), std::string::npos) << r.summary;
}

TEST(ScopeVerifier, GivesTheJudgeThePromptAndTheDiffAndPassesOnExitZero) {
  Fixture f;
  f.Change("q.sql", kQuery, f.Rewritten("q.sql", kQuery));
  f.context.command_agent_changed = true;
  f.context.prompt = "Move this consumer to core.user_profile_v2";
  f.context.settings.judge_command =
      "input=$(cat); case \"$input\" in *'Move this consumer'*) ;; *) exit 1;; esac; "
      "case \"$input\" in *'+FROM core.user_profile_v2 p'*) exit 0;; esac; exit 1";
  VerifierResult r = Scope(f);
  EXPECT_EQ(r.outcome, Outcome::kPass) << Describe(r);
}

TEST(ScopeVerifier, RunsNoJudgeForTheBuiltinAgentsChange) {
  Fixture f;
  f.Change("q.sql", kQuery, f.Rewritten("q.sql", kQuery));
  f.context.settings.judge_command = "exit 1";
  VerifierResult r = Scope(f);
  EXPECT_EQ(r.outcome, Outcome::kPass) << Describe(r);
}

TEST(ScopeVerifier, FailsAJudgeThatOutlivesItsTimeLimit) {
  Fixture f;
  f.Change("q.sql", kQuery, f.Rewritten("q.sql", kQuery));
  f.context.command_agent_changed = true;
  f.context.settings.judge_command = "sleep 30";
  f.context.settings.judge_timeout = std::chrono::seconds(1);
  VerifierResult r = Scope(f);
  ASSERT_EQ(r.outcome, Outcome::kFail) << Describe(r);
  EXPECT_TRUE(AnyLineContains(r, "no verdict within 1s")) << Describe(r);
}

}  // namespace
}  // namespace skein::verify
