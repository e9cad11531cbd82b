// Verify: the staged v2 against the transform applied to v1 (see dataset.h).
//
// How: one aggregate scan per side computes, per partition, the row count, each column's NULL
// count, the order-independent content checksum and, on v2's side, the rows with a NULL key
// part. Only partitions where something differs, or whose key has NULLs, are diffed by key (data/diff.h: key
// checks first, tolerances), so verifying a correct v2 costs two scans.
#include <set>
#include <sstream>

#include "base/text.h"
#include "data/diff.h"
#include "data/sql_text.h"
#include "dataset/internal.h"
#include "dataset/sample_queries.h"

namespace skein::dataset {

using namespace internal;

namespace {

// One partition's aggregates on one side.
struct Aggregates {
  int64_t rows = 0;
  std::vector<int64_t> nulls;  // per column of the transform
  std::string sum;             // the content checksum's sum
  int64_t key_nulls = 0;       // rows with a NULL key part
  std::string Checksum() const { return std::to_string(rows) + ":" + sum; }
};

using SideAggregates = std::map<std::string, Aggregates>;  // by partition key

int64_t Number(const Value& v) { return std::strtoll(v.value_or("0").c_str(), nullptr, 10); }

// The aggregate query over `select` (v2's columns), grouped by partition key.
std::string AggregateSql(EngineKind kind, const Transform& t, const std::string& select, bool key_checks) {
  std::string partition = "'<all>'";
  if (!t.partition_v2.empty()) {
    // Back to v1's type first, so the key is spelled as ListPartitions spells v1's.
    partition = "CAST(CAST(" + QuoteIdentifier(t.partition_v2) + " AS " + t.partition_type + ") AS VARCHAR)";
  }
  std::vector<std::string> items = {partition, "count(*)"};
  for (const auto& c : t.columns) items.push_back("count(" + QuoteIdentifier(c.name) + ")");
  items.push_back("CAST(" + ContentSumSql(kind, t) + " AS VARCHAR)");
  if (key_checks && !t.key_v2.empty()) {
    std::vector<std::string> nulls;
    for (const auto& k : t.key_v2) {
      nulls.push_back(QuoteIdentifier(k) + " IS NULL");
    }
    items.push_back("count(*) FILTER (WHERE " + Join(nulls, " OR ") + ")");
  }
  return "SELECT " + Join(items, ", ") + " FROM (" + select + ") AS skein_rows GROUP BY 1";
}

// `key_checks`: also count rows with a NULL key part (v2's side only: when the content of both
// sides is equal, v1 through the transform has v2's keys). Duplicate keys are looked for where a
// partition's content differs, by the key diff's key checks: a distinct count of every key would
// cost more than the rest of verification together (docs/benchmarks.md), and a v2 equal to v1
// through the transform has duplicates only where v1 has them.
Result<SideAggregates> QueryAggregates(SqlEngine& engine, const Transform& t, const std::string& select,
                                       bool key_checks) {
  ASSIGN_OR_RETURN(RowSet rows, engine.Query(AggregateSql(engine.kind(), t, select, key_checks)));
  SideAggregates out;
  for (const auto& row : rows.rows) {
    Aggregates a;
    size_t i = 1;
    a.rows = Number(row.at(i++));
    for (size_t c = 0; c < t.columns.size(); ++c) a.nulls.push_back(a.rows - Number(row.at(i++)));
    a.sum = row.at(i++).value_or("0");
    if (key_checks && !t.key_v2.empty()) {
      a.key_nulls = Number(row.at(i++));
    }
    out[row.at(0) ? *row.at(0) : "<null>"] = std::move(a);
  }
  return out;
}

// The v2 to verify: what is staged, or (data.materialize: false) v2 itself.
Result<std::string> V2Relation(const Migration& migration, const Locations& locations, SqlEngine& engine,
                               const Transform& t, const Partition* p) {
  if (migration.data.materialize) return StagedRelation(engine, locations, t, p);
  ASSIGN_OR_RETURN(std::string v2, engine.Relation(locations.v2));
  if (p == nullptr || p->single) return v2;
  return "(SELECT * FROM " + v2 + " WHERE " + PartitionWhere(t, *p, true) + ") AS skein_v2";
}

Result<Schema> V2Schema(const Migration& migration, const Locations& locations) {
  ASSIGN_OR_RETURN(std::unique_ptr<Warehouse> warehouse, OpenDuckDbWarehouse());
  if (!migration.data.materialize) return warehouse->ReadSchema(locations.v2);
  if (!WritesFiles(locations)) return warehouse->ReadSchema(StagingTable(locations));
  DatasetLocation staged = locations.v2;
  staged.path = StagingRoot(locations).string();
  return warehouse->ReadSchema(staged);
}

Partition PartitionOfKey(const Transform& t, const std::string& key) {
  if (t.partition_v1.empty()) return Partition{std::nullopt, true};
  if (key == "<null>") return Partition{std::nullopt, false};
  return Partition{key, false};
}

std::string Plural(int64_t n, const std::string& what) {
  return std::to_string(n) + " " + what + (n == 1 ? "" : "s");
}

std::string ExampleText(const DiffExample& example, const std::string& kind) {
  std::vector<std::string> key, changes;
  for (const auto& v : example.key) key.push_back(v.value_or("NULL"));
  for (const auto& c : example.changes) {
    changes.push_back(c.column + " " + c.a.value_or("NULL") + " -> " + c.b.value_or("NULL"));
  }
  return kind + ": key (" + Join(key, ", ") + ")" + (changes.empty() ? "" : " " + Join(changes, ", "));
}

}  // namespace

bool VerifyReport::passed() const {
  for (const auto& c : checks) {
    if (!c.passed) return false;
  }
  return true;
}

nlohmann::json VerifyReport::ToJson() const {
  nlohmann::json checks_json = nlohmann::json::array();
  for (const auto& c : checks) {
    checks_json.push_back(
        {{"check", c.name}, {"partition", c.partition}, {"passed", c.passed}, {"detail", c.detail}});
  }
  return {{"passed", passed()},
          {"v1_rows", v1_rows},
          {"v2_rows", v2_rows},
          {"mismatched_rows", mismatched_rows},
          {"checks", checks_json}};
}

std::string VerifyReport::ToText() const {
  std::ostringstream out;
  int failed = 0;
  for (const auto& c : checks) {
    if (c.passed) continue;
    ++failed;
    out << "FAIL " << c.name << (c.partition.empty() ? "" : " [" + c.partition + "]") << ": " << c.detail
        << "\n";
  }
  out << (passed() ? "verified: " : "verification failed: ") << checks.size() - failed << " of "
      << checks.size() << " checks passed; v1 " << v1_rows << " rows through the transform, v2 " << v2_rows
      << " rows";
  if (mismatched_rows > 0) out << ", " << mismatched_rows << " rows differ by key";
  out << "\n";
  return out.str();
}

Result<VerifyReport> Verify(const Migration& migration, const Locations& locations, SqlEngine& engine,
                            Store& store, int examples) {
  ASSIGN_OR_RETURN(nlohmann::json run, LoadRun(store, migration.name));
  std::string state = run.value("state", "none");
  if (migration.data.materialize) {
    if (state == "none")
      return Status::Conflict(migration.name + ": nothing is staged; run 'skein data run' first");
    if (state == "staging") {
      return Status::Conflict(migration.name +
                              ": its last 'skein data run' did not finish; run it again first");
    }
  }
  if (state == "published" || state == "retired")
    return Status::Conflict(migration.name + ": v2 is " + state + "; it was verified before");
  ASSIGN_OR_RETURN(Transform t, TransformForRun(migration, locations, engine, run));
  ASSIGN_OR_RETURN(std::string v1, engine.Relation(locations.v1));
  const VerifyPolicy& policy = migration.data.verify;
  VerifyReport report;

  // The expected side: the transform over v1, one scan.
  Result<SideAggregates> expected = QueryAggregates(engine, t, t.Select(v1, ""), false);
  if (!expected.ok()) return expected.status().WithContext(migration.from + " (v1) through the transform");
  // The actual side: all of v2 in one scan; when that fails (a corrupt or truncated partition
  // file), partition by partition, so each bad one is named.
  SideAggregates actual;
  std::map<std::string, std::string> unreadable;  // partition key -> why
  Result<std::string> all = V2Relation(migration, locations, engine, t, nullptr);
  Result<SideAggregates> whole = all.ok() ? QueryAggregates(engine, t, "SELECT * FROM " + *all, true)
                                          : Result<SideAggregates>(all.status());
  if (whole.ok()) {
    actual = std::move(whole).value();
  } else {
    for (const auto& [key, unused] : *expected) {
      Partition p = PartitionOfKey(t, key);
      Result<std::string> relation = V2Relation(migration, locations, engine, t, &p);
      Result<SideAggregates> one = relation.ok()
                                       ? QueryAggregates(engine, t, "SELECT * FROM " + *relation, true)
                                       : Result<SideAggregates>(relation.status());
      if (!one.ok()) {
        unreadable[key] = one.status().message();
      } else if (one->contains(key)) {
        actual[key] = one->at(key);
      }
    }
  }

  DiffOptions diff_options;
  diff_options.key = t.key_v2;
  diff_options.examples = static_cast<size_t>(std::max(examples, 0));
  for (const auto& [column, value] : policy.tolerances) diff_options.tolerances.push_back({column, value});
  Result<Schema> v2_schema = V2Schema(migration, locations);
  Schema expected_schema;
  for (const auto& c : t.columns) expected_schema.columns.push_back({c.name, c.type});

  int64_t missing = 0, extra = 0, changed = 0;
  std::vector<std::string> diff_examples, key_problems;
  std::set<std::string> keys;
  for (const auto& [key, unused] : *expected) keys.insert(key);
  for (const auto& [key, unused] : actual) keys.insert(key);
  for (const std::string& key : keys) {
    auto want = expected->find(key);
    auto got = actual.find(key);
    if (want != expected->end()) report.v1_rows += want->second.rows;
    if (got != actual.end()) report.v2_rows += got->second.rows;
    if (unreadable.contains(key)) {
      report.checks.push_back({"partition", key, false, "v2's partition cannot be read: " + unreadable[key]});
      continue;
    }
    if (got == actual.end()) {
      report.checks.push_back({"partition", key, false,
                               "v2 has no such partition (" + Plural(want->second.rows, "row") +
                                   " expected): stage it with 'skein data run " + migration.name + "'"});
      continue;
    }
    if (want == expected->end()) {
      report.checks.push_back({"partition", key, false,
                               "v2 has this partition (" + Plural(got->second.rows, "row") +
                                   ") but v1 through the transform has no rows in it"});
      continue;
    }
    const Aggregates& a = want->second;
    const Aggregates& b = got->second;
    if (policy.counts) {
      bool same = a.rows == b.rows;
      report.checks.push_back({"counts", key, same,
                               same ? ""
                                    : "v1 through the transform has " + std::to_string(a.rows) +
                                          " rows, v2 " + std::to_string(b.rows)});
    }
    if (policy.null_counts) {
      std::vector<std::string> diffs;
      for (size_t i = 0; i < t.columns.size() && i < a.nulls.size() && i < b.nulls.size(); ++i) {
        if (a.nulls[i] != b.nulls[i]) {
          diffs.push_back(t.columns[i].name + ": " + std::to_string(b.nulls[i]) + " NULLs, expected " +
                          std::to_string(a.nulls[i]));
        }
      }
      report.checks.push_back({"null_counts", key, diffs.empty(), Join(diffs, "; ")});
    }
    bool same_content = a.Checksum() == b.Checksum();
    bool key_suspect = !t.key_v2.empty() && (a.key_nulls > 0 || b.key_nulls > 0);
    bool within_tolerance = false;
    if (!t.key_v2.empty() && (!same_content || key_suspect) && v2_schema.ok()) {
      Partition p = PartitionOfKey(t, key);
      ASSIGN_OR_RETURN(std::string relation, V2Relation(migration, locations, engine, t, &p));
      DiffRelation a_side{"v1 through the transform",
                          "(" + t.Select(v1, PartitionWhere(t, p, false)) + ") AS skein_a", expected_schema};
      DiffRelation b_side{"v2", "(SELECT * FROM " + relation + ") AS skein_b", *v2_schema};
      Result<DiffResult> diff = DiffRelations(engine, a_side, b_side, diff_options);
      if (!diff.ok() && diff.status().code() == StatusCode::kInvalidInput) {
        key_problems.push_back("partition " + key + ": " + diff.status().message());
      } else if (!diff.ok()) {
        return diff.status().WithContext("diffing partition " + key);
      } else {
        missing += diff->missing_in_b;
        extra += diff->extra_in_b;
        changed += diff->changed;
        within_tolerance = diff->equal() && a.rows == b.rows && !policy.tolerances.empty();
        for (const auto& e : diff->missing_examples) diff_examples.push_back(ExampleText(e, "missing in v2"));
        for (const auto& e : diff->extra_examples) diff_examples.push_back(ExampleText(e, "extra in v2"));
        for (const auto& e : diff->changed_examples) diff_examples.push_back(ExampleText(e, "changed"));
      }
    }
    if (policy.checksum) {
      std::string detail;
      if (within_tolerance) {
        detail = "v2 differs from v1 through the transform only within the tolerances";
      } else if (!same_content) {
        detail = "the content of v2 differs from v1 through the transform";
      }
      report.checks.push_back({"checksum", key, same_content || within_tolerance, detail});
    }
  }

  // The whole dataset: its schema, the key checks and the key diff.
  if (v2_schema.ok()) {
    std::vector<std::string> problems;
    for (const auto& c : t.columns) {
      const Column* got = v2_schema->Find(c.name);
      if (got == nullptr) {
        problems.push_back("column " + c.name + " is missing");
      } else if (!EqualsIgnoreCase(got->type, c.type)) {
        problems.push_back("column " + c.name + " is " + got->type + ", not " + c.type);
      }
    }
    for (const auto& c : v2_schema->columns) {
      bool known = false;
      for (const auto& want : t.columns) known |= EqualsIgnoreCase(want.name, c.name);
      if (!known) problems.push_back("column " + c.name + " is not in the plan");
    }
    report.checks.push_back({"schema", "", problems.empty(), Join(problems, "; ")});
  } else {
    report.checks.push_back({"schema", "", false, v2_schema.status().message()});
  }
  if (!t.key_v2.empty()) {
    report.checks.push_back({"keys", "", key_problems.empty(), Join(key_problems, "; ")});
    report.mismatched_rows = missing + extra + changed;
    double ratio = report.v1_rows == 0
                       ? (report.mismatched_rows > 0 ? 1.0 : 0.0)
                       : static_cast<double>(report.mismatched_rows) / static_cast<double>(report.v1_rows);
    bool ok = ratio <= policy.max_mismatch_ratio;
    std::string detail;
    if (report.mismatched_rows > 0) {
      detail = std::to_string(missing) + " missing, " + std::to_string(extra) + " extra, " +
               std::to_string(changed) + " changed (allowed ratio " +
               std::to_string(policy.max_mismatch_ratio) + ")";
      if (diff_examples.size() > static_cast<size_t>(std::max(examples, 0)))
        diff_examples.resize(std::max(examples, 0));
      if (!diff_examples.empty()) detail += "; e.g. " + Join(diff_examples, "; ");
    }
    report.checks.push_back({"key_diff", "", ok, detail});
  }

  if (!policy.sample_queries.empty() && all.ok()) {
    ASSIGN_OR_RETURN(std::vector<Check> sample, SampleQueryChecks(migration, engine, v1, *all, examples));
    report.checks.insert(report.checks.end(), sample.begin(), sample.end());
  }

  run["state"] = report.passed() ? "verified" : "failed";
  run["verify"] = report.ToJson();
  if (!migration.data.materialize && !run.contains("v1_schema")) {
    ASSIGN_OR_RETURN(std::unique_ptr<Warehouse> warehouse, OpenDuckDbWarehouse());
    ASSIGN_OR_RETURN(Schema v1_schema, warehouse->ReadSchema(locations.v1));
    run["v1_schema"] = SchemaJson(v1_schema);
  }
  RETURN_IF_ERROR(SaveRun(store, migration.name, run));
  return report;
}

}  // namespace skein::dataset
