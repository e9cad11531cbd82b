// The equivalence verifier: each changed query that reads the dataset must return on v2 sample
// data (the query as changed) the same multiset of rows as on v1 sample data (the original).
//
// Queries are paired by order within a file: the i-th query reading the from-dataset before the
// change with the i-th query reading either dataset after it. Output columns match by name
// (after v2 names of renamed columns are mapped back, when the manifest lets output names
// change); floating-point values agree within settings.float_tolerance (relative). A query
// DuckDB cannot run on the samples (another table, a parameter, a dialect's syntax, dbt Jinja
// beyond source/ref/config) is not applicable, with the reason; never a pass.
#include <algorithm>
#include <map>
#include <optional>

#include "base/text.h"
#include "data/engine.h"
#include "dataset/redirect_reads.h"
#include "dataset/result_compare.h"
#include "sql/lexer.h"
#include "verify/consumer_queries.h"
#include "verify/sample_data.h"
#include "verify/verifiers.h"

namespace skein::verify {
namespace {

// Results are compared in memory; a query returning more is a sample-sized query gone wrong.
constexpr size_t kMaxResultRows = 100000;
constexpr int kExampleRows = 5;

struct QueryCheck {
  std::string file;
  int line = 0;        // the original query's line
  int line_after = 0;  // the changed query's line
  const ConsumerQuery* before = nullptr;
  const ConsumerQuery* after = nullptr;
  Outcome outcome = Outcome::kNotApplicable;
  std::string reason;    // why not applicable, or what differs
  std::string category;  // a few words for the summary: "BigQuery syntax", "parameters", ...
  int64_t rows_v1 = -1, rows_v2 = -1;
  std::string checksum_v1, checksum_v2;
  std::vector<std::string> only_v1, only_v2;
};

// The query as DuckDB runs it on one side's sample: dbt Jinja rendered, the dataset read from
// the sample table. InvalidInput with the reason when it cannot be.
Result<std::string> Prepare(const ConsumerQuery& query, const std::string& dataset, const std::string& table,
                            const std::vector<std::string>& columns, std::string* category) {
  std::string text = query.sql;
  if (text.find("{{") != std::string::npos || text.find("{%") != std::string::npos ||
      text.find("{#") != std::string::npos) {
    Result<std::string> rendered = RenderDbtJinja(text);
    if (!rendered.ok()) {
      *category = "dbt Jinja";
      return rendered.status();
    }
    text = *rendered;
  }
  for (const sql::Token& token : sql::Lex(text, query.dialect)) {
    if (token.kind == sql::TokenKind::kParameter) {
      *category = "parameters";
      return Status::InvalidInput("has a parameter (" + std::string(sql::TokenText(text, token)) +
                                  ") whose value is unknown");
    }
  }
  Result<std::string> redirected =
      dataset::RedirectDatasetReads(text, dataset, table, columns, {query.dialect, /*dataset_only=*/false});
  if (!redirected.ok()) *category = "not one SELECT skein can read";
  return redirected;
}

// Why DuckDB refused a query, in a few words.
std::string FailureCategory(const ConsumerQuery& query, const std::string& message) {
  for (const char* missing : {"Table with name", "Schema with name", "Catalog with name"}) {
    if (message.find(missing) != std::string::npos) return "reads other tables";
  }
  if (query.dialect == sql::Dialect::kBigQuery) return "BigQuery syntax";
  return "DuckDB cannot run it";
}

// When output names may change, a v2 column named as a renamed column's new name stands for the
// v1 output column of its old name.
void MapRenamedOutputs(const RewriteSpec& spec, const dataset::QueryResult& v1, dataset::QueryResult* v2) {
  if (spec.preserve_output) return;
  for (Column& column : v2->schema.columns) {
    if (v1.schema.Find(column.name)) continue;
    for (const ColumnChange& change : spec.columns) {
      if (!change.to.empty() && EqualsIgnoreCase(change.to, column.name) && v1.schema.Find(change.from)) {
        column.name = v1.schema.Find(change.from)->name;
        break;
      }
    }
  }
}

void Compare(SqlEngine& engine, const VerifyContext& context, const SampleTables& samples,
             QueryCheck* check) {
  const Migration& migration = *context.migration;
  if (!check->before || !check->after) {
    check->category = "no counterpart";
    check->reason = check->before ? "the changed file has no query in this place to compare it with"
                                  : "a new query with no original to compare it with";
    return;
  }
  if (check->after->dataset != migration.to) {
    check->category = "still reads v1";
    check->reason = "the changed query still reads " + migration.from + ", not " + migration.to;
    return;
  }
  std::string category;
  Result<std::string> v1_sql =
      Prepare(*check->before, migration.from, samples.v1, context.spec->from_columns, &category);
  Result<std::string> v2_sql =
      v1_sql.ok() ? Prepare(*check->after, migration.to, samples.v2, context.spec->to_columns, &category)
                  : v1_sql;
  if (!v1_sql.ok() || !v2_sql.ok()) {
    check->category = category;
    check->reason = (v1_sql.ok() ? "the changed query " : "the original query ") +
                    (v1_sql.ok() ? v2_sql : v1_sql).status().message();
    return;
  }
  Result<dataset::QueryResult> on_v1 = dataset::RunForComparison(engine, *v1_sql, kMaxResultRows);
  if (!on_v1.ok()) {
    check->category = FailureCategory(*check->before, on_v1.status().message());
    check->reason = "DuckDB cannot run the original query on v1 sample data: " + on_v1.status().message();
    return;
  }
  Result<dataset::QueryResult> on_v2 = dataset::RunForComparison(engine, *v2_sql, kMaxResultRows);
  if (!on_v2.ok()) {
    check->category = FailureCategory(*check->after, on_v2.status().message());
    if (check->category == "reads other tables") {
      check->reason = "DuckDB cannot run the changed query on v2 sample data: " + on_v2.status().message();
      return;
    }
    // The original ran, so the change itself broke what DuckDB can run: the results differ.
    check->outcome = Outcome::kFail;
    check->category = "fails on v2";
    check->reason =
        "the changed query fails on v2 sample data where the original ran on v1: " + on_v2.status().message();
    check->rows_v1 = static_cast<int64_t>(on_v1->rows.size());
    check->checksum_v1 = dataset::ResultChecksum(*on_v1);
    return;
  }
  MapRenamedOutputs(*context.spec, *on_v1, &*on_v2);
  check->rows_v1 = static_cast<int64_t>(on_v1->rows.size());
  check->rows_v2 = static_cast<int64_t>(on_v2->rows.size());
  check->checksum_v1 = dataset::ResultChecksum(*on_v1);
  check->checksum_v2 = dataset::ResultChecksum(*on_v2);
  dataset::CompareOptions options;
  options.columns_by_name = true;
  options.relative_tolerance = std::max(context.settings.float_tolerance, 0.0);
  options.examples = kExampleRows;
  dataset::ResultComparison compared = dataset::CompareResults(*on_v1, *on_v2, options);
  check->outcome = compared.equal ? Outcome::kPass : Outcome::kFail;
  check->reason = compared.difference;
  check->only_v1 = compared.only_v1;
  check->only_v2 = compared.only_v2;
}

// The checks of every changed file, queries paired by order.
std::vector<QueryCheck> PairQueries(const VerifyContext& context,
                                    std::vector<std::vector<ConsumerQuery>>* storage) {
  const Migration& migration = *context.migration;
  std::vector<QueryCheck> checks;
  storage->reserve(context.changes.size() * 2);  // stable addresses for the pointers below
  for (const vcs::FileChange& change : context.changes) {
    if (change.kind != vcs::FileChange::Kind::kModified) continue;
    std::vector<ConsumerQuery>& before =
        storage->emplace_back(FindDatasetQueries(change.path, change.before, {migration.from}));
    std::vector<ConsumerQuery>& after =
        storage->emplace_back(FindDatasetQueries(change.path, change.after, {migration.to, migration.from}));
    for (size_t i = 0; i < std::max(before.size(), after.size()); ++i) {
      QueryCheck check;
      check.file = change.path;
      check.before = i < before.size() ? &before[i] : nullptr;
      check.after = i < after.size() ? &after[i] : nullptr;
      check.line = check.before ? check.before->line : check.after->line;
      check.line_after = check.after ? check.after->line : 0;
      checks.push_back(std::move(check));
    }
  }
  return checks;
}

nlohmann::json Evidence(const std::vector<QueryCheck>& checks, const SampleTables* samples) {
  nlohmann::json evidence;
  if (samples) {
    evidence["sample"] = {{"v1_rows", samples->v1_rows},
                          {"v2_rows", samples->v2_rows},
                          {"real", samples->real},
                          {"source", samples->source}};
    if (!samples->fallback.empty()) evidence["sample"]["fallback"] = samples->fallback;
  }
  evidence["queries"] = nlohmann::json::array();
  for (const QueryCheck& c : checks) {
    nlohmann::json q = {{"file", c.file},
                        {"line", c.line},
                        {"line_after", c.line_after},
                        {"outcome", std::string(OutcomeName(c.outcome))},
                        {"reason", c.reason}};
    q["rows_v1"] = c.rows_v1 >= 0 ? nlohmann::json(c.rows_v1) : nlohmann::json();
    q["rows_v2"] = c.rows_v2 >= 0 ? nlohmann::json(c.rows_v2) : nlohmann::json();
    q["checksum_v1"] = c.checksum_v1.empty() ? nlohmann::json() : nlohmann::json(c.checksum_v1);
    q["checksum_v2"] = c.checksum_v2.empty() ? nlohmann::json() : nlohmann::json(c.checksum_v2);
    if (!c.only_v1.empty()) q["only_v1"] = c.only_v1;
    if (!c.only_v2.empty()) q["only_v2"] = c.only_v2;
    evidence["queries"].push_back(std::move(q));
  }
  return evidence;
}

// "1 not applicable (BigQuery syntax)", categories in first-seen order.
std::string NotApplicablePart(const std::vector<QueryCheck>& checks) {
  std::vector<std::string> categories;
  size_t count = 0;
  for (const QueryCheck& c : checks) {
    if (c.outcome != Outcome::kNotApplicable) continue;
    ++count;
    if (std::find(categories.begin(), categories.end(), c.category) == categories.end())
      categories.push_back(c.category);
  }
  if (count == 0) return "";
  return std::to_string(count) + " not applicable (" + Join(categories, ", ") + ")";
}

std::string Plural(size_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

// One in-memory DuckDB per thread, kept for the thread's life: opening one costs about a fifth of
// a check, and a worker checks many consumers. One DuckDB thread: samples are small, and waking
// worker threads costs more than they save (docs/benchmarks.md); jobs run side by side on the
// cores instead.
//
// The engine keeps its samples for the next check when SampleTablesKey says they would be made
// the same (a campaign checks every consumer of one migration on the same samples, and making
// them is most of a check), and when their content is still what was made (a checksum of both
// tables: no query of a consumer can leave them changed for the next). Other samples, or inputs
// that cannot be vouched for, are made afresh. Samples to keep are made in a fresh engine, so
// that nothing an earlier check left in it (an ATTACHed file, an Avro copy: data/engine.h says
// later changes to those files are not seen) goes into them. An engine a check failed in is
// dropped with its samples.
struct KeptSamples {
  std::string key;
  SampleTables tables;
  std::string checksum;
};
thread_local std::unique_ptr<SqlEngine> thread_engine;
thread_local std::optional<KeptSamples> thread_samples;

Result<SqlEngine*> ThreadEngine() {
  if (!thread_engine) {
    ASSIGN_OR_RETURN(std::unique_ptr<SqlEngine> engine, OpenDuckDbEngine());
    RETURN_IF_ERROR(engine->Execute("SET threads = 1"));
    thread_engine = std::move(engine);
  }
  return thread_engine.get();
}

void DropThreadEngine() {
  thread_samples.reset();
  thread_engine.reset();
}

// Of each sample table: its rows, the sum of their hashes and its columns.
Result<std::string> SamplesChecksum(SqlEngine& engine, const SampleTables& samples) {
  std::vector<std::string> parts;
  for (const std::string& table : {samples.v1, samples.v2}) {
    parts.push_back(
        "(SELECT count(*) || ' ' || coalesce(sum(hash(skein_sample_row)), 0) || ' ' || (SELECT "
        "string_agg(column_name || ' ' || column_type, ', ' ORDER BY column_name) FROM (DESCRIBE " +
        table + ")) FROM " + table + " AS skein_sample_row)");
  }
  ASSIGN_OR_RETURN(RowSet rows, engine.Query("SELECT " + Join(parts, ", ")));
  if (rows.rows.size() != 1 || rows.rows[0].size() != 2 || !rows.rows[0][0] || !rows.rows[0][1])
    return Status::Internal("no checksum of the sample tables");
  return *rows.rows[0][0] + "\n" + *rows.rows[0][1];
}

// The samples of this check in the thread's engine: the kept ones when they still hold, else made.
Result<SampleTables> Samples(const VerifyContext& context) {
  std::optional<std::string> key =
      SampleTablesKey(*context.migration, *context.v1_schema, context.v1_location,
                      context.settings.sample_rows, context.settings.sample_seed);
  if (key && thread_samples && thread_samples->key == *key && thread_engine) {
    Result<std::string> checksum = SamplesChecksum(*thread_engine, thread_samples->tables);
    if (checksum.ok() && *checksum == thread_samples->checksum) return thread_samples->tables;
  }
  if (key || thread_samples) DropThreadEngine();
  ASSIGN_OR_RETURN(SqlEngine * engine, ThreadEngine());
  Result<SampleTables> samples =
      LoadSampleTables(*engine, *context.migration, *context.v1_schema, context.v1_location,
                       context.settings.sample_rows, context.settings.sample_seed);
  if (!samples.ok()) {
    DropThreadEngine();  // whatever state the failure left, the next check starts afresh
    return samples.status();
  }
  if (key) {
    Result<std::string> checksum = SamplesChecksum(*engine, *samples);
    if (checksum.ok()) thread_samples = KeptSamples{*key, *samples, *checksum};
  }
  return samples;
}

class EquivalenceVerifier : public Verifier {
 public:
  std::string Name() const override { return "equivalence"; }

  VerifierResult Verify(const VerifyContext& context) override {
    VerifierResult result;
    result.verifier = Name();
    if (!context.migration || !context.spec || !context.v1_schema) {
      result.summary = "no migration, rewrite spec or v1 schema to build sample data from";
      return result;
    }
    std::vector<std::vector<ConsumerQuery>> storage;
    std::vector<QueryCheck> checks = PairQueries(context, &storage);
    if (checks.empty()) {
      result.summary = "no changed file has a query that reads " + context.migration->from;
      result.evidence = Evidence(checks, nullptr);
      return result;
    }
    if (Result<SqlEngine*> engine = ThreadEngine(); !engine.ok()) {
      result.summary = "DuckDB could not be opened: " + engine.status().message();
      return result;
    }
    Result<SampleTables> samples = Samples(context);
    if (!samples.ok()) {
      result.summary = "no sample data: " + samples.status().message();
      result.evidence = Evidence(checks, nullptr);
      return result;
    }
    SqlEngine& samples_engine = *thread_engine;  // Samples may have opened it afresh
    for (QueryCheck& check : checks) Compare(samples_engine, context, *samples, &check);
    Summarize(checks, *samples, &result);
    result.evidence = Evidence(checks, &*samples);
    if (!thread_samples) {  // not kept for the next check
      for (const std::string& table : {samples->v1, samples->v2}) {
        if (!samples_engine.Execute("DROP TABLE IF EXISTS " + table).ok()) {
          DropThreadEngine();
          break;
        }
      }
    }
    return result;
  }

 private:
  static void Summarize(const std::vector<QueryCheck>& checks, const SampleTables& samples,
                        VerifierResult* result) {
    size_t passed = 0, failed = 0;
    for (const QueryCheck& c : checks) {
      passed += c.outcome == Outcome::kPass;
      failed += c.outcome == Outcome::kFail;
    }
    std::string on = " on " + Plural(static_cast<size_t>(samples.v1_rows), "sample row", "sample rows") +
                     (samples.real ? " of real v1" : " generated");
    std::string not_applicable = NotApplicablePart(checks);
    if (failed > 0) {
      result->outcome = Outcome::kFail;
      result->summary =
          Plural(failed, "query", "queries") + " of " + std::to_string(checks.size()) + " differ" + on;
      if (passed > 0) result->summary += "; " + std::to_string(passed) + " equal";
      if (!not_applicable.empty()) result->summary += "; " + not_applicable;
      for (const QueryCheck& c : checks) {
        if (c.outcome != Outcome::kFail) continue;
        result->lines.push_back(c.file + ":" + std::to_string(c.line) + ": " + c.reason +
                                (c.line_after && c.line_after != c.line
                                     ? " (changed query at line " + std::to_string(c.line_after) + ")"
                                     : ""));
        for (const std::string& row : c.only_v1) result->lines.push_back("  only on v1: " + row);
        for (const std::string& row : c.only_v2) result->lines.push_back("  only on v2: " + row);
      }
    } else if (passed > 0) {
      result->outcome = Outcome::kPass;
      result->summary = Plural(passed, "query", "queries") + " equal" + on;
      if (!not_applicable.empty()) result->summary += "; " + not_applicable;
    } else {
      result->outcome = Outcome::kNotApplicable;
      std::vector<std::string> reasons;
      for (const QueryCheck& c : checks)
        reasons.push_back(c.file + ":" + std::to_string(c.line) + ": " + c.reason);
      result->summary = "no query could be compared: " + not_applicable;
      result->lines = reasons;
    }
    std::replace(result->summary.begin(), result->summary.end(), '\n', ' ');
  }
};

}  // namespace

std::unique_ptr<Verifier> MakeEquivalenceVerifier() { return std::make_unique<EquivalenceVerifier>(); }

}  // namespace skein::verify
