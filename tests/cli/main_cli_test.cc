// The top of the command line: help, version, and usage errors with exit code 2.
#include <gtest/gtest.h>

#include "tests/support/test_support.h"

namespace skein {
namespace {

using skein::testing::Contains;

using testing::RunSkein;

TEST(SkeinCommand, HelpListsEveryCommandAndTheExitCodes) {
  testing::TempDir dir;
  auto result = RunSkein({"--help"}, dir.path());
  EXPECT_EQ(result.exit_code, 0);
  for (const char* command : {"catalog", "lineage", "discover", "plan", "manifest", "rewrite"}) {
    EXPECT_TRUE(Contains(result.out, command)) << command;
  }
  EXPECT_TRUE(Contains(result.out, "Exit codes: 0 ok, 1 findings or failures, 2 bad input or usage"));
}

TEST(SkeinCommand, VersionPrintsTheVersion) {
  testing::TempDir dir;
  auto result = RunSkein({"--version"}, dir.path());
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_TRUE(Contains(result.out, "skein 0.")) << result.out;
}

TEST(SkeinCommand, AnUnknownCommandIsAUsageErrorThatNamesIt) {
  testing::TempDir dir;
  auto result = RunSkein({"--store", "x.db", "lineag", "core.x"}, dir.path());
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_TRUE(Contains(result.err, "unknown command 'lineag'")) << result.err;
  EXPECT_FALSE(std::filesystem::exists(dir.path() / ".skein")) << "a usage error must not create state";
}

TEST(SkeinCommand, AMissingSubcommandOrOptionValueIsExitTwo) {
  testing::TempDir dir;
  EXPECT_EQ(RunSkein({}, dir.path()).exit_code, 2);
  EXPECT_EQ(RunSkein({"catalog"}, dir.path()).exit_code, 2);
  EXPECT_EQ(RunSkein({"lineage", "core.x", "--depth", "many"}, dir.path()).exit_code, 2);
}

}  // namespace
}  // namespace skein
