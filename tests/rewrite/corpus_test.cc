// The rewriter corpus (tests/rewrite/corpus/README.md): one parameterized test per *.case file,
// each checked six ways — expected output, expected findings, no byte outside an edit changed,
// idempotence, the inverse spec's round trip, and (ANSI SQL) that DuckDB parses the output.
#include <duckdb.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "data/warehouse.h"
#include "manifest/migration.h"
#include "rewrite/rewrite.h"
#include "tests/support/test_support.h"

namespace skein {
namespace {

namespace fs = std::filesystem;

fs::path CorpusDir() { return testing::SourceDir() / "tests/rewrite/corpus"; }

std::string ReadText(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

std::string Trim(std::string s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  size_t e = s.find_last_not_of(" \t\r\n");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

struct Case {
  std::map<std::string, std::string> header;  // spec, file, dialect
  std::string input;
  std::optional<std::string> expected;
  std::vector<std::string> findings;  // "LINE:COL text"
};

// Reads a case file: header lines `key: value  # comment`, then `=== input|expected|findings`.
Case ParseCase(const std::string& text) {
  Case c;
  std::istringstream in(text);
  std::string line, section;
  std::string* body = nullptr;
  while (std::getline(in, line)) {
    if (line.rfind("=== ", 0) == 0) {
      section = Trim(line.substr(4));
      body = section == "input" ? &c.input : section == "expected" ? &c.expected.emplace() : nullptr;
      continue;
    }
    if (section.empty()) {
      if (line.empty() || line[0] == '#') continue;
      size_t colon = line.find(':');
      if (colon == std::string::npos) continue;
      std::string value = line.substr(colon + 1);
      size_t hash = value.find(" #");
      if (hash != std::string::npos) value.erase(hash);
      c.header[Trim(line.substr(0, colon))] = Trim(value);
    } else if (section == "findings") {
      if (!Trim(line).empty()) c.findings.push_back(Trim(line));
    } else if (body != nullptr) {
      *body += line + "\n";
    }
  }
  return c;
}

// specs/NAME.yaml + .schema (+ .tables) -> a RewriteSpec; "" for identity (no spec).
// "identity" is no manifest (a Migration may not map a dataset onto itself): the same table, no
// column change.
RewriteSpec LoadSpec(const std::string& name) {
  if (name == "identity") {
    RewriteSpec spec;
    spec.from_table = spec.to_table = "core.user_profile_v1";
    return spec;
  }
  fs::path base = CorpusDir() / "specs" / name;
  auto migration = ReadMigrationFile(base.string() + ".yaml");
  EXPECT_TRUE(migration.ok()) << migration.status().message();
  auto schema = ParseSchemaAnnotation(Trim(ReadText(base.string() + ".schema")));
  EXPECT_TRUE(schema.ok()) << schema.status().message();
  if (!migration.ok() || !schema.ok()) return {};
  auto spec = RewriteSpec::FromMigration(*migration, *schema);
  EXPECT_TRUE(spec.ok()) << spec.status().message();
  if (!spec.ok()) return {};
  auto tables = std::make_shared<std::map<std::string, std::vector<std::string>>>();
  std::istringstream in(ReadText(base.string() + ".tables"));
  std::string line;
  while (std::getline(in, line)) {
    size_t colon = line.find(':');
    if (line.empty() || line[0] == '#' || colon == std::string::npos) continue;
    std::vector<std::string> columns;
    std::istringstream cols(line.substr(colon + 1));
    std::string col;
    while (std::getline(cols, col, ',')) columns.push_back(Trim(col));
    (*tables)[Lower(Trim(line.substr(0, colon)))] = columns;
  }
  // A table name matches a .tables entry when it is a suffix of it (orders, core.orders).
  spec->columns_of =
      [tables](const std::vector<std::string>& name) -> std::optional<std::vector<std::string>> {
    std::string joined;
    for (const auto& part : name) joined += (joined.empty() ? "" : ".") + Lower(part);
    for (const auto& [key, columns] : *tables) {
      if (key == joined || (key.size() > joined.size() &&
                            key.compare(key.size() - joined.size(), joined.size(), joined) == 0 &&
                            key[key.size() - joined.size() - 1] == '.')) {
        return columns;
      }
    }
    return std::nullopt;
  };
  return *spec;
}

RewriteResult Rewrite(const std::string& path, const std::string& text, const RewriteSpec& spec,
                      const RewriteOptions& options) {
  return RewriteFile(path, text, spec, options);
}

// dbt's {{ source('a', 'b') }} rendered as a.b and {{ ref('m') }} as m; false for other Jinja.
bool RenderJinja(std::string* sql) {
  std::string out;
  size_t pos = 0;
  for (;;) {
    size_t open = sql->find("{{", pos);
    if (open == std::string::npos) break;
    size_t close = sql->find("}}", open);
    if (close == std::string::npos) return false;
    std::string body = sql->substr(open + 2, close - open - 2);
    std::vector<std::string> args;
    for (size_t q = body.find_first_of("'\""); q != std::string::npos; q = body.find_first_of("'\"", q)) {
      size_t end = body.find(body[q], q + 1);
      if (end == std::string::npos) return false;
      args.push_back(body.substr(q + 1, end - q - 1));
      q = end + 1;
    }
    std::string call = Trim(body.substr(0, body.find('(')));
    if (call == "source" && args.size() == 2) {
      out += sql->substr(pos, open - pos) + args[0] + "." + args[1];
    } else if (call == "ref" && !args.empty()) {
      out += sql->substr(pos, open - pos) + args.back();
    } else {
      return false;
    }
    pos = close + 2;
  }
  out += sql->substr(pos);
  *sql = out;
  return sql->find("{%") == std::string::npos && sql->find("{#") == std::string::npos;
}

// "" when DuckDB's parser accepts every statement, else its error.
std::string DuckDbParseError(const std::string& sql) {
  duckdb_database db;
  duckdb_connection con;
  if (duckdb_open(nullptr, &db) != DuckDBSuccess) return "cannot open duckdb";
  duckdb_connect(db, &con);
  duckdb_extracted_statements statements = nullptr;
  idx_t count = duckdb_extract_statements(con, sql.c_str(), &statements);
  std::string error;
  if (count == 0) {
    const char* message = duckdb_extract_statements_error(statements);
    error = message ? message : "no statement";
  }
  duckdb_destroy_extracted(&statements);
  duckdb_disconnect(&con);
  duckdb_close(&db);
  return error;
}

std::vector<std::string> CasePaths() {
  std::vector<std::string> paths;
  for (const auto& entry : fs::recursive_directory_iterator(CorpusDir())) {
    if (entry.is_regular_file() && entry.path().extension() == ".case") {
      paths.push_back(fs::relative(entry.path(), CorpusDir()).string());
    }
  }
  std::sort(paths.begin(), paths.end());
  return paths;
}

class Corpus : public ::testing::TestWithParam<std::string> {};

TEST_P(Corpus, Case) {
  Case c = ParseCase(ReadText(CorpusDir() / GetParam()));
  ASSERT_FALSE(c.input.empty()) << "no === input";
  ASSERT_TRUE(c.header.count("spec") && c.header.count("file")) << "spec: and file: are required";
  RewriteSpec spec = LoadSpec(c.header["spec"]);
  RewriteOptions options;
  if (c.header.count("dialect")) {
    auto dialect = sql::ParseDialect(c.header["dialect"]);
    ASSERT_TRUE(dialect.has_value()) << c.header["dialect"];
    options.dialect = *dialect;
  }
  const std::string& path = c.header["file"];
  RewriteResult result = Rewrite(path, c.input, spec, options);

  // 1. output
  EXPECT_EQ(result.text, c.expected.value_or(c.input));
  // 2. findings
  std::vector<std::string> got;
  for (const auto& f : result.findings)
    got.push_back(std::to_string(f.line) + ":" + std::to_string(f.col) + " " + f.reason);
  bool findings_match = got.size() == c.findings.size();
  for (size_t i = 0; findings_match && i < got.size(); ++i) {
    size_t space = c.findings[i].find(' ');
    std::string where = c.findings[i].substr(0, space);
    std::string what = space == std::string::npos ? "" : c.findings[i].substr(space + 1);
    findings_match = got[i].rfind(where + " ", 0) == 0 && got[i].find(what) != std::string::npos;
  }
  EXPECT_TRUE(findings_match) << "findings:\n" << ::testing::PrintToString(got);
  // 3. no byte outside an edit span changed
  for (const auto& e : result.edits) EXPECT_EQ(e.before, c.input.substr(e.begin, e.end - e.begin));
  EXPECT_EQ(ApplyEdits(c.input, result.edits), result.text);
  // 4. idempotence
  RewriteResult again = Rewrite(path, result.text, spec, options);
  EXPECT_EQ(again.text, result.text) << "not idempotent";
  // 5. inverse round trip, when no reverse, star expansion, retype or drop is involved (nor a
  // star left as reported: the inverse may well expand it)
  bool invertible = true;
  for (const auto& e : result.edits)
    invertible &= e.why.rfind("column rename", 0) == 0 || e.why == "table rename";
  for (const auto& f : result.findings) {
    invertible &=
        f.reason.find("dropped") == std::string::npos && f.reason.find("retyped") == std::string::npos &&
        f.reason.find("reverse") == std::string::npos && f.reason.find("SELECT *") == std::string::npos;
  }
  if (invertible && result.changed()) {
    RewriteResult back = Rewrite(path, result.text, spec.Inverse(), options);
    EXPECT_EQ(back.text, c.input) << "the inverse spec does not give back the input";
  }
  // 6. DuckDB parses ANSI output (whenever it parses the input: a broken input stays broken)
  std::string sql = result.text;
  std::string input_sql = c.input;
  bool is_sql = path.size() > 4 && path.compare(path.size() - 4, 4, ".sql") == 0;
  if (is_sql && options.dialect == sql::Dialect::kAnsi && RenderJinja(&sql) && RenderJinja(&input_sql) &&
      DuckDbParseError(input_sql).empty()) {
    EXPECT_EQ(DuckDbParseError(sql), "") << sql;
  }
}

std::string CaseName(const ::testing::TestParamInfo<std::string>& info) {
  std::string name = info.param.substr(0, info.param.size() - 5);
  for (char& ch : name) {
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  }
  return name;
}

INSTANTIATE_TEST_SUITE_P(Rewrite, Corpus, ::testing::ValuesIn(CasePaths()), CaseName);

TEST(CorpusRunner, FindsCases) { EXPECT_GE(CasePaths().size(), 1u); }

}  // namespace
}  // namespace skein
