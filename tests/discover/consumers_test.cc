// Known, shadow and stale consumers, and how a Component's skein.dev/repo names a repository.
#include "discover/consumers.h"

#include <gtest/gtest.h>

#include "tests/support/test_support.h"

namespace skein {
namespace {

namespace fs = std::filesystem;
using skein::testing::TempDir;

Entity Component(const std::string& name, const std::string& repo,
                 const std::vector<std::string>& depends_on = {}) {
  Entity e;
  e.api_version = "backstage.io/v1alpha1";
  e.kind = "Component";
  e.name = name;
  if (!repo.empty()) e.annotations["skein.dev/repo"] = repo;
  e.spec = {{"type", "data-pipeline"}, {"owner", "group:default/data"}, {"lifecycle", "production"}};
  if (!depends_on.empty()) e.spec["dependsOn"] = depends_on;
  return e;
}

Entity Dataset(const std::string& name, const std::string& id) {
  Entity e;
  e.api_version = "backstage.io/v1alpha1";
  e.kind = "Resource";
  e.name = name;
  e.annotations["skein.dev/dataset-id"] = id;
  e.spec = {{"type", "dataset"}, {"owner", "group:default/data"}};
  return e;
}

Reference Ref(const Repository& repo, size_t dataset = 0) {
  Reference r;
  r.dataset = dataset;
  r.repo = repo.name;
  r.repo_path = repo.path;
  r.file = "a.sql";
  r.line = 1;
  r.col = 1;
  return r;
}

class ConsumersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* name : {"alpha", "beta", "gamma", "delta", "echo"}) {
      fs::create_directories(dir_.path() / "fleet" / name);
      repos_.push_back(Repository{name, fs::canonical(dir_.path() / "fleet" / name).string()});
    }
    auto patterns = ParseDatasetPatterns({"core.user_profile_v1"});
    ASSERT_TRUE(patterns.ok());
    datasets_ = *patterns;
  }
  TempDir dir_;
  std::vector<Repository> repos_;
  std::vector<DatasetPattern> datasets_;
};

TEST_F(ConsumersTest, ClassifiesKnownShadowAndStaleConsumers) {
  CatalogGraph graph({
      Dataset("user-profile-v1", "core.user_profile_v1"),
      Component("alpha-job", "repos/alpha", {"resource:default/user-profile-v1"}),  // by name
      Component("beta-job", repos_[1].path),                                        // by path, undeclared
      Component("delta-job", "https://github.com/acme/delta.git", {"resource:default/user-profile-v1"}),
      Component("elsewhere", "git@github.com:acme/zulu.git", {"resource:default/user-profile-v1"}),
  });
  // alpha and beta and gamma reference the dataset; delta and echo do not.
  std::vector<Reference> refs = {Ref(repos_[0]), Ref(repos_[0]), Ref(repos_[1]), Ref(repos_[2])};
  auto result = ClassifyConsumers(graph, repos_, datasets_, refs, dir_.path());
  ASSERT_EQ(result.size(), 1u);
  const DatasetConsumers& d = result[0];
  ASSERT_TRUE(d.resource.has_value());
  EXPECT_EQ(d.resource->Key(), "resource:default/user-profile-v1");
  EXPECT_EQ(d.references, 4u);
  ASSERT_EQ(d.consumers.size(), 3u);
  EXPECT_EQ(d.consumers[0].repo, "alpha");
  EXPECT_EQ(d.consumers[0].references, 2u);
  ASSERT_EQ(d.consumers[0].components.size(), 1u);
  EXPECT_EQ(d.consumers[0].components[0].Key(), "component:default/alpha-job");
  EXPECT_TRUE(d.consumers[0].declared);
  EXPECT_EQ(d.consumers[1].repo, "beta");
  EXPECT_FALSE(d.consumers[1].shadow());
  EXPECT_FALSE(d.consumers[1].declared);  // known repository, dependency not declared
  EXPECT_EQ(d.consumers[2].repo, "gamma");
  EXPECT_TRUE(d.consumers[2].shadow());
  EXPECT_EQ(d.ShadowCount(), 1u);
  // delta declares the dataset and was scanned without a reference; zulu was not scanned.
  ASSERT_EQ(d.stale.size(), 1u);
  EXPECT_EQ(d.stale[0].component.Key(), "component:default/delta-job");
  EXPECT_EQ(d.stale[0].repo, "delta");
}

TEST_F(ConsumersTest, DatasetMissingFromTheCatalogHasOnlyShadowConsumers) {
  CatalogGraph graph({Component("alpha-job", "alpha")});
  std::vector<Reference> refs = {Ref(repos_[0]), Ref(repos_[4])};
  auto result = ClassifyConsumers(graph, repos_, datasets_, refs, dir_.path());
  ASSERT_EQ(result.size(), 1u);
  EXPECT_FALSE(result[0].resource.has_value());
  ASSERT_EQ(result[0].consumers.size(), 2u);
  EXPECT_FALSE(result[0].consumers[0].shadow());  // alpha: the catalog knows the repository
  EXPECT_TRUE(result[0].consumers[1].shadow());   // echo
  EXPECT_TRUE(result[0].stale.empty());
}

TEST_F(ConsumersTest, RepoAnnotationComparesExistingPathsNotNames) {
  // A relative path that resolves (against cwd) to another folder named "alpha" is not alpha.
  fs::create_directories(dir_.path() / "other" / "alpha");
  Entity elsewhere = Component("x", "other/alpha");
  EXPECT_FALSE(RepoAnnotationNames(elsewhere, repos_[0], dir_.path()));
  EXPECT_TRUE(RepoAnnotationNames(Component("x", "fleet/alpha"), repos_[0], dir_.path()));
  EXPECT_TRUE(RepoAnnotationNames(Component("x", "fleet/alpha/"), repos_[0], dir_.path()));
  // Relative to the descriptor file it came from.
  Entity from_file = Component("x", "../fleet/beta");
  from_file.origin = (dir_.path() / "catalog" / "components.yaml").string();
  fs::create_directories(dir_.path() / "catalog");
  EXPECT_TRUE(RepoAnnotationNames(from_file, repos_[1], "/"));
  // Not on disk, or a URL: by name, case-insensitively.
  EXPECT_TRUE(RepoAnnotationNames(Component("x", "repos/Gamma"), repos_[2], dir_.path()));
  EXPECT_TRUE(
      RepoAnnotationNames(Component("x", "https://gitlab.example.com/acme/gamma"), repos_[2], dir_.path()));
  EXPECT_FALSE(
      RepoAnnotationNames(Component("x", "https://github.com/acme/gamma-2.git"), repos_[2], dir_.path()));
  EXPECT_FALSE(RepoAnnotationNames(Component("x", ""), repos_[2], dir_.path()));
}

}  // namespace
}  // namespace skein
