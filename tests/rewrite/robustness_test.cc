// Hostile input through RewriteFile, in every file kind (issue 3's robustness evidence):
// unterminated strings, comments, quoted identifiers, Jinja, YAML and JSON give a finding or leave
// the file unchanged, never a crash, and the unparseable region comes back byte-identical;
// invalid UTF-8 passes through untouched; a 100 MB file completes. The contract of rewrite.h
// (edits sorted and disjoint, `before` equal to the input, the text equal to the edits applied,
// idempotence) is checked on every result. fuzz/rewrite checks the same on random input.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "rewrite/rewrite.h"

namespace skein {
namespace {

RewriteSpec RobustnessSpec() {
  RewriteSpec spec;
  spec.from_table = "core.user_profile_v1";
  spec.to_table = "core.user_profile_v2";
  spec.columns = {{"user_id", "account_id", "", false},
                  {"signup_ts", "signup_at", "strftime(signup_at, '%Y-%m-%d')", true},
                  {"legacy_segment", "", "", false}};
  spec.from_columns = {"user_id", "email", "signup_ts", "legacy_segment"};
  spec.to_columns = {"account_id", "email", "signup_at"};
  return spec;
}

RewriteResult Rewrite(std::string_view path, std::string_view text,
                      sql::Dialect dialect = sql::Dialect::kAnsi) {
  RewriteOptions options;
  options.dialect = dialect;
  return RewriteFile(path, text, RobustnessSpec(), options);
}

// The contract every result keeps, whatever the input.
void ExpectContract(std::string_view path, std::string_view input, const RewriteResult& r,
                    sql::Dialect dialect = sql::Dialect::kAnsi) {
  size_t at = 0;
  for (const Edit& e : r.edits) {
    ASSERT_LE(at, e.begin) << path << ": edits overlap or are out of order";
    ASSERT_LE(e.end, input.size()) << path;
    EXPECT_EQ(input.substr(e.begin, e.end - e.begin), e.before) << path;
    at = e.end;
  }
  for (const RewriteFinding& f : r.findings) {
    ASSERT_LE(f.end, input.size()) << path;
    EXPECT_GE(f.line, 1) << path;
  }
  EXPECT_EQ(ApplyEdits(input, r.edits), r.text) << path;
  EXPECT_TRUE(Rewrite(path, r.text, dialect).edits.empty()) << path << ": not idempotent:\n" << r.text;
}

struct Broken {
  const char* path;
  sql::Dialect dialect;
  std::string head;  // parseable text before the region
  std::string tail;  // the region that cannot be parsed, to the end of the file
};

// Every broken region names the table and changed columns, so a rewriter that wrongly read into
// it would edit it.
std::vector<Broken> BrokenFiles() {
  using sql::Dialect;
  const std::string sql = "SELECT user_id FROM core.user_profile_v1;\n";
  // No quote of any kind, so nothing in it can close the opener.
  const std::string body = "user_id, signup_ts FROM core.user_profile_v1 WHERE x = 1 -- core.user_profile_v1";
  return {
      {"q.sql", Dialect::kAnsi, sql, "SELECT 'open string " + body},
      {"q.sql", Dialect::kAnsi, sql + "SELECT user_id FROM core.user_profile_v1 ", "/* open comment " + body},
      {"q.sql", Dialect::kAnsi, sql, "SELECT \"user_id FROM core.user_profile_v1 " + body},
      {"q.sql", Dialect::kAnsi, sql, "SELECT $tag$ " + body},
      {"q.sql", Dialect::kAnsi, sql, "SELECT /* outer /* nested */ still open " + body},
      {"q.sql", Dialect::kBigQuery, sql, "SELECT `core.user_profile_v1 " + body},
      {"q.sql", Dialect::kBigQuery, sql, "SELECT '''open triple " + body},
      {"q.sql", Dialect::kSnowflake, sql, "SELECT $$ open dollar " + body},
      {"q.sql", Dialect::kSpark, sql, "SELECT `user_id FROM " + body},
      {"models/m.sql", Dialect::kAnsi, "SELECT user_id FROM {{ source('core', 'user_profile_v1') }};\n",
       "SELECT {{ open_jinja(" + body},
      {"models/m.sql", Dialect::kAnsi, "SELECT user_id FROM {{ source('core', 'user_profile_v1') }};\n",
       "{% if open_tag " + body},
      {"models/m.sql", Dialect::kAnsi, "SELECT user_id FROM {{ source('core', 'user_profile_v1') }};\n",
       "{# open jinja comment " + body},
      {"models/sources.yml", Dialect::kAnsi,
       "version: 2\nsources:\n  - name: core\n    tables:\n      - name: user_profile_v1\n",
       "        description: \"open " + body},
      {"job.py", Dialect::kAnsi, "t = 'core.user_profile_v1'\n", "q = \"\"\"SELECT " + body},
      {"job.py", Dialect::kAnsi, "t = 'core.user_profile_v1'\n", "q = f'SELECT {x " + body},
      {"Job.scala", Dialect::kAnsi, "val t = \"core.user_profile_v1\"\n", "val q = \"\"\"SELECT " + body},
      {"Job.scala", Dialect::kAnsi, "val t = \"core.user_profile_v1\"\n", "/* open comment " + body},
      {"Job.java", Dialect::kAnsi, "String t = \"core.user_profile_v1\";\n",
       "String q = \"\"\"\nSELECT " + body},
      {"Job.java", Dialect::kAnsi, "String t = \"core.user_profile_v1\";\n", "/* open comment " + body},
      {"job.go", Dialect::kAnsi, "t := \"core.user_profile_v1\"\n", "q := `SELECT " + body},
      {"job.go", Dialect::kAnsi, "t := \"core.user_profile_v1\"\n", "/* open comment " + body},
      {"job.js", Dialect::kAnsi, "const t = 'core.user_profile_v1';\n", "const q = `SELECT ${x " + body},
      {"job.js", Dialect::kAnsi, "const t = 'core.user_profile_v1';\n", "const q = `SELECT " + body},
      {"job.js", Dialect::kAnsi, "const t = 'core.user_profile_v1';\n", "/* open comment " + body},
      {"config.yaml", Dialect::kAnsi, "table: core.user_profile_v1\n", "query: \"SELECT " + body},
      {"config.yaml", Dialect::kAnsi, "table: core.user_profile_v1\n", "query: [SELECT " + body},
      {"config.json", Dialect::kAnsi, "{\"table\": \"core.user_profile_v1\",\n",
       "\"query\": \"SELECT " + body},
      {"config.json", Dialect::kAnsi, "{\"table\": \"core.user_profile_v1\",\n",
       "\"query\": [\"core.user_profile_v1\", {"},
      {"config.toml", Dialect::kAnsi, "table = \"core.user_profile_v1\"\n", "query = \"\"\"SELECT " + body},
      {"config.toml", Dialect::kAnsi, "table = \"core.user_profile_v1\"\n", "query = 'SELECT " + body},
      {"config.toml", Dialect::kAnsi, "table = \"core.user_profile_v1\"\n", "query = \'\'\'SELECT " + body},
  };
}

TEST(Robustness, UnterminatedRegionsAreReportedOrLeftAloneAndKeptByteIdentical) {
  for (const Broken& b : BrokenFiles()) {
    std::string input = b.head + b.tail;
    SCOPED_TRACE(std::string(b.path) + ": " + b.tail);
    RewriteResult r = Rewrite(b.path, input, b.dialect);
    ExpectContract(b.path, input, r, b.dialect);
    EXPECT_TRUE(!r.findings.empty() || r.text == input) << r.text;
    for (const Edit& e : r.edits) EXPECT_LE(e.end, b.head.size()) << "edit inside the broken region";
    ASSERT_GE(r.text.size(), b.tail.size());
    EXPECT_EQ(r.text.substr(r.text.size() - b.tail.size()), b.tail);
  }
}

TEST(Robustness, AnUnterminatedRegionIsAFindingWhereTheRewriterWouldOtherwiseLookInside) {
  // SQL, code and JSON/TOML report the region; YAML reports the file (it does not parse).
  for (const Broken& b : BrokenFiles()) {
    std::string input = b.head + b.tail;
    SCOPED_TRACE(std::string(b.path) + ": " + b.tail);
    RewriteResult r = Rewrite(b.path, input, b.dialect);
    EXPECT_FALSE(r.findings.empty()) << r.text;
  }
}

TEST(Robustness, InvalidUtf8PassesThroughUnchangedInEveryKind) {
  // Lone continuation bytes, an overlong '/', a truncated sequence, a UTF-16 surrogate, 0xFF.
  const std::string bad[] = {"\x80\xbf", "\xc0\xaf", "\xe2\x82", "\xed\xa0\x80", "\xff\xfe"};
  struct File {
    const char* path;
    std::string (*make)(const std::string& junk);
  };
  const File files[] = {
      {"q.sql",
       [](const std::string& j) {
         return "-- " + j + "\nSELECT user_id, 'x" + j + "' AS " + j + "c FROM core.user_profile_v1 " + j +
                ";\n";
       }},
      {"models/m.sql",
       [](const std::string& j) {
         return "SELECT user_id" + j + " FROM {{ source('core', 'user_profile_v1') }} {# " + j + " #}\n";
       }},
      {"models/s.yml",
       [](const std::string& j) {
         return "version: 2\nsources:\n  - name: core\n    description: \"" + j +
                "\"\n    tables:\n      - name: user_profile_v1\n";
       }},
      {"job.py",
       [](const std::string& j) { return "# " + j + "\nt = 'core.user_profile_v1'\nq = \"" + j + "\"\n"; }},
      {"Job.scala",
       [](const std::string& j) {
         return "val t = \"core.user_profile_v1\" // " + j + "\nval " + j + " = 1\n";
       }},
      {"Job.java",
       [](const std::string& j) {
         return "String t = \"core.user_profile_v1\"; /* " + j + " */ char c = '" + j + "';\n";
       }},
      {"job.go",
       [](const std::string& j) { return "t := \"core.user_profile_v1\" // " + j + "\nq := `" + j + "`\n"; }},
      {"job.js",
       [](const std::string& j) { return "const t = 'core.user_profile_v1'; const q = `" + j + "${t}`;\n"; }},
      {"config.yaml", [](const std::string& j) { return "table: core.user_profile_v1\nnote: " + j + "\n"; }},
      {"config.json",
       [](const std::string& j) {
         return "{\"table\": \"core.user_profile_v1\", \"" + j + "\": \"" + j + "\"}\n";
       }},
      {"config.toml",
       [](const std::string& j) { return "table = \"core.user_profile_v1\"\nnote = \"" + j + "\"\n"; }},
  };
  for (const File& file : files) {
    for (const std::string& junk : bad) {
      std::string input = file.make(junk);
      SCOPED_TRACE(std::string(file.path) + ": " + input);
      RewriteResult r = Rewrite(file.path, input);
      ExpectContract(file.path, input, r);
      for (const Edit& e : r.edits)
        EXPECT_EQ(e.before.find(junk), std::string::npos) << "edited invalid bytes";
      // Every invalid sequence of the input is still in the output.
      size_t in = 0, out = 0, count_in = 0, count_out = 0;
      while ((in = input.find(junk, in)) != std::string::npos) ++count_in, in += junk.size();
      while ((out = r.text.find(junk, out)) != std::string::npos) ++count_out, out += junk.size();
      EXPECT_EQ(count_out, count_in);
    }
  }
}

// Found by fuzz/rewrite: yaml-cpp 0.7's LoadAll never returns on a `,` where a document starts.
TEST(Robustness, AStrayCommaAtAYamlRootIsAFindingNotAHang) {
  const std::string inputs[] = {",\n", "  ,\n", "table: core.user_profile_v1\n---\n,\n",
                                ",'c: {abl\xff core.user_profile,,,2,,,0,,,1 full}\n"};
  for (const std::string& input : inputs) {
    for (const char* path : {"config.yaml", "models/sources.yml"}) {
      std::string text = std::string(path).ends_with(".yml") ? "version: 2\nsources:\n" + input : input;
      RewriteResult r = Rewrite(path, text);
      EXPECT_EQ(r.text, text) << path;
      ASSERT_EQ(r.findings.size(), 1u) << path << ": " << text;
      EXPECT_NE(r.findings[0].reason.find("YAML does not parse"), std::string::npos);
    }
  }
  // Empty documents are still documents, not a loop.
  EXPECT_TRUE(Rewrite("config.yaml", "---\n---\n---\ntable: core.user_profile_v1\n").findings.empty());
  EXPECT_EQ(Rewrite("config.yaml", "---\n---\ntable: core.user_profile_v1\n").edits.size(), 1u);
}

TEST(Robustness, UnbalancedJsonIsOneFindingAndUnchanged) {
  for (const std::string input :
       {"{\"t\": \"core.user_profile_v1\"", "[\"core.user_profile_v1\"}", "\"core.user_profile_v1\"]"}) {
    RewriteResult r = Rewrite("config.json", input);
    EXPECT_EQ(r.text, input);
    ASSERT_EQ(r.findings.size(), 1u) << input;
    EXPECT_NE(r.findings[0].reason.find("brackets do not balance"), std::string::npos);
  }
  EXPECT_EQ(Rewrite("config.json", "{\"t\": [\"core.user_profile_v1\", \"]{\"]}").edits.size(), 1u);
}

// A 100 MB file in the normal build; under ASan (CI's second run), whose shadow memory and
// checks make the same file several times slower, 16 MB exercises the same paths.
#if defined(__SANITIZE_ADDRESS__)
constexpr size_t kLargeFileBytes = 16u << 20;
#else
constexpr size_t kLargeFileBytes = 100u << 20;
#endif

std::string Repeat(std::string_view chunk, size_t* copies) {
  *copies = kLargeFileBytes / chunk.size() + 1;
  std::string text;
  text.reserve(*copies * chunk.size());
  for (size_t i = 0; i < *copies; ++i) text += chunk;
  return text;
}

// The large file rewritten is the one chunk rewritten, repeated: nothing lost or misplaced.
void ExpectRewrittenLikeOneChunk(std::string_view path, std::string_view chunk, size_t edits_per_chunk) {
  RewriteResult one = Rewrite(path, chunk);
  ASSERT_EQ(one.edits.size(), edits_per_chunk) << one.text;
  size_t copies = 0;
  std::string input = Repeat(chunk, &copies);
  ASSERT_GE(input.size(), kLargeFileBytes);
  RewriteResult r = Rewrite(path, input);
  EXPECT_EQ(r.edits.size(), edits_per_chunk * copies);
  EXPECT_EQ(r.findings.size(), one.findings.size() * copies);
  ASSERT_EQ(r.text.size(), one.text.size() * copies);
  for (size_t i = 0; i < copies; ++i) {
    if (std::string_view(r.text).substr(i * one.text.size(), one.text.size()) != one.text) {
      ADD_FAILURE() << path << ": copy " << i << " differs";
      break;
    }
  }
}

TEST(Robustness, AHundredMegabyteSqlFileIsRewrittenWhole) {
  // Per chunk: a table reference and renamed columns to edit, a comment and a string naming the
  // table (left alone), bytes that are not UTF-8.
  ExpectRewrittenLikeOneChunk(
      "big.sql",
      "-- nightly \xff\xfe job over core.user_profile_v1\n"
      "SELECT p.user_id, o.amount, 'core.user_profile_v1' AS src FROM core.user_profile_v1 p\n"
      "  JOIN core.orders o ON o.user_id = p.user_id WHERE o.amount > 10;\n",
      3);
}

TEST(Robustness, AHundredMegabytePythonFileIsRewrittenWhole) {
  // Mostly ordinary code, one SQL string in six lines, as in a real job.
  ExpectRewrittenLikeOneChunk(
      "big.py",
      "def load(spark, day):  # reads core.user_profile_v1 \xc3\x28\n"
      "    rows = [r for r in spark.range(10).collect() if r['id'] % 2 == 0]\n"
      "    return {'day': day, 'rows': len(rows), 'name': \"n\\u00e9\"}\n"
      "TABLE = 'core.user_profile_v1'\n"
      "q = f\"\"\"SELECT user_id FROM core.user_profile_v1 WHERE dt = '{day}'\"\"\"\n",
      3);
}

}  // namespace
}  // namespace skein
