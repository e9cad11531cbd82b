// The resolver and the target-usage report: every scope rule of resolver.h, dialect case rules,
// and what must not count as a reference (comments, strings, shadowing CTEs).
#include "sql/resolver.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "base/text.h"

namespace skein::sql {
namespace {

// A small catalog; names are looked up lower-cased, the whole dotted name first, then the last
// part alone. Anything else has an unknown schema.
ColumnsOf TestCatalog() {
  static const std::map<std::string, std::vector<std::string>> kTables = {
      {"core.user_profile_v1", {"user_id", "signup_ts", "is_premium", "legacy_segment"}},
      {"core.orders", {"order_id", "user_id", "amount"}},
      {"core.events", {"event_id", "user_id", "ts"}},
      {"core.naming", {"user_profile_v1", "label"}},
  };
  return [](const std::vector<NamePart>& name) -> std::optional<std::vector<std::string>> {
    std::vector<std::string> parts;
    for (const NamePart& part : name) parts.push_back(ToLower(part.name));
    auto it = kTables.find(Join(parts, "."));
    if (it == kTables.end() && parts.size() == 1) it = kTables.find("core." + parts[0]);
    if (it == kTables.end()) return std::nullopt;
    return it->second;
  };
}

struct Analysis {
  std::string sql;
  TargetUsage usage;

