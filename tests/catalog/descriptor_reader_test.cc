// Specification of reading descriptor files, folders and Location targets.
#include "catalog/descriptor_reader.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "base/text.h"
#include "tests/support/test_support.h"

namespace skein {
namespace {

namespace fs = std::filesystem;
using skein::testing::SourceDir;
using skein::testing::TempDir;

fs::path Data(const std::string& relative) { return SourceDir() / "tests/data/catalog" / relative; }

std::vector<std::string> Keys(const DescriptorSet& set) {
  std::vector<std::string> keys;
  for (const auto& e : set.entities) keys.push_back(e.Ref().Key());
  std::sort(keys.begin(), keys.end());
  return keys;
}

bool HasError(const CatalogRead& read, const std::string& text) {
  return std::any_of(read.errors.begin(), read.errors.end(),
                     [&](const std::string& e) { return e.find(text) != std::string::npos; });
}

std::string AllErrors(const CatalogRead& read) { return Join(read.errors, "\n"); }

TEST(ReadCatalogPaths, FollowsLocationTargetsAndGlobs) {
  CatalogRead read = ReadCatalogPaths({Data("good/catalog-info.yaml")});
  ASSERT_TRUE(read.ok()) << AllErrors(read);
  ASSERT_EQ(read.sets.size(), 1u);
  EXPECT_EQ(read.sets[0].root, fs::canonical(Data("good/catalog-info.yaml")).string());
  EXPECT_EQ(read.sets[0].files, 4);  // the Location, datasets.yaml, teams/growth.yaml, teams/marketing.yaml
  EXPECT_EQ(Keys(read.sets[0]), (std::vector<std::string>{
                                    "component:default/daily-active-users",
                                    "component:default/growth-dashboard",
                                    "component:default/profile-export",
                                    "group:default/growth",
                                    "group:default/identity",
                                    "group:default/marketing",
                                    "location:default/data-platform",
                                    "resource:default/daily-active-users",
                                    "resource:default/orders-archive",
                                    "resource:default/user-profile-v1",
                                    "resource:default/user-profile-v2",
                                }));
}

TEST(ReadCatalogPaths, RecordsOriginFileAndLine) {
  CatalogRead read = ReadCatalogPaths({Data("good/datasets.yaml")});
  ASSERT_TRUE(read.ok()) << AllErrors(read);
  const auto& entities = read.sets[0].entities;
  ASSERT_EQ(entities.size(), 5u);
  EXPECT_EQ(entities[1].name, "user-profile-v1");
  EXPECT_EQ(entities[1].origin, fs::canonical(Data("good/datasets.yaml")).string());
  EXPECT_EQ(entities[1].origin_line, 9);
  EXPECT_EQ(entities[1].DatasetId(), "core.user_profile_v1");
}

TEST(ReadCatalogPaths, WalksFoldersSkippingHiddenAndForeignYaml) {
  // good/ holds .github/workflows/ci.yml (hidden) and dbt_project.yml (not Backstage): neither is
  // read, and the files the Location also reaches are read once, so nothing is a duplicate.
  CatalogRead read = ReadCatalogPaths({Data("good")});
  ASSERT_TRUE(read.ok()) << AllErrors(read);
  EXPECT_EQ(read.sets[0].files, 4);
  EXPECT_EQ(read.sets[0].entities.size(), 11u);
}

TEST(ReadCatalogPaths, ReportsEveryInvalidEntityAtItsPosition) {
  CatalogRead read = ReadCatalogPaths({Data("bad/invalid-entities.yaml")});
  ASSERT_FALSE(read.ok());
  std::string file = (Data("bad/invalid-entities.yaml")).lexically_normal().string();
  EXPECT_TRUE(HasError(read, file + ":5:9: name '-starts-with-dash' must be")) << AllErrors(read);
  EXPECT_TRUE(HasError(read, file + ":16:27: skein.dev/dataset-id: 'orders' is not a dataset id"))
      << AllErrors(read);
  EXPECT_TRUE(HasError(read, file + ":18:3: spec.owner is required")) << AllErrors(read);
  EXPECT_TRUE(HasError(
      read, file + ":25:5: unknown annotation 'skein.dev/produce'; did you mean 'skein.dev/produces'?"))
      << AllErrors(read);
  EXPECT_TRUE(HasError(read, file + ":30:15: spec.dependsOn entry 'orders' needs a kind")) << AllErrors(read);
  EXPECT_EQ(read.errors.size(), 5u) << AllErrors(read);
  EXPECT_TRUE(read.sets[0].entities.empty());
}

TEST(ReadCatalogPaths, SyntaxErrorHasFileLineAndColumn) {
  CatalogRead read = ReadCatalogPaths({Data("bad/syntax-error.yaml")});
  ASSERT_EQ(read.errors.size(), 1u);
  std::string file = Data("bad/syntax-error.yaml").lexically_normal().string();
  EXPECT_EQ(read.errors[0].rfind(file + ":", 0), 0u) << read.errors[0];
  EXPECT_NE(read.errors[0].find("YAML syntax"), std::string::npos);
  EXPECT_FALSE(read.status().ok());
  EXPECT_EQ(read.status().code(), StatusCode::kInvalidInput);
}

TEST(ReadCatalogPaths, MissingLocationTargetIsAnErrorAtTheTarget) {
  CatalogRead read = ReadCatalogPaths({Data("bad/missing-target.yaml")});
  std::string file = Data("bad/missing-target.yaml").lexically_normal().string();
  ASSERT_EQ(read.errors.size(), 1u);
  EXPECT_EQ(read.errors[0].rfind(file + ":7:7: Location target './does-not-exist.yaml' does not exist", 0),
            0u)
      << read.errors[0];
}

TEST(ReadCatalogPaths, LocationCyclesEnd) {
  CatalogRead read = ReadCatalogPaths({Data("cycle/a.yaml")});
  ASSERT_TRUE(read.ok()) << AllErrors(read);
  EXPECT_EQ(read.sets[0].files, 2);
  EXPECT_EQ(Keys(read.sets[0]), (std::vector<std::string>{"group:default/team-a", "group:default/team-b",
                                                          "location:default/a", "location:default/b"}));
}

TEST(ReadCatalogPaths, DuplicateRefsAcrossFilesNameBothPlaces) {
  CatalogRead read = ReadCatalogPaths({Data("duplicate/one.yaml"), Data("duplicate/two.yaml")});
  ASSERT_EQ(read.errors.size(), 1u) << AllErrors(read);
  std::string one = Data("duplicate/one.yaml").lexically_normal().string();
  std::string two = Data("duplicate/two.yaml").lexically_normal().string();
  EXPECT_EQ(read.errors[0], two + ":2:1: entity group:default/growth is already defined at " + one + ":1");
}

TEST(ReadCatalogPaths, KeepsOneSetPerPathArgument) {
  CatalogRead read = ReadCatalogPaths({Data("good/datasets.yaml"), Data("good/teams")});
  ASSERT_TRUE(read.ok()) << AllErrors(read);
  ASSERT_EQ(read.sets.size(), 2u);
  EXPECT_EQ(read.sets[0].entities.size(), 5u);
  EXPECT_EQ(read.sets[1].entities.size(), 5u);
  EXPECT_EQ(read.sets[1].root, fs::canonical(Data("good/teams")).string());
}

TEST(ReadCatalogPaths, MissingPathIsAnError) {
  TempDir dir;
  CatalogRead read = ReadCatalogPaths({dir.path() / "nope.yaml"});
  ASSERT_EQ(read.errors.size(), 1u);
  EXPECT_NE(read.errors[0].find("nope.yaml: no such file or folder"), std::string::npos);
}

TEST(ReadCatalogPaths, GlobThatMatchesNothingIsAnError) {
  TempDir dir;
  dir.Write("root.yaml",
            "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata: {name: root}\n"
            "spec: {type: file, target: ./teams/*.yaml}\n");
  CatalogRead read = ReadCatalogPaths({dir.path() / "root.yaml"});
  ASSERT_EQ(read.errors.size(), 1u);
  EXPECT_NE(read.errors[0].find(":4:28: Location target './teams/*.yaml' matches no file"), std::string::npos)
      << read.errors[0];
}

TEST(ReadCatalogPaths, RemoteTargetsAreWarningsNotErrors) {
  TempDir dir;
  dir.Write("root.yaml",
            "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata: {name: root}\n"
            "spec:\n  type: url\n  target: https://github.com/acme/x/blob/main/catalog-info.yaml\n");
  CatalogRead read = ReadCatalogPaths({dir.path() / "root.yaml"});
  EXPECT_TRUE(read.ok());
  ASSERT_EQ(read.warnings.size(), 1u);
  EXPECT_NE(read.warnings[0].find(":6:11: target 'https://github.com/acme/x/blob/main/catalog-info.yaml'"),
            std::string::npos)
      << read.warnings[0];
}

TEST(ReadCatalogPaths, ExplicitFileWithoutBackstageContentIsStillValidated) {
  TempDir dir;
  dir.Write("x.yaml", "name: marts\nversion: 2\n");
  CatalogRead read = ReadCatalogPaths({dir.path() / "x.yaml"});
  EXPECT_TRUE(HasError(read, "x.yaml:1:1: apiVersion is missing")) << AllErrors(read);
  EXPECT_TRUE(HasError(read, "x.yaml:1:1: metadata is missing")) << AllErrors(read);
}

TEST(ReadCatalogPaths, StatusListsErrorsUpToTheLimit) {
  CatalogRead read;
  for (int i = 0; i < 5; ++i) read.errors.push_back("f.yaml:" + std::to_string(i + 1) + ":1: bad");
  EXPECT_EQ(read.status(2).message(), "f.yaml:1:1: bad\nf.yaml:2:1: bad\n... and 3 more");
}

TEST(ParseDescriptors, ParsesTextWithoutFollowingLocations) {
  auto entities = ParseDescriptors(
      "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata: {name: x}\nspec: {target: "
      "./missing.yaml}\n"
      "---\n"
      "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata: {name: g}\nspec: {type: team, children: "
      "[]}\n",
      "inline.yaml");
  ASSERT_TRUE(entities.ok()) << entities.status().message();
  ASSERT_EQ(entities->size(), 2u);
  EXPECT_EQ((*entities)[1].origin, "inline.yaml");
  EXPECT_EQ((*entities)[1].origin_line, 6);
}

TEST(ParseDescriptors, ListsEveryProblem) {
  auto entities = ParseDescriptors(
      "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata: {name: g}\nspec: {type: team}\n"
      "---\n"
      "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata: {name: g}\nspec: {type: team, children: "
      "[]}\n"
      "---\n"
      "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata: {name: g}\nspec: {type: team, children: "
      "[]}\n",
      "inline.yaml");
  ASSERT_FALSE(entities.ok());
  EXPECT_EQ(entities.status().message(),
            "inline.yaml:4:7: spec.children is required\n"
            "inline.yaml:11:1: entity group:default/g is already defined at inline.yaml:6");
}

}  // namespace
}  // namespace skein
