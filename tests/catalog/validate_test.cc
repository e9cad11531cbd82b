// Specification of entity validation: Backstage's rules and skein's annotations.
#include "catalog/validate.h"

#include <gtest/gtest.h>

#include <string>

namespace skein {
namespace {

using nlohmann::json;

json Component() {
  return {
      {"apiVersion", "backstage.io/v1alpha1"},
      {"kind", "Component"},
      {"metadata", {{"name", "daily-active-users"}, {"annotations", json::object()}}},
      {"spec", {{"type", "data-pipeline"}, {"owner", "group:default/growth"}, {"lifecycle", "production"}}}};
}

json Dataset() {
  return {
      {"apiVersion", "backstage.io/v1alpha1"},
      {"kind", "Resource"},
      {"metadata",
       {{"name", "user-profile-v1"}, {"annotations", {{"skein.dev/dataset-id", "core.user_profile_v1"}}}}},
      {"spec", {{"type", "dataset"}, {"owner", "identity"}}}};
}

// "pointer: message" of every problem, for compact assertions.
std::string Problems(const json& entity) {
  std::string out;
  for (const auto& p : ValidateEntity(entity))
    out += p.pointer + (p.at_key ? " (key)" : "") + ": " + p.message + "\n";
  return out;
}

TEST(ValidateEntity, AcceptsWellFormedComponentAndDataset) {
  EXPECT_EQ(Problems(Component()), "");
  json dataset = Dataset();
  dataset["metadata"]["annotations"]["skein.dev/location"] = "parquet:warehouse/core/user_profile_v1";
  dataset["metadata"]["annotations"]["skein.dev/lifecycle"] = "deprecated";
  dataset["metadata"]["annotations"]["skein.dev/schema"] = "user_id BIGINT, amount DECIMAL(12,2)";
  dataset["metadata"]["annotations"]["backstage.io/techdocs-ref"] = "dir:.";
  EXPECT_EQ(Problems(dataset), "");
}

TEST(ValidateEntity, NamesFollowBackstageRules) {
  for (const char* good : {"a", "user-profile-v1", "LoremService", "a.b_c-d", "x1"}) {
    EXPECT_TRUE(IsValidEntityName(good)) << good;
  }
  for (const char* bad : {"", "-lead", "trail-", "has space", "slash/name", "colon:name"}) {
    EXPECT_FALSE(IsValidEntityName(bad)) << bad;
  }
  EXPECT_TRUE(IsValidEntityName(std::string(63, 'a')));
  EXPECT_FALSE(IsValidEntityName(std::string(64, 'a')));
  json entity = Component();
  entity["metadata"]["name"] = "daily_active_users!";
  EXPECT_NE(Problems(entity).find("/metadata/name: name 'daily_active_users!' must be 1-63 chars"),
            std::string::npos);
}

TEST(ValidateEntity, NamespaceIsADnsLabel) {
  EXPECT_TRUE(IsValidNamespace("team-a"));
  EXPECT_FALSE(IsValidNamespace("Team-A"));
  EXPECT_FALSE(IsValidNamespace("team_a"));
  EXPECT_FALSE(IsValidNamespace("-a"));
  json entity = Component();
  entity["metadata"]["namespace"] = "Data_Platform";
  EXPECT_NE(Problems(entity).find("/metadata/namespace: namespace \"Data_Platform\" must be a DNS label"),
            std::string::npos);
}

TEST(ValidateEntity, TagsFollowBackstageRules) {
  EXPECT_TRUE(IsValidTag("tier-1"));
  EXPECT_TRUE(IsValidTag("c++"));
  EXPECT_TRUE(IsValidTag("lang:go"));
  EXPECT_FALSE(IsValidTag("Tier-1"));
  EXPECT_FALSE(IsValidTag("two--dashes"));
  EXPECT_FALSE(IsValidTag("under_score"));
  EXPECT_FALSE(IsValidTag(std::string(64, 'a')));
  json entity = Component();
  entity["metadata"]["tags"] = {"tier-1", "Python"};
  EXPECT_EQ(Problems(entity),
            "/metadata/tags/1: tag 'Python' must be 1-63 chars of [a-z0-9:+#] separated by '-'\n");
}

TEST(ValidateEntity, RejectsUnknownApiVersionAndKind) {
  json entity = Component();
  entity["apiVersion"] = "backstage.io/v2";
  EXPECT_NE(Problems(entity).find("/apiVersion: apiVersion 'backstage.io/v2' is not"), std::string::npos);
  entity = Component();
  entity["kind"] = "component";
  EXPECT_EQ(Problems(entity), "/kind: unknown kind 'component'; did you mean 'Component'?\n");
  entity["kind"] = "Pipeline";
  EXPECT_EQ(Problems(entity), "/kind: unknown kind 'Pipeline'\n");
}

TEST(ValidateEntity, TemplatesUseTheScaffolderApiVersion) {
  json entity = {{"apiVersion", "scaffolder.backstage.io/v1beta3"},
                 {"kind", "Template"},
                 {"metadata", {{"name", "new-pipeline"}}},
                 {"spec", {{"type", "service"}, {"steps", json::array()}}}};
  EXPECT_EQ(Problems(entity), "");
}

TEST(ValidateEntity, RequiresSpecFieldsPerKind) {
  json component = Component();
  component["spec"].erase("lifecycle");
  component["spec"].erase("owner");
  EXPECT_EQ(Problems(component), "/spec: spec.lifecycle is required\n/spec: spec.owner is required\n");

  json resource = Dataset();
  resource["spec"].erase("type");
  EXPECT_EQ(Problems(resource), "/spec: spec.type is required\n");

  json api = {{"apiVersion", "backstage.io/v1alpha1"},
              {"kind", "API"},
              {"metadata", {{"name", "users-api"}}},
              {"spec", {{"type", "openapi"}, {"lifecycle", "production"}, {"owner", "identity"}}}};
  EXPECT_EQ(Problems(api), "/spec: spec.definition is required\n");

  json group = {{"apiVersion", "backstage.io/v1alpha1"},
                {"kind", "Group"},
                {"metadata", {{"name", "growth"}}},
                {"spec", {{"type", "team"}}}};
  EXPECT_EQ(Problems(group), "/spec: spec.children is required\n");

  json user = {{"apiVersion", "backstage.io/v1alpha1"},
               {"kind", "User"},
               {"metadata", {{"name", "jdoe"}}},
               {"spec", {{"memberOf", {"growth"}}}}};
  EXPECT_EQ(Problems(user), "");
  user["spec"].erase("memberOf");
  EXPECT_EQ(Problems(user), "/spec: spec.memberOf is required\n");

  json system = {{"apiVersion", "backstage.io/v1alpha1"},
                 {"kind", "System"},
                 {"metadata", {{"name", "user-profile"}}},
                 {"spec", json::object()}};
  EXPECT_EQ(Problems(system), "/spec: spec.owner is required\n");

  json location = {{"apiVersion", "backstage.io/v1alpha1"},
                   {"kind", "Location"},
                   {"metadata", {{"name", "root"}}},
                   {"spec", {{"type", "file"}}}};
  EXPECT_EQ(Problems(location), "/spec: a Location needs spec.target or spec.targets\n");
}

TEST(ValidateEntity, SpecMustBeAMapping) {
  json entity = Component();
  entity.erase("spec");
  EXPECT_EQ(Problems(entity), ": spec is missing (a Component needs a spec mapping)\n");
}

TEST(ValidateEntity, FieldTypesAreChecked) {
  json entity = Component();
  entity["spec"]["lifecycle"] = 3;
  entity["spec"]["dependsOn"] = "resource:default/x";
  EXPECT_EQ(
      Problems(entity),
      "/spec/lifecycle: spec.lifecycle must be a string\n/spec/dependsOn: spec.dependsOn must be a list\n");
}

TEST(ValidateEntity, DependsOnNeedsAKindAndValidRefs) {
  json entity = Component();
  entity["spec"]["dependsOn"] = {"resource:default/user-profile-v1", "user-profile-v1", "resource:Bad_NS/x",
                                 "resource:default/"};
  std::string problems = Problems(entity);
  EXPECT_NE(problems.find("/spec/dependsOn/1: spec.dependsOn entry 'user-profile-v1' needs a kind"),
            std::string::npos)
      << problems;
  EXPECT_NE(
      problems.find(
          "/spec/dependsOn/2: spec.dependsOn entry 'resource:Bad_NS/x' is not a valid entity reference"),
      std::string::npos)
      << problems;
  EXPECT_NE(problems.find("/spec/dependsOn/3: spec.dependsOn: malformed entity reference"), std::string::npos)
      << problems;
  EXPECT_EQ(problems.find("/spec/dependsOn/0"), std::string::npos);
}

TEST(ValidateEntity, OwnerDefaultsToGroupKind) {
  json entity = Component();
  entity["spec"]["owner"] = "growth";
  EXPECT_EQ(Problems(entity), "");
  entity["spec"]["owner"] = "user:john.johnson";
  EXPECT_EQ(Problems(entity), "");
  entity["spec"]["owner"] = "group:a/b/c";
  EXPECT_NE(Problems(entity).find("/spec/owner"), std::string::npos);
}

TEST(ValidateEntity, AnnotationKeysAndValues) {
  json entity = Component();
  entity["metadata"]["annotations"] = {{"Bad Key", "x"}, {"example.com/ok", "x"}, {"example.com/n", 5}};
  std::string problems = Problems(entity);
  EXPECT_NE(problems.find("/metadata/annotations/Bad Key (key): 'Bad Key' is not a valid annotation key"),
            std::string::npos)
      << problems;
  EXPECT_NE(
      problems.find(
          "/metadata/annotations/example.com~1n: annotation 'example.com/n' must be a string (quote it)"),
      std::string::npos)
      << problems;
  EXPECT_EQ(problems.find("example.com~1ok"), std::string::npos);
}

TEST(ValidateEntity, LabelValuesAreNamesOrEmpty) {
  json entity = Component();
  entity["metadata"]["labels"] = {{"team", "growth"}, {"empty", ""}, {"bad", "has space"}};
  EXPECT_EQ(Problems(entity),
            "/metadata/labels/bad: label value 'has space' must be 1-63 letters, digits and [-_.]\n");
}

TEST(ValidateEntity, UnknownSkeinAnnotationSuggestsTheClosest) {
  json entity = Component();
  entity["metadata"]["annotations"] = {{"skein.dev/produce", "growth.dau"}};
  EXPECT_EQ(
      Problems(entity),
      "/metadata/annotations/skein.dev~1produce (key): unknown annotation 'skein.dev/produce'; did you mean "
      "'skein.dev/produces'?\n");
  entity["metadata"]["annotations"] = {{"skein.dev/colour", "blue"}};
  EXPECT_EQ(Problems(entity),
            "/metadata/annotations/skein.dev~1colour (key): unknown annotation 'skein.dev/colour'\n");
}

TEST(ValidateEntity, ConsumerJobAnnotationsAreKnownAndChecked) {
  json entity = Component();
  entity["metadata"]["annotations"] = {{"skein.dev/remote", "https://git.example.com/growth/dau.git"},
                                       {"skein.dev/verify-command", "make check"}};
  EXPECT_EQ(Problems(entity), "");
  entity["metadata"]["annotations"] = {{"skein.dev/remote", "--upload-pack=evil"}};
  EXPECT_EQ(
      Problems(entity),
      "/metadata/annotations/skein.dev~1remote: skein.dev/remote: '--upload-pack=evil' starts with '-' (git "
      "would read it as an option)\n");
  entity["metadata"]["annotations"] = {{"skein.dev/verify-command", " "}};
  EXPECT_EQ(Problems(entity),
            "/metadata/annotations/skein.dev~1verify-command: skein.dev/verify-command: is empty\n");
}

TEST(ValidateEntity, AWorkerGroupIsALabel) {
  json entity = Component();
  entity["metadata"]["annotations"] = {{"skein.dev/worker-group", "eu-west-1"}};
  EXPECT_EQ(Problems(entity), "");
  entity["metadata"]["annotations"] = {{"skein.dev/worker-group", "EU_West"}};
  EXPECT_EQ(
      Problems(entity),
      "/metadata/annotations/skein.dev~1worker-group: skein.dev/worker-group: 'EU_West' is not a label (1 to "
      "63 lowercase letters, digits and '-', starting and ending with a letter or digit)\n");
}

TEST(ValidateEntity, DatasetIdFormat) {
  EXPECT_TRUE(IsValidDatasetId("core.user_profile_v1"));
  EXPECT_TRUE(IsValidDatasetId("db.schema.table"));
  EXPECT_FALSE(IsValidDatasetId("orders"));
  EXPECT_FALSE(IsValidDatasetId("core..orders"));
  EXPECT_FALSE(IsValidDatasetId("core.user-profile"));
  json entity = Dataset();
  entity["metadata"]["annotations"]["skein.dev/dataset-id"] = "orders";
  EXPECT_EQ(Problems(entity),
            "/metadata/annotations/skein.dev~1dataset-id: skein.dev/dataset-id: 'orders' is not a dataset id "
            "(expected "
            "e.g. core.user_profile_v1)\n");
}

TEST(ValidateEntity, HugeValuesAreRejectedNotCrashedOn) {
  json entity = Dataset();
  entity["metadata"]["annotations"]["skein.dev/dataset-id"] = "core." + std::string(200000, 'a');
  entity["metadata"]["annotations"]["skein.dev/schema"] = "id " + std::string(200000, 'X');
  std::string problems = Problems(entity);
  EXPECT_NE(problems.find("is not a dataset id"), std::string::npos);
  EXPECT_NE(problems.find("is too long"), std::string::npos);
}

TEST(ValidateEntity, SkeinAnnotationValues) {
  struct Case {
    const char* key;
    const char* value;
    const char* problem;  // "" when valid
  };
  const Case cases[] = {
      {"skein.dev/location", "parquet:warehouse/core/x", ""},
      {"skein.dev/location", "postgresql://db.example/warehouse#core.users", ""},
      {"skein.dev/location", "s3://bucket/x", "unknown scheme"},
      {"skein.dev/location", "parquet:", "no path after 'parquet:'"},
      {"skein.dev/location", "duckdb:warehouse.duckdb", "names its table"},
      {"skein.dev/lifecycle", "retired", ""},
      {"skein.dev/lifecycle", "sunset", "is not one of experimental, production, deprecated, retired"},
      {"skein.dev/tier", "tier-0", ""},
      {"skein.dev/tier", "critical", "is not a tier (expected tier-N)"},
      {"skein.dev/schema", "id BIGINT, \"Odd Name\" VARCHAR", ""},
      {"skein.dev/schema", "id BIGINT, amount", "column 'amount' is not 'name TYPE'"},
  };
  for (const Case& c : cases) {
    json entity = Dataset();
    entity["metadata"]["annotations"][c.key] = c.value;
    std::string problems = Problems(entity);
    if (std::string(c.problem).empty()) {
      EXPECT_EQ(problems, "") << c.key << "=" << c.value;
    } else {
      EXPECT_NE(problems.find(c.problem), std::string::npos) << c.key << "=" << c.value << " -> " << problems;
    }
  }
}

TEST(ValidateEntity, ComponentAnnotations) {
  struct Case {
    const char* key;
    const char* value;
    const char* problem;
  };
  const Case cases[] = {
      {"skein.dev/produces", "growth.dau, finance.revenue", ""},
      {"skein.dev/produces", "growth.dau, revenue", "'revenue' is not a dataset id"},
      {"skein.dev/produces", " , ", "lists no dataset id"},
      {"skein.dev/repo", "repos/daily-active-users", ""},
      {"skein.dev/repo", "/srv/git/dau", ""},
      {"skein.dev/repo", "https://git.example.com/growth/dau.git", ""},
      {"skein.dev/repo", "repos/../../etc", "escapes with '..'"},
      {"skein.dev/framework", "dbt", ""},
      {"skein.dev/framework", "Spark SQL", "is not a framework name"},
  };
  for (const Case& c : cases) {
    json entity = Component();
    entity["metadata"]["annotations"][c.key] = c.value;
    std::string problems = Problems(entity);
    if (std::string(c.problem).empty()) {
      EXPECT_EQ(problems, "") << c.key << "=" << c.value;
    } else {
      EXPECT_NE(problems.find(c.problem), std::string::npos) << c.key << "=" << c.value << " -> " << problems;
    }
  }
}

TEST(ValidateEntity, SkeinAnnotationsBelongOnTheirKind) {
  json entity = Component();
  entity["metadata"]["annotations"]["skein.dev/dataset-id"] = "core.users";
  EXPECT_EQ(Problems(entity),
            "/metadata/annotations/skein.dev~1dataset-id (key): skein.dev/dataset-id belongs on a Resource, "
            "not on a "
            "Component\n");
}

TEST(ClosestMatch, FindsLikelyTyposOnly) {
  std::vector<std::string> words = {"component:default/daily-active-users",
                                    "component:default/growth-dashboard"};
  EXPECT_EQ(ClosestMatch("component:default/daily-active-user", words), words[0]);
  EXPECT_EQ(ClosestMatch("COMPONENT:default/growth-dashbaord", words), words[1]);
  EXPECT_EQ(ClosestMatch("component:default/churn-model", words), "");
}

}  // namespace
}  // namespace skein
