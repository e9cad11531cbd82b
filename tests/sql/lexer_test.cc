// The lexer: per-dialect quoting, comments, strings, Jinja, parameters, errors, and the tiling
// invariant (the tokens give back the input byte for byte) on every input used here.
#include "sql/lexer.h"
#include "sql/syntax.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <utility>
#include <vector>

namespace skein::sql {
namespace {

constexpr Dialect kAllDialects[] = {Dialect::kAnsi, Dialect::kBigQuery, Dialect::kSnowflake, Dialect::kSpark};

// Asserts that tokens are non-empty, contiguous and cover the text; returns them.
std::vector<Token> LexTiled(std::string_view text, Dialect dialect) {
  std::vector<Token> tokens = Lex(text, dialect);
  std::string rebuilt;
  uint32_t expected_begin = 0;
  for (const Token& t : tokens) {
    EXPECT_EQ(t.begin, expected_begin) << "gap or overlap in " << text;
    EXPECT_GT(t.end, t.begin) << "empty token in " << text;
    rebuilt += TokenText(text, t);
    expected_begin = t.end;
  }
  EXPECT_EQ(rebuilt, text) << "tokens do not tile the input (" << DialectName(dialect) << ")";
  return tokens;
}

// The significant tokens as (kind, text).
std::vector<std::pair<TokenKind, std::string>> Significant(std::string_view text, Dialect dialect) {
  std::vector<std::pair<TokenKind, std::string>> out;
  for (const Token& t : LexTiled(text, dialect)) {
    if (t.kind != TokenKind::kWhitespace) out.emplace_back(t.kind, std::string(TokenText(text, t)));
  }
  return out;
}

using P = std::pair<TokenKind, std::string>;
constexpr TokenKind kId = TokenKind::kIdentifier;
constexpr TokenKind kQid = TokenKind::kQuotedIdentifier;
constexpr TokenKind kKw = TokenKind::kKeyword;
constexpr TokenKind kStr = TokenKind::kString;
constexpr TokenKind kNum = TokenKind::kNumber;
constexpr TokenKind kOp = TokenKind::kOperator;
constexpr TokenKind kCom = TokenKind::kComment;
constexpr TokenKind kPar = TokenKind::kParameter;
constexpr TokenKind kJin = TokenKind::kJinja;
constexpr TokenKind kErr = TokenKind::kError;

TEST(Lexer, SplitsASimpleQueryIntoKeywordsIdentifiersAndOperators) {
  EXPECT_EQ(Significant("SELECT a.b, 1 FROM t;", Dialect::kAnsi), (std::vector<P>{{kKw, "SELECT"},
                                                                                  {kId, "a"},
                                                                                  {kOp, "."},
                                                                                  {kId, "b"},
                                                                                  {kOp, ","},
                                                                                  {kNum, "1"},
                                                                                  {kKw, "FROM"},
                                                                                  {kId, "t"},
                                                                                  {kOp, ";"}}));
}

TEST(Lexer, KeywordsAreCaseInsensitiveAndNonReservedOnesStayIdentifiers) {
  std::string text = "sElEcT name FROM t";
  std::vector<Token> tokens = LexTiled(text, Dialect::kAnsi);
  EXPECT_EQ(tokens[0].kind, TokenKind::kKeyword);
  EXPECT_EQ(tokens[0].keyword, Keyword::kSELECT);
  EXPECT_EQ(tokens[2].kind, TokenKind::kIdentifier);
  EXPECT_EQ(tokens[2].keyword, Keyword::kNAME);
}

TEST(Lexer, KeepsNestedBlockCommentsAsOneTokenInPostgres) {
  EXPECT_EQ(Significant("/* a /* b */ c */ x", Dialect::kAnsi),
            (std::vector<P>{{kCom, "/* a /* b */ c */"}, {kId, "x"}}));
  EXPECT_EQ(Significant("/* a /* b */ c */ x", Dialect::kSpark)[0], (P{kCom, "/* a /* b */ c */"}));
}

TEST(Lexer, BlockCommentsDoNotNestInBigQueryOrSnowflake) {
  for (Dialect d : {Dialect::kBigQuery, Dialect::kSnowflake}) {
    auto tokens = Significant("/* a /* b */ c", d);
    ASSERT_EQ(tokens.size(), 2u);
    EXPECT_EQ(tokens[0], (P{kCom, "/* a /* b */"}));
    EXPECT_EQ(tokens[1], (P{kId, "c"}));
  }
}

TEST(Lexer, LineCommentsEndBeforeTheNewline) {
  EXPECT_EQ(Significant("a -- core.t\nb", Dialect::kAnsi),
            (std::vector<P>{{kId, "a"}, {kCom, "-- core.t"}, {kId, "b"}}));
}

TEST(Lexer, HashCommentsOnlyInBigQuery) {
  EXPECT_EQ(Significant("a # c\nb", Dialect::kBigQuery),
            (std::vector<P>{{kId, "a"}, {kCom, "# c"}, {kId, "b"}}));
  EXPECT_EQ(Significant("a #> b", Dialect::kAnsi), (std::vector<P>{{kId, "a"}, {kOp, "#>"}, {kId, "b"}}));
}

TEST(Lexer, DoubleSlashCommentsOnlyInSnowflake) {
  EXPECT_EQ(Significant("a // c\nb", Dialect::kSnowflake),
            (std::vector<P>{{kId, "a"}, {kCom, "// c"}, {kId, "b"}}));
  EXPECT_EQ(Significant("a // c", Dialect::kAnsi)[1], (P{kOp, "/"}));
}

TEST(Lexer, DoubledQuotesEscapeInStringsAndQuotedIdentifiers) {
  std::string text = R"(SELECT 'it''s', "a""b" FROM t)";
  auto tokens = Significant(text, Dialect::kAnsi);
  EXPECT_EQ(tokens[1], (P{kStr, "'it''s'"}));
  EXPECT_EQ(tokens[3], (P{kQid, "\"a\"\"b\""}));
  std::vector<Token> all = LexTiled(text, Dialect::kAnsi);
  EXPECT_EQ(IdentifierName(text, all[5], Dialect::kAnsi), "a\"b");
}

TEST(Lexer, BackslashDoesNotEscapeInStandardPostgresStrings) {
  EXPECT_EQ(Significant(R"('a\', 'b')", Dialect::kAnsi),
            (std::vector<P>{{kStr, R"('a\')"}, {kOp, ","}, {kStr, "'b'"}}));
}

TEST(Lexer, PostgresEscapeStringsHonourBackslashes) {
  EXPECT_EQ(Significant(R"(E'it\'s' x)", Dialect::kAnsi),
            (std::vector<P>{{kStr, R"(E'it\'s')"}, {kId, "x"}}));
}

TEST(Lexer, BackslashEscapesInBigQuerySnowflakeAndSparkStrings) {
  for (Dialect d : {Dialect::kBigQuery, Dialect::kSnowflake, Dialect::kSpark}) {
    EXPECT_EQ(Significant(R"('it\'s' x)", d), (std::vector<P>{{kStr, R"('it\'s')"}, {kId, "x"}}));
  }
}

TEST(Lexer, DollarQuotedStringsWithAndWithoutTags) {
  EXPECT_EQ(Significant("$fn$ it's $$ not the end $fn$ x", Dialect::kAnsi),
            (std::vector<P>{{kStr, "$fn$ it's $$ not the end $fn$"}, {kId, "x"}}));
  EXPECT_EQ(Significant("$$ a ' b $$", Dialect::kSnowflake), (std::vector<P>{{kStr, "$$ a ' b $$"}}));
}

TEST(Lexer, DollarDigitsArePositionalParameters) {
  EXPECT_EQ(Significant("a = $1", Dialect::kAnsi), (std::vector<P>{{kId, "a"}, {kOp, "="}, {kPar, "$1"}}));
}

TEST(Lexer, BigQueryRawBytesAndTripleQuotedStrings) {
  EXPECT_EQ(Significant(R"(r'\d+' b"x" rb'y' '''a'b''' """c"d""")", Dialect::kBigQuery),
            (std::vector<P>{{kStr, R"(r'\d+')"},
                            {kStr, "b\"x\""},
                            {kStr, "rb'y'"},
                            {kStr, "'''a'b'''"},
                            {kStr, R"("""c"d""")"}}));
}

TEST(Lexer, DoubleQuotesAreStringsInBigQueryAndSparkButIdentifiersElsewhere) {
  EXPECT_EQ(Significant("\"x\"", Dialect::kBigQuery)[0].first, kStr);
  EXPECT_EQ(Significant("\"x\"", Dialect::kSpark)[0].first, kStr);
  EXPECT_EQ(Significant("\"x\"", Dialect::kAnsi)[0].first, kQid);
  EXPECT_EQ(Significant("\"x\"", Dialect::kSnowflake)[0].first, kQid);
}

TEST(Lexer, BigQueryBacktickPathIsOneQuotedIdentifier) {
  std::string text = "`my-proj.core.users`";
  std::vector<Token> tokens = LexTiled(text, Dialect::kBigQuery);
  ASSERT_EQ(tokens.size(), 1u);
  EXPECT_EQ(tokens[0].kind, kQid);
  EXPECT_EQ(IdentifierName(text, tokens[0], Dialect::kBigQuery), "my-proj.core.users");
}

TEST(Lexer, BacktickEscapesFollowEachDialect) {
  std::string bq = R"(`a\`b` x)";
  std::vector<Token> t1 = LexTiled(bq, Dialect::kBigQuery);
  EXPECT_EQ(IdentifierName(bq, t1[0], Dialect::kBigQuery), "a`b");
  std::string spark = "`a``b` x";
  std::vector<Token> t2 = LexTiled(spark, Dialect::kSpark);
  EXPECT_EQ(IdentifierName(spark, t2[0], Dialect::kSpark), "a`b");
  EXPECT_EQ(Significant("`a`", Dialect::kAnsi)[0], (P{kOp, "`"}));
}

TEST(Lexer, UnterminatedConstructsBecomeOneErrorTokenToTheEnd) {
  struct Case {
    std::string text;
    Dialect dialect;
    std::string message;
  };
  std::vector<Case> cases = {
      {"SELECT 'abc FROM t", Dialect::kAnsi, "unterminated string literal"},
      {"SELECT \"abc FROM t", Dialect::kAnsi, "unterminated quoted identifier"},
      {"SELECT `abc FROM t", Dialect::kBigQuery, "unterminated quoted identifier"},
      {"SELECT /* abc /* x */ FROM t", Dialect::kAnsi, "unterminated block comment"},
      {"SELECT $q$ abc FROM t", Dialect::kAnsi, "unterminated dollar-quoted string"},
      {"SELECT {{ source('a', 'b') FROM t", Dialect::kAnsi, "unterminated Jinja tag"},
      {"SELECT ''' abc", Dialect::kBigQuery, "unterminated string literal"},
      {"SELECT 'abc\\'", Dialect::kSpark, "unterminated string literal"},
  };
  for (const Case& c : cases) {
    std::vector<Token> tokens = LexTiled(c.text, c.dialect);
    const Token& last = tokens.back();
    EXPECT_EQ(last.kind, kErr) << c.text;
    EXPECT_EQ(last.begin, 7u) << c.text;
    EXPECT_EQ(last.end, c.text.size()) << c.text;
    EXPECT_EQ(ErrorMessage(last), c.message) << c.text;
  }
}

TEST(Lexer, JinjaTagsAreOpaqueTokens) {
  EXPECT_EQ(
      Significant("SELECT * FROM {{ source('core', 'x') }} s", Dialect::kAnsi),
      (std::vector<P>{
          {kKw, "SELECT"}, {kOp, "*"}, {kKw, "FROM"}, {kJin, "{{ source('core', 'x') }}"}, {kId, "s"}}));
  EXPECT_EQ(Significant("{%- if x -%}a{%- endif -%}", Dialect::kAnsi),
            (std::vector<P>{{kJin, "{%- if x -%}"}, {kId, "a"}, {kJin, "{%- endif -%}"}}));
  EXPECT_EQ(Significant("{# it's a comment #} a", Dialect::kAnsi),
            (std::vector<P>{{kJin, "{# it's a comment #}"}, {kId, "a"}}));
}

TEST(Lexer, JinjaHonoursQuotesAndNestedBraces) {
  EXPECT_EQ(Significant("{{ '}}' }} a", Dialect::kAnsi), (std::vector<P>{{kJin, "{{ '}}' }}"}, {kId, "a"}}));
  EXPECT_EQ(Significant("{{ {'k': 1}['k'] }} a", Dialect::kAnsi),
            (std::vector<P>{{kJin, "{{ {'k': 1}['k'] }}"}, {kId, "a"}}));
  EXPECT_EQ(Significant("{% set x = \"%}\" %} a", Dialect::kBigQuery),
            (std::vector<P>{{kJin, "{% set x = \"%}\" %}"}, {kId, "a"}}));
}

TEST(Lexer, RecognizesEveryParameterStyle) {
  std::vector<std::string> params;
  for (const auto& [kind, text] : Significant("?, :name, @p, @@sys, %s, %(user)s, ${var}", Dialect::kAnsi)) {
    if (kind != kOp) {
      EXPECT_EQ(kind, kPar) << text;
      params.push_back(text);
    }
  }
  EXPECT_EQ(params, (std::vector<std::string>{"?", ":name", "@p", "@@sys", "%s", "%(user)s", "${var}"}));
}

TEST(Lexer, ColonAfterAnOperandIsAnOperatorNotAParameter) {
  EXPECT_EQ(Significant("a::int", Dialect::kAnsi), (std::vector<P>{{kId, "a"}, {kOp, "::"}, {kId, "int"}}));
  EXPECT_EQ(Significant("v:field", Dialect::kSnowflake),
            (std::vector<P>{{kId, "v"}, {kOp, ":"}, {kId, "field"}}));
  EXPECT_EQ(Significant("a % size", Dialect::kAnsi), (std::vector<P>{{kId, "a"}, {kOp, "%"}, {kId, "size"}}));
}

TEST(Lexer, MultiCharacterOperatorsAreOneToken) {
  auto tokens = Significant("a<=b>=c<>d!=e||f->g->>h=>i", Dialect::kAnsi);
  std::vector<std::string> ops;
  for (const auto& [kind, text] : tokens) {
    if (kind == kOp) ops.push_back(text);
  }
  EXPECT_EQ(ops, (std::vector<std::string>{"<=", ">=", "<>", "!=", "||", "->", "->>", "=>"}));
}

TEST(Lexer, NumbersWithFractionsExponentsHexAndSeparators) {
  std::vector<std::string> numbers;
  for (const auto& [kind, text] : Significant("1.5e-3, .5, 0xFF, 1_000, 10L", Dialect::kAnsi)) {
    if (kind != kOp) {
      EXPECT_EQ(kind, kNum) << text;
      numbers.push_back(text);
    }
  }
  EXPECT_EQ(numbers, (std::vector<std::string>{"1.5e-3", ".5", "0xFF", "1_000", "10L"}));
  EXPECT_EQ(Significant("t.x1", Dialect::kAnsi), (std::vector<P>{{kId, "t"}, {kOp, "."}, {kId, "x1"}}));
}

TEST(Lexer, DollarSignsContinueIdentifiersOnlyWherePermitted) {
  EXPECT_EQ(Significant("a$b", Dialect::kAnsi), (std::vector<P>{{kId, "a$b"}}));
  EXPECT_EQ(Significant("a$b", Dialect::kBigQuery).size(), 3u);
}

TEST(Lexer, Utf8LettersAreIdentifierCharactersAndInvalidUtf8IsJustBytes) {
  EXPECT_EQ(Significant("SELECT café FROM t", Dialect::kAnsi)[1], (P{kId, "café"}));
  std::string invalid = "SELECT a\xff\xfe b FROM \xc3 t";
  auto tokens = Significant(invalid, Dialect::kAnsi);
  EXPECT_EQ(tokens[1], (P{kId, "a\xff\xfe"}));
}

TEST(Lexer, ControlBytesAreOneByteErrors) {
  std::string text("a\x01b", 3);
  auto tokens = Significant(text, Dialect::kAnsi);
  ASSERT_EQ(tokens.size(), 3u);
  EXPECT_EQ(tokens[1].first, kErr);
  std::string nul("a\0b", 3);
  EXPECT_EQ(Significant(nul, Dialect::kAnsi)[1].first, kErr);
}

TEST(Lexer, IncrementalLexerYieldsTheSameTokensAsLex) {
  std::string text = "SELECT a, 'x' FROM t -- c\n WHERE b = $1;";
  std::vector<Token> all = Lex(text, Dialect::kAnsi);
  Lexer lexer(text, Dialect::kAnsi);
  Token token;
  size_t i = 0;
  while (lexer.Next(&token)) {
    ASSERT_LT(i, all.size());
    EXPECT_EQ(token.begin, all[i].begin);
    EXPECT_EQ(token.end, all[i].end);
    EXPECT_EQ(token.kind, all[i].kind);
    ++i;
  }
  EXPECT_EQ(i, all.size());
}

TEST(Lexer, EmptyTextHasNoTokens) { EXPECT_TRUE(Lex("", Dialect::kAnsi).empty()); }

TEST(Lexer, LineIndexGivesOneBasedLineAndColumn) {
  std::string text = "ab\ncd\n\nx";
  LineIndex index(text);
  EXPECT_EQ(index.Locate(0).line, 1);
  EXPECT_EQ(index.Locate(0).col, 1);
  EXPECT_EQ(index.Locate(4).line, 2);
  EXPECT_EQ(index.Locate(4).col, 2);
  EXPECT_EQ(index.Locate(7).line, 4);
  EXPECT_EQ(index.Locate(7).col, 1);
}

TEST(Lexer, TilesAHandWrittenCorpusInEveryDialect) {
  const std::vector<std::string> corpus = {
      "SELECT * FROM `p.d.t` WHERE x = r'\\d' # c\n",
      "WITH a AS (SELECT 1) SELECT \"Q\"\"x\".y FROM a /* /* */ */;",
      "INSERT INTO t VALUES (E'\\'', $$x$$, $a$ y $a$, 1e5, .5, ?, :p, %s);",
      "{{ config(materialized='table') }}\n{% if x %}SELECT {{ ref('m') }}{% endif %}",
      "SELECT a::int, b->>'k', c || d, e <> f FROM t -- tail",
      "SELECT '''",
      "/*",
      "{{",
      "{%",
      "{#",
      "$$",
      "$t$",
      "E'",
      "`",
      "\"",
      "'",
      "--",
      "#",
      "\\",
      "@",
      ":",
      "%(",
      "${",
      "r'''",
      "b\"\"\"",
      "\xff\xfe\xfd",
      std::string("\0\0", 2),
  };
  for (const std::string& text : corpus) {
    for (Dialect d : kAllDialects) LexTiled(text, d);
  }
}

TEST(Lexer, TilesRandomInputsInEveryDialect) {
  const std::string alphabet = "abcSELECTfrom_01 .,;()[]{}'\"`$#%@?:-/*\\\n\t=<>!|rbE\xc3\xa9\xff";
  std::mt19937 rng(42);
  for (int round = 0; round < 3000; ++round) {
    std::string text;
    size_t size = rng() % 64;
    for (size_t i = 0; i < size; ++i) text += alphabet[rng() % alphabet.size()];
    for (Dialect d : kAllDialects) {
      std::vector<Token> tokens = Lex(text, d);
      std::string rebuilt;
      for (const Token& t : tokens) rebuilt += TokenText(text, t);
      ASSERT_EQ(rebuilt, text) << DialectName(d);
    }
  }
}

}  // namespace
}  // namespace skein::sql

namespace skein::sql {
namespace {

TEST(Lexer, ReadsBigQueryLegacyBracketTableAsOneQuotedName) {
  EXPECT_EQ(Significant("SELECT x FROM [my-proj:core.t1]", Dialect::kBigQuery),
            (std::vector<P>{{kKw, "SELECT"}, {kId, "x"}, {kKw, "FROM"}, {kQid, "[my-proj:core.t1]"}}));
  // A subscript after an operand, and brackets in other dialects, stay operators.
  EXPECT_EQ(Significant("a[b.c]", Dialect::kBigQuery),
            (std::vector<P>{{kId, "a"}, {kOp, "["}, {kId, "b"}, {kOp, "."}, {kId, "c"}, {kOp, "]"}}));
  EXPECT_EQ(Significant("[p:d.t]", Dialect::kAnsi).front(), (P{kOp, "["}));
}

TEST(Syntax, SplitsALegacyBracketTableIntoProjectDatasetAndTable) {
  std::string text = "SELECT 1 FROM [acme:core.t1]";
  SqlSyntax syntax = ParseSql(text, Dialect::kBigQuery);
  ASSERT_EQ(syntax.blocks.size(), 1u);
  ASSERT_EQ(syntax.blocks[0].from.size(), 1u);
  const auto& name = syntax.blocks[0].from[0].name;
  ASSERT_EQ(name.size(), 3u);
  EXPECT_EQ(name[0].name, "acme");
  EXPECT_EQ(name[1].name, "core");
  EXPECT_EQ(name[2].name, "t1");
  EXPECT_EQ(text.substr(name[2].span.begin, name[2].span.end - name[2].span.begin), "t1");
}

}  // namespace
}  // namespace skein::sql
