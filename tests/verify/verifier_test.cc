// The helpers over verifier results: dispatch by name, running in order, and what an agent and a
// report get to see.
#include <gtest/gtest.h>

#include "tests/verify/verify_fixture.h"
#include "verify/verifier.h"

namespace skein::verify {
namespace {

VerifierResult Made(std::string name, Outcome outcome, std::vector<std::string> lines = {}) {
  VerifierResult r;
  r.verifier = std::move(name);
  r.outcome = outcome;
  r.summary = r.verifier + " summary";
  r.lines = std::move(lines);
  return r;
}

TEST(MakeVerifier, PicksEachVerifierByItsName) {
  for (const char* name : {"parse", "residual", "equivalence", "build", "scope"}) {
    std::unique_ptr<Verifier> verifier = MakeVerifier(name);
    ASSERT_NE(verifier, nullptr) << name;
    EXPECT_EQ(verifier->Name(), name);
  }
  EXPECT_EQ(MakeVerifier("lint"), nullptr);
}

TEST(OutcomeName, SpellsEachOutcome) {
  EXPECT_EQ(OutcomeName(Outcome::kPass), "pass");
  EXPECT_EQ(OutcomeName(Outcome::kFail), "fail");
  EXPECT_EQ(OutcomeName(Outcome::kNotApplicable), "not applicable");
}

TEST(RunVerifiers, RunsTheNamedVerifiersInOrderAndTimesEach) {
  testing::Fixture f;
  f.Keep("Makefile", "test:\n\t@sleep 0.2\n");
  std::vector<VerifierResult> results = RunVerifiers({"scope", "build", "lint"}, f.context);
  ASSERT_EQ(results.size(), 3u);
  EXPECT_EQ(results[0].verifier, "scope");
  EXPECT_EQ(results[0].outcome, Outcome::kNotApplicable);  // nothing changed
  EXPECT_EQ(results[1].verifier, "build");
  EXPECT_EQ(results[1].outcome, Outcome::kPass) << testing::Describe(results[1]);
  EXPECT_GE(results[1].elapsed, std::chrono::milliseconds(200));
  // An unknown name must never read as a pass.
  EXPECT_EQ(results[2].verifier, "lint");
  EXPECT_EQ(results[2].outcome, Outcome::kFail);
}

TEST(AllPassed, CountsNotApplicableAsNotFailed) {
  EXPECT_TRUE(AllPassed({Made("parse", Outcome::kPass), Made("build", Outcome::kNotApplicable)}));
  EXPECT_FALSE(AllPassed({Made("parse", Outcome::kPass), Made("scope", Outcome::kFail)}));
  EXPECT_TRUE(AllPassed({}));
}

TEST(Feedback, ListsOnlyFailuresWithAtMostMaxLinesEach) {
  std::vector<VerifierResult> results = {
      Made("parse", Outcome::kPass, {"ignored"}),
      Made("residual", Outcome::kFail, {"a.sql:1:1: x", "a.sql:2:1: y", "a.sql:3:1: z"}),
      Made("build", Outcome::kNotApplicable, {"ignored"}),
      Made("scope", Outcome::kFail, {"q.sql:4: +WHERE 1"})};
  std::vector<std::string> feedback = Feedback(results, 2);
  std::vector<std::string> expected = {"verifier residual failed: residual summary",
                                       "  a.sql:1:1: x",
                                       "  a.sql:2:1: y",
                                       "  ... and 1 more",
                                       "verifier scope failed: scope summary",
                                       "  q.sql:4: +WHERE 1"};
  EXPECT_EQ(feedback, expected);
}

TEST(ResultsToJson, GivesEachResultItsOutcomeLinesEvidenceAndTime) {
  VerifierResult r = Made("build", Outcome::kFail, {"boom"});
  r.evidence = {{"exit_code", 2}};
  r.elapsed = std::chrono::milliseconds(42);
  nlohmann::json json = ResultsToJson({r, Made("parse", Outcome::kNotApplicable)});
  ASSERT_TRUE(json.is_array());
  ASSERT_EQ(json.size(), 2u);
  EXPECT_EQ(json[0]["verifier"], "build");
  EXPECT_EQ(json[0]["outcome"], "fail");
  EXPECT_EQ(json[0]["summary"], "build summary");
  EXPECT_EQ(json[0]["lines"], nlohmann::json::array({"boom"}));
  EXPECT_EQ(json[0]["evidence"]["exit_code"], 2);
  EXPECT_EQ(json[0]["elapsed_ms"], 42);
  EXPECT_EQ(json[1]["outcome"], "not applicable");
}

}  // namespace
}  // namespace skein::verify
