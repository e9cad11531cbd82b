#include <gtest/gtest.h>

#include "rewrite/rewrite.h"

namespace skein {
namespace {

RewriteSpec ConfigSpec() {
  RewriteSpec spec;
  spec.from_table = "core.user_profile_v1";
  spec.to_table = "core.user_profile_v2";
  spec.columns = {{"user_id", "account_id", "", false}};
  spec.from_columns = {"user_id", "email"};
  spec.to_columns = {"account_id", "email"};
  return spec;
}

std::string Config(std::string_view path, std::string_view text) {
  return RewriteFile(path, text, ConfigSpec(), {}).text;
}

TEST(ConfigRewriter, YamlValuesInEveryQuotingButNotKeys) {
  EXPECT_EQ(Config("a.yml", "t: core.user_profile_v1\nu: 'core.user_profile_v1'\ncore.user_profile_v1: 1\n"),
            "t: core.user_profile_v2\nu: 'core.user_profile_v2'\ncore.user_profile_v1: 1\n");
}

TEST(ConfigRewriter, YamlBlockSqlKeepsIndentation) {
  EXPECT_EQ(Config("a.yml", "q: |\n  SELECT email\n  FROM core.user_profile_v1\nn: 1\n"),
            "q: |\n  SELECT email\n  FROM core.user_profile_v2\nn: 1\n");
}

TEST(ConfigRewriter, JsonEscapedQuotedForm) {
  EXPECT_EQ(Config("a.json", "{\"t\": \"\\\"core\\\".\\\"user_profile_v1\\\"\"}"),
            "{\"t\": \"\\\"core\\\".\\\"user_profile_v2\\\"\"}");
  EXPECT_EQ(Config("a.json", "{\"core.user_profile_v1\": 1}"), "{\"core.user_profile_v1\": 1}");
}

TEST(ConfigRewriter, TomlValuesNotKeysOrHeaders) {
  EXPECT_EQ(
      Config("a.toml", "[\"core.user_profile_v1\"]\nt = 'core.user_profile_v1' # core.user_profile_v1\n"),
      "[\"core.user_profile_v1\"]\nt = 'core.user_profile_v2' # core.user_profile_v1\n");
}

TEST(ConfigRewriter, ColumnListsAreReportedNotEdited) {
  RewriteResult r = RewriteFile("a.yml", "t: core.user_profile_v1\ncolumns: [user_id]\n", ConfigSpec(), {});
  EXPECT_EQ(r.text, "t: core.user_profile_v2\ncolumns: [user_id]\n");
  ASSERT_EQ(r.findings.size(), 1u);
  EXPECT_EQ(r.findings[0].line, 2);
  EXPECT_EQ(r.findings[0].col, 11);
}

TEST(ConfigRewriter, UnparseableYamlIsAFindingNotACrash) {
  RewriteResult r = RewriteFile("a.yml", "t: [core.user_profile_v1\n", ConfigSpec(), {});
  EXPECT_FALSE(r.changed());
  ASSERT_EQ(r.findings.size(), 1u);
  EXPECT_NE(r.findings[0].reason.find("YAML does not parse"), std::string::npos);
}

}  // namespace
}  // namespace skein