  std::string Text(Span span) const { return sql.substr(span.begin, span.end - span.begin); }
  std::vector<std::string> Tables() const {
    std::vector<std::string> out;
    for (const TableHit& hit : usage.tables) out.push_back(Text(hit.span));
    return out;
  }
  std::vector<std::string> Columns() const {
    std::vector<std::string> out;
    for (const ColumnHit& hit : usage.columns) out.push_back(Text(hit.span));
    return out;
  }
  std::vector<FindingKind> Findings() const {
    std::vector<FindingKind> out;
    for (const Finding& f : usage.findings) out.push_back(f.kind);
    return out;
  }
  bool Has(FindingKind kind) const {
    for (const Finding& f : usage.findings) {
      if (f.kind == kind) return true;
    }
    return false;
  }
};

Analysis Analyze(std::string sql, Dialect dialect = Dialect::kAnsi,
                 std::string target = "core.user_profile_v1") {
  Analysis a;
  a.sql = std::move(sql);
  a.usage = AnalyzeTargetUsage(a.sql, dialect, ParseTableName(target, dialect), TestCatalog());
  return a;
}

using Strings = std::vector<std::string>;

TEST(Resolver, FindsQualifiedTableReferenceAndItsColumns) {
  Analysis a = Analyze("SELECT user_id, signup_ts FROM core.user_profile_v1");
  EXPECT_EQ(a.Tables(), Strings{"core.user_profile_v1"});
  EXPECT_EQ(a.Columns(), (Strings{"user_id", "signup_ts"}));
  EXPECT_TRUE(a.usage.findings.empty());
}

TEST(Resolver, ResolvesQualifiedColumnThroughAlias) {
  Analysis a = Analyze("SELECT p.user_id FROM core.user_profile_v1 AS p WHERE p.is_premium = 1");
  EXPECT_EQ(a.Columns(), (Strings{"p.user_id", "p.is_premium"}));
  EXPECT_EQ(a.Text(a.usage.columns[0].column_span), "user_id");
  EXPECT_EQ(a.usage.columns[0].column, "user_id");
  EXPECT_EQ(a.usage.columns[1].clause, Clause::kWhere);
}

TEST(Resolver, ResolvesColumnsQualifiedByTableOrSchemaAndTable) {
  Analysis a =
      Analyze("SELECT user_profile_v1.user_id, core.user_profile_v1.signup_ts FROM core.user_profile_v1");
  EXPECT_EQ(a.Columns(), (Strings{"user_profile_v1.user_id", "core.user_profile_v1.signup_ts"}));
}

TEST(Resolver, ResolvesUnqualifiedColumnAgainstSchemasInScope) {
  Analysis a = Analyze(
      "SELECT amount, signup_ts FROM core.user_profile_v1 p JOIN core.orders o ON o.user_id = p.user_id");
  EXPECT_EQ(a.Columns(), (Strings{"signup_ts", "p.user_id"}));
  EXPECT_TRUE(a.usage.findings.empty());
}

TEST(Resolver, SameColumnInTwoJoinedTablesIsAmbiguousWhenUnqualified) {
  Analysis a = Analyze("SELECT user_id FROM core.user_profile_v1 p JOIN core.orders o ON true");
  EXPECT_TRUE(a.Columns().empty());
  EXPECT_EQ(a.Findings(), std::vector<FindingKind>{FindingKind::kAmbiguousColumn});
}

TEST(Resolver, UnknownSchemaInScopeCannotProveAColumnTheTargetLacks) {
  Analysis a = Analyze("SELECT mystery, signup_ts FROM core.user_profile_v1 p JOIN other.unknown u ON true");
  EXPECT_EQ(a.Columns(), Strings{"signup_ts"});  // only the target has it: a valid query cannot mean u
  EXPECT_EQ(a.Findings(), std::vector<FindingKind>{FindingKind::kUnprovableColumn});
}

TEST(Resolver, TargetWithUnknownSchemaMakesEveryUnqualifiedColumnUnprovable) {
  Analysis a = Analyze("SELECT a FROM core.gone", Dialect::kAnsi, "core.gone");
  EXPECT_EQ(a.Tables(), Strings{"core.gone"});
  EXPECT_EQ(a.Findings(), std::vector<FindingKind>{FindingKind::kUnprovableColumn});
}

TEST(Resolver, ColumnMissingFromEveryKnownSchemaIsReported) {
  Analysis a = Analyze("SELECT nope FROM core.user_profile_v1");
  EXPECT_EQ(a.Findings(), std::vector<FindingKind>{FindingKind::kUnknownColumn});
}

TEST(Resolver, CteNamedLikeTheDatasetShadowsIt) {
  Analysis a = Analyze("WITH user_profile_v1 AS (SELECT 1 AS user_id) SELECT user_id FROM user_profile_v1");
  EXPECT_TRUE(a.Tables().empty());
  EXPECT_TRUE(a.Columns().empty());
  EXPECT_TRUE(a.usage.findings.empty());
}

TEST(Resolver, CteDoesNotShadowInsideItsOwnNonRecursiveBody) {
  Analysis a = Analyze(
      "WITH user_profile_v1 AS (SELECT user_id FROM user_profile_v1) SELECT user_id FROM user_profile_v1");
  EXPECT_EQ(a.Tables(), Strings{"user_profile_v1"});  // the inner one is the real table
  EXPECT_TRUE(a.Has(FindingKind::kUnqualifiedTable));
}

TEST(Resolver, ColumnsPassedThroughACteAreIndirectHits) {
  Analysis a = Analyze("WITH x AS (SELECT user_id FROM core.user_profile_v1) SELECT user_id FROM x");
  ASSERT_EQ(a.usage.columns.size(), 2u);
  EXPECT_FALSE(a.usage.columns[0].indirect);
  EXPECT_TRUE(a.usage.columns[1].indirect);
  EXPECT_EQ(a.usage.columns[1].span.begin, a.sql.rfind("user_id"));
}

TEST(Resolver, StarOverTheTargetIsReportedAndTracedThroughTheCte) {
  Analysis a = Analyze("WITH x AS (SELECT * FROM core.user_profile_v1) SELECT x.signup_ts FROM x");
  EXPECT_EQ(a.Columns(), Strings{"x.signup_ts"});
  EXPECT_TRUE(a.usage.columns[0].indirect);
  EXPECT_EQ(a.Findings(), std::vector<FindingKind>{FindingKind::kSelectStar});
}

TEST(Resolver, RenamedColumnOfDerivedTableIsNotAHit) {
  Analysis a = Analyze("SELECT d.uid FROM (SELECT user_id AS uid FROM core.user_profile_v1) d");
  EXPECT_EQ(a.Columns(), Strings{"user_id"});
}

TEST(Resolver, QualifiedStarOverTheTargetIsReported) {
  Analysis a = Analyze("SELECT p.*, o.amount FROM core.user_profile_v1 p JOIN core.orders o USING (user_id)");
  EXPECT_TRUE(a.Has(FindingKind::kSelectStar));
  EXPECT_TRUE(a.Has(FindingKind::kUsingColumn));
  Analysis other = Analyze("SELECT o.* FROM core.user_profile_v1 p JOIN core.orders o ON true");
  EXPECT_FALSE(other.Has(FindingKind::kSelectStar));
}

TEST(Resolver, UsingColumnIsNotAmbiguousButIsReported) {
  Analysis a = Analyze("SELECT user_id FROM core.user_profile_v1 JOIN core.orders USING (user_id)");
  EXPECT_FALSE(a.Has(FindingKind::kAmbiguousColumn));
  EXPECT_TRUE(a.Has(FindingKind::kUsingColumn));
  EXPECT_EQ(a.Columns(), Strings{"user_id"});
}

TEST(Resolver, CorrelatedSubqueryReferencesTheOuterTable) {
  Analysis a = Analyze(
      "SELECT p.user_id FROM core.user_profile_v1 p WHERE EXISTS ("
      "SELECT 1 FROM core.orders o WHERE o.user_id = p.user_id AND signup_ts < now())");
  EXPECT_EQ(a.Columns(), (Strings{"p.user_id", "p.user_id", "signup_ts"}));
}

TEST(Resolver, InnerScopeShadowsOuterScope) {
  Analysis a =
      Analyze("SELECT user_id FROM core.orders WHERE user_id IN (SELECT user_id FROM core.user_profile_v1)");
  ASSERT_EQ(a.usage.columns.size(), 1u);
  EXPECT_EQ(a.usage.columns[0].span.begin, a.sql.find("user_id FROM core.user_profile_v1"));
}

TEST(Resolver, ColumnNamedLikeTheTableIsAColumnNotATable) {
  Analysis a = Analyze("SELECT user_profile_v1 FROM core.naming");
  EXPECT_TRUE(a.Tables().empty());
  EXPECT_TRUE(a.usage.findings.empty());
  Analysis b = Analyze("SELECT user_profile_v1.user_id FROM core.user_profile_v1");
  EXPECT_EQ(b.Columns(), Strings{"user_profile_v1.user_id"});
}

TEST(Resolver, QuotedIdentifierWithADotIsOneName) {
  Analysis a = Analyze("SELECT * FROM \"core.user_profile_v1\"");
  EXPECT_TRUE(a.Tables().empty());
  Analysis b = Analyze("SELECT \"user_id\" FROM \"core\".\"user_profile_v1\"");
  EXPECT_EQ(b.Tables(), Strings{"\"core\".\"user_profile_v1\""});
  EXPECT_EQ(b.Columns(), Strings{"\"user_id\""});
}

TEST(Resolver, PostgresFoldsUnquotedNamesButQuotedOnesAreExact) {
  EXPECT_EQ(Analyze("SELECT USER_ID FROM CORE.USER_PROFILE_V1").Columns(), Strings{"USER_ID"});
  EXPECT_TRUE(Analyze("SELECT 1 FROM core.\"User_Profile_V1\"").Tables().empty());
}

TEST(Resolver, SnowflakeFoldsUnquotedNamesToUpperCase) {
  EXPECT_EQ(Analyze("SELECT 1 FROM core.\"USER_PROFILE_V1\"", Dialect::kSnowflake).Tables().size(), 1u);
  EXPECT_TRUE(Analyze("SELECT 1 FROM core.\"user_profile_v1\"", Dialect::kSnowflake).Tables().empty());
}

TEST(Resolver, BigQueryTableNamesAreCaseSensitiveButColumnsAreNot) {
  EXPECT_TRUE(Analyze("SELECT 1 FROM core.User_Profile_V1", Dialect::kBigQuery).Tables().empty());
  Analysis a = Analyze("SELECT USER_ID FROM core.user_profile_v1", Dialect::kBigQuery);
  EXPECT_EQ(a.Columns(), Strings{"USER_ID"});
}

TEST(Resolver, BigQueryBacktickPathNamesTheTargetWithPartSpans) {
  Analysis a = Analyze("SELECT t.user_id FROM `my-proj.core.user_profile_v1` t", Dialect::kBigQuery);
  ASSERT_EQ(a.usage.tables.size(), 1u);
  const TableHit& hit = a.usage.tables[0];
  ASSERT_EQ(hit.name.size(), 3u);
  EXPECT_EQ(a.Text(hit.name[1].span), "core");
  EXPECT_EQ(a.Text(hit.name[2].span), "user_profile_v1");
  EXPECT_TRUE(hit.name[2].in_quoted_path);
  EXPECT_EQ(a.Columns(), Strings{"t.user_id"});
}

TEST(Resolver, BigQueryDashedProjectNameIsOnePart) {
  Analysis a = Analyze("SELECT 1 FROM my-proj.core.user_profile_v1", Dialect::kBigQuery);
  ASSERT_EQ(a.usage.tables.size(), 1u);
  EXPECT_EQ(a.usage.tables[0].name[0].name, "my-proj");
}

TEST(Resolver, CommentsAndStringsContainingTheTableNameAreNotReferences) {
  Analysis a = Analyze(
      "-- reads core.user_profile_v1\nSELECT 'core.user_profile_v1' /* user_profile_v1 */ FROM core.orders");
  EXPECT_TRUE(a.Tables().empty());
  EXPECT_TRUE(a.usage.findings.empty());
}

TEST(Resolver, OrderByPrefersTheSelectAliasGroupByTheInputColumn) {
  Analysis order = Analyze("SELECT signup_ts AS user_id FROM core.user_profile_v1 ORDER BY user_id");
  EXPECT_EQ(order.Columns(), Strings{"signup_ts"});
  Analysis group = Analyze("SELECT signup_ts AS user_id FROM core.user_profile_v1 GROUP BY user_id");
  EXPECT_EQ(group.Columns(), (Strings{"signup_ts", "user_id"}));
}

TEST(Resolver, HavingFallsBackToTheSelectAlias) {
  Analysis a = Analyze("SELECT user_id, count(*) AS n FROM core.user_profile_v1 GROUP BY 1 HAVING n > 1");
  EXPECT_EQ(a.Columns(), Strings{"user_id"});
  EXPECT_TRUE(a.usage.findings.empty());
}

TEST(Resolver, DbtSourceIsATableReference) {
  Analysis a = Analyze("SELECT user_id FROM {{ source('core', 'user_profile_v1') }} AS s");
  ASSERT_EQ(a.usage.tables.size(), 1u);
  EXPECT_EQ(a.usage.tables[0].jinja, JinjaCall::kSource);
  EXPECT_EQ(a.Text(a.usage.tables[0].name[1].span), "user_profile_v1");
  EXPECT_EQ(a.Columns(), Strings{"user_id"});
}

TEST(Resolver, OpaqueJinjaMentioningTheTableIsReported) {
  Analysis a = Analyze("SELECT 1 FROM {{ my_macro('user_profile_v1') }}");
  EXPECT_TRUE(a.Tables().empty());
  EXPECT_EQ(a.Findings(), std::vector<FindingKind>{FindingKind::kUnrecognizedMention});
}

TEST(Resolver, DmlStatementsReferenceTheTargetAndItsColumns) {
  Analysis insert =
      Analyze("INSERT INTO core.user_profile_v1 (user_id, signup_ts) SELECT user_id, ts FROM core.events");
  ASSERT_EQ(insert.usage.tables.size(), 1u);
  EXPECT_EQ(insert.usage.tables[0].role, TableRole::kWrite);
  EXPECT_EQ(insert.Columns(), (Strings{"user_id", "signup_ts"}));
  Analysis update = Analyze("UPDATE core.user_profile_v1 SET is_premium = 1 WHERE user_id = 3");
  EXPECT_EQ(update.Columns(), (Strings{"is_premium", "user_id"}));
  Analysis del = Analyze("DELETE FROM core.user_profile_v1 p WHERE p.legacy_segment IS NULL");
  EXPECT_EQ(del.Columns(), Strings{"p.legacy_segment"});
}

TEST(Resolver, CreateTableAsSelectReadsTheTarget) {
  Analysis a = Analyze("CREATE OR REPLACE TABLE out.x AS SELECT user_id FROM core.user_profile_v1");
  ASSERT_EQ(a.usage.tables.size(), 1u);
  EXPECT_EQ(a.usage.tables[0].role, TableRole::kRead);
  EXPECT_EQ(a.Columns(), Strings{"user_id"});
}

TEST(Resolver, DropTableIsADdlReference) {
  Analysis a = Analyze("DROP TABLE IF EXISTS core.user_profile_v1");
  ASSERT_EQ(a.usage.tables.size(), 1u);
  EXPECT_EQ(a.usage.tables[0].role, TableRole::kDdl);
}

TEST(Resolver, UnqualifiedTableNameIsAHitWithAFinding) {
  Analysis a = Analyze("SELECT user_id FROM user_profile_v1");
  EXPECT_EQ(a.Tables(), Strings{"user_profile_v1"});
  EXPECT_EQ(a.Findings(), std::vector<FindingKind>{FindingKind::kUnqualifiedTable});
}

TEST(Resolver, UnionResolvesEachSideInItsOwnScope) {
  Analysis a = Analyze("SELECT user_id FROM core.user_profile_v1 UNION ALL SELECT user_id FROM core.orders");
  ASSERT_EQ(a.usage.columns.size(), 1u);
  EXPECT_EQ(a.usage.columns[0].span.begin, 7u);
}

TEST(Resolver, UnterminatedStringIsALexErrorAndHidesNothing) {
  Analysis a = Analyze("SELECT 'abc FROM core.user_profile_v1");
  EXPECT_TRUE(a.Tables().empty());
  EXPECT_EQ(a.Findings(), std::vector<FindingKind>{FindingKind::kLexError});
}

TEST(Resolver, MentionInAStatementTheParserSkipsIsReported) {
  Analysis a = Analyze("GRANT SELECT ON core.user_profile_v1 TO bob; SELECT 1");
  EXPECT_EQ(a.Findings(), std::vector<FindingKind>{FindingKind::kUnrecognizedMention});
}

TEST(Resolver, StatementsAreResolvedIndependently) {
  Analysis a = Analyze("SELECT user_id FROM core.orders; SELECT user_id FROM core.user_profile_v1;");
  ASSERT_EQ(a.usage.columns.size(), 1u);
  EXPECT_GT(a.usage.columns[0].span.begin, a.sql.find(';'));
}

TEST(Resolver, LateralSubqueryAndTableFunctionArgumentsSeeEarlierItems) {
  Analysis a = Analyze(
      "SELECT 1 FROM core.user_profile_v1 p, LATERAL (SELECT p.signup_ts) l, unnest(p.legacy_segment) u");
  EXPECT_EQ(a.Columns(), (Strings{"p.signup_ts", "p.legacy_segment"}));
}

TEST(Resolver, ExceptListNamesColumnsOfTheStarSource) {
  Analysis a = Analyze("SELECT * EXCEPT (legacy_segment) FROM core.user_profile_v1", Dialect::kBigQuery);
  EXPECT_EQ(a.Columns(), Strings{"legacy_segment"});
  EXPECT_TRUE(a.Has(FindingKind::kSelectStar));
}

TEST(Resolver, ResolveReportsKindsForEveryReference) {
  SqlSyntax syntax = ParseSql(
      "SELECT p.user_id, amount, EXTRACT(YEAR FROM signup_ts), x.y FROM core.user_profile_v1 p, core.orders",
      Dialect::kAnsi);
  std::vector<ColumnResolution> r = Resolve(syntax, TestCatalog());
  ASSERT_EQ(r.size(), 5u);
  EXPECT_EQ(r[0].kind, ResolutionKind::kResolved);
  EXPECT_EQ(r[0].source.item, 0);
  EXPECT_EQ(r[0].column_part, 1);
  EXPECT_EQ(r[1].kind, ResolutionKind::kResolved);
  EXPECT_EQ(r[1].source.item, 1);
  EXPECT_EQ(r[2].kind, ResolutionKind::kNotAColumn);  // YEAR
  EXPECT_EQ(r[3].kind, ResolutionKind::kResolved);
  EXPECT_EQ(r[4].kind, ResolutionKind::kUnknownQualifier);
}

TEST(Resolver, TableNameMatchesBySuffix) {
  auto parts = [](std::string_view s) { return ParseTableName(s, Dialect::kAnsi); };
  EXPECT_TRUE(TableNameMatches(parts("prod.core.t"), parts("core.t"), Dialect::kAnsi));
  EXPECT_TRUE(TableNameMatches(parts("t"), parts("core.t"), Dialect::kAnsi));
  EXPECT_FALSE(TableNameMatches(parts("other.t"), parts("core.t"), Dialect::kAnsi));
}

}  // namespace
}  // namespace skein::sql

