// Verify: the staged v2 against the transform applied to v1 (see dataset.h).
#include <sstream>

#include "base/text.h"
#include "data/sql_text.h"
#include "dataset/internal.h"

namespace skein::dataset {

using namespace internal;

namespace {

std::string Text(const Value& v) { return v ? *v : "NULL"; }

std::string KeyList(const std::vector<std::string>& keys, std::string_view prefix) {
  std::vector<std::string> parts;
  for (const auto& k : keys) parts.push_back(std::string(prefix) + QuoteIdentifier(k));
  return Join(parts, ", ");
}

// Duplicate or NULL keys on one side stop the key diff: its counts would be wrong.
Result<std::string> KeyProblem(SqlEngine& engine, const Transform& t, const std::string& relation,
                               const std::string& side) {
  std::vector<std::string> nulls;
  for (const auto& k : t.key_v2) nulls.push_back(QuoteIdentifier(k) + " IS NULL");
  ASSIGN_OR_RETURN(RowSet null_rows, engine.Query("SELECT count(*) FROM " + relation + " AS s WHERE " +
                                                  Join(nulls, " OR ")));
  if (!null_rows.rows.empty() && null_rows.rows[0][0].value_or("0") != "0") {
    return side + " has " + *null_rows.rows[0][0] + " row(s) with a NULL key (" + Join(t.key_v2, ", ") + ")";
  }
  std::vector<std::string> as_text;
  for (const auto& k : t.key_v2) as_text.push_back("CAST(" + QuoteIdentifier(k) + " AS VARCHAR)");
  ASSIGN_OR_RETURN(RowSet dups, engine.Query("SELECT " + Join(as_text, ", ") + ", count(*) FROM " + relation +
                                             " AS s GROUP BY " + KeyList(t.key_v2, "") +
                                             " HAVING count(*) > 1 ORDER BY 1 LIMIT 1"));
  if (!dups.rows.empty()) {
    std::vector<std::string> key;
    for (size_t i = 0; i + 1 < dups.rows[0].size(); ++i) key.push_back(Text(dups.rows[0][i]));
    return side + " has duplicate keys, e.g. (" + Join(key, ", ") + ") " + Text(dups.rows[0].back()) + " times";
  }
  return std::string();
}

struct KeyDiff {
  int64_t missing = 0, extra = 0, changed = 0;
  std::vector<std::string> examples;
};

Result<KeyDiff> DiffByKey(SqlEngine& engine, const Transform& t, const std::string& expected,
                          const std::string& actual, int examples) {
  std::vector<std::string> on, differs;
  for (const auto& k : t.key_v2) on.push_back("a." + QuoteIdentifier(k) + " = b." + QuoteIdentifier(k));
  for (const auto& c : t.columns) {
    bool is_key = false;
    for (const auto& k : t.key_v2) is_key |= EqualsIgnoreCase(k, c.name);
    if (!is_key) differs.push_back("a." + QuoteIdentifier(c.name) + " IS DISTINCT FROM b." + QuoteIdentifier(c.name));
  }
  std::string first = QuoteIdentifier(t.key_v2.front());
  std::string joined = " FROM (" + expected + ") AS a FULL OUTER JOIN (" + actual + ") AS b ON " + Join(on, " AND ");
  std::string changed = differs.empty() ? "FALSE" : "(" + Join(differs, " OR ") + ")";
  std::string missing_cond = "b." + first + " IS NULL";
  std::string extra_cond = "a." + first + " IS NULL";
  std::string changed_cond = "a." + first + " IS NOT NULL AND b." + first + " IS NOT NULL AND " + changed;
  ASSIGN_OR_RETURN(RowSet counts, engine.Query("SELECT count(*) FILTER (WHERE " + missing_cond +
                                               "), count(*) FILTER (WHERE " + extra_cond +
                                               "), count(*) FILTER (WHERE " + changed_cond + ")" + joined));
  KeyDiff diff;
  diff.missing = std::strtoll(counts.rows[0][0].value_or("0").c_str(), nullptr, 10);
  diff.extra = std::strtoll(counts.rows[0][1].value_or("0").c_str(), nullptr, 10);
  diff.changed = std::strtoll(counts.rows[0][2].value_or("0").c_str(), nullptr, 10);
  if (diff.missing + diff.extra + diff.changed == 0 || examples <= 0) return diff;
  std::vector<std::string> key_text;
  for (const auto& k : t.key_v2) {
    key_text.push_back("CAST(coalesce(a." + QuoteIdentifier(k) + ", b." + QuoteIdentifier(k) + ") AS VARCHAR)");
  }
  std::string kind = "CASE WHEN " + missing_cond + " THEN 'missing in v2' WHEN " + extra_cond +
                     " THEN 'extra in v2' ELSE 'changed' END";
  ASSIGN_OR_RETURN(RowSet rows, engine.Query("SELECT " + kind + ", " + Join(key_text, ", ") + joined + " WHERE " +
                                             missing_cond + " OR " + extra_cond + " OR (" + changed_cond +
                                             ") ORDER BY 2 LIMIT " + std::to_string(examples)));
  for (const auto& row : rows.rows) {
    std::vector<std::string> key;
    for (size_t i = 1; i < row.size(); ++i) key.push_back(Text(row[i]));
    diff.examples.push_back(Text(row[0]) + ": key (" + Join(key, ", ") + ")");
  }
  return diff;
}

Result<std::vector<int64_t>> NullCounts(SqlEngine& engine, const Transform& t, const std::string& select) {
  std::vector<std::string> items;
  for (const auto& c : t.columns) items.push_back("count(*) - count(" + QuoteIdentifier(c.name) + ")");
  ASSIGN_OR_RETURN(RowSet rows, engine.Query("SELECT " + Join(items, ", ") + " FROM (" + select + ") AS s"));
  std::vector<int64_t> out;
  for (const auto& v : rows.rows.at(0)) out.push_back(std::strtoll(v.value_or("0").c_str(), nullptr, 10));
  return out;
}

// The staged v2's schema, read as any dataset's: the staging folder or the staging table.
Result<Schema> StagedSchema(const Locations& locations) {
  ASSIGN_OR_RETURN(std::unique_ptr<Warehouse> warehouse, OpenDuckDbWarehouse());
  if (!WritesFiles(locations)) return warehouse->ReadSchema(StagingTable(locations));
  DatasetLocation staged = locations.v2;
  staged.path = StagingRoot(locations).string();
  return warehouse->ReadSchema(staged);
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
    checks_json.push_back({{"check", c.name}, {"partition", c.partition}, {"passed", c.passed}, {"detail", c.detail}});
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
    out << "FAIL " << c.name << (c.partition.empty() ? "" : " [" + c.partition + "]") << ": " << c.detail << "\n";
  }
  out << (passed() ? "verified: " : "verification failed: ") << checks.size() - failed << " of " << checks.size()
      << " checks passed; v1 " << v1_rows << " rows through the transform, v2 " << v2_rows << " rows";
  if (mismatched_rows > 0) out << ", " << mismatched_rows << " rows differ by key";
  out << "\n";
  return out.str();
}

Result<VerifyReport> Verify(const Migration& migration, const Locations& locations, SqlEngine& engine, Store& store,
                            int examples) {
  ASSIGN_OR_RETURN(nlohmann::json run, LoadRun(store, migration.name));
  std::string state = run.value("state", "none");
  if (state == "none") return Status::Conflict(migration.name + ": nothing is staged; run 'skein data run' first");
  if (state == "published") return Status::Conflict(migration.name + ": v2 is published; it was verified before");
  ASSIGN_OR_RETURN(Transform t, TransformFor(migration, locations, engine));
  ASSIGN_OR_RETURN(std::string v1, engine.Relation(locations.v1));
  ASSIGN_OR_RETURN(std::vector<Partition> partitions, ListPartitions(engine, t, v1));
  const VerifyPolicy& policy = migration.data.verify;
  VerifyReport report;

  for (const Partition& p : partitions) {
    std::string expected = t.Select(v1, PartitionWhere(t, p, false));
    Result<std::string> staged = StagedRelation(engine, locations, t, &p);
    std::string actual = staged.ok() ? "SELECT * FROM " + *staged : "";
    Result<std::string> target = staged.ok() ? Checksum(engine, t, actual) : Result<std::string>(staged.status());
    ASSIGN_OR_RETURN(std::string source, Checksum(engine, t, expected));
    report.v1_rows += RowsOf(source);
    if (!target.ok()) {
      report.checks.push_back({"counts", p.Key(), false, "v2 has no such partition: " + target.status().message()});
      continue;
    }
    report.v2_rows += RowsOf(*target);
    if (policy.counts) {
      bool same = RowsOf(source) == RowsOf(*target);
      report.checks.push_back({"counts", p.Key(), same,
                               same ? "" : "v1 through the transform has " + std::to_string(RowsOf(source)) +
                                               " rows, v2 " + std::to_string(RowsOf(*target))});
    }
    if (policy.checksum) {
      bool same = source == *target;
      report.checks.push_back(
          {"checksum", p.Key(), same, same ? "" : "the content of v2 differs from v1 through the transform"});
    }
    if (policy.null_counts) {
      ASSIGN_OR_RETURN(std::vector<int64_t> want, NullCounts(engine, t, expected));
      ASSIGN_OR_RETURN(std::vector<int64_t> got, NullCounts(engine, t, actual));
      std::vector<std::string> diffs;
      for (size_t i = 0; i < t.columns.size() && i < want.size() && i < got.size(); ++i) {
        if (want[i] != got[i]) {
          diffs.push_back(t.columns[i].name + ": " + std::to_string(got[i]) + " NULLs, expected " +
                          std::to_string(want[i]));
        }
      }
      report.checks.push_back({"null_counts", p.Key(), diffs.empty(), Join(diffs, "; ")});
    }
  }

  // The whole dataset: its schema, then the key checks and the key diff.
  Result<std::string> all = StagedRelation(engine, locations, t, nullptr);
  if (all.ok()) {
    ASSIGN_OR_RETURN(Schema schema, StagedSchema(locations));
    std::vector<std::string> problems;
    for (const auto& c : t.columns) {
      const Column* got = schema.Find(c.name);
      if (got == nullptr) {
        problems.push_back("column " + c.name + " is missing");
      } else if (!EqualsIgnoreCase(got->type, c.type)) {
        problems.push_back("column " + c.name + " is " + got->type + ", not " + c.type);
      }
    }
    report.checks.push_back({"schema", "", problems.empty(), Join(problems, "; ")});
    if (!t.key_v2.empty()) {
      std::string expected = t.Select(v1, "");
      std::string actual = "SELECT * FROM " + *all;
      ASSIGN_OR_RETURN(std::string v1_problem, KeyProblem(engine, t, "(" + expected + ")", "v1 through the transform"));
      ASSIGN_OR_RETURN(std::string v2_problem, KeyProblem(engine, t, "(" + actual + ")", "v2"));
      std::string problem = v1_problem.empty() ? v2_problem : v1_problem;
      report.checks.push_back({"keys", "", problem.empty(), problem});
      if (problem.empty()) {
        ASSIGN_OR_RETURN(KeyDiff diff, DiffByKey(engine, t, expected, actual, examples));
        report.mismatched_rows = diff.missing + diff.extra + diff.changed;
        double ratio = report.v1_rows == 0 ? (report.mismatched_rows > 0 ? 1.0 : 0.0)
                                           : static_cast<double>(report.mismatched_rows) /
                                                 static_cast<double>(report.v1_rows);
        bool ok = ratio <= policy.max_mismatch_ratio;
        std::string detail = std::to_string(diff.missing) + " missing, " + std::to_string(diff.extra) + " extra, " +
                             std::to_string(diff.changed) + " changed (allowed ratio " +
                             std::to_string(policy.max_mismatch_ratio) + ")";
        if (!diff.examples.empty()) detail += "; e.g. " + Join(diff.examples, "; ");
        report.checks.push_back({"key_diff", "", ok, report.mismatched_rows == 0 ? "" : detail});
      }
    }
  } else {
    report.checks.push_back({"schema", "", false, all.status().message()});
  }

  run["state"] = report.passed() ? "verified" : "failed";
  run["verify"] = report.ToJson();
  RETURN_IF_ERROR(SaveRun(store, migration.name, run));
  return report;
}

}  // namespace skein::dataset
