#include <gtest/gtest.h>

#include "base/version.h"
#include "tests/agent/agent_fixture.h"

namespace skein::agent {
namespace {

using testing::Contains;

AgentSpec ChainSpec(const std::string& mode) {
  AgentSpec spec = StandinSpec(mode);
  spec.kind = AgentKind::kChain;
  return spec;
}

TEST(ChainAgent, DoesNotRunTheCommandWhenTheRewritersResolveEverything) {
  AgentFixture f(Files{{"q.sql", "SELECT user_id, country FROM core.user_profile_v1\n"}});
  Result<AgentOutcome> out = MakeChainAgent(ChainSpec("prompt"))->Run(f.Task());
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(out->agent, "chain");
  EXPECT_FALSE(out->ran_command);
  EXPECT_TRUE(out->prompt.empty());
  EXPECT_EQ(out->edited, std::vector<std::string>{"q.sql"});
  EXPECT_FALSE(fs::exists(f.workspace().log / "prompt-1.md"));
}

TEST(ChainAgent, RunsTheCommandForTheFindingsTheRewritersLeave) {
  AgentFixture f(Files{{"q.sql", "SELECT user_id, legacy_segment FROM core.user_profile_v1\n"}});
  Result<AgentOutcome> out = MakeChainAgent(ChainSpec("prompt"))->Run(f.Task());
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_TRUE(out->ran_command);
  EXPECT_TRUE(Contains(out->prompt, "- `q.sql:1:17`")) << out->prompt;  // the builtin's finding
  EXPECT_TRUE(Contains(out->log, "== builtin ==\nq.sql: ")) << out->log;
  EXPECT_TRUE(Contains(out->log, "== command ==\n")) << out->log;
  EXPECT_TRUE(Contains(out->log, "--- stdin ---")) << out->log;  // the stand-in's own output
  EXPECT_EQ(out->edited, std::vector<std::string>{"q.sql"});
  EXPECT_TRUE(Contains(f.ReadCheckout("q.sql"), "core.user_profile_v2"));
}

TEST(ChainAgent, RunsTheCommandAfterAFailedVerification) {
  AgentFixture f(Files{{"q.sql", "SELECT user_id, country FROM core.user_profile_v1\n"}});
  AgentTask task = f.Task();
  task.attempt = 2;
  task.feedback = {"build: make test failed"};
  Result<AgentOutcome> out = MakeChainAgent(ChainSpec("fail"))->Run(task);
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_TRUE(out->ran_command);
  EXPECT_EQ(out->exit_code, 3);
  EXPECT_TRUE(Contains(out->prompt, "build: make test failed"));
  EXPECT_TRUE(fs::exists(f.workspace().log / "prompt-2.md"));
}

TEST(ChainAgent, ItsVersionIsSkeinsWithTheCommandsExecutableAndHash) {
  testing::TempDir dir;
  fs::path script = WriteScript(dir, "agents/fix-it", "#!/bin/sh\necho chain stand-in\n");
  AgentSpec spec;
  spec.kind = AgentKind::kChain;
  spec.command = "'" + script.string() + "' --all";
  AgentVersion version = MakeAgent(spec)->Version();
  EXPECT_EQ(version.kind, "chain");
  EXPECT_EQ(version.version, SKEIN_VERSION) << "the rewriters it runs first are skein's";
  EXPECT_EQ(version.executable, script.string());
  ASSERT_EQ(Sha256Sum(script).size(), 64u);
  EXPECT_EQ(version.executable_sha256, Sha256Sum(script));
  EXPECT_TRUE(version.problem.empty()) << version.problem;
  spec.version_command = "echo fix-it 0.9";
  EXPECT_EQ(MakeAgent(spec)->Version().version, std::string(SKEIN_VERSION) + " + fix-it 0.9");
}

TEST(MakeAgent, PicksTheAgentTheManifestNames) {
  AgentSpec spec;
  EXPECT_EQ(MakeAgent(spec)->Name(), "builtin");
  spec.kind = AgentKind::kCommand;
  spec.command = "true";
  EXPECT_EQ(MakeAgent(spec)->Name(), "command");
  spec.kind = AgentKind::kChain;
  EXPECT_EQ(MakeAgent(spec)->Name(), "chain");
  spec.command = "";
  EXPECT_EQ(MakeAgent(spec)->Name(), "builtin");
}

}  // namespace
}  // namespace skein::agent