namespace skein::sql {
namespace {

TEST(AnalyzeTargetUsageFixes, NaturalJoinOnEitherSideIsReported) {
  std::vector<NamePart> target = ParseTableName("core.t", Dialect::kAnsi);
  TargetUsage usage = AnalyzeTargetUsage("SELECT a FROM core.t NATURAL JOIN core.o", Dialect::kAnsi, target, nullptr);
  bool natural = false;
  for (const Finding& f : usage.findings) natural |= f.message.find("NATURAL") != std::string::npos;
  EXPECT_TRUE(natural);
}

TEST(AnalyzeTargetUsageFixes, DbtConfigBlockDoesNotHideTheStatement) {
  std::vector<NamePart> target = ParseTableName("core.t", Dialect::kAnsi);
  TargetUsage usage = AnalyzeTargetUsage("{{ config(materialized='table') }}\nselect a from {{ source('core', 't') }}",
                                         Dialect::kAnsi, target, nullptr);
  ASSERT_EQ(usage.tables.size(), 1u);
  EXPECT_EQ(usage.tables[0].jinja, JinjaCall::kSource);
}

TEST(AnalyzeTargetUsageFixes, HitsCarrySelectItemAndStarFacts) {
  std::vector<NamePart> target = ParseTableName("core.t", Dialect::kAnsi);
  ColumnsOf cols = [](const std::vector<NamePart>&) { return std::optional<std::vector<std::string>>({"a"}); };
  TargetUsage usage = AnalyzeTargetUsage("SELECT t.a AS x, t.* FROM core.t", Dialect::kAnsi, target, cols);
  ASSERT_EQ(usage.columns.size(), 1u);
  EXPECT_TRUE(usage.columns[0].select_item);
  ASSERT_TRUE(usage.columns[0].select_alias.has_value());
  EXPECT_EQ(usage.columns[0].select_alias->name, "x");
  EXPECT_TRUE(usage.columns[0].qualifier_is_table);
  ASSERT_EQ(usage.stars.size(), 1u);
  EXPECT_TRUE(usage.stars[0].only_target);
}

}  // namespace
}  // namespace skein::sql

