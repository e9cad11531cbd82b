#include <gtest/gtest.h>

#include "tests/agent/agent_fixture.h"

namespace skein::agent {
namespace {

using testing::Contains;

TEST(Prompt, SaysTheEndStateTheMappingTableReferencesFindingsFeedbackAndRules) {
  AgentFixture f(Files{{"models/users.sql", "SELECT user_id, legacy_segment\nFROM core.user_profile_v1\n"}});
  AgentTask task = f.Task();
  task.attempt = 2;
  task.open_findings = {{"models/users.sql", 1, 17, "legacy_segment is dropped and has no reverse"}};
  task.feedback = {"equivalence: 3 of 100 rows differ in column segment"};
  std::string p = WritePrompt(task);
  EXPECT_TRUE(
      Contains(p,
               "must read `core.user_profile_v2` instead of `core.user_profile_v1` and compute exactly "
               "what it computed before"))
      << p;
  EXPECT_TRUE(Contains(p, "| v1 column | v2 column | v2 type | reverse expression")) << p;
  EXPECT_TRUE(Contains(p, "| `user_id` | `account_id` | `BIGINT` | (none) | renamed: use the v2 name |"))
      << p;
  EXPECT_TRUE(
      Contains(p, "| `signup_ts` | `signup_at` | `TIMESTAMP` | `strftime(signup_at, '%Y-%m-%d %H:%M:%S')` |"))
      << p;
  EXPECT_TRUE(Contains(p, "| `legacy_segment` | (dropped) |")) << p;
  EXPECT_TRUE(Contains(p, "needs judgement")) << p;
  EXPECT_TRUE(Contains(p, "- `plan_type` VARCHAR")) << p;
  EXPECT_TRUE(Contains(p, "- `models/users.sql:2:6` core.user_profile_v1")) << p;
  EXPECT_TRUE(Contains(p, "- `models/users.sql:1:17` legacy_segment is dropped and has no reverse")) << p;
  EXPECT_TRUE(Contains(p, "- equivalence: 3 of 100 rows differ in column segment")) << p;
  EXPECT_TRUE(Contains(p, "Change nothing the migration does not need")) << p;
  EXPECT_TRUE(Contains(p, "Keep output column names")) << p;
  EXPECT_TRUE(Contains(p, "Do not touch tests, CI configuration, or anything outside this folder")) << p;
  EXPECT_TRUE(Contains(p, "Do not commit")) << p;
}

TEST(Prompt, IsTheSameBytesForTheSameTask) {
  AgentFixture f(Files{{"q.sql", "SELECT user_id FROM core.user_profile_v1\n"}});
  AgentTask task = f.Task();
  EXPECT_EQ(WritePrompt(task), WritePrompt(task));
  AgentTask copy = task;
  EXPECT_EQ(WritePrompt(task), WritePrompt(copy));
}

TEST(Prompt, LeavesOutThePreviousAttemptWhenThereWasNone) {
  AgentFixture f(Files{{"q.sql", "SELECT user_id FROM core.user_profile_v1\n"}});
  std::string p = WritePrompt(f.Task());
  EXPECT_FALSE(Contains(p, "previous attempt failed")) << p;
}

}  // namespace
}  // namespace skein::agent
