#include "base/subprocess.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "tests/support/test_support.h"

namespace skein {
namespace {

using namespace std::chrono_literals;

TEST(RunProcess, CapturesOutputAndExitCode) {
  Result<ProcessResult> r = RunProcess({"sh", "-c", "echo out; echo err >&2; exit 3"});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->exit_code, 3);
  EXPECT_EQ(r->out, "out\n");
  EXPECT_EQ(r->err, "err\n");
  EXPECT_FALSE(r->timed_out);
}

TEST(RunProcess, FeedsStdinAndRunsInTheGivenFolder) {
  testing::TempDir dir;
  ProcessOptions options;
  options.cwd = dir.path();
  options.stdin_text = "hello";
  Result<ProcessResult> r = RunProcess({"sh", "-c", "cat > got.txt; pwd"}, options);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->exit_code, 0);
  EXPECT_EQ(std::filesystem::path(r->out.substr(0, r->out.size() - 1)), std::filesystem::canonical(dir.path()));
  std::ifstream in(dir.path() / "got.txt");
  std::string got((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(got, "hello");
}

TEST(RunProcess, ScrubbedEnvironmentHoldsOnlyWhatIsGiven) {
  setenv("SKEIN_TEST_SECRET", "s3cr3t", 1);
  ProcessOptions options;
  options.replace_env = true;
  options.env = InheritedEnv({"PATH"});
  options.env.push_back("ALLOWED=yes");
  Result<ProcessResult> r = RunProcess({"env"}, options);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(testing::Contains(r->out, "SKEIN_TEST_SECRET"));
  EXPECT_TRUE(testing::Contains(r->out, "ALLOWED=yes"));
  unsetenv("SKEIN_TEST_SECRET");
}

TEST(RunProcess, TimeoutKillsTheWholeProcessGroup) {
  testing::TempDir dir;
  ProcessOptions options;
  options.cwd = dir.path();
  options.timeout = 300ms;
  // The child starts a grandchild that would write a file after the limit; both must die.
  Result<ProcessResult> r =
      RunProcess({"sh", "-c", "(sleep 2; touch late.txt) & trap '' TERM; sleep 30"}, options);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->timed_out);
  EXPECT_NE(r->exit_code, 0);
  EXPECT_LT(r->elapsed, 10s);
  std::this_thread::sleep_for(2500ms);
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "late.txt"));
}

TEST(RunProcess, BackgroundChildrenDieWithTheirParent) {
  testing::TempDir dir;
  ProcessOptions options;
  options.cwd = dir.path();
  Result<ProcessResult> r = RunProcess({"sh", "-c", "(sleep 1; touch late.txt) >/dev/null 2>&1 & exit 0"}, options);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->exit_code, 0);
  std::this_thread::sleep_for(1500ms);
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "late.txt"));
}

TEST(RunProcess, OutputBeyondTheCapIsDropped) {
  ProcessOptions options;
  options.max_output = 1000;
  Result<ProcessResult> r = RunProcess({"sh", "-c", "head -c 100000 /dev/zero"}, options);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->out.size(), 1000u);
  EXPECT_TRUE(r->truncated);
  EXPECT_EQ(r->exit_code, 0);
}

TEST(RunProcess, MissingProgramIsAnIoErrorNamingIt) {
  Result<ProcessResult> r = RunProcess({"skein-no-such-program-xyz"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kIoError);
  EXPECT_TRUE(testing::Contains(r.status().message(), "skein-no-such-program-xyz"));
}

}  // namespace
}  // namespace skein
