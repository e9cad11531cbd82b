// PlanRollout and its rules: affected consumers, grouping, estimates, waves, approvals.
#include "fleet/plan.h"

#include <gtest/gtest.h>

#include "base/text.h"

namespace skein {
namespace {

Entity Dataset(const std::string& name, const std::string& id) {
  Entity e;
  e.api_version = "backstage.io/v1alpha1";
  e.kind = "Resource";
  e.name = name;
  e.annotations["skein.dev/dataset-id"] = id;
  e.spec = {{"type", "dataset"}, {"owner", "group:default/data"}};
  return e;
}

// A consumer's catalog facts, defaults overridden one by one: Facts().Tier("tier-1").
struct Facts {
  std::string tier = "tier-2";
  std::string framework = "sql";
  std::string owner = "group:default/growth";
  std::string lifecycle = "production";
  std::string produces;
  Facts& Tier(std::string v) {
    tier = std::move(v);
    return *this;
  }
  Facts& Owner(std::string v) {
    owner = std::move(v);
    return *this;
  }
  Facts& Lifecycle(std::string v) {
    lifecycle = std::move(v);
    return *this;
  }
  Facts& Produces(std::string v) {
    produces = std::move(v);
    return *this;
  }
};

Entity Consumer(const std::string& name, const std::string& reads, const Facts& facts = Facts()) {
  Entity e;
  e.api_version = "backstage.io/v1alpha1";
  e.kind = "Component";
  e.name = name;
  if (!facts.tier.empty()) e.tags.push_back(facts.tier);
  if (!facts.framework.empty()) e.annotations["skein.dev/framework"] = facts.framework;
  if (!facts.produces.empty()) e.annotations["skein.dev/produces"] = facts.produces;
  e.spec = {{"type", "data-pipeline"},
            {"owner", facts.owner},
            {"lifecycle", facts.lifecycle},
            {"dependsOn", nlohmann::json::array({"resource:default/" + reads})}};
  return e;
}

Migration ParseManifest(const std::string& spec_rest) {
  auto m = ParseMigration(
      "apiVersion: skein.dev/v1\nkind: Migration\nmetadata: {name: users-v2}\n"
      "spec:\n  from: core.users_v1\n  to: core.users_v2\n" +
          spec_rest,
      "m.yaml");
  EXPECT_TRUE(m.ok()) << m.status().message();
  return m.ok() ? *m : Migration{};
}

const char* kRenameOnly = "  columns:\n    - {from: user_id, to: account_id}\n";

RolloutPlan Plan(const Migration& m, std::vector<Entity> entities) {
  entities.push_back(Dataset("users-v1", "core.users_v1"));
  CatalogGraph graph(std::move(entities));
  auto plan = PlanRollout(m, graph);
  EXPECT_TRUE(plan.ok()) << plan.status().message();
  return plan.ok() ? *plan : RolloutPlan{};
}

std::vector<int> Sizes(const RolloutPlan& plan) {
  std::vector<int> sizes;
  for (const auto& wave : plan.waves) sizes.push_back(static_cast<int>(wave.consumers.size()));
  return sizes;
}

TEST(WaveSizes, GrowFromTheCanaryAndCapAtWhatRemains) {
  EXPECT_EQ(WaveSizes(10, 2, 2.0), (std::vector<int>{2, 4, 4}));
  EXPECT_EQ(WaveSizes(10, 1, 1.0), std::vector<int>(10, 1));
  EXPECT_EQ(WaveSizes(20, 2, 1.5), (std::vector<int>{2, 3, 5, 8, 2}));
  EXPECT_EQ(WaveSizes(1, 5, 2.0), (std::vector<int>{1}));
  EXPECT_TRUE(WaveSizes(0, 2, 2.0).empty());
}

TEST(RolloutPlan, TenConsumersCanaryTwoGrowthTwoMakeWavesOfTwoFourFour) {
  std::vector<Entity> entities;
  for (int i = 0; i < 10; ++i) entities.push_back(Consumer("job-" + std::to_string(i), "users-v1"));
  RolloutPlan plan =
      Plan(ParseManifest(std::string(kRenameOnly) + "  rollout: {canary: 2, growth: 2.0}\n"), entities);
  EXPECT_EQ(plan.direct.size(), 10u);
  EXPECT_EQ(Sizes(plan), (std::vector<int>{2, 4, 4}));
  EXPECT_EQ(plan.waves[0].number, 1);
  EXPECT_EQ(plan.waves[2].number, 3);
  EXPECT_EQ(plan.Find("component:default/job-0")->wave, 1);
  EXPECT_EQ(plan.Find("component:default/job-9")->wave, 3);
}

TEST(RolloutPlan, RollsOutLeastCriticalFirstAndUnknownTierLast) {
  RolloutPlan plan =
      Plan(ParseManifest(std::string(kRenameOnly) + "  rollout: {canary: 1, growth: 1}\n"),
           {Consumer("a-critical", "users-v1", Facts().Tier("tier-1")),
            Consumer("b-untiered", "users-v1", Facts().Tier("")),
            Consumer("c-minor", "users-v1", Facts().Tier("tier-3")),
            Consumer("d-middle", "users-v1", Facts().Tier("tier-2")),
            Consumer("e-middle-experimental", "users-v1", Facts().Tier("tier-2").Lifecycle("experimental"))});
  std::vector<std::string> order;
  for (const auto& wave : plan.waves) order.push_back(wave.consumers.at(0));
  EXPECT_EQ(order,
            (std::vector<std::string>{"component:default/c-minor", "component:default/e-middle-experimental",
                                      "component:default/d-middle", "component:default/a-critical",
                                      "component:default/b-untiered"}));
}

TEST(RolloutPlan, MarksConsumersOfApprovalTiers) {
  RolloutPlan plan = Plan(ParseManifest(std::string(kRenameOnly) +
                                        "  rollout: {canary: 1, growth: 10, approval: {tiers: [TIER-1]}}\n"),
                          {Consumer("critical", "users-v1", Facts().Tier("tier-1")),
                           Consumer("minor", "users-v1", Facts().Tier("tier-3")),
                           Consumer("untiered", "users-v1", Facts().Tier(""))});
  EXPECT_TRUE(plan.Find("component:default/critical")->needs_approval);
  EXPECT_FALSE(plan.Find("component:default/minor")->needs_approval);
  EXPECT_FALSE(plan.Find("component:default/untiered")->needs_approval);
  EXPECT_EQ(plan.CountApprovals(), 1);
  ASSERT_EQ(plan.waves.size(), 2u);
  EXPECT_EQ(plan.waves[0].approvals, 0);
  EXPECT_EQ(plan.waves[1].approvals, 1);
}

TEST(RolloutPlan, SeparatesTransitiveConsumersThatPreserveOutputLeavesAlone) {
  std::vector<Entity> entities = {
      Consumer("daily-active-users", "users-v1", Facts().Produces("growth.daily_active_users")),
      Dataset("dau", "growth.daily_active_users"),
      Consumer("exec-dashboard", "dau", Facts().Tier("tier-1").Owner("group:default/exec")),
  };
  RolloutPlan kept = Plan(ParseManifest(kRenameOnly), entities);
  ASSERT_EQ(kept.direct.size(), 1u);
  ASSERT_EQ(kept.transitive.size(), 1u);
  const PlannedConsumer& dashboard = kept.transitive[0];
  EXPECT_EQ(dashboard.key, "component:default/exec-dashboard");
  EXPECT_EQ(dashboard.consumer.depth, 2);
  EXPECT_FALSE(dashboard.needs_change);
  EXPECT_EQ(dashboard.wave, 0);
  EXPECT_NE(dashboard.note.find("preserve_output"), std::string::npos);
  EXPECT_EQ(kept.waves.size(), 1u);  // only the direct consumer is migrated

  RolloutPlan changed =
      Plan(ParseManifest(std::string(kRenameOnly) + "  consumers: {preserve_output: false}\n"), entities);
  EXPECT_EQ(changed.transitive[0].note.rfind("review:", 0), 0u) << changed.transitive[0].note;
}

TEST(RolloutPlan, GroupsByOwnerThenTierMostCriticalFirst) {
  RolloutPlan plan = Plan(ParseManifest(kRenameOnly),
                          {Consumer("a", "users-v1", Facts().Tier("tier-3").Owner("group:default/growth")),
                           Consumer("b", "users-v1", Facts().Tier("tier-1").Owner("group:default/growth")),
                           Consumer("c", "users-v1", Facts().Tier("").Owner("group:default/ads")),
                           Consumer("d", "users-v1", Facts().Tier("tier-1").Owner(""))});
  std::vector<OwnerGroup> groups = GroupByOwnerAndTier(plan.direct);
  ASSERT_EQ(groups.size(), 3u);
  EXPECT_EQ(groups[0].owner, "group:default/ads");
  EXPECT_EQ(groups[1].owner, "group:default/growth");
  EXPECT_EQ(groups[2].owner, "");  // no owner sorts last
  ASSERT_EQ(groups[1].tiers.size(), 2u);
  EXPECT_EQ(groups[1].tiers[0].tier, "tier-1");
  EXPECT_EQ(groups[1].tiers[0].consumers, std::vector<std::string>{"component:default/b"});
  EXPECT_EQ(groups[1].tiers[1].tier, "tier-3");
}

TEST(HandlerEstimate, SqlDbtAndConfigAreBuiltin) {
  Migration m = ParseManifest(kRenameOnly);
  for (const char* framework : {"sql", "dbt", "config"}) {
    LineageConsumer consumer;
    consumer.framework = framework;
    EXPECT_EQ(EstimateHandler(m, consumer).handler, ConsumerHandler::kBuiltin) << framework;
  }
}

TEST(HandlerEstimate, CodeIsBuiltinOnlyWhileEveryColumnOpIsProvable) {
  LineageConsumer python;
  python.framework = "Python";
  EXPECT_EQ(EstimateHandler(ParseManifest(kRenameOnly), python).handler, ConsumerHandler::kBuiltin);
  Migration drops = ParseManifest(std::string(kRenameOnly) + "    - {drop: legacy_segment}\n");
  HandlerEstimate estimate = EstimateHandler(drops, python);
  EXPECT_EQ(estimate.handler, ConsumerHandler::kAgent);
  EXPECT_NE(estimate.reason.find("legacy_segment"), std::string::npos) << estimate.reason;
  Migration reversible =
      ParseManifest(std::string(kRenameOnly) + "    - {drop: legacy_segment, reverse: \"NULL\"}\n");
  EXPECT_EQ(EstimateHandler(reversible, python).handler, ConsumerHandler::kBuiltin);
  // SQL stays builtin with a drop, but says an agent may take over.
  LineageConsumer sql;
  sql.framework = "sql";
  HandlerEstimate sql_estimate = EstimateHandler(drops, sql);
  EXPECT_EQ(sql_estimate.handler, ConsumerHandler::kBuiltin);
  EXPECT_NE(sql_estimate.reason.find("legacy_segment"), std::string::npos);
}

TEST(HandlerEstimate, UnknownFrameworksAndCommandAgentsGoToAnAgent) {
  Migration m = ParseManifest(kRenameOnly);
  LineageConsumer unknown;
  EXPECT_EQ(EstimateHandler(m, unknown).handler, ConsumerHandler::kAgent);
  EXPECT_NE(EstimateHandler(m, unknown).reason.find("framework unknown"), std::string::npos);
  LineageConsumer excel;
  excel.framework = "excel";
  EXPECT_EQ(EstimateHandler(m, excel).handler, ConsumerHandler::kAgent);
  Migration command =
      ParseManifest(std::string(kRenameOnly) + "  consumers: {agent: {kind: command, command: aider}}\n");
  LineageConsumer sql;
  sql.framework = "sql";
  EXPECT_EQ(EstimateHandler(command, sql).handler, ConsumerHandler::kAgent);
}

TEST(RolloutPlan, ListsRetiredConsumersWithoutMigratingThem) {
  RolloutPlan plan =
      Plan(ParseManifest(kRenameOnly),
           {Consumer("old", "users-v1", Facts().Lifecycle("retired")),
            Consumer("legacy", "users-v1", Facts().Lifecycle("deprecated")), Consumer("live", "users-v1")});
  ASSERT_EQ(plan.direct.size(), 3u);
  const PlannedConsumer* old = plan.Find("component:default/old");
  EXPECT_FALSE(old->needs_change);
  EXPECT_EQ(old->wave, 0);
  EXPECT_NE(old->note.find("retired"), std::string::npos);
  const PlannedConsumer* legacy = plan.Find("component:default/legacy");
  EXPECT_TRUE(legacy->needs_change);
  EXPECT_NE(legacy->note.find("deprecated"), std::string::npos);
  EXPECT_EQ(plan.CountHandler(ConsumerHandler::kBuiltin), 2);
  int in_waves = 0;
  for (const auto& wave : plan.waves) in_waves += static_cast<int>(wave.consumers.size());
  EXPECT_EQ(in_waves, 2);
}

TEST(RolloutPlan, CarriesTheTargetSchemaWhenGivenTheSourceSchema) {
  Migration m = ParseManifest(std::string(kRenameOnly) + "    - {drop: email}\n");
  CatalogGraph graph({Dataset("users-v1", "core.users_v1"), Consumer("a", "users-v1")});
  Schema v1{{{"user_id", "BIGINT"}, {"email", "VARCHAR"}, {"dt", "DATE"}}};
  auto plan = PlanRollout(m, graph, &v1);
  ASSERT_TRUE(plan.ok()) << plan.status().message();
  ASSERT_TRUE(plan->target_schema.has_value());
  ASSERT_EQ(plan->target_schema->columns.size(), 2u);
  EXPECT_EQ(plan->target_schema->columns[0].name, "account_id");
  Schema lacking{{{"id", "BIGINT"}}};
  EXPECT_FALSE(PlanRollout(m, graph, &lacking).ok());
}

TEST(RolloutPlan, AnUnknownFromDatasetIsNotFound) {
  CatalogGraph graph({Dataset("other", "core.other")});
  auto plan = PlanRollout(ParseManifest(kRenameOnly), graph);
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.status().code(), StatusCode::kNotFound);
}

TEST(RolloutPlan, IsTheSameWhateverTheCatalogOrder) {
  std::vector<Entity> entities;
  for (int i = 0; i < 6; ++i) {
    entities.push_back(
        Consumer("job-" + std::to_string(i), "users-v1", Facts().Tier("tier-" + std::to_string(i % 3 + 1))));
  }
  Migration m = ParseManifest(std::string(kRenameOnly) + "  rollout: {canary: 2}\n");
  nlohmann::json forward = RolloutPlanToJson(m, Plan(m, entities));
  std::reverse(entities.begin(), entities.end());
  nlohmann::json backward = RolloutPlanToJson(m, Plan(m, entities));
  EXPECT_EQ(forward, backward);
  EXPECT_EQ(forward["totals"]["direct"], 6);
  EXPECT_EQ(forward["waves"].size(), 2u);
}

}  // namespace
}  // namespace skein
