// The README's example, end to end, as a new user runs it: lay out the example organisation,
// import its catalog, ask for the lineage, discover consumers in the code and plan the
// migration. Each step checks facts of the example that break if a stage breaks.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "tests/support/test_support.h"

namespace skein {
namespace {

using nlohmann::json;
using testing::RunSkein;

class ExampleCampaign : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    work_ = new testing::TempDir();
    ASSERT_EQ(testing::LayOutExampleOrg(Org()), "");
  }
  static void TearDownTestSuite() { delete work_; }
  static std::filesystem::path Org() { return work_->path() / "org"; }

  static json Json(const std::vector<std::string>& args) {
    auto result = RunSkein(args, Org());
    EXPECT_EQ(result.exit_code, 0) << result.err;
    return json::parse(result.out, nullptr, false);
  }

  static testing::TempDir* work_;
};
testing::TempDir* ExampleCampaign::work_ = nullptr;

std::set<std::string> Refs(const json& consumers, int depth) {
  std::set<std::string> refs;
  for (const auto& c : consumers) {
    if (c["depth"] == depth) refs.insert(c["ref"].get<std::string>());
  }
  return refs;
}

TEST_F(ExampleCampaign, LineageHasSixDirectAndTwoTransitiveConsumers) {
  json lineage = Json({"lineage", "core.user_profile_v1", "--json"});
  ASSERT_FALSE(lineage.is_discarded());
  EXPECT_EQ(Refs(lineage["consumers"], 1),
            (std::set<std::string>{"component:default/churn-features", "component:default/daily-active-users",
                                   "component:default/profile-export", "component:default/revenue-by-plan",
                                   "component:default/signup-funnel", "component:default/user-segments"}));
  EXPECT_EQ(Refs(lineage["consumers"], 2),
            (std::set<std::string>{"component:default/churn-model", "component:default/growth-dashboard"}));
}

TEST_F(ExampleCampaign, DiscoverFindsEveryFormAndTheShadowConsumer) {
  json found = Json({"discover", "core.user_profile_v1", "--repos", "repos", "--json"});
  ASSERT_FALSE(found.is_discarded());
  ASSERT_EQ(found["datasets"].size(), 1u);
  const json& dataset = found["datasets"][0];
  std::set<std::string> repos, forms;
  for (const auto& r : dataset["references"]) {
    repos.insert(r["repo"].get<std::string>());
    forms.insert(r["form"].get<std::string>());
  }
  EXPECT_EQ(repos,
            (std::set<std::string>{"adhoc-reports", "churn-features", "daily-active-users", "profile-export",
                                   "revenue-by-plan", "signup-funnel", "user-segments"}));
  EXPECT_EQ(forms.size(), 5u) << dataset["references"].dump();  // qualified, quoted, bigquery, legacy, dbt
  ASSERT_EQ(dataset["shadow_consumers"].size(), 1u);
  EXPECT_NE(dataset["shadow_consumers"].dump().find("adhoc-reports"), std::string::npos);
}

TEST_F(ExampleCampaign, PlanPutsTheCanaryFirstAndTierOneBehindApproval) {
  json plan = Json({"plan", "migrations/user-profile-v2.yaml", "--json"});
  ASSERT_FALSE(plan.is_discarded());
  EXPECT_EQ(plan["direct"].size(), 6u);
  EXPECT_EQ(plan["transitive"].size(), 2u);
  ASSERT_EQ(plan["waves"].size(), 2u);  // canary 2, then 2 * 2.0 = 4
  EXPECT_EQ(plan["waves"][0]["consumers"].size(), 2u);
  EXPECT_EQ(plan["waves"][1]["consumers"].size(), 4u);
  for (const auto& c : plan["direct"]) {
    bool tier1 = c["tier"] == "tier-1";
    EXPECT_EQ(c["approval_required"].get<bool>(), tier1) << c.dump();
  }
  // The lowest criticality goes first: no tier-1 consumer in the canary wave.
  for (const auto& ref : plan["waves"][0]["consumers"]) {
    for (const auto& c : plan["direct"]) {
      if (c["ref"] == ref) {
        EXPECT_NE(c["tier"], "tier-1") << ref;
      }
    }
  }
}

TEST_F(ExampleCampaign, AManifestNamingAColumnV1LacksIsRejectedWithItsPosition) {
  std::ifstream in(testing::SourceDir() / "examples/migrations/user-profile-v2.yaml");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto pos = text.find("{from: user_id, to: account_id}");
  ASSERT_NE(pos, std::string::npos);
  text.replace(pos, 31, "{from: user_idd, to: account_id}");
  {
    std::ofstream out(Org() / "migrations/typo.yaml");
    out << text;
  }
  auto result = RunSkein({"plan", "migrations/typo.yaml"}, Org());
  EXPECT_EQ(result.exit_code, 2) << result.out;
  EXPECT_NE(result.err.find("migrations/typo.yaml:9:"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("user_idd"), std::string::npos) << result.err;
}

}  // namespace
}  // namespace skein