namespace skein::sql {
namespace {

// Statements that never name the target skip the parser (a prefilter); their lex errors and
// too-deep nesting must still be reported exactly as when they are parsed.
TEST(AnalyzeTargetUsagePrefilter, StatementsWithoutTheTargetStillReportLexErrorsAndDeepNesting) {
  std::vector<NamePart> target = ParseTableName("core.user_profile_v1", Dialect::kAnsi);
  std::string deep = "SELECT " + std::string(150, '(') + "1" + std::string(150, ')') + " FROM sales.orders;\n";
  std::string shallow = "SELECT (((1))) FROM sales.orders;\n";
  std::string broken = "SELECT 'unterminated FROM sales.orders";
  TargetUsage usage = AnalyzeTargetUsage(deep + shallow + broken, Dialect::kAnsi, target, nullptr);
  ASSERT_EQ(usage.findings.size(), 2u);
  EXPECT_EQ(usage.findings[0].kind, FindingKind::kNotParsed);
  EXPECT_EQ(usage.findings[1].kind, FindingKind::kLexError);
  EXPECT_EQ(usage.findings[1].span.begin, deep.size() + shallow.size() + 7);
}

TEST(AnalyzeTargetUsagePrefilter, ATargetNameInACommentOrStringAloneNamesNothing) {
  std::vector<NamePart> target = ParseTableName("core.user_profile_v1", Dialect::kAnsi);
  TargetUsage usage = AnalyzeTargetUsage(
      "-- reads core.user_profile_v1\nSELECT 'core.user_profile_v1' FROM sales.orders;", Dialect::kAnsi, target,
      nullptr);
  EXPECT_TRUE(usage.tables.empty());
  EXPECT_TRUE(usage.findings.empty());
}

TEST(AnalyzeTargetUsagePrefilter, AnEscapedQuotedNameStillReachesTheResolver) {
  // `user\_profile_v1` does not contain the name byte for byte but denotes it in BigQuery.
  std::vector<NamePart> target = ParseTableName("core.user_profile_v1", Dialect::kBigQuery);
  TargetUsage usage =
      AnalyzeTargetUsage("SELECT user_id FROM core.`user\\_profile_v1`", Dialect::kBigQuery, target, nullptr);
  EXPECT_EQ(usage.tables.size(), 1u);
}

}  // namespace
}  // namespace skein::sql
