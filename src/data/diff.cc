// DiffDatasets (see diff.h): opens the engines, checks the keys, then diffs with one DuckDB join
// or, across engines, with bucket checksums, bisection and a local join of the differing buckets.
#include "data/diff.h"

#include <charconv>
#include <future>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <system_error>

#include "base/text.h"
#include "data/diff_sql.h"
#include "data/postgres_schema.h"
#include "data/sql_text.h"

namespace skein {
namespace {

using diff_internal::DiffPlan;
using diff_internal::JoinInput;
using diff_internal::SideSql;

// Target rows per bucket when a differing bucket is split, and the most buckets one split makes.
constexpr int64_t kRowsPerBucket = 64;
constexpr int kMaxSplitBits = 12;
// Rows per batch copied from an engine into the local DuckDB.
constexpr size_t kTransferBatchRows = 10000;
// The local DuckDB tables the differing buckets' rows are copied into.
constexpr const char* kLocalA = "skein_diff_a";
constexpr const char* kLocalB = "skein_diff_b";

struct Side {
  std::string label;  // "A (parquet:old.parquet)", for messages
  DatasetLocation location;
  bool is_a = true;
  SqlEngine* engine = nullptr;
  std::string relation = {};
  Schema schema = {};
  bool table = true;  // the relation is a table of `location`, not a query (DiffRelations)

