// Sample queries: run on v1, rewritten onto v2, results compared (see sample_queries.h).
#include "dataset/sample_queries.h"

#include "base/text.h"
#include "dataset/redirect_reads.h"
#include "dataset/result_compare.h"
#include "rewrite/rewrite.h"
#include "sql/lexer.h"

namespace skein::dataset::internal {
namespace {

constexpr sql::Dialect kDialect = sql::Dialect::kAnsi;  // DuckDB and PostgreSQL

// Whether the statement orders its result: an ORDER BY outside every bracket (one inside belongs
// to a subquery, a window or an aggregate).
bool OrdersItsResult(std::string_view text) {
  std::vector<sql::Token> tokens = sql::Lex(text, kDialect);
  int depth = 0;
  bool after_order = false;
  for (const sql::Token& token : tokens) {
    if (sql::IsTrivia(token.kind)) continue;
    std::string_view word = sql::TokenText(text, token);
    bool is_word = token.kind == sql::TokenKind::kKeyword || token.kind == sql::TokenKind::kIdentifier;
    if (word == "(") ++depth;
    if (word == ")") --depth;
    if (depth == 0 && after_order && is_word && EqualsIgnoreCase(word, "BY")) return true;
    after_order = depth == 0 && is_word && EqualsIgnoreCase(word, "ORDER");
  }
  return false;
}

}  // namespace

Result<std::vector<Check>> SampleQueryChecks(const Migration& migration, SqlEngine& engine,
                                             std::string_view v1_relation, std::string_view v2_relation,
                                             int examples) {
  const std::vector<std::string>& queries = migration.data.verify.sample_queries;
  std::vector<Check> checks;
  if (queries.empty()) return checks;
  ASSIGN_OR_RETURN(Schema v1, DescribeSelect(engine, "SELECT * FROM " + std::string(v1_relation)));
  ASSIGN_OR_RETURN(RewriteSpec spec, RewriteSpec::FromMigration(migration, v1));
  spec.preserve_output = true;  // the results are compared column by column, by name

  for (size_t q = 0; q < queries.size(); ++q) {
    const std::string& query = queries[q];
    auto fail = [&](const std::string& why) {
      std::string pointer = "/spec/data/verify/sample_queries/" + std::to_string(q);
      checks.push_back(
          {"sample_query", "", false,
           migration.ErrorAt(pointer, "sample query " + std::to_string(q + 1) + ": " + why).message()});
    };
    RedirectOptions only_the_dataset{kDialect, /*dataset_only=*/true};
    Result<std::string> v1_sql =
        RedirectDatasetReads(query, migration.from, v1_relation, spec.from_columns, only_the_dataset);
    if (!v1_sql.ok()) {
      fail(v1_sql.status().message());
      continue;
    }
    RewriteResult rewritten = RewriteSql(query, spec, RewriteOptions{kDialect});
    if (!rewritten.findings.empty()) {
      std::vector<std::string> reasons;
      for (const auto& f : rewritten.findings) {
        reasons.push_back(f.reason + " (line " + std::to_string(f.line) + ", column " +
                          std::to_string(f.col) + ")");
      }
      fail("skein's rewriter cannot translate it onto " + migration.to + " provably: " + Join(reasons, "; "));
      continue;
    }
    Result<std::string> v2_sql =
        RedirectDatasetReads(rewritten.text, migration.to, v2_relation, spec.to_columns, only_the_dataset);
    if (!v2_sql.ok()) {
      fail("rewritten for v2 as `" + rewritten.text + "`, it " + v2_sql.status().message());
      continue;
    }
    Result<QueryResult> on_v1 = RunForComparison(engine, *v1_sql, kMaxSampleQueryRows);
    if (!on_v1.ok()) {
      fail("on v1: " + on_v1.status().message());
      continue;
    }
    Result<QueryResult> on_v2 = RunForComparison(engine, *v2_sql, kMaxSampleQueryRows);
    if (!on_v2.ok()) {
      fail("on v2, rewritten as `" + rewritten.text + "`: " + on_v2.status().message());
      continue;
    }
    CompareOptions options;
    options.ordered = OrdersItsResult(query);
    options.examples = examples;
    ResultComparison compared = CompareResults(*on_v1, *on_v2, options);
    if (!compared.equal) {
      std::string why = compared.difference;
      if (compared.columns_differ) why += "; give each computed column a name (AS name) in the sample query";
      fail(why + "; rewritten for v2: " + rewritten.text);
      continue;
    }
    checks.push_back({"sample_query", "", true, ""});
  }
  return checks;
}

}  // namespace skein::dataset::internal
