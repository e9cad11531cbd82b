#include <gtest/gtest.h>

#include "base/version.h"
#include "tests/agent/agent_fixture.h"

namespace skein::agent {
namespace {

using testing::Contains;

TEST(BuiltinAgent, RewritesASqlFileInPlaceAndLeavesAFindingForADroppedColumn) {
  AgentFixture f(Files{{"models/users.sql", "SELECT user_id, legacy_segment\nFROM core.user_profile_v1\n"},
                       {"README.md", "Reports on users.\n"}});
  Result<AgentOutcome> out = MakeBuiltinAgent()->Run(f.Task());
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(out->agent, "builtin");
  EXPECT_FALSE(out->ran_command);
  std::string sql = f.ReadCheckout("models/users.sql");
  EXPECT_TRUE(Contains(sql, "FROM core.user_profile_v2")) << sql;
  EXPECT_TRUE(Contains(sql, "account_id AS user_id")) << sql;
  EXPECT_EQ(out->edited, std::vector<std::string>{"models/users.sql"});
  ASSERT_EQ(out->findings.size(), 1u) << out->log;
  EXPECT_EQ(out->findings[0].file, "models/users.sql");
  EXPECT_EQ(out->findings[0].line, 1);
  EXPECT_EQ(out->findings[0].col, 17);
  EXPECT_TRUE(Contains(out->findings[0].text, "legacy_segment")) << out->findings[0].text;
  EXPECT_EQ(f.ReadCheckout("README.md"), "Reports on users.\n");
}

TEST(BuiltinAgent, LeavesNoFindingWhenEveryUseIsProvableAndIsIdempotent) {
  AgentFixture f(
      Files{{"q.sql", "SELECT user_id, country FROM core.user_profile_v1 WHERE is_premium = 1\n"}});
  Result<AgentOutcome> first = MakeBuiltinAgent()->Run(f.Task());
  ASSERT_TRUE(first.ok()) << first.status().message();
  EXPECT_TRUE(first->findings.empty()) << first->log;
  EXPECT_EQ(first->edited, std::vector<std::string>{"q.sql"});
  std::string once = f.ReadCheckout("q.sql");
  Result<AgentOutcome> second = MakeBuiltinAgent()->Run(f.Task());
  ASSERT_TRUE(second.ok());
  EXPECT_TRUE(second->edited.empty()) << second->log;
  EXPECT_EQ(f.ReadCheckout("q.sql"), once);
}

TEST(BuiltinAgent, ReportsAReferenceNoRewriterCanChangeAsAFinding) {
  AgentFixture f(Files{{"notes.txt", "numbers come from core.user_profile_v1\n"}});
  Result<AgentOutcome> out = MakeBuiltinAgent()->Run(f.Task());
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_TRUE(out->edited.empty());
  ASSERT_EQ(out->findings.size(), 1u);
  EXPECT_EQ(out->findings[0].file, "notes.txt");
  EXPECT_EQ(out->findings[0].col, 19);
}

TEST(BuiltinAgent, ItsVersionIsSkeinsOwn) {
  AgentVersion version = MakeBuiltinAgent()->Version();
  EXPECT_EQ(version.kind, "builtin");
  EXPECT_EQ(version.version, SKEIN_VERSION);
  EXPECT_FALSE(version.version.empty());
  EXPECT_TRUE(version.executable.empty());
  EXPECT_TRUE(version.executable_sha256.empty());
  EXPECT_TRUE(version.problem.empty()) << version.problem;
}

TEST(FindReferences, ListsEveryFileLineAndColumnOutsideGit) {
  AgentFixture f(Files{{"a.sql", "-- users\nSELECT * FROM core.user_profile_v1\n"},
                       {"b/c.py", "T = \"core.user_profile_v1\"\n"},
                       {"d.sql", "SELECT * FROM core.user_profile_v10\n"}});
  Result<std::vector<FileNote>> refs = FindReferences(f.workspace(), f.migration());
  ASSERT_TRUE(refs.ok()) << refs.status().message();
  ASSERT_EQ(refs->size(), 2u);
  EXPECT_EQ((*refs)[0].file, "a.sql");
  EXPECT_EQ((*refs)[0].line, 2);
  EXPECT_EQ((*refs)[0].col, 15);
  EXPECT_EQ((*refs)[1].file, "b/c.py");
}

}  // namespace
}  // namespace skein::agent
