#include <signal.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <thread>

#include "tests/agent/agent_fixture.h"

namespace skein::agent {
namespace {

using testing::Contains;

const Files kConsumer = {
    {"models/users.sql", "SELECT user_id, country\nFROM core.user_profile_v1\n"},
    {"tests/test_users.sql", "SELECT count(*) FROM core.user_profile_v1\n"},
};

Result<AgentOutcome> RunStandin(const AgentFixture& f, const std::string& mode,
                                std::chrono::seconds timeout = std::chrono::seconds(30)) {
  return MakeCommandAgent(StandinSpec(mode, timeout))->Run(f.Task());
}

// Puts `dir` first on skein's PATH for the scope (the agent inherits skein's PATH).
class PathPrefixForTest {
 public:
  explicit PathPrefixForTest(const fs::path& dir) {
    const char* path = std::getenv("PATH");
    had_path_ = path != nullptr;
    if (had_path_) saved_ = path;
    std::string prefixed = dir.string() + (had_path_ ? ":" + saved_ : "");
    ::setenv("PATH", prefixed.c_str(), 1);
  }
  ~PathPrefixForTest() {
    if (had_path_) {
      ::setenv("PATH", saved_.c_str(), 1);
    } else {
      ::unsetenv("PATH");
    }
  }

 private:
  bool had_path_ = false;
  std::string saved_;
};

// Whether process `pid` still runs (a zombie waiting for its parent has stopped running).
bool Running(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  if (text.empty()) return false;
  size_t close = text.rfind(')');
  return close == std::string::npos || close + 2 >= text.size() || text[close + 2] != 'Z';
}

TEST(CommandAgent, EditsTheCheckoutAndTheEditIsVisible) {
  AgentFixture f(kConsumer);
  Result<AgentOutcome> out = RunStandin(f, "edit");
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(out->agent, "command");
  EXPECT_TRUE(out->ran_command);
  EXPECT_EQ(out->exit_code, 0) << out->log;
  EXPECT_FALSE(out->timed_out);
  EXPECT_TRUE(out->violations.empty()) << Join(out->violations, "\n");
  EXPECT_EQ(f.ReadCheckout("models/users.sql"), "SELECT user_id, country\nFROM core.user_profile_v2\n");
  EXPECT_EQ(out->edited, (std::vector<std::string>{"models/users.sql", "tests/test_users.sql"}));
  EXPECT_TRUE(Contains(out->log, "stand-in: renamed the table")) << out->log;
  Result<std::string> log = ReadFile(f.workspace().log / "agent-1.log");
  ASSERT_TRUE(log.ok());
  EXPECT_TRUE(Contains(*log, "stand-in: renamed the table"));
  Result<std::string> prompt = ReadFile(f.workspace().log / "prompt-1.md");
  ASSERT_TRUE(prompt.ok());
  EXPECT_EQ(*prompt, out->prompt);
}

TEST(CommandAgent, GetsThePromptOnStdinAndInThePromptFile) {
  AgentFixture f(kConsumer);
  Result<AgentOutcome> out = RunStandin(f, "prompt");
  ASSERT_TRUE(out.ok()) << out.status().message();
  std::string expected = "--- stdin ---\n" + out->prompt + "--- file ---\n" + out->prompt;
  EXPECT_TRUE(Contains(out->log, expected)) << out->log;
  EXPECT_TRUE(Contains(out->prompt, "models/users.sql:2:6")) << out->prompt;
}

TEST(CommandAgent, AHangingAgentAndItsChildrenAreKilledAtTheTimeLimit) {
  AgentFixture f(kConsumer);
  auto start = std::chrono::steady_clock::now();
  Result<AgentOutcome> out = RunStandin(f, "hang", std::chrono::seconds(1));
  auto took = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_TRUE(out->timed_out);
  EXPECT_NE(out->exit_code, 0);
  EXPECT_LT(took, std::chrono::seconds(8));
  EXPECT_TRUE(Contains(out->log, "killed after the time limit")) << out->log;
  Result<std::string> pid_text = ReadFile(f.workspace().home / "child.pid");
  ASSERT_TRUE(pid_text.ok()) << "the stand-in never started its child";
  pid_t child = static_cast<pid_t>(std::stol(*pid_text));
  for (int i = 0; i < 50 && Running(child); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_FALSE(Running(child)) << "the agent's child " << child << " outlived the time limit";
}

TEST(CommandAgent, WritingIntoTheJobFolderOutsideTheCheckoutIsAViolation) {
  for (const std::string mode : {"escape-job", "escape-home"}) {
    AgentFixture f(kConsumer);
    Result<AgentOutcome> out = RunStandin(f, mode);
    ASSERT_TRUE(out.ok()) << out.status().message();
    ASSERT_EQ(out->violations.size(), 1u) << mode << ": " << Join(out->violations, "\n") << out->log;
    EXPECT_TRUE(Contains(out->violations[0], "wrote outside the checkout: created")) << out->violations[0];
    EXPECT_TRUE(Contains(out->violations[0], mode == "escape-job" ? "outside.txt" : "escaped.txt"))
        << out->violations[0];
    EXPECT_TRUE(Contains(out->log, "[violation]")) << out->log;
  }
}

TEST(CommandAgent, WritingIntoTheSourceRepositoryIsAViolation) {
  AgentFixture f(kConsumer);
  Result<AgentOutcome> out = RunStandin(f, "escape-source");
  ASSERT_TRUE(out.ok()) << out.status().message();
  ASSERT_TRUE(fs::exists(f.source() / "planted.txt")) << out->log;
  ASSERT_EQ(out->violations.size(), 1u) << Join(out->violations, "\n");
  EXPECT_TRUE(Contains(out->violations[0], "changed the source repository")) << out->violations[0];
}

TEST(CommandAgent, PlantingAGitHookInTheCheckoutIsAViolation) {
  AgentFixture f(kConsumer);
  Result<AgentOutcome> out = RunStandin(f, "plant-hook");
  ASSERT_TRUE(out.ok()) << out.status().message();
  ASSERT_EQ(out->violations.size(), 1u) << Join(out->violations, "\n");
  EXPECT_TRUE(Contains(out->violations[0], ".git config, hooks")) << out->violations[0];
}

TEST(CommandAgent, DeletingATestFileIsAViolation) {
  AgentFixture f(kConsumer);
  Result<AgentOutcome> out = RunStandin(f, "delete-test");
  ASSERT_TRUE(out.ok()) << out.status().message();
  ASSERT_EQ(out->violations.size(), 1u) << Join(out->violations, "\n");
  EXPECT_EQ(out->violations[0], "deleted or renamed test file tests/test_users.sql");
  EXPECT_EQ(out->edited, std::vector<std::string>{"tests/test_users.sql"});
}

TEST(CommandAgent, SeesNoSecretOfSkeinsEnvironmentButTheNamesTheManifestPassesThrough) {
  AgentFixture f(kConsumer);
  ::setenv("GITHUB_TOKEN", "ghp_secret_token_value", 1);
  ::setenv("AWS_SECRET_ACCESS_KEY", "aws_secret_value", 1);
  ::setenv("PGPASSWORD", "pg_secret_value", 1);
  ::setenv("SKEIN_TEST_AGENT_KEY", "passed-through-key", 1);
  AgentSpec spec = StandinSpec("env");
  spec.env.push_back("SKEIN_TEST_AGENT_KEY");
  Result<AgentOutcome> out = MakeCommandAgent(spec)->Run(f.Task());
  ::unsetenv("GITHUB_TOKEN");
  ::unsetenv("AWS_SECRET_ACCESS_KEY");
  ::unsetenv("PGPASSWORD");
  ::unsetenv("SKEIN_TEST_AGENT_KEY");
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_FALSE(Contains(out->log, "secret")) << out->log;
  EXPECT_FALSE(Contains(out->log, "GITHUB_TOKEN")) << out->log;
  EXPECT_FALSE(Contains(out->log, "AWS_")) << out->log;
  EXPECT_FALSE(Contains(out->log, "PGPASSWORD")) << out->log;
  EXPECT_TRUE(Contains(out->log, "SKEIN_TEST_AGENT_KEY=passed-through-key")) << out->log;
  EXPECT_TRUE(Contains(out->log, "HOME=" + f.workspace().home.string() + "\n")) << out->log;
  EXPECT_TRUE(Contains(out->log, "TMPDIR=" + f.workspace().home.string() + "\n")) << out->log;
  EXPECT_TRUE(Contains(out->log, "SKEIN_WORKSPACE=" + f.workspace().repo.string() + "\n")) << out->log;
  EXPECT_TRUE(Contains(out->log, "SKEIN_PROMPT_FILE=" + (f.workspace().log / "prompt-1.md").string()))
      << out->log;
}

TEST(CommandAgent, AFailingAgentIsAnOutcomeNotAnError) {
  AgentFixture f(kConsumer);
  Result<AgentOutcome> out = RunStandin(f, "fail");
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(out->exit_code, 3);
  EXPECT_FALSE(out->timed_out);
  EXPECT_TRUE(out->violations.empty());
  EXPECT_TRUE(Contains(out->log, "[exit 3")) << out->log;
}

TEST(CommandAgent, WithoutACommandItCannotRun) {
  AgentFixture f(kConsumer);
  AgentSpec spec;
  spec.kind = AgentKind::kCommand;
  Result<AgentOutcome> out = MakeCommandAgent(spec)->Run(f.Task());
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), StatusCode::kInvalidInput);
}

TEST(CommandAgent, ItsVersionIsTheExecutableOnPathAndTheSha256OfThatFile) {
  testing::TempDir dir;
  fs::path script = WriteScript(dir, "bin/skein-test-agent", "#!/bin/sh\necho first build\n");
  PathPrefixForTest path(dir.path() / "bin");
  AgentSpec spec;
  spec.kind = AgentKind::kCommand;
  spec.command = "SKEIN_MODE=fix skein-test-agent --prompt \"$SKEIN_PROMPT_FILE\"";
  std::unique_ptr<Agent> agent = MakeCommandAgent(spec);
  AgentVersion version = agent->Version();
  EXPECT_EQ(version.kind, "command");
  EXPECT_EQ(version.version, "") << "without a version command only the executable's hash is known";
  EXPECT_EQ(version.executable, script.string());
  std::string first = Sha256Sum(script);
  ASSERT_EQ(first.size(), 64u);
  EXPECT_EQ(version.executable_sha256, first);
  EXPECT_TRUE(version.problem.empty()) << version.problem;

  // Another build of the agent: the agent object keeps what it found (once per agent, not per
  // attempt); a new agent object identifies the new binary.
  WriteScript(dir, "bin/skein-test-agent", "#!/bin/sh\necho second build\n");
  std::string second = Sha256Sum(script);
  ASSERT_NE(second, first);
  EXPECT_EQ(agent->Version().executable_sha256, first);
  EXPECT_EQ(MakeCommandAgent(spec)->Version().executable_sha256, second);
}

TEST(CommandAgent, ItsVersionCommandNamesTheVersionWithTheAgentsEnvironmentOnly) {
  testing::TempDir dir;
  WriteScript(dir, "bin/skein-test-agent",
              "#!/bin/sh\nprintf '\\n  skein-test-agent 1.4.2 (build %s)  \\nsecond line\\n' "
              "\"${AGENT_BUILD:-?}\"\n");
  PathPrefixForTest path(dir.path() / "bin");
  setenv("AGENT_BUILD", "abc", 1);
  setenv("SKEIN_TEST_SECRET", "leaked", 1);
  AgentSpec spec;
  spec.kind = AgentKind::kCommand;
  spec.command = "skein-test-agent --fix";
  spec.version_command = "skein-test-agent --version";
  AgentVersion listed_nothing = MakeCommandAgent(spec)->Version();
  EXPECT_EQ(listed_nothing.version, "skein-test-agent 1.4.2 (build ?)") << "the first line, trimmed";
  EXPECT_TRUE(listed_nothing.problem.empty()) << listed_nothing.problem;
  spec.env = {"AGENT_BUILD"};
  EXPECT_EQ(MakeCommandAgent(spec)->Version().version, "skein-test-agent 1.4.2 (build abc)")
      << "variables the manifest lists reach it; others do not";
  spec.version_command = "echo \"scrubbed: ${SKEIN_TEST_SECRET:-yes}\"";
  EXPECT_EQ(MakeCommandAgent(spec)->Version().version, "scrubbed: yes");

  spec.version_command = "echo broken >&2; exit 3";
  AgentVersion failed = MakeCommandAgent(spec)->Version();
  EXPECT_EQ(failed.version, "");
  EXPECT_TRUE(Contains(failed.problem, "exit 3: broken")) << failed.problem;
  EXPECT_FALSE(failed.executable_sha256.empty()) << "the executable is still identified";
  unsetenv("AGENT_BUILD");
  unsetenv("SKEIN_TEST_SECRET");
}

TEST(CommandAgent, ItsVersionSaysWhyTheExecutableIsUnknown) {
  struct Case {
    std::string command;
    std::string problem;
  };
  for (const Case& c : std::vector<Case>{{"$AGENT_BIN --fix", "expands"},
                                         {"./scripts/agent.sh", "checkout"},
                                         {"skein-no-such-agent-here --fix", "not an executable on PATH"},
                                         {"/nonexistent/skein-agent", "not an executable file"}}) {
    AgentSpec spec;
    spec.kind = AgentKind::kCommand;
    spec.command = c.command;
    AgentVersion version = MakeCommandAgent(spec)->Version();
    EXPECT_EQ(version.kind, "command");
    EXPECT_EQ(version.executable, "") << c.command;
    EXPECT_EQ(version.executable_sha256, "") << c.command;
    EXPECT_TRUE(Contains(version.problem, c.problem)) << c.command << ": " << version.problem;
  }
}

TEST(CommandExecutable, ReadsTheFirstWordAsTheShellDoes) {
  testing::TempDir dir;
  fs::path script = WriteScript(dir, "my agents/run it", "#!/bin/sh\n");
  std::string quoted = "'" + script.string() + "'";
  for (const std::string& command :
       {quoted + " --fix", "FOO=1 BAR='a b' exec " + quoted, "\"" + script.string() + "\"; echo done",
        "LANG=C " + quoted + "<prompt.md"}) {
    Result<std::string> executable = CommandExecutable(command);
    ASSERT_TRUE(executable.ok()) << command << ": " << executable.status().message();
    EXPECT_EQ(*executable, script.string()) << command;
  }
  Result<std::string> sh = CommandExecutable("sh -c 'claude -p \"$(cat $SKEIN_PROMPT_FILE)\"'");
  ASSERT_TRUE(sh.ok()) << sh.status().message();
  EXPECT_TRUE(fs::path(*sh).is_absolute()) << *sh;
  EXPECT_EQ(fs::path(*sh).filename(), "sh");
  EXPECT_FALSE(CommandExecutable("   ").ok());
  EXPECT_FALSE(CommandExecutable("'unterminated --fix").ok());
}

TEST(CommandAgent, UnderBubblewrapTheSourceRepositoryCannotBeWrittenAndTheCheckoutCan) {
  if (BwrapPath().empty()) GTEST_SKIP() << "bwrap is not installed or cannot build a sandbox here";
  AgentFixture f(kConsumer);
  CommandAgentOptions options;
  options.sandbox = Sandbox::kBwrap;
  Result<AgentOutcome> escape = MakeCommandAgent(StandinSpec("escape-source"), options)->Run(f.Task());
  ASSERT_TRUE(escape.ok()) << escape.status().message();
  EXPECT_NE(escape->exit_code, 0) << escape->log;
  EXPECT_FALSE(fs::exists(f.source() / "planted.txt"));
  EXPECT_TRUE(escape->violations.empty()) << Join(escape->violations, "\n");
  Result<AgentOutcome> edit = MakeCommandAgent(StandinSpec("edit"), options)->Run(f.Task());
  ASSERT_TRUE(edit.ok()) << edit.status().message();
  EXPECT_EQ(edit->exit_code, 0) << edit->log;
  EXPECT_EQ(f.ReadCheckout("models/users.sql"), "SELECT user_id, country\nFROM core.user_profile_v2\n");
}

}  // namespace
}  // namespace skein::agent
