// The build verifier: the consumer's own checks, declared or detected, under a time limit.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>

#include "catalog/entity.h"
#include "tests/verify/verify_fixture.h"
#include "verify/verifiers.h"

namespace skein::verify {
namespace {

using testing::AnyLineContains;
using testing::Describe;
using testing::Fixture;

VerifierResult Build(const Fixture& f) { return MakeBuildVerifier()->Verify(f.context); }

TEST(BuildVerifier, PassesAMakeTestThatSucceeds) {
  Fixture f;
  f.Keep("Makefile", "test:\n\t@echo all good\n");
  VerifierResult r = Build(f);
  EXPECT_EQ(r.outcome, Outcome::kPass) << Describe(r);
  EXPECT_EQ(r.evidence["command"], "make test");
}

TEST(BuildVerifier, FailsAMakeTestThatFailsShowingItsOutput) {
  Fixture f;
  f.Keep("Makefile", "test:\n\t@echo 'FAILED test_users: expected 3 rows' >&2\n\t@exit 1\n");
  VerifierResult r = Build(f);
  ASSERT_EQ(r.outcome, Outcome::kFail) << Describe(r);
  EXPECT_TRUE(AnyLineContains(r, "FAILED test_users: expected 3 rows")) << Describe(r);
}

TEST(BuildVerifier, KeepsOnlyTheLastLinesOfAFailingBuild) {
  Fixture f;
  f.Keep("Makefile", "test:\n\t@seq 1 100; exit 2\n");
  VerifierResult r = Build(f);
  ASSERT_EQ(r.outcome, Outcome::kFail) << Describe(r);
  ASSERT_EQ(r.lines.size(), 30u);
  EXPECT_TRUE(AnyLineContains(r, "100")) << Describe(r);
  EXPECT_EQ(std::count(r.lines.begin(), r.lines.end(), "70"), 0) << Describe(r);
}

TEST(BuildVerifier, FailsABuildThatExceedsTheTimeLimit) {
  Fixture f;
  f.Keep("Makefile", "test:\n\t@sleep 30\n");
  f.context.settings.build_timeout = std::chrono::seconds(1);
  auto start = std::chrono::steady_clock::now();
  VerifierResult r = Build(f);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(20));
  ASSERT_EQ(r.outcome, Outcome::kFail) << Describe(r);
  EXPECT_NE(r.summary.find("1s limit"), std::string::npos) << r.summary;
}

TEST(BuildVerifier, RunsTheDeclaredVerifyCommandInTheCheckoutWithAScrubbedEnvironment) {
  Fixture f;
  f.Keep("Makefile", "test:\n\t@exit 1\n");  // the declaration wins over detection
  Entity consumer;
  consumer.kind = "Component";
  consumer.name = "daily-active-users";
  consumer.annotations["skein.dev/verify-command"] =
      "test -f marker && test \"$HOME\" = \"$TMPDIR\" && test -z \"$SKEIN_SECRET\" && echo checked";
  f.context.consumer = &consumer;
  f.Keep("marker", "");
  setenv("SKEIN_SECRET", "leak", 1);
  VerifierResult r = Build(f);
  unsetenv("SKEIN_SECRET");
  EXPECT_EQ(r.outcome, Outcome::kPass) << Describe(r);
  EXPECT_EQ(r.evidence["from"], "skein.dev/verify-command");
}

TEST(BuildVerifier, IsNotApplicableWhenNothingIsDetected) {
  Fixture f;
  f.Keep("q.sql", "SELECT 1\n");
  f.Keep("Makefile", "all:\n\t@true\n");  // no test target
  VerifierResult r = Build(f);
  EXPECT_EQ(r.outcome, Outcome::kNotApplicable) << Describe(r);
}

TEST(BuildVerifier, IsNotApplicableWhenTheDetectedToolIsMissing) {
  Fixture f;
  f.Keep("build.sbt", "name := \"users\"\n");
  f.Keep("pom.xml", "<project/>\n");
  // A PATH with nothing on it: sbt is missing whatever this machine has installed.
  std::string saved = getenv("PATH") ? getenv("PATH") : "";
  setenv("PATH", f.context.workspace.home.c_str(), 1);
  VerifierResult r = Build(f);
  setenv("PATH", saved.c_str(), 1);
  EXPECT_EQ(r.outcome, Outcome::kNotApplicable) << Describe(r);
  EXPECT_NE(r.summary.find("needs sbt"), std::string::npos) << r.summary;
}

}  // namespace
}  // namespace skein::verify
