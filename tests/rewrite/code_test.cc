#include <gtest/gtest.h>

#include "rewrite/rewrite.h"

namespace skein {
namespace {

RewriteSpec Spec() {
  RewriteSpec spec;
  spec.from_table = "core.user_profile_v1";
  spec.to_table = "core.user_profile_v2";
  spec.columns = {{"user_id", "account_id", "", false}, {"legacy_segment", "", "", false}};
  spec.from_columns = {"user_id", "email", "legacy_segment"};
  spec.to_columns = {"account_id", "email"};
  return spec;
}

RewriteResult Code(std::string_view path, std::string_view text) {
  return RewriteFile(path, text, Spec(), {});
}

TEST(CodeRewriter, ReplacesAWholeTableLiteralKeepingItsQuotes) {
  EXPECT_EQ(Code("a.py", "t = 'core.user_profile_v1'\n").text, "t = 'core.user_profile_v2'\n");
  EXPECT_EQ(Code("a.go", "t := `proj:core.user_profile_v1`\n").text, "t := `proj:core.user_profile_v2`\n");
  RewriteResult r = Code("A.java", "String t = \"core.user_profile_v1\";");
  ASSERT_EQ(r.edits.size(), 1u);
  EXPECT_EQ(r.edits[0].before, "core.user_profile_v1");
  EXPECT_EQ(r.edits[0].why, "table rename");
}

TEST(CodeRewriter, LeavesCommentsAndLongerNamesAlone) {
  std::string py = "# core.user_profile_v1\nt = 'core.user_profile_v10'\n";
  EXPECT_EQ(Code("a.py", py).text, py);
  std::string js = "/* 'core.user_profile_v1' */ const t = 1;\n";
  EXPECT_EQ(Code("a.js", js).text, js);
}

TEST(CodeRewriter, RewritesSqlInAFStringAroundItsPlaceholders) {
  RewriteResult r = Code("a.py", "q = f\"SELECT user_id FROM core.user_profile_v1 WHERE dt = '{day}'\"\n");
  EXPECT_NE(r.text.find("FROM core.user_profile_v2 WHERE dt = '{day}'"), std::string::npos) << r.text;
  EXPECT_NE(r.text.find("account_id"), std::string::npos) << r.text;
}

TEST(CodeRewriter, MapsEditsThroughEscapes) {
  RewriteResult r = Code("a.py", "q = \"SELECT email\\nFROM core.user_profile_v1\"\n");
  EXPECT_EQ(r.text, "q = \"SELECT email\\nFROM core.user_profile_v2\"\n");
}

TEST(CodeRewriter, ReportsColumnsUsedOutsideSql) {
  RewriteResult r = Code("a.py", "t = 'core.user_profile_v1'\nx = row['user_id'] + r.legacy_segment\n");
  ASSERT_EQ(r.findings.size(), 2u);
  EXPECT_EQ(r.findings[0].line, 2);
  EXPECT_NE(r.findings[0].reason.find("column user_id used outside SQL"), std::string::npos);
  EXPECT_NE(r.findings[1].reason.find("dropped"), std::string::npos);
  EXPECT_EQ(r.text.find("account_id"), std::string::npos);  // reported, never edited
}

TEST(CodeRewriter, ScalaStripMarginSqlIsRewritten) {
  RewriteResult r =
      Code("A.scala", "val q = \"\"\"SELECT email\n  |FROM core.user_profile_v1\"\"\".stripMargin\n");
  EXPECT_EQ(r.text, "val q = \"\"\"SELECT email\n  |FROM core.user_profile_v2\"\"\".stripMargin\n");
}

}  // namespace
}  // namespace skein
