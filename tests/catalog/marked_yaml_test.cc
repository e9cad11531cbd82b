// Specification of YAML-to-JSON conversion with source positions.
#include "catalog/marked_yaml.h"

#include <gtest/gtest.h>

namespace skein {
namespace {

TEST(MarkedYaml, ReadsEveryDocumentWithPositions) {
  auto docs = ParseMarkedYaml(
      "kind: Group\n"
      "metadata:\n"
      "  name: growth\n"
      "---\n"
      "# a comment\n"
      "kind: Component\n"
      "spec:\n"
      "  dependsOn:\n"
      "    - resource:default/a\n"
      "    - resource:default/b\n",
      "f.yaml");
  ASSERT_TRUE(docs.ok()) << docs.status().message();
  ASSERT_EQ(docs->size(), 2u);
  EXPECT_EQ((*docs)[0].value["metadata"]["name"], "growth");
  EXPECT_EQ((*docs)[0].start.line, 1);
  EXPECT_EQ((*docs)[1].start.line, 6);
  SourcePosition b = (*docs)[1].Find("/spec/dependsOn/1");
  EXPECT_EQ(b.line, 10);
  EXPECT_EQ(b.col, 7);
  SourcePosition key = (*docs)[1].Find("/spec/dependsOn", true);
  EXPECT_EQ(key.line, 8);
  EXPECT_EQ(key.col, 3);
}

TEST(MarkedYaml, FindFallsBackToTheNearestAncestor) {
  auto docs = ParseMarkedYaml("kind: Component\nspec:\n  type: service\n", "f.yaml");
  ASSERT_TRUE(docs.ok());
  SourcePosition missing = (*docs)[0].Find("/spec/owner");
  EXPECT_EQ(missing.line, 3);  // spec's value: the mapping that lacks the field
  EXPECT_EQ(missing.col, 3);
}

TEST(MarkedYaml, EmptyValueTakesItsKeyPosition) {
  auto docs = ParseMarkedYaml("spec:\n  owner:\n  type: x\n", "f.yaml");
  ASSERT_TRUE(docs.ok());
  EXPECT_TRUE((*docs)[0].value["spec"]["owner"].is_null());
  SourcePosition owner = (*docs)[0].Find("/spec/owner");
  EXPECT_EQ(owner.line, 2);
}

TEST(MarkedYaml, ResolvesPlainScalarsLikeYaml12) {
  auto docs = ParseMarkedYaml(
      "a: 12\nb: '12'\nc: true\nd: \"true\"\ne: ~\nf: 1.5\ng: tier-1\nh: 0.1.2\ni: !!str 7\nj: TRUE\n",
      "f.yaml");
  ASSERT_TRUE(docs.ok());
  const auto& v = (*docs)[0].value;
  EXPECT_TRUE(v["a"].is_number_integer());
  EXPECT_EQ(v["b"], "12");
  EXPECT_EQ(v["c"], true);
  EXPECT_EQ(v["d"], "true");
  EXPECT_TRUE(v["e"].is_null());
  EXPECT_DOUBLE_EQ(v["f"].get<double>(), 1.5);
  EXPECT_EQ(v["g"], "tier-1");
  EXPECT_EQ(v["h"], "0.1.2");
  EXPECT_EQ(v["i"], "7");
  EXPECT_EQ(v["j"], true);
}

TEST(MarkedYaml, LongPlainScalarsStayText) {
  std::string digits(100000, '7');
  auto docs = ParseMarkedYaml("a: " + digits + "\n", "f.yaml");
  ASSERT_TRUE(docs.ok());
  EXPECT_EQ((*docs)[0].value["a"], digits);
}

TEST(MarkedYaml, SyntaxErrorNamesFileLineAndColumn) {
  auto docs = ParseMarkedYaml("metadata:\n  name: x\n  tags: [a, b\nspec: {}\n", "dir/bad.yaml");
  ASSERT_FALSE(docs.ok());
  EXPECT_EQ(docs.status().code(), StatusCode::kInvalidInput);
  EXPECT_EQ(docs.status().message().rfind("dir/bad.yaml:", 0), 0u) << docs.status().message();
  EXPECT_NE(docs.status().message().find("YAML syntax"), std::string::npos);
}

TEST(MarkedYaml, DuplicateKeysAreErrors) {
  auto docs = ParseMarkedYaml("metadata:\n  name: a\n  name: b\n", "f.yaml");
  ASSERT_FALSE(docs.ok());
  EXPECT_EQ(docs.status().message(), "f.yaml:3:3: duplicate key 'name'");
}

TEST(MarkedYaml, EmptyDocumentsAreNull) {
  auto docs = ParseMarkedYaml("---\n---\nkind: Group\n", "f.yaml");
  ASSERT_TRUE(docs.ok());
  int non_null = 0;
  for (const auto& doc : *docs) non_null += doc.value.is_null() ? 0 : 1;
  EXPECT_EQ(non_null, 1);
}

}  // namespace
}  // namespace skein
