// Specification of `skein discover`, run as the real binary in a fresh folder (its default
// SQLite store lands in that folder's .skein/).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "base/text.h"
#include "tests/support/test_support.h"

namespace skein {
namespace {

using skein::testing::Contains;

using nlohmann::json;
using skein::testing::CommandResult;
using skein::testing::RunSkein;
using skein::testing::TempDir;

class DiscoverCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_.Write("fleet/alpha/sql/daily.sql", "select 1;\nselect * from core.user_profile_v1 u\n");
    dir_.Write("fleet/alpha/jobs/load.py", "TABLE = \"CORE.USER_PROFILE_V1\"\n");
    dir_.Write("fleet/beta/models/stg.sql",
               "select * from {{ source(\n  'core',\n  'user_profile_v1'\n) }}\n");
    dir_.Write("fleet/beta/CODEOWNERS", "* @acme/growth\n");
    dir_.Write("fleet/gamma/README.md", "reads nothing: core.user_profile_v10\n");
  }
  CommandResult Skein(const std::vector<std::string>& args) { return RunSkein(args, dir_.path()); }
  void ImportCatalog() {
    dir_.Write("catalog/catalog.yaml",
               "apiVersion: backstage.io/v1alpha1\nkind: Resource\nmetadata:\n  name: user-profile-v1\n"
               "  annotations: {skein.dev/dataset-id: core.user_profile_v1}\nspec: {type: dataset, owner: "
               "group:default/identity}\n"
               "---\napiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: alpha-jobs\n"
               "  annotations: {skein.dev/repo: fleet/alpha}\n"
               "spec: {type: data-pipeline, owner: group:default/growth, lifecycle: production,\n"
               "       dependsOn: [\"resource:default/user-profile-v1\"]}\n"
               "---\napiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: gamma-jobs\n"
               "  annotations: {skein.dev/repo: fleet/gamma}\n"
               "spec: {type: data-pipeline, owner: group:default/growth, lifecycle: production,\n"
               "       dependsOn: [\"resource:default/user-profile-v1\"]}\n");
    CommandResult r = Skein({"catalog", "import", "catalog"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  TempDir dir_;
};

TEST_F(DiscoverCli, ListsReferencesByRepositoryWithASummary) {
  CommandResult r = Skein({"discover", "core.user_profile_v1", "--repos", "fleet"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(Contains(r.out, "  alpha  shadow consumer")) << r.out;
  EXPECT_TRUE(Contains(r.out, "    jobs/load.py:1:10  qualified  CORE.USER_PROFILE_V1\n")) << r.out;
  EXPECT_TRUE(Contains(r.out, "    sql/daily.sql:2:15  qualified  core.user_profile_v1\n")) << r.out;
  EXPECT_TRUE(Contains(r.out, "    models/stg.sql:1:18  dbt-source  source( 'core', 'user_profile_v1' )\n"))
      << r.out;
  EXPECT_FALSE(Contains(r.out, "gamma")) << r.out;
  EXPECT_TRUE(Contains(r.out, "core.user_profile_v1: 3 references in 2 repositories, 2 shadow consumers\n"))
      << r.out;
  EXPECT_TRUE(Contains(r.out, "scanned 5 files")) << r.out;
}

TEST_F(DiscoverCli, FindingNothingIsStillSuccess) {
  CommandResult r = Skein({"discover", "sales.orders_v1", "--repos", "fleet"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(Contains(r.out, "sales.orders_v1: 0 references in 0 repositories, 0 shadow consumers"))
      << r.out;
}

TEST_F(DiscoverCli, MissingRepoFolderIsExitTwoNamingIt) {
  CommandResult r = Skein({"discover", "core.user_profile_v1", "--repos", "fleet", "no-such-folder"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(Contains(r.err, "no-such-folder")) << r.err;
  EXPECT_TRUE(r.out.empty());
}

TEST_F(DiscoverCli, MalformedDatasetIdIsExitTwo) {
  CommandResult r = Skein({"discover", "user_profile_v1", "--repos", "fleet"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(Contains(r.err, "malformed dataset id 'user_profile_v1'")) << r.err;
  EXPECT_EQ(Skein({"discover", "core.t"}).exit_code, 2);  // --repos is required
}

TEST_F(DiscoverCli, JsonIsStructuredAndTheSameForAnyThreadCount) {
  CommandResult one = Skein({"discover", "core.user_profile_v1", "sales.orders_v1", "--repos", "fleet",
                             "--json", "--threads", "1"});
  ASSERT_EQ(one.exit_code, 0) << one.err;
  json report = json::parse(one.out);
  ASSERT_EQ(report["datasets"].size(), 2u);
  const json& d = report["datasets"][0];
  EXPECT_EQ(d["dataset"], "core.user_profile_v1");
  EXPECT_TRUE(d["resource"].is_null());
  ASSERT_EQ(d["references"].size(), 3u);
  EXPECT_EQ(d["references"][0]["repo"], "alpha");
  EXPECT_EQ(d["references"][0]["file"], "jobs/load.py");
  EXPECT_EQ(d["references"][0]["line"], 1);
  EXPECT_EQ(d["references"][0]["col"], 10);
  EXPECT_EQ(d["references"][2]["form"], "dbt-source");
  EXPECT_EQ(d["shadow_consumers"], json::array({"alpha", "beta"}));
  EXPECT_EQ(d["summary"]["references"], 3);
  EXPECT_EQ(report["datasets"][1]["summary"]["references"], 0);
  EXPECT_EQ(report["scan"]["files"], 5);

  CommandResult four = Skein({"discover", "core.user_profile_v1", "sales.orders_v1", "--repos", "fleet",
                              "--json", "--threads", "4"});
  ASSERT_EQ(four.exit_code, 0) << four.err;
  EXPECT_EQ(json::parse(four.out)["datasets"], report["datasets"]);
}

TEST_F(DiscoverCli, TellsKnownShadowAndStaleConsumersFromTheCatalog) {
  ImportCatalog();
  CommandResult r = Skein({"discover", "core.user_profile_v1", "--repos", "fleet", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json d = json::parse(r.out)["datasets"][0];
  EXPECT_EQ(d["resource"], "resource:default/user-profile-v1");
  EXPECT_EQ(d["shadow_consumers"], json::array({"beta"}));
  ASSERT_EQ(d["consumers"].size(), 2u);
  EXPECT_EQ(d["consumers"][0]["known"], true);
  EXPECT_EQ(d["consumers"][0]["components"], json::array({"component:default/alpha-jobs"}));
  EXPECT_EQ(d["consumers"][0]["declared"], true);
  ASSERT_EQ(d["stale_consumers"].size(), 1u);
  EXPECT_EQ(d["stale_consumers"][0]["component"], "component:default/gamma-jobs");

  CommandResult human = Skein({"discover", "core.user_profile_v1", "--repos", "fleet"});
  EXPECT_TRUE(Contains(human.out, "  alpha  known: component:alpha-jobs\n")) << human.out;
  EXPECT_TRUE(Contains(human.out, "stale: component:gamma-jobs (repository gamma)")) << human.out;
  EXPECT_TRUE(Contains(human.out, "3 references in 2 repositories, 1 shadow consumer, 1 stale")) << human.out;
}

TEST_F(DiscoverCli, EmittedDescriptorsImportAndTurnShadowsIntoKnownConsumers) {
  ImportCatalog();
  CommandResult r =
      Skein({"discover", "core.user_profile_v1", "--repos", "fleet", "--emit-catalog", "found"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(Contains(r.out, "wrote 1 descriptor to found")) << r.out;
  std::string beta = *skein::ReadFile(dir_.path() / "found" / "beta.yaml");
  EXPECT_TRUE(Contains(beta, "owner: group:default/growth")) << beta;  // from CODEOWNERS
  EXPECT_TRUE(Contains(beta, "resource:default/user-profile-v1")) << beta;

  // Without --force an existing descriptor is never replaced.
  CommandResult again =
      Skein({"discover", "core.user_profile_v1", "--repos", "fleet", "--emit-catalog", "found"});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_TRUE(Contains(again.err, "beta.yaml")) << again.err;
  EXPECT_EQ(
      Skein({"discover", "core.user_profile_v1", "--repos", "fleet", "--emit-catalog", "found", "--force"})
          .exit_code,
      0);

  ASSERT_EQ(Skein({"catalog", "import", "found"}).exit_code, 0);
  CommandResult after = Skein({"discover", "core.user_profile_v1", "--repos", "fleet", "--json"});
  json d = json::parse(after.out)["datasets"][0];
  EXPECT_EQ(d["shadow_consumers"], json::array());
  EXPECT_EQ(d["consumers"][1]["components"], json::array({"component:default/beta"}));
}

}  // namespace
}  // namespace skein
