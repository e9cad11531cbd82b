// The forms a reference takes, the near misses that are not references, and exact positions.
#include "discover/reference_matcher.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace skein {
namespace {

std::vector<DatasetPattern> Patterns(const std::vector<std::string>& ids) {
  auto patterns = ParseDatasetPatterns(ids);
  EXPECT_TRUE(patterns.ok()) << patterns.status().message();
  return patterns.ok() ? *patterns : std::vector<DatasetPattern>{};
}

std::vector<Reference> Find(std::string_view text,
                            const std::vector<std::string>& ids = {"core.user_profile_v1"}) {
  ReferenceMatcher matcher(Patterns(ids));
  return FindReferencesInText(text, matcher);
}

// The single reference in `text`, or a failure.
Reference Only(std::string_view text, const std::vector<std::string>& ids = {"core.user_profile_v1"}) {
  auto refs = Find(text, ids);
  EXPECT_EQ(refs.size(), 1u) << "in: " << text;
  return refs.empty() ? Reference{} : refs[0];
}

TEST(DatasetPattern, ParsesTwoAndThreeParts) {
  auto two = ParseDatasetPattern("Core.User_Profile_V1");
  ASSERT_TRUE(two.ok());
  EXPECT_EQ(two->parts, (std::vector<std::string>{"core", "user_profile_v1"}));
  EXPECT_EQ(two->id, "Core.User_Profile_V1");
  auto three = ParseDatasetPattern("my-project.core.user_profile_v1");
  ASSERT_TRUE(three.ok());
  EXPECT_EQ(three->table(), "user_profile_v1");
}

TEST(DatasetPattern, RejectsMalformedIdsNamingThem) {
  for (const char* bad :
       {"user_profile_v1", "core.", ".x", "a.b.c.d", "core.user profile", "co-re.t", "core..t", ""}) {
    auto result = ParseDatasetPattern(bad);
    ASSERT_FALSE(result.ok()) << bad;
    EXPECT_EQ(result.status().code(), StatusCode::kInvalidInput);
    EXPECT_NE(result.status().message().find(std::string("'") + bad + "'"), std::string::npos);
  }
  auto dup = ParseDatasetPatterns({"core.t", "CORE.T"});
  EXPECT_FALSE(dup.ok());
}

TEST(CaseInsensitiveFinder, FindsEveryOccurrenceAtEveryAlignment) {
  CaseInsensitiveFinder finder("user_profile_v1");
  // Slide the needle over every offset of a buffer long enough for the vector loops.
  for (size_t at = 0; at + 15 <= 200; ++at) {
    std::string hay(200, 'x');
    hay.replace(at, 15, "USER_Profile_v1");
    EXPECT_EQ(finder.Find(hay, 0), at);
    EXPECT_EQ(finder.Find(hay, at + 1), std::string_view::npos);
  }
}

TEST(CaseInsensitiveFinder, DoesNotFoldNonLetters) {
  // '_' | 0x20 == 0x7f and '1' | 0x20 == '1': only letters may fold.
  CaseInsensitiveFinder finder("a_1");
  std::string hay(100, '.');
  hay.replace(50, 3,
              "A\x7f"
              "1");
  EXPECT_EQ(finder.Find(hay, 0), std::string_view::npos);
  hay.replace(70, 3, "A_1");
  EXPECT_EQ(finder.Find(hay, 0), 70u);
  EXPECT_EQ(CaseInsensitiveFinder("x").Find("abcX", 0), 3u);
}

TEST(ReferenceMatcher, FindsBareQualifiedName) {
  Reference ref = Only("SELECT * FROM core.user_profile_v1 WHERE 1");
  EXPECT_EQ(ref.text, "core.user_profile_v1");
  EXPECT_EQ(ref.form, ReferenceForm::kQualified);
  EXPECT_EQ(ref.col, 15);
}

TEST(ReferenceMatcher, MatchesCaseInsensitively) {
  Reference ref = Only("select * from CORE.User_Profile_V1 u");
  EXPECT_EQ(ref.text, "CORE.User_Profile_V1");
  EXPECT_EQ(Only("from core.user_profile_v1", {"CORE.USER_PROFILE_V1"}).text, "core.user_profile_v1");
}

TEST(ReferenceMatcher, FindsProjectOrCatalogPrefix) {
  Reference ref = Only("FROM analytics-prod.core.user_profile_v1;");
  EXPECT_EQ(ref.text, "analytics-prod.core.user_profile_v1");
  EXPECT_EQ(ref.form, ReferenceForm::kQualified);
  EXPECT_EQ(Only("FROM warehouse.core.user_profile_v1").text, "warehouse.core.user_profile_v1");
}

TEST(ReferenceMatcher, FindsEachPartQuoted) {
  Reference dq = Only(R"(FROM "core"."user_profile_v1" u)");
  EXPECT_EQ(dq.text, R"("core"."user_profile_v1")");
  EXPECT_EQ(dq.form, ReferenceForm::kQuoted);
  EXPECT_EQ(Only("FROM `core`.`user_profile_v1`").text, "`core`.`user_profile_v1`");
  EXPECT_EQ(Only("FROM [core].[user_profile_v1]").text, "[core].[user_profile_v1]");
  EXPECT_EQ(Only(R"(FROM core."user_profile_v1")").form, ReferenceForm::kQuoted);
  Reference prefixed = Only(R"(FROM "dwh"."core"."user_profile_v1")");
  EXPECT_EQ(prefixed.text, R"("dwh"."core"."user_profile_v1")");
  EXPECT_EQ(prefixed.form, ReferenceForm::kQuoted);
}

TEST(ReferenceMatcher, FindsQuotedPartsEscapedInsideStringLiterals) {
  Reference json = Only(R"({"query": "SELECT * FROM \"core\".\"user_profile_v1\" WHERE 1"})");
  EXPECT_EQ(json.text, R"(\"core\".\"user_profile_v1\")");
  EXPECT_EQ(json.form, ReferenceForm::kQuoted);
  EXPECT_EQ(json.col, 26);
  EXPECT_EQ(Only(R"(q = "FROM \"dwh\".\"core\".\"user_profile_v1\"")").text,
            R"(\"dwh\".\"core\".\"user_profile_v1\")");
  EXPECT_EQ(Only(R"(q = "FROM core.\"user_profile_v1\"")").form, ReferenceForm::kQuoted);
  EXPECT_TRUE(Find(R"("FROM \"xcore\".\"user_profile_v1\"")").empty());
}

TEST(ReferenceMatcher, FindsBigQueryBacktickPath) {
  Reference ref = Only("SELECT * FROM `my-project.core.user_profile_v1` AS u");
  EXPECT_EQ(ref.text, "`my-project.core.user_profile_v1`");
  EXPECT_EQ(ref.form, ReferenceForm::kBigQuery);
  EXPECT_EQ(ref.col, 15);
  EXPECT_EQ(Only("FROM `core.user_profile_v1`").form, ReferenceForm::kBigQuery);
}

TEST(ReferenceMatcher, FindsLegacyBigQueryName) {
  Reference ref = Only("SELECT * FROM [my-project:core.user_profile_v1]");
  EXPECT_EQ(ref.text, "my-project:core.user_profile_v1");
  EXPECT_EQ(ref.form, ReferenceForm::kBigQueryLegacy);
  Reference three = Only("bq query proj:core.user_profile_v1", {"proj.core.user_profile_v1"});
  EXPECT_EQ(three.form, ReferenceForm::kBigQueryLegacy);
}

TEST(ReferenceMatcher, FindsDbtSourceWithAnyQuotingAndSpacing) {
  Reference ref = Only("select * from {{ source('core', 'user_profile_v1') }}");
  EXPECT_EQ(ref.text, "source('core', 'user_profile_v1')");
  EXPECT_EQ(ref.form, ReferenceForm::kDbtSource);
  EXPECT_EQ(ref.col, 18);
  EXPECT_EQ(Only("{{source(\"core\",\"user_profile_v1\")}}").form, ReferenceForm::kDbtSource);
  EXPECT_EQ(Only("{{ source( 'CORE' ,\t\"User_Profile_V1\" ) }}").form, ReferenceForm::kDbtSource);
}

TEST(ReferenceMatcher, FindsDbtSourceWithDoubleQuotesAcrossLines) {
  Reference ref = Only(
      "with u as (\n  select * from {{\n    source(\n      \"core\",\n      \"user_profile_v1\"\n    )\n  "
      "}}\n)");
  EXPECT_EQ(ref.form, ReferenceForm::kDbtSource);
  EXPECT_EQ(ref.line, 3);
  EXPECT_EQ(ref.col, 5);
  EXPECT_EQ(ref.text.substr(0, 7), "source(");
  EXPECT_EQ(ref.text.back(), ')');
}

TEST(ReferenceMatcher, RejectsDbtLookalikes) {
  EXPECT_TRUE(Find("{{ ref('core', 'user_profile_v1') }}").empty());
  EXPECT_TRUE(Find("{{ source('sales', 'user_profile_v1') }}").empty());
  EXPECT_TRUE(Find("{{ mysource('core', 'user_profile_v1') }}").empty());
  EXPECT_TRUE(Find("'user_profile_v1'").empty());
}

TEST(ReferenceMatcher, FindsNamesInCodeStrings) {
  Reference py = Only("df = spark.table(\"core.user_profile_v1\")\n");
  EXPECT_EQ(py.text, "core.user_profile_v1");
  EXPECT_EQ(py.form, ReferenceForm::kQualified);
  EXPECT_EQ(Only("val df = spark.read.table('core.user_profile_v1')").text, "core.user_profile_v1");
  EXPECT_EQ(Only("q = \"\"\"\nSELECT a FROM core.user_profile_v1 JOIN x\n\"\"\"").line, 2);
  EXPECT_EQ(Only("{\"source\": \"core.user_profile_v1\"}").col, 13);
  EXPECT_EQ(Only("source_table: core.user_profile_v1\n").col, 15);
}

TEST(ReferenceMatcher, FindsReferencesInCommentsToo) {
  // Discovery reports what a person would have to look at; a comment counts.
  EXPECT_EQ(Find("-- reads core.user_profile_v1\n# core.user_profile_v1").size(), 2u);
}

TEST(ReferenceMatcher, RespectsWordBoundaries) {
  for (const char* miss :
       {"core.user_profile_v10", "core.user_profile_v1_backup", "xcore.user_profile_v1",
        "mycore.user_profile_v1", "core.xuser_profile_v1", "user_profile_v1", "core_user_profile_v1",
        "core.user_profile_v1$x", "core/user_profile_v1", "core . user_profile_v1",
        "`core.user_profile_v1_x`", "'core'.'user_profile_v1'"}) {
    EXPECT_TRUE(Find(miss).empty()) << miss;
  }
  // Not an identifier character: the reference stands on its own.
  EXPECT_EQ(Find("(core.user_profile_v1)").size(), 1u);
  EXPECT_EQ(Find("core.user_profile_v1.user_id").size(), 1u);
  EXPECT_EQ(Find("core.user_profile_v1$20240101").size(), 1u);  // BigQuery partition decorator
  EXPECT_EQ(Find("x-core.user_profile_v1").size(), 1u);
}

TEST(ReferenceMatcher, ReportsLineAndColumnInBytes) {
  auto refs = Find("a\nbb\n  é core.user_profile_v1\n");
  ASSERT_EQ(refs.size(), 1u);
  EXPECT_EQ(refs[0].line, 3);
  EXPECT_EQ(refs[0].col, 6);  // "  é " is 5 bytes
  EXPECT_EQ(refs[0].offset, 10u);
}

TEST(ReferenceMatcher, CountsCrLfLinesLikeLf) {
  auto refs = Find("select 1\r\nfrom x\r\njoin core.user_profile_v1 u\r\n");
  ASSERT_EQ(refs.size(), 1u);
  EXPECT_EQ(refs[0].line, 3);
  EXPECT_EQ(refs[0].col, 6);
}

TEST(ReferenceMatcher, FindsReferencesOnTheFirstAndLastByte) {
  auto refs = Find("core.user_profile_v1\n\ncore.user_profile_v1");
  ASSERT_EQ(refs.size(), 2u);
  EXPECT_EQ(refs[0].line, 1);
  EXPECT_EQ(refs[0].col, 1);
  EXPECT_EQ(refs[1].line, 3);
  EXPECT_EQ(refs[1].col, 1);
  EXPECT_EQ(refs[1].offset, 22u);
  EXPECT_EQ(Only("core.user_profile_v1").offset, 0u);
}

TEST(ReferenceMatcher, FindsSeveralDatasetsInOnePass) {
  auto refs = Find("from core.user_profile_v1 a join sales.orders_v2 b join raw.user_profile_v1 c",
                   {"core.user_profile_v1", "sales.orders_v2", "raw.user_profile_v1"});
  ASSERT_EQ(refs.size(), 3u);
  EXPECT_EQ(refs[0].dataset, 0u);
  EXPECT_EQ(refs[1].dataset, 1u);
  EXPECT_EQ(refs[2].dataset, 2u);
  EXPECT_EQ(refs[2].text, "raw.user_profile_v1");
}

TEST(ReferenceMatcher, ThreePartIdNeedsItsProject) {
  std::vector<std::string> id = {"proj.core.user_profile_v1"};
  EXPECT_EQ(Find("from proj.core.user_profile_v1", id).size(), 1u);
  EXPECT_EQ(Find("from `proj.core.user_profile_v1`", id).size(), 1u);
  EXPECT_EQ(Find("from other.core.user_profile_v1", id).size(), 0u);
  EXPECT_EQ(Find("from core.user_profile_v1", id).size(), 0u);
}

TEST(ReferenceMatcher, HonoursTheOwnedRegion) {
  ReferenceMatcher matcher(Patterns({"core.user_profile_v1"}));
  std::string text = "aa core.user_profile_v1 bb";
  std::vector<RawMatch> raw;
  matcher.FindInBuffer(text, 0, 8, &raw);  // the table name starts at 8: not owned
  EXPECT_TRUE(raw.empty());
  matcher.FindInBuffer(text, 8, 9, &raw);  // owned; the context before is still read
  ASSERT_EQ(raw.size(), 1u);
  EXPECT_EQ(raw[0].begin, 3u);
  EXPECT_EQ(raw[0].anchor, 8u);
}

TEST(LineTracker, AdvancesAcrossChunks) {
  std::string text = "a\nb\nc\nd";
  LineTracker lines;
  lines.AdvanceTo(text, 0, 3);
  EXPECT_EQ(lines.line(), 2);
  EXPECT_EQ(lines.column(), 2);
  lines.AdvanceTo(std::string_view(text).substr(4), 4, 7);  // a later buffer starting at offset 4
  EXPECT_EQ(lines.line(), 4);
  EXPECT_EQ(lines.column(), 2);
}

}  // namespace
}  // namespace skein