  SideSql sql() const { return {engine->kind(), relation, is_a}; }
};

Result<int64_t> ParseCount(const Value& text, std::string_view what) {
  int64_t value = 0;
  std::string_view digits = text ? std::string_view(*text) : std::string_view();
  auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (digits.empty() || error != std::errc() || end != digits.data() + digits.size()) {
    return Status::Internal("the diff read '" + text.value_or("NULL") + "' as " + std::string(what));
  }
  return value;
}

// Makes the engine spell values as the other engine does (time zone, float digits, dates).
Status PrepareSession(SqlEngine& engine) {
  for (const auto& statement : diff_internal::SessionSql(engine.kind())) {
    Status status = engine.Execute(statement);
    // A DuckDB without time zone support (no ICU) keeps its timestamps in UTC anyway.
    if (!status.ok() && engine.kind() == EngineKind::kPostgres) return status;
  }
  return Status::Ok();
}

// A PostgreSQL table's columns in DuckDB's spelling, except that a numeric without precision
// stays DECIMAL: compared exactly, as text, not as a double.
Result<Schema> ReadPostgresColumns(const Side& side) {
  std::vector<std::string> parts = Split(side.location.table, '.');
  std::string schema_name = parts.size() == 2 ? parts[0] : "public";
  ASSIGN_OR_RETURN(RowSet rows, side.engine->Query(diff_internal::PostgresColumnsSql(
                                    schema_name, parts.empty() ? "" : parts.back())));
  Schema schema;
  for (const auto& row : rows.rows) {
    std::string data_type = row.at(1).value_or(""), precision = row.at(3).value_or("");
    std::string type =
        data_type == "numeric" && precision.empty()
            ? "DECIMAL"
            : DuckDbTypeForPostgres(data_type, row.at(2).value_or(""), precision, row.at(4).value_or(""));
    schema.columns.push_back({row.at(0).value_or(""), type});
  }
  return schema;
}

// Whether PostgreSQL guarantees the key: NOT NULL columns holding the columns of a unique index
// (a key holding a unique key is unique). Then the check's full scan is not needed. False on any
// doubt, errors included.
bool PostgresGuaranteesKey(const Side& side, const DiffPlan& plan) {
  std::set<std::string> key;
  for (const auto& column : plan.key) key.insert(side.is_a ? column.a_name : column.b_name);
  Result<RowSet> not_null = side.engine->Query(diff_internal::PostgresNotNullColumnsSql(side.relation));
  if (!not_null.ok()) return false;
  std::set<std::string> not_null_names;
  for (const auto& row : not_null->rows) not_null_names.insert(row.at(0).value_or(""));
  for (const auto& name : key) {
    if (!not_null_names.contains(name)) return false;
  }
  Result<RowSet> indexes = side.engine->Query(diff_internal::PostgresUniqueKeysSql(side.relation));
  if (!indexes.ok()) return false;
  std::map<std::string, bool> within_key;  // unique index -> all its columns are key columns
  for (const auto& row : indexes->rows) {
    auto [it, added] = within_key.emplace(row.at(0).value_or(""), true);
    it->second = it->second && key.contains(row.at(1).value_or(""));
  }
  for (const auto& [index, within] : within_key) {
    if (within) return true;
  }
  return false;
}

Result<Schema> ReadSideSchema(const Side& side) {
  if (side.engine->kind() == EngineKind::kPostgres) return ReadPostgresColumns(side);
  ASSIGN_OR_RETURN(RowSet rows, side.engine->Query("DESCRIBE SELECT * FROM " + side.relation));
  Schema schema;
  for (const auto& row : rows.rows) {
    if (row.size() < 2)
      return Status::Internal("DESCRIBE returned a row of " + std::to_string(row.size()) + " cells");
    schema.columns.push_back({row[0].value_or(""), row[1].value_or("")});
  }
  return schema;
}

Status OpenSide(Side& side, SqlEngine& engine) {
  side.engine = &engine;
  Result<std::string> relation = engine.Relation(side.location);
  if (!relation.ok()) return relation.status().WithContext(side.label);
  side.relation = *relation;
  Result<Schema> schema = ReadSideSchema(side);
  if (!schema.ok()) return schema.status().WithContext(side.label);
  if (schema->columns.empty()) return Status::InvalidInput(side.label + " has no columns");
  side.schema = std::move(schema).value();
  return Status::Ok();
}

// "id=5, region=eu": a key value as the side names its columns.
std::string KeyText(const DiffPlan& plan, const std::vector<Value>& row, bool is_a) {
  std::vector<std::string> parts;
  for (size_t i = 0; i < plan.key.size() && i < row.size(); ++i) {
    parts.push_back((is_a ? plan.key[i].a_name : plan.key[i].b_name) + "=" + row[i].value_or("NULL"));
  }
  return Join(parts, ", ");
}

// NULL key parts and duplicate keys stop the diff: a key that is not one row's identity would
// make every count after it wrong.
Status CheckKey(const Side& side, const DiffPlan& plan) {
  if (side.engine->kind() == EngineKind::kPostgres && side.table && PostgresGuaranteesKey(side, plan)) {
    return Status::Ok();
  }
  Result<RowSet> rows = side.engine->Query(diff_internal::KeyCheckSql(side.sql(), plan));
  if (!rows.ok()) return rows.status().WithContext(side.label + ": checking the key");
  if (rows->rows.empty()) return Status::Ok();
  const std::vector<Value>& row = rows->rows[0];
  size_t k = plan.key.size();
  std::vector<std::string> names;
  for (const auto& column : plan.key) names.push_back(side.is_a ? column.a_name : column.b_name);
  std::string key = "key (" + Join(names, ", ") + ")";
  std::string has_null = row.at(k + 1).value_or("");
  if (has_null == "true" || has_null == "t") {
    return Status::InvalidInput(side.label + ": " + key + " is NULL in " + row.at(k + 3).value_or("?") +
                                " row(s), e.g. " + KeyText(plan, row, side.is_a));
  }
  return Status::InvalidInput(side.label + ": " + key + " is not unique: " + row.at(k + 2).value_or("?") +
                              " key value(s) appear more than once, e.g. " + KeyText(plan, row, side.is_a) +
                              " in " + row.at(k).value_or("?") + " rows");
}

// Runs `for_a` on a thread of its own while `for_b` runs on this one when each side has its own
// engine, so PostgreSQL and DuckDB (or two servers) work at the same time; one after the other
// when both read one engine (DiffRelations), which serves one thread at a time.
template <typename T>
std::pair<T, T> OnBothSides(const Side& side_a, const Side& side_b, const std::function<T()>& for_a,
                            const std::function<T()>& for_b) {
  if (side_a.engine == side_b.engine) {
    T first = for_a();
    return {std::move(first), for_b()};
  }
  std::future<T> a;
  try {
    a = std::async(std::launch::async, for_a);
  } catch (const std::system_error&) {
    T first = for_a();  // no thread to be had: one after the other
    return {std::move(first), for_b()};
  }
  T b = for_b();
  return {a.get(), std::move(b)};
}

Result<std::vector<DiffExample>> ReadExamples(const Value& text, const DiffPlan& plan, bool changed) {
  std::vector<DiffExample> examples;
  if (!text) return examples;
  auto value_of = [](const nlohmann::json& json) -> Value {
    if (json.is_null()) return std::nullopt;
    return json.is_string() ? json.get<std::string>() : json.dump();
  };
  try {
    for (const auto& item : nlohmann::json::parse(*text)) {
      DiffExample example;
      for (size_t i = 0; i < plan.key.size(); ++i)
        example.key.push_back(value_of(item.at("k" + std::to_string(i))));
      for (size_t i = 0; changed && i < plan.columns.size(); ++i) {
        std::string n = std::to_string(i);
        if (item.at("d" + n).get<bool>()) {
          example.changes.push_back(
              {plan.columns[i].b_name, value_of(item.at("a" + n)), value_of(item.at("b" + n))});
        }
      }
      examples.push_back(std::move(example));
    }
  } catch (const nlohmann::json::exception& e) {
    return Status::Internal(std::string("reading the diff's examples: ") + e.what());
  }
  return examples;
}

// Reads JoinDiffSql's one row into `result` (row counts too with `with_rows`).
Status ReadJoinRow(const RowSet& rows, const DiffPlan& plan, bool with_rows, DiffResult& result) {
  if (rows.rows.size() != 1)
    return Status::Internal("the diff query returned " + std::to_string(rows.rows.size()) + " rows");
  std::map<std::string, Value> cells;
  for (size_t i = 0; i < rows.columns.size(); ++i) cells[rows.columns[i]] = rows.rows[0].at(i);
  auto count = [&](const std::string& name) { return ParseCount(cells[name], name); };
  if (with_rows) {
    ASSIGN_OR_RETURN(result.a.rows, count("rows_a"));
    ASSIGN_OR_RETURN(result.b.rows, count("rows_b"));
  }
  ASSIGN_OR_RETURN(result.missing_in_b, count("missing"));
  ASSIGN_OR_RETURN(result.extra_in_b, count("extra"));
  ASSIGN_OR_RETURN(result.changed, count("changed"));
  for (size_t i = 0; i < plan.columns.size(); ++i) {
    ASSIGN_OR_RETURN(result.columns[i].changed, count("changed_" + std::to_string(i)));
  }
  if (cells.contains("ex_missing")) {
    ASSIGN_OR_RETURN(result.missing_examples, ReadExamples(cells["ex_missing"], plan, false));
    ASSIGN_OR_RETURN(result.extra_examples, ReadExamples(cells["ex_extra"], plan, false));
    ASSIGN_OR_RETURN(result.changed_examples, ReadExamples(cells["ex_changed"], plan, true));
  }
  return Status::Ok();
}

// --- across engines ----------------------------------------------------------------------------

struct BucketStats {
  int64_t rows = 0;
  std::string sum;  // of 60 bits of each row's md5, as the engine spells it
  bool operator==(const BucketStats&) const = default;
};
using Buckets = std::map<int64_t, BucketStats>;

Result<Buckets> QueryBuckets(const Side& side, const DiffPlan& plan, int shift, const std::string& filter) {
  Result<RowSet> rows = side.engine->Query(diff_internal::BucketSql(side.sql(), plan, shift, filter));
  if (!rows.ok()) return rows.status().WithContext(side.label + ": computing checksums");
  Buckets buckets;
  for (const auto& row : rows->rows) {
    ASSIGN_OR_RETURN(int64_t bucket, ParseCount(row.at(0), "a bucket"));
    ASSIGN_OR_RETURN(int64_t count, ParseCount(row.at(1), "a row count"));
    buckets[bucket] = {count, row.at(2).value_or("")};
  }
  return buckets;
}

// How many bits to split a bucket of `rows` rows by, so its parts hold about kRowsPerBucket rows
// (and well under `transfer_rows`): one more scan then usually ends the bisection.
int SplitBits(int64_t rows, int64_t transfer_rows, int shift) {
  int64_t target = std::max<int64_t>(1, std::min(kRowsPerBucket, transfer_rows / 4));
  int bits = 1;
  while (bits < kMaxSplitBits && (rows >> bits) > target) ++bits;
  return std::min(bits, shift);
}

// Copies the rows `filter` keeps from `side` into `table` of the local DuckDB. Both sides copy
// at once: `local_lock` lets one append at a time.
Status Transfer(const Side& side, const DiffPlan& plan, const std::string& filter, SqlEngine& local,
                std::mutex& local_lock, const std::string& table, int64_t& transferred) {
  Status status = side.engine->Scan(diff_internal::TransferSql(side.sql(), plan, filter), kTransferBatchRows,
                                    [&](const RowSet& batch) {
                                      transferred += static_cast<int64_t>(batch.rows.size());
                                      std::lock_guard<std::mutex> hold(local_lock);
                                      return local.Append({"main", table}, batch);
                                    });
  return status.ok() ? status : status.WithContext(side.label + ": copying the differing rows");
}

// Compares the buckets of the key space level by level, splitting those that differ until they
// are small, then copies the small differing buckets' rows into a local DuckDB and joins them.
Status ChecksumDiff(const Side& a, const Side& b, const DiffPlan& plan, const DiffOptions& options,
                    DiffResult& result) {
  int shift = diff_internal::kHashBits - kMaxSplitBits;
  std::string filter;
  std::map<int, std::vector<int64_t>> leaves;  // shift -> differing buckets to copy
  for (bool first = true;; first = false) {
    auto [a_buckets, b_buckets] = OnBothSides<Result<Buckets>>(
        a, b, [&] { return QueryBuckets(a, plan, shift, filter); },
        [&] { return QueryBuckets(b, plan, shift, filter); });
    result.checksum_queries += 2;
    RETURN_IF_ERROR(a_buckets.status());
    RETURN_IF_ERROR(b_buckets.status());
    std::map<int64_t, std::pair<BucketStats, BucketStats>> all;
    int64_t queried = 0;
    for (const auto& [bucket, stats] : *a_buckets) {
      all[bucket].first = stats;
      queried += stats.rows;
      if (first) result.a.rows += stats.rows;
    }
    for (const auto& [bucket, stats] : *b_buckets) {
      all[bucket].second = stats;
      queried += stats.rows;
      if (first) result.b.rows += stats.rows;
    }
    std::vector<int64_t> small, large;
    int64_t differing_rows = 0, largest = 0;
    for (const auto& [bucket, stats] : all) {
      if (stats.first == stats.second) continue;
      int64_t rows = std::max(stats.first.rows, stats.second.rows);
      differing_rows += stats.first.rows + stats.second.rows;
      (rows <= options.transfer_rows ? small : large).push_back(bucket);
      if (rows > options.transfer_rows) largest = std::max(largest, rows);
    }
    leaves[shift] = small;
    // Splitting pays when the differing rows are few; when they are most of all rows, copy them.
    if (large.empty() || shift == 0 || (first && differing_rows * 2 > queried)) {
      leaves[shift].insert(leaves[shift].end(), large.begin(), large.end());
      break;
    }
    filter = diff_internal::BucketFilter({{shift, large}});
    shift -= SplitBits(largest, options.transfer_rows, shift);
  }
  std::string copy = diff_internal::BucketFilter(leaves);
  if (copy.empty()) return Status::Ok();  // every bucket matched: equal, nothing moved

  ASSIGN_OR_RETURN(std::unique_ptr<SqlEngine> local, OpenDuckDbEngine());
  std::vector<std::string> columns;
  for (size_t i = 0; i < plan.key.size(); ++i) columns.push_back("k" + std::to_string(i) + " VARCHAR");
  for (size_t i = 0; i < plan.columns.size(); ++i) columns.push_back("c" + std::to_string(i) + " VARCHAR");
  for (const char* table : {kLocalA, kLocalB}) {
    RETURN_IF_ERROR(
        local->Execute("CREATE TABLE main." + std::string(table) + " (" + Join(columns, ", ") + ")"));
  }
  std::mutex local_lock;
  int64_t a_rows = 0, b_rows = 0;
  auto [a_copied, b_copied] = OnBothSides<Status>(
      a, b, [&] { return Transfer(a, plan, copy, *local, local_lock, kLocalA, a_rows); },
      [&] { return Transfer(b, plan, copy, *local, local_lock, kLocalB, b_rows); });
  RETURN_IF_ERROR(a_copied);
  RETURN_IF_ERROR(b_copied);
  result.rows_transferred = a_rows + b_rows;
  std::string sql =
      diff_internal::JoinDiffSql(plan, std::string("main.") + kLocalA, std::string("main.") + kLocalB,
                                 JoinInput::kCanonical, options.examples);
  ASSIGN_OR_RETURN(RowSet rows, local->Query(sql));
  return ReadJoinRow(rows, plan, /*with_rows=*/false, result);
}

// The diff of two opened sides: by one join in `join_engine` when it is given (a DuckDB that reads
// both), else by bucket checksums.
Result<DiffResult> DiffSides(const Side& a, const Side& b, SqlEngine* join_engine,
                             const DiffOptions& options) {
  ASSIGN_OR_RETURN(DiffPlan plan, diff_internal::PlanDiff(a.schema, b.schema, options, a.label, b.label));
  if (join_engine != nullptr) {
    RETURN_IF_ERROR(CheckKey(a, plan));
    RETURN_IF_ERROR(CheckKey(b, plan));
  } else {
    auto [a_check, b_check] = OnBothSides<Status>(
        a, b, [&] { return CheckKey(a, plan); }, [&] { return CheckKey(b, plan); });
    RETURN_IF_ERROR(a_check);
    RETURN_IF_ERROR(b_check);
  }

  DiffResult result;
  result.a = {a.table ? a.location.ToString() : a.label, std::string(EngineKindName(a.engine->kind()))};
  result.b = {b.table ? b.location.ToString() : b.label, std::string(EngineKindName(b.engine->kind()))};
  for (const auto& column : plan.key) result.key.push_back(column.b_name);
  for (const auto& column : plan.columns) {
    result.columns.push_back({column.b_name, column.a_name, column.a_type, column.b_type});
  }
  result.only_in_a = plan.only_in_a;
  result.only_in_b = plan.only_in_b;
  if (join_engine != nullptr) {
    result.method = "join";
    std::string sql =
        diff_internal::JoinDiffSql(plan, a.relation, b.relation, JoinInput::kNative, options.examples);
    Result<RowSet> rows = join_engine->Query(sql);
    if (!rows.ok()) return rows.status().WithContext("diffing " + a.label + " with " + b.label);
    RETURN_IF_ERROR(ReadJoinRow(*rows, plan, /*with_rows=*/true, result));
  } else {
    result.method = "checksum";
    RETURN_IF_ERROR(ChecksumDiff(a, b, plan, options, result));
  }
  return result;
}

}  // namespace

Result<DiffResult> DiffDatasets(const DatasetLocation& a_location, const DatasetLocation& b_location,
                                const DiffOptions& options) {
  Side a{"A (" + a_location.ToString() + ")", a_location, true};
  Side b{"B (" + b_location.ToString() + ")", b_location, false};
  bool duckdb_reads_both = a_location.format != DatasetLocation::Format::kPostgres &&
                           b_location.format != DatasetLocation::Format::kPostgres;
  DiffMethod method = options.method;
  if (method == DiffMethod::kAuto) method = duckdb_reads_both ? DiffMethod::kJoin : DiffMethod::kChecksum;
  if (method == DiffMethod::kJoin && !duckdb_reads_both) {
    return Status::InvalidInput(
        "the join diff needs both datasets readable by DuckDB; " +
        std::string(a_location.format == DatasetLocation::Format::kPostgres ? a.label : b.label) +
        " is a PostgreSQL table (use the checksum method)");
  }

  std::unique_ptr<SqlEngine> shared, a_engine, b_engine;
  if (method == DiffMethod::kJoin) {
    ASSIGN_OR_RETURN(shared, OpenDuckDbEngine());
    RETURN_IF_ERROR(PrepareSession(*shared));
    RETURN_IF_ERROR(OpenSide(a, *shared));
    RETURN_IF_ERROR(OpenSide(b, *shared));
  } else {
    for (auto [side, engine] : {std::pair{&a, &a_engine}, std::pair{&b, &b_engine}}) {
      Result<std::unique_ptr<SqlEngine>> opened = OpenEngineFor(side->location);
      if (!opened.ok()) return opened.status().WithContext(side->label);
      *engine = std::move(opened).value();
      Status session = PrepareSession(**engine);
      if (!session.ok()) return session.WithContext(side->label);
      RETURN_IF_ERROR(OpenSide(*side, **engine));
    }
  }

  return DiffSides(a, b, method == DiffMethod::kJoin ? shared.get() : nullptr, options);
}

Result<DiffResult> DiffRelations(SqlEngine& engine, const DiffRelation& a_input, const DiffRelation& b_input,
                                 const DiffOptions& options) {
  Side a{a_input.label, DatasetLocation{}, true, &engine, a_input.relation, a_input.schema, false};
  Side b{b_input.label, DatasetLocation{}, false, &engine, b_input.relation, b_input.schema, false};
  RETURN_IF_ERROR(PrepareSession(engine));
  return DiffSides(a, b, engine.kind() == EngineKind::kDuckDb ? &engine : nullptr, options);
}

}  // namespace skein
