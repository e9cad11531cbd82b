// Specification of `skein plan` and `skein manifest check`, run as the real binary in a fresh
// folder holding the catalog of tests/data/manifests/catalog.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "tests/support/test_support.h"

namespace skein {
namespace {

using skein::testing::Contains;

using nlohmann::json;
using skein::testing::CommandResult;
using skein::testing::RunSkein;
using skein::testing::SourceDir;
using skein::testing::TempDir;

std::string Manifest(const std::string& name) {
  return (SourceDir() / "tests/data/manifests" / name).string();
}

class PlanCli : public ::testing::Test {
 protected:
  void SetUp() override {
    CommandResult r = Skein({"catalog", "import", (SourceDir() / "tests/data/manifests/catalog").string()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  CommandResult Skein(const std::vector<std::string>& args) { return RunSkein(args, dir_.path()); }
  TempDir dir_;
};

TEST_F(PlanCli, PrintsConsumersGroupedByOwnerAndTierWithWaves) {
  CommandResult r = Skein({"plan", Manifest("user-profile-v2.yaml")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(Contains(r.out, "core.user_profile_v1 -> core.user_profile_v2")) << r.out;
  EXPECT_TRUE(Contains(r.out, "drop           legacy_segment")) << r.out;
  EXPECT_TRUE(Contains(r.out, "Target schema of core.user_profile_v2 (7 columns)")) << r.out;
  EXPECT_TRUE(Contains(r.out, "  signup_at TIMESTAMP\n")) << r.out;
  EXPECT_TRUE(Contains(r.out, "Direct consumers (4): 3 builtin, 1 agent")) << r.out;
  EXPECT_TRUE(Contains(r.out, "  group:growth\n    tier-1\n      component:daily-active-users")) << r.out;
  EXPECT_TRUE(Contains(r.out, "Transitive consumers (1)")) << r.out;
  EXPECT_TRUE(Contains(r.out, "component:growth-dashboard")) << r.out;
  EXPECT_TRUE(Contains(r.out, "wave 1 (2): component:profile-export, component:user-segments")) << r.out;
  EXPECT_TRUE(Contains(r.out, "wave 2 (2): component:signup-funnel, component:daily-active-users")) << r.out;
  EXPECT_TRUE(Contains(r.out, "Total: 4 direct (3 builtin, 1 agent), 1 transitive, 2 waves, 1 approval\n"))
      << r.out;
}

TEST_F(PlanCli, JsonParsesAndCarriesTheSameFacts) {
  CommandResult r = Skein({"plan", Manifest("user-profile-v2.yaml"), "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json plan = json::parse(r.out);
  EXPECT_EQ(plan["from"], "core.user_profile_v1");
  EXPECT_EQ(plan["schema_checked"], true);
  EXPECT_EQ(plan["target_schema"].size(), 7u);
  EXPECT_EQ(plan["totals"]["direct"], 4);
  EXPECT_EQ(plan["totals"]["agent"], 1);
  EXPECT_EQ(plan["totals"]["transitive"], 1);
  EXPECT_EQ(plan["totals"]["approvals"], 1);
  ASSERT_EQ(plan["waves"].size(), 2u);
  EXPECT_EQ(plan["waves"][0]["consumers"].size(), 2u);
  EXPECT_EQ(plan["transitive"][0]["ref"], "component:default/growth-dashboard");
  EXPECT_EQ(plan["transitive"][0]["needs_change"], false);
  bool found = false;
  for (const auto& c : plan["direct"]) {
    if (c["ref"] != "component:default/user-segments") continue;
    found = true;
    EXPECT_EQ(c["handler"], "agent");
    EXPECT_EQ(c["wave"], 1);
  }
  EXPECT_TRUE(found) << r.out;
  EXPECT_EQ(plan["groups"]["direct"][0]["owner"], "group:default/growth");
}

TEST_F(PlanCli, AManifestErrorExitsTwoWithItsPosition) {
  std::string file = Manifest("typo.yaml");
  CommandResult r = Skein({"plan", file});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(Contains(r.err, file + ":8:3: unknown key 'colums' in spec (did you mean 'columns'?)"))
      << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
}

TEST_F(PlanCli, AColumnTheFromDatasetLacksExitsTwoBeforeAnythingIsPlanned) {
  std::string file = Manifest("bad-column.yaml");
  CommandResult r = Skein({"plan", file});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(Contains(r.err, file +
                                  ":9:14: column 'signup_tss' is not in core.user_profile_v1 (did you mean "
                                  "'signup_ts'?)"))
      << r.err;
  EXPECT_TRUE(Contains(r.err, file + ":10:46: using of column 'plan_type' does not bind")) << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
}

TEST_F(PlanCli, AFromDatasetMissingFromTheCatalogExitsTwoNamingIt) {
  TempDir manifests;
  auto file = manifests.Write("m.yaml",
                              "apiVersion: skein.dev/v1\nkind: Migration\nmetadata: {name: m}\n"
                              "spec: {from: core.user_profile_v9, to: core.user_profile_v10}\n");
  CommandResult r = Skein({"plan", file.string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(Contains(r.err, file.string() +
                                  ":4:14: dataset core.user_profile_v9 is not in the catalog (did you mean "
                                  "'core.user_profile_v1'?)"))
      << r.err;
}

TEST_F(PlanCli, AnUnreadableSchemaExitsTwoAndSaysHowToFixIt) {
  CommandResult r = Skein({"plan", Manifest("orders-v2.yaml")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(Contains(r.err, "cannot check the manifest against sales.orders_v1")) << r.err;
  EXPECT_TRUE(Contains(r.err, "no such file or folder: warehouse/sales/orders_v1")) << r.err;
  EXPECT_TRUE(Contains(r.err, "skein.dev/schema")) << r.err;
  EXPECT_TRUE(Contains(r.err, "--schema-from none")) << r.err;

  CommandResult unchecked = Skein({"plan", Manifest("orders-v2.yaml"), "--schema-from", "none"});
  EXPECT_EQ(unchecked.exit_code, 0) << unchecked.err;
  EXPECT_TRUE(Contains(unchecked.err, "not checked against sales.orders_v1's schema")) << unchecked.err;
  EXPECT_TRUE(Contains(unchecked.out, "component:orders-report")) << unchecked.out;
}

TEST(PlanCliLocation, ReadsTheSchemaFromTheDatasetLocation) {
  // A relative location resolves against the working folder.
  TempDir work;
  work.Write("warehouse/sales/orders_v1.csv", "order_id,amount\n1,9.5\n");
  work.Write("catalog/orders.yaml",
             "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata: {name: sales}\n"
             "spec: {type: team, children: []}\n---\n"
             "apiVersion: backstage.io/v1alpha1\nkind: Resource\nmetadata:\n  name: orders-v1\n"
             "  annotations:\n    skein.dev/dataset-id: sales.orders_v1\n"
             "    skein.dev/location: csv:warehouse/sales/orders_v1.csv\n"
             "spec: {type: dataset, owner: group:default/sales}\n");
  CommandResult import = RunSkein({"catalog", "import", "catalog"}, work.path());
  ASSERT_EQ(import.exit_code, 0) << import.err;
  CommandResult r = RunSkein({"plan", Manifest("orders-v2.yaml"), "--json"}, work.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json plan = json::parse(r.out);
  EXPECT_EQ(plan["target_schema"][1]["name"], "amount_cents");
  EXPECT_EQ(plan["target_schema"][1]["type"], "DOUBLE");
  EXPECT_EQ(plan["totals"]["direct"], 0);
  EXPECT_EQ(plan["waves"].size(), 0u);
}

TEST_F(PlanCli, ManifestCheckSaysOkAndWhatItCheckedAgainst) {
  CommandResult r = Skein({"manifest", "check", Manifest("user-profile-v2.yaml")});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(Contains(r.out, "OK: ")) << r.out;
  EXPECT_TRUE(Contains(r.out, "checked against core.user_profile_v1 (7 columns)")) << r.out;

  CommandResult bad = Skein({"manifest", "check", Manifest("bad-column.yaml")});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_TRUE(Contains(bad.err, Manifest("bad-column.yaml") + ":9:14: column 'signup_tss'")) << bad.err;
}

TEST(ManifestCheckCli, WithoutACatalogChecksTheFileOnItsOwn) {
  TempDir empty;
  CommandResult r = RunSkein({"manifest", "check", Manifest("user-profile-v2.yaml")}, empty.path());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(Contains(r.out, "not checked against data: no catalog here")) << r.out;
  EXPECT_FALSE(std::filesystem::exists(empty.path() / ".skein")) << "a check must not create a store";

  CommandResult typo = RunSkein({"manifest", "check", Manifest("typo.yaml")}, empty.path());
  EXPECT_EQ(typo.exit_code, 2);
  EXPECT_TRUE(Contains(typo.err, Manifest("typo.yaml") + ":8:3: unknown key 'colums'")) << typo.err;
}

TEST(ManifestCheckCli, JsonShowsEveryDefault) {
  TempDir empty;
  CommandResult ok = RunSkein({"manifest", "check", Manifest("orders-v2.yaml"), "--json"}, empty.path());
  ASSERT_EQ(ok.exit_code, 0) << ok.err;
  json out = json::parse(ok.out);
  EXPECT_EQ(out["ok"], true);
  EXPECT_EQ(out["data_checked"], false);
  EXPECT_EQ(out["manifest"]["spec"]["rollout"]["canary"], 1);
  EXPECT_EQ(out["manifest"]["spec"]["consumers"]["change"]["branch"], "skein/orders-v2");
  EXPECT_EQ(out["manifest"]["spec"]["consumers"]["verifiers"].size(), 5u);
}

TEST(PlanCliUsage, AMissingManifestFileExitsTwo) {
  TempDir empty;
  CommandResult r = RunSkein({"plan", "no-such.yaml"}, empty.path());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(Contains(r.err, "no-such.yaml")) << r.err;
  CommandResult bad_flag =
      RunSkein({"plan", Manifest("orders-v2.yaml"), "--schema-from", "guess"}, empty.path());
  EXPECT_EQ(bad_flag.exit_code, 2);
}

}  // namespace
}  // namespace skein
