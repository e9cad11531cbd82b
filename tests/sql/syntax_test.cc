// The scope layer: blocks, FROM items, select items, CTEs and the column references it records,
// with spans into the original text; and its tolerance of what it does not understand.
#include "sql/syntax.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace skein::sql {
namespace {

std::string Text(const std::string& sql, Span span) { return sql.substr(span.begin, span.end - span.begin); }

std::vector<std::string> RefTexts(const std::string& sql, const SqlSyntax& syntax) {
  std::vector<std::string> out;
  for (const ColumnRef& ref : syntax.columns) out.push_back(Text(sql, ref.span));
  return out;
}

using Strings = std::vector<std::string>;

TEST(Syntax, RecordsSelectItemsWithAliasesAndStars) {
  std::string sql = "SELECT a, b AS x, c y, t.*, * EXCEPT (d) FROM t";
  SqlSyntax s = ParseSql(sql, Dialect::kBigQuery);
  ASSERT_EQ(s.blocks.size(), 1u);
  const std::vector<SelectItem>& items = s.blocks[0].select;
  ASSERT_EQ(items.size(), 5u);
  EXPECT_EQ(Text(sql, items[0].span), "a");
  EXPECT_EQ(items[0].column_ref, 0);
  EXPECT_EQ(items[1].alias->name, "x");
  EXPECT_EQ(items[2].alias->name, "y");
  EXPECT_TRUE(items[3].star);
  EXPECT_EQ(items[3].star_qualifier[0].name, "t");
  EXPECT_TRUE(items[4].star);
  EXPECT_EQ(Text(sql, items[4].star_modifiers), "EXCEPT (d)");
}

TEST(Syntax, RecordsFromItemsAliasesColumnAliasesAndJoins) {
  std::string sql =
      "SELECT 1 FROM s.a AS x(c1, c2) LEFT OUTER JOIN b ON x.c1 = b.k NATURAL JOIN c JOIN d USING (k, m)";
  SqlSyntax s = ParseSql(sql, Dialect::kAnsi);
  const std::vector<FromItem>& from = s.blocks[0].from;
  ASSERT_EQ(from.size(), 4u);
  EXPECT_EQ(Text(sql, from[0].name_span), "s.a");
  EXPECT_EQ(from[0].alias->name, "x");
  ASSERT_EQ(from[0].column_aliases.size(), 2u);
  EXPECT_TRUE(from[2].natural_join);
  ASSERT_EQ(from[3].using_columns.size(), 2u);
  EXPECT_EQ(from[3].using_columns[1].name, "m");
  EXPECT_EQ(RefTexts(sql, s), (Strings{"x.c1", "b.k"}));
  EXPECT_EQ(s.columns[0].clause, Clause::kJoinOn);
}

TEST(Syntax, BindsCteReferencesAndHonoursRecursive) {
  std::string sql =
      "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r), t AS (SELECT * FROM r) SELECT * FROM "
      "t, u";
  SqlSyntax s = ParseSql(sql, Dialect::kAnsi);
  ASSERT_EQ(s.ctes.size(), 2u);
  EXPECT_EQ(s.ctes[0].name.name, "r");
  EXPECT_EQ(s.ctes[0].columns[0].name, "n");
  EXPECT_TRUE(s.ctes[0].recursive);
  std::vector<int> bound;
  for (const Block& b : s.blocks) {
    for (const FromItem& item : b.from) bound.push_back(item.cte);
  }
  EXPECT_EQ(bound, (std::vector<int>{0, 0, 1, -1}));  // r in r, r in t, t, u
}

TEST(Syntax, SubqueriesInExpressionsSeeTheirOuterBlock) {
  std::string sql = "SELECT a FROM t WHERE b IN (SELECT c FROM u WHERE u.d = t.e) AND EXISTS (SELECT 1)";
  SqlSyntax s = ParseSql(sql, Dialect::kAnsi);
  ASSERT_EQ(s.blocks.size(), 3u);
  EXPECT_EQ(s.blocks[1].outer_block, 0);
  EXPECT_EQ(s.blocks[2].outer_block, 0);
  EXPECT_EQ(RefTexts(sql, s), (Strings{"a", "b", "c", "u.d", "t.e"}));
}

TEST(Syntax, DerivedTablesDoNotSeeSiblingsUnlessLateral) {
  SqlSyntax s = ParseSql("SELECT 1 FROM t, (SELECT 1) d, LATERAL (SELECT 2) l", Dialect::kAnsi);
  ASSERT_EQ(s.blocks.size(), 3u);
  EXPECT_EQ(s.blocks[1].outer_block, -1);
  EXPECT_EQ(s.blocks[2].outer_block, 0);
  EXPECT_EQ(s.blocks[0].from[1].kind, SourceKind::kDerived);
  EXPECT_EQ(s.blocks[0].from[2].alias->name, "l");
}

TEST(Syntax, CastsIntervalsTypedLiteralsAndFunctionsAreNotColumns) {
  std::string sql =
      "SELECT CAST(a AS DOUBLE PRECISION), b::varchar(10), DATE '2020-01-01', INTERVAL '1' DAY, "
      "count(*), coalesce(c, d), LEFT(e, 2), f(g => h) FROM t";
  SqlSyntax s = ParseSql(sql, Dialect::kAnsi);
  EXPECT_EQ(RefTexts(sql, s), (Strings{"a", "b", "c", "d", "e", "h"}));
}

TEST(Syntax, RecordsTheClauseOfEachReference) {
  std::string sql =
      "SELECT a FROM t WHERE b GROUP BY c HAVING d QUALIFY e WINDOW w AS (PARTITION BY f) ORDER BY g LIMIT 5";
  SqlSyntax s = ParseSql(sql, Dialect::kBigQuery);
  std::vector<Clause> clauses;
  for (const ColumnRef& ref : s.columns) clauses.push_back(ref.clause);
  EXPECT_EQ(clauses, (std::vector<Clause>{Clause::kSelect, Clause::kWhere, Clause::kGroupBy, Clause::kHaving,
                                          Clause::kQualify, Clause::kWindow, Clause::kOrderBy}));
}

TEST(Syntax, WindowFramesAndNullsOrderingAreNotColumns) {
  std::string sql =
      "SELECT sum(x) OVER (PARTITION BY p ORDER BY o DESC NULLS LAST ROWS BETWEEN UNBOUNDED PRECEDING AND "
      "CURRENT ROW) FROM t";
  EXPECT_EQ(RefTexts(sql, ParseSql(sql, Dialect::kAnsi)), (Strings{"x", "p", "o"}));
}

TEST(Syntax, SkipsUnknownStatementsToTheNextSemicolon) {
  std::string sql = "GRANT SELECT ON t TO bob; SELECT a FROM t";
  SqlSyntax s = ParseSql(sql, Dialect::kAnsi);
  ASSERT_EQ(s.skipped.size(), 1u);
  EXPECT_EQ(Text(sql, s.skipped[0]), "GRANT SELECT ON t TO bob");
  EXPECT_EQ(RefTexts(sql, s), Strings{"a"});
}

TEST(Syntax, DeepNestingIsSkippedNotRecursedInto) {
  std::string sql = "SELECT " + std::string(100000, '(') + "a" + std::string(100000, ')') + " FROM t";
  SqlSyntax s = ParseSql(sql, Dialect::kAnsi);
  EXPECT_FALSE(s.too_deep.empty());
  EXPECT_EQ(s.blocks[0].from.size(), 1u);
}

TEST(Syntax, ParseTableNameSplitsEachDialectsSpelling) {
  std::vector<NamePart> ansi = ParseTableName("\"Core\".users", Dialect::kAnsi);
  ASSERT_EQ(ansi.size(), 2u);
  EXPECT_TRUE(ansi[0].quoted);
  EXPECT_EQ(ansi[0].name, "Core");
  EXPECT_EQ(ParseTableName("`p.d.t`", Dialect::kBigQuery).size(), 3u);
  EXPECT_TRUE(ParseTableName("a b", Dialect::kAnsi).empty());
  EXPECT_TRUE(ParseTableName("", Dialect::kAnsi).empty());
}

TEST(Syntax, JinjaStatementTagsAreTransparent) {
  std::string sql = "SELECT a {% if x %}, b{% endif %} FROM {{ ref('m') }}";
  SqlSyntax s = ParseSql(sql, Dialect::kAnsi);
  EXPECT_EQ(RefTexts(sql, s), (Strings{"a", "b"}));
  ASSERT_EQ(s.blocks[0].from.size(), 1u);
  EXPECT_EQ(s.blocks[0].from[0].jinja, JinjaCall::kRef);
  EXPECT_EQ(s.blocks[0].from[0].name[0].name, "m");
}

TEST(Syntax, MergeTargetsAndSetColumnsBelongToTheTarget) {
  std::string sql =
      "MERGE INTO t USING s ON t.k = s.k WHEN MATCHED THEN UPDATE SET v = s.v "
      "WHEN NOT MATCHED THEN INSERT (k, v) VALUES (s.k, s.v)";
  SqlSyntax s = ParseSql(sql, Dialect::kAnsi);
  ASSERT_EQ(s.blocks[0].from.size(), 2u);
  EXPECT_EQ(s.blocks[0].from[0].role, TableRole::kWrite);
  int forced = 0;
  for (const ColumnRef& ref : s.columns) forced += ref.forced_item == 0;
  EXPECT_EQ(forced, 3);  // v, k, v
}

TEST(Dialect, ParsesNamesAndComparesWithCaseRules) {
  EXPECT_EQ(ParseDialect("DuckDB"), Dialect::kAnsi);
  EXPECT_EQ(ParseDialect("bigquery"), Dialect::kBigQuery);
  EXPECT_FALSE(ParseDialect("oracle").has_value());
  EXPECT_TRUE(SameName({"Users", false}, {"users", true}, NameKind::kTable, Dialect::kAnsi));
  EXPECT_FALSE(SameName({"Users", true}, {"users", false}, NameKind::kTable, Dialect::kAnsi));
  EXPECT_TRUE(SameName({"users", false}, {"USERS", true}, NameKind::kTable, Dialect::kSnowflake));
  EXPECT_FALSE(SameName({"Users", false}, {"users", false}, NameKind::kTable, Dialect::kBigQuery));
  EXPECT_TRUE(SameName({"Users", false}, {"users", true}, NameKind::kColumn, Dialect::kBigQuery));
  EXPECT_TRUE(SameName({"Users", true}, {"users", false}, NameKind::kTable, Dialect::kSpark));
}

}  // namespace
}  // namespace skein::sql

namespace skein::sql {
namespace {

// Found by the fuzzer: an INSERT whose source query holds another INSERT (WITH .. INSERT) added a
// statement while the outer INSERT still held a reference into the statement list.
TEST(Syntax, AnInsertInsideAnInsertSourceKeepsBothStatements) {
  std::string sql;
  for (int i = 0; i < 40; ++i) sql += "INSERT INTO t" + std::to_string(i) + " WITH c AS (SELECT 1) ";
  sql += "SELECT 1";
  SqlSyntax s = ParseSql(sql, Dialect::kAnsi);
  ASSERT_GE(s.statements.size(), 2u);
  EXPECT_GE(s.statements.front().query, 0);
}

}  // namespace
}  // namespace skein::sql
