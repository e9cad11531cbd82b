// Specification of CatalogGraph: direct and transitive consumers of a dataset.
#include "catalog/lineage.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace skein {
namespace {

Entity Dataset(const std::string& name, const std::string& id, std::vector<std::string> dependency_of = {}) {
  nlohmann::json json = {{"apiVersion", "backstage.io/v1alpha1"},
                         {"kind", "Resource"},
                         {"metadata", {{"name", name}, {"annotations", {{"skein.dev/dataset-id", id}}}}},
                         {"spec", {{"type", "dataset"}, {"owner", "group:default/data"}}}};
  if (!dependency_of.empty()) json["spec"]["dependencyOf"] = dependency_of;
  return Entity::FromJson(json).value();
}

Entity Consumer(const std::string& name, std::vector<std::string> depends_on,
                const std::string& produces = "", const std::string& tier = "tier-2") {
  nlohmann::json annotations = {{"skein.dev/repo", "repos/" + name}};
  if (!produces.empty()) annotations["skein.dev/produces"] = produces;
  nlohmann::json json = {{"apiVersion", "backstage.io/v1alpha1"},
                         {"kind", "Component"},
                         {"metadata", {{"name", name}, {"annotations", annotations}, {"tags", {tier}}}},
                         {"spec",
                          {{"type", "data-pipeline"},
                           {"owner", "growth"},
                           {"lifecycle", "production"},
                           {"dependsOn", depends_on}}}};
  return Entity::FromJson(json).value();
}

std::vector<std::string> Names(const Lineage& lineage) {
  std::vector<std::string> names;
  for (const auto& c : lineage.consumers) names.push_back(c.ref.name + "@" + std::to_string(c.depth));
  return names;
}

TEST(CatalogGraph, FindsDatasetByIdCaseInsensitivelyAndByRef) {
  CatalogGraph graph({Dataset("user-profile-v1", "core.user_profile_v1")});
  ASSERT_NE(graph.FindDataset("core.user_profile_v1"), nullptr);
  EXPECT_EQ(graph.FindDataset("CORE.User_Profile_V1")->name, "user-profile-v1");
  EXPECT_NE(graph.FindDataset("resource:default/user-profile-v1"), nullptr);
  EXPECT_NE(graph.FindDataset("resource:user-profile-v1"), nullptr);
  EXPECT_NE(graph.FindDataset("Resource:Default/User-Profile-V1"), nullptr);
  EXPECT_EQ(graph.FindDataset("core.nothing"), nullptr);
  EXPECT_EQ(graph.FindDataset("component:default/user-profile-v1"), nullptr);
}

TEST(CatalogGraph, DirectConsumersComeFromDependsOn) {
  CatalogGraph graph({Dataset("users", "core.users"), Consumer("b-job", {"resource:default/users"}),
                      Consumer("a-job", {"resource:users"}), Consumer("other", {"resource:default/orders"})});
  auto consumers = graph.DirectConsumers(*graph.FindDataset("core.users"));
  ASSERT_EQ(consumers.size(), 2u);
  EXPECT_EQ(consumers[0]->name, "a-job");
  EXPECT_EQ(consumers[1]->name, "b-job");
}

TEST(CatalogGraph, DependencyOfOnTheResourceIsAnEdge) {
  CatalogGraph graph(
      {Dataset("users", "core.users", {"component:default/reporting"}), Consumer("reporting", {})});
  auto lineage = graph.LineageOf("core.users");
  ASSERT_TRUE(lineage.ok()) << lineage.status().message();
  EXPECT_EQ(Names(*lineage), (std::vector<std::string>{"reporting@1"}));
}

TEST(CatalogGraph, ListsAConsumerNamedByBothEdgesOnce) {
  CatalogGraph graph({Dataset("users", "core.users", {"component:reporting"}),
                      Consumer("reporting", {"resource:default/users"})});
  EXPECT_EQ(Names(*graph.LineageOf("core.users")), (std::vector<std::string>{"reporting@1"}));
}

TEST(CatalogGraph, WalksProducedDatasetsTransitively) {
  CatalogGraph graph(
      {Dataset("users", "core.users"), Dataset("dau", "growth.dau"), Dataset("kpis", "exec.kpis"),
       Consumer("dau-job", {"resource:users"}, "growth.dau", "tier-1"),
       Consumer("kpi-job", {"resource:dau"}, "exec.kpis"), Consumer("board", {"resource:kpis"}),
       Consumer("unrelated", {"resource:kpis"}, "", "tier-3")});
  auto lineage = graph.LineageOf("core.users");
  ASSERT_TRUE(lineage.ok());
  EXPECT_EQ(Names(*lineage), (std::vector<std::string>{"dau-job@1", "kpi-job@2", "board@3", "unrelated@3"}));
  EXPECT_FALSE(lineage->truncated);
  const LineageConsumer& first = lineage->consumers[0];
  EXPECT_EQ(first.owner, "group:default/growth");
  EXPECT_EQ(first.tier, "tier-1");
  EXPECT_EQ(first.lifecycle, "production");
  EXPECT_EQ(first.repo, "repos/dau-job");
  EXPECT_EQ(first.reads, "core.users");
  EXPECT_EQ(first.produces, (std::vector<std::string>{"growth.dau"}));
  EXPECT_EQ(lineage->consumers[1].reads, "growth.dau");
  EXPECT_EQ(lineage->dataset.Key(), "resource:default/users");
  EXPECT_EQ(lineage->dataset_id, "core.users");
}

TEST(CatalogGraph, KeepsEachConsumerAtItsSmallestDepth) {
  // kpi-job reads core.users directly and also, through dau-job, at depth 2.
  CatalogGraph graph({Dataset("users", "core.users"), Dataset("dau", "growth.dau"),
                      Consumer("dau-job", {"resource:users"}, "growth.dau"),
                      Consumer("kpi-job", {"resource:dau", "resource:users"})});
  EXPECT_EQ(Names(*graph.LineageOf("core.users")), (std::vector<std::string>{"dau-job@1", "kpi-job@1"}));
}

TEST(CatalogGraph, StopsAtCycles) {
  CatalogGraph graph({Dataset("a", "x.a"), Dataset("b", "x.b"), Consumer("a-to-b", {"resource:a"}, "x.b"),
                      Consumer("b-to-a", {"resource:b"}, "x.a")});
  auto lineage = graph.LineageOf("x.a");
  ASSERT_TRUE(lineage.ok());
  EXPECT_EQ(Names(*lineage), (std::vector<std::string>{"a-to-b@1", "b-to-a@2"}));
}

TEST(CatalogGraph, AConsumerThatRewritesItsOwnInputDoesNotLoop) {
  CatalogGraph graph({Dataset("a", "x.a"), Consumer("self", {"resource:a"}, "x.a")});
  EXPECT_EQ(Names(*graph.LineageOf("x.a")), (std::vector<std::string>{"self@1"}));
}

TEST(CatalogGraph, DepthLimitCutsTheWalkAndSaysSo) {
  CatalogGraph graph({Dataset("users", "core.users"), Dataset("dau", "growth.dau"),
                      Dataset("kpis", "exec.kpis"), Consumer("dau-job", {"resource:users"}, "growth.dau"),
                      Consumer("kpi-job", {"resource:dau"}, "exec.kpis"),
                      Consumer("board", {"resource:kpis"})});
  auto one = graph.LineageOf("core.users", 1);
  EXPECT_EQ(Names(*one), (std::vector<std::string>{"dau-job@1"}));
  EXPECT_TRUE(one->truncated);
  auto two = graph.LineageOf("core.users", 2);
  EXPECT_EQ(Names(*two), (std::vector<std::string>{"dau-job@1", "kpi-job@2"}));
  EXPECT_TRUE(two->truncated);
  auto three = graph.LineageOf("core.users", 3);
  EXPECT_EQ(three->consumers.size(), 3u);
  EXPECT_FALSE(three->truncated);
}

TEST(CatalogGraph, DatasetNobodyReadsHasNoConsumers) {
  CatalogGraph graph({Dataset("users", "core.users"), Dataset("orders", "core.orders"),
                      Consumer("job", {"resource:orders"})});
  auto lineage = graph.LineageOf("core.users");
  ASSERT_TRUE(lineage.ok());
  EXPECT_TRUE(lineage->consumers.empty());
  EXPECT_FALSE(lineage->truncated);
}

TEST(CatalogGraph, ProducedDatasetWithoutAResourceEndsTheWalk) {
  CatalogGraph graph({Dataset("users", "core.users"), Consumer("job", {"resource:users"}, "scratch.tmp")});
  EXPECT_EQ(Names(*graph.LineageOf("core.users")), (std::vector<std::string>{"job@1"}));
}

TEST(CatalogGraph, OnlyComponentsAreConsumers) {
  // A Resource's own dependsOn (e.g. on a database) is not a read of the dataset.
  Entity view = Dataset("users-view", "core.users_view");
  view.spec["dependsOn"] = {"resource:default/users"};
  CatalogGraph graph({Dataset("users", "core.users"), view});
  EXPECT_TRUE(graph.LineageOf("core.users")->consumers.empty());
}

TEST(CatalogGraph, DatasetsReadByIsTheInverseOfDirectConsumers) {
  CatalogGraph graph({Dataset("users", "core.users"), Dataset("orders", "core.orders", {"component:job"}),
                      Dataset("unread", "core.unread"), Consumer("job", {"resource:users"})});
  std::vector<std::string> names;
  for (const Entity* e : graph.DatasetsReadBy(*graph.FindEntity(EntityRef{"Component", "default", "job"}))) {
    names.push_back(e->DatasetId());
  }
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"core.orders", "core.users"}));
}

TEST(ShortRef, DropsOnlyTheDefaultNamespace) {
  EXPECT_EQ(ShortRef("group:default/growth"), "group:growth");
  EXPECT_EQ(ShortRef("group:finance/payments"), "group:finance/payments");
  EXPECT_EQ(ShortRef(""), "");
}

TEST(CatalogGraph, UnknownDatasetIsNotFound) {
  CatalogGraph graph({Dataset("users", "core.users")});
  auto lineage = graph.LineageOf("core.missing");
  ASSERT_FALSE(lineage.ok());
  EXPECT_EQ(lineage.status().code(), StatusCode::kNotFound);
  EXPECT_NE(lineage.status().message().find("core.missing"), std::string::npos);
}

}  // namespace
}  // namespace skein
