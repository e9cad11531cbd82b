// --emit-catalog: Backstage descriptors for shadow consumers.
#include "discover/descriptors.h"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include "base/text.h"
#include "catalog/descriptor_reader.h"
#include "tests/support/test_support.h"

namespace skein {
namespace {

namespace fs = std::filesystem;
using skein::testing::TempDir;

DatasetConsumers Consumers(const std::string& id, std::optional<EntityRef> resource,
                           const std::vector<std::pair<std::string, bool>>& repos) {
  DatasetConsumers d;
  d.dataset_id = id;
  d.resource = resource;
  for (const auto& [path, shadow] : repos) {
    ConsumerRepo c;
    c.repo = fs::path(path).filename().string();
    c.repo_path = path;
    c.references = 1;
    if (!shadow) c.components.push_back(EntityRef{"Component", "default", c.repo});
    d.consumers.push_back(c);
  }
  return d;
}

TEST(BackstageName, MakesValidNames) {
  EXPECT_EQ(BackstageName("growth-jobs"), "growth-jobs");
  EXPECT_EQ(BackstageName("Growth Jobs!"), "growth-jobs");
  EXPECT_EQ(BackstageName("--a__b..c--"), "a_b.c");
  EXPECT_EQ(BackstageName("@@@"), "repository");
  std::string longest = BackstageName(std::string(100, 'a') + "-b");
  EXPECT_EQ(longest.size(), 63u);
  EXPECT_EQ(BackstageName(std::string(62, 'a') + "-bc"), std::string(62, 'a'));  // no trailing '-'
}

TEST(OwnerFromCodeowners, ReadsTheCatchAllRule) {
  TempDir dir;
  EXPECT_EQ(OwnerFromCodeowners(dir.path()), "");
  dir.Write(".github/CODEOWNERS", "# owners\n/docs/ @acme/docs-team\n*   @acme/Growth @someone\n");
  EXPECT_EQ(OwnerFromCodeowners(dir.path()), "group:default/growth");
  dir.Write("CODEOWNERS", "src/ @alice\n");
  EXPECT_EQ(OwnerFromCodeowners(dir.path()), "user:default/alice");
}

TEST(ShadowDescriptors, OnePerShadowRepositoryReadingAllItsDatasets) {
  TempDir dir;
  fs::create_directories(dir.path() / "a" / "jobs");
  fs::create_directories(dir.path() / "b" / "jobs");
  dir.Write("b/jobs/CODEOWNERS", "* @acme/risk\n");
  std::string a = (dir.path() / "a" / "jobs").string(), b = (dir.path() / "b" / "jobs").string();
  auto descriptors = ShadowDescriptors({
      Consumers("core.user_profile_v1", EntityRef{"Resource", "default", "user-profile-v1"},
                {{a, true}, {b, true}}),
      Consumers("sales.orders_v1", std::nullopt, {{a, true}, {"/known", false}}),
  });
  ASSERT_EQ(descriptors.size(), 2u);
  EXPECT_EQ(descriptors[0].name, "jobs");
  EXPECT_EQ(descriptors[1].name, "jobs-2");  // same repository name, another folder
  EXPECT_EQ(descriptors[0].datasets, (std::vector<std::string>{"core.user_profile_v1", "sales.orders_v1"}));
  EXPECT_EQ(descriptors[0].depends_on, (std::vector<std::string>{"resource:default/user-profile-v1"}));
  EXPECT_EQ(descriptors[0].owner, "group:default/unknown");
  EXPECT_EQ(descriptors[1].owner, "group:default/risk");
}

TEST(ShadowDescriptors, WritesValidBackstageYamlTheCatalogReaderAccepts) {
  TempDir dir;
  ShadowDescriptor d{"growth-jobs",
                     "growth-jobs",
                     "/src/growth-jobs",
                     {"core.user_profile_v1"},
                     {"resource:default/user-profile-v1"},
                     "group:default/growth"};
  auto written = WriteShadowDescriptors(dir.path() / "out", {d}, /*overwrite=*/false);
  ASSERT_TRUE(written.ok()) << written.status().message();
  ASSERT_EQ(written->size(), 1u);
  EXPECT_EQ((*written)[0], dir.path() / "out" / "growth-jobs.yaml");

  YAML::Node node = YAML::LoadFile((*written)[0].string());
  EXPECT_EQ(node["apiVersion"].as<std::string>(), "backstage.io/v1alpha1");
  EXPECT_EQ(node["kind"].as<std::string>(), "Component");
  EXPECT_EQ(node["metadata"]["name"].as<std::string>(), "growth-jobs");
  EXPECT_EQ(node["metadata"]["annotations"]["skein.dev/repo"].as<std::string>(), "/src/growth-jobs");
  EXPECT_EQ(node["metadata"]["labels"]["skein.dev/discovered-by"].as<std::string>(), "skein-discover");
  EXPECT_NE(node["metadata"]["description"].as<std::string>().find("core.user_profile_v1"),
            std::string::npos);
  EXPECT_EQ(node["spec"]["type"].as<std::string>(), "data-pipeline");
  EXPECT_EQ(node["spec"]["lifecycle"].as<std::string>(), "production");
  EXPECT_EQ(node["spec"]["owner"].as<std::string>(), "group:default/growth");
  EXPECT_EQ(node["spec"]["dependsOn"][0].as<std::string>(), "resource:default/user-profile-v1");

  // What `skein catalog import` reads: the catalog's own reader and validator accept it.
  auto entities = ParseDescriptors(*ReadFile((*written)[0]), (*written)[0].string());
  ASSERT_TRUE(entities.ok()) << entities.status().message();
  ASSERT_EQ(entities->size(), 1u);
  EXPECT_EQ((*entities)[0].Repo(), "/src/growth-jobs");
  EXPECT_EQ((*entities)[0].labels.at("skein.dev/discovered-by"), "skein-discover");
}

TEST(ShadowDescriptors, RefusesToOverwriteWithoutForce) {
  TempDir dir;
  auto path = dir.Write("out/jobs.yaml", "# mine\n");
  ShadowDescriptor d{"jobs", "jobs", "/src/jobs", {"core.t"}, {}, std::string(kUnknownOwner)};
  ShadowDescriptor other{"other", "other", "/src/other", {"core.t"}, {}, std::string(kUnknownOwner)};
  auto refused = WriteShadowDescriptors(dir.path() / "out", {other, d}, /*overwrite=*/false);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kConflict);
  EXPECT_NE(refused.status().message().find("jobs.yaml"), std::string::npos);
  EXPECT_EQ(*ReadFile(path), "# mine\n");
  EXPECT_FALSE(fs::exists(dir.path() / "out" / "other.yaml"));  // nothing written at all
  auto forced = WriteShadowDescriptors(dir.path() / "out", {other, d}, /*overwrite=*/true);
  ASSERT_TRUE(forced.ok());
  EXPECT_NE(ReadFile(path)->find("kind: Component"), std::string::npos);
  EXPECT_EQ(ReadFile(dir.path() / "out" / "jobs.yaml")->find("dependsOn"), std::string::npos);  // none known
}

}  // namespace
}  // namespace skein
