// Backfill: v2 staged from v1 partition by partition, resumable (see dataset.h), and the pieces
// verify and publish share (internal.h).
#include <unistd.h>

#include <fstream>

#include "base/text.h"
#include "data/sql_text.h"
#include "dataset/internal.h"

namespace skein::dataset {
namespace internal {

bool WritesFiles(const Locations& locations) {
  return locations.v2.format != DatasetLocation::Format::kDuckDb &&
         locations.v2.format != DatasetLocation::Format::kPostgres;
}

Result<std::string> PartitionFolder(const Transform& t, const Partition& p) {
  if (p.single) return std::string("all");
  if (!p.value) return t.partition_v2 + "=__HIVE_DEFAULT_PARTITION__";
  for (char c : *p.value) {
    bool safe = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
                c == '.' || c == ':' || c == ' ' || c == '+';
    if (!safe || *p.value == "." || *p.value == "..") {
      return Status::InvalidInput("partition value '" + *p.value + "' of " + t.partition_v1 +
                                  " cannot be a folder name: write v2 to a table instead");
    }
  }
  return t.partition_v2 + "=" + *p.value;
}

std::filesystem::path StagingRoot(const Locations& locations) {
  return std::filesystem::path(locations.v2.path) / ".skein-staging";
}

DatasetLocation StagingTable(const Locations& locations) {
  DatasetLocation staging = locations.v2;
  staging.table += "__skein_staging";
  return staging;
}

std::string PartitionWhere(const Transform& t, const Partition& p, bool v2_names) {
  if (p.single) return "";
  std::string column = QuoteIdentifier(v2_names ? t.partition_v2 : t.partition_v1);
  if (!p.value) return column + " IS NULL";
  return column + " = CAST(" + QuoteLiteral(*p.value) + " AS " + t.partition_type + ")";
}

Result<std::vector<Partition>> ListPartitions(SqlEngine& engine, const Transform& t, std::string_view v1_relation) {
  if (t.partition_v1.empty()) return std::vector<Partition>{Partition{std::nullopt, true}};
  std::string column = QuoteIdentifier(t.partition_v1);
  std::string sql = "SELECT DISTINCT CAST(" + column + " AS VARCHAR) AS p FROM " + std::string(v1_relation);
  if (!t.window.empty()) sql += " WHERE (" + t.window + ")";
  sql += " ORDER BY 1";
  ASSIGN_OR_RETURN(RowSet rows, engine.Query(sql));
  std::vector<Partition> out;
  for (auto& row : rows.rows) out.push_back(Partition{row[0], false});
  return out;
}

Result<std::string> Checksum(SqlEngine& engine, const Transform& t, const std::string& select) {
  std::vector<std::string> typed;
  for (const auto& c : t.columns) typed.push_back("CAST(" + QuoteIdentifier(c.name) + " AS " + c.type + ")");
  std::string sum;
  if (engine.kind() == EngineKind::kDuckDb) {
    sum = "sum(hash(" + Join(typed, ", ") + ")::HUGEINT)";
  } else {
    sum = "sum(('x' || substr(md5(ROW(" + Join(typed, ", ") + ")::text), 1, 16))::bit(64)::bigint::numeric)";
  }
  ASSIGN_OR_RETURN(RowSet rows, engine.Query("SELECT count(*), CAST(coalesce(" + sum + ", 0) AS VARCHAR) FROM (" +
                                             select + ") AS skein_rows"));
  if (rows.rows.size() != 1 || rows.rows[0].size() != 2) return Status::Internal("a checksum query returned no row");
  return rows.rows[0][0].value_or("0") + ":" + rows.rows[0][1].value_or("0");
}

int64_t RowsOf(const std::string& checksum) {
  return std::strtoll(checksum.substr(0, checksum.find(':')).c_str(), nullptr, 10);
}

Result<std::string> StagedRelation(SqlEngine& engine, const Locations& locations, const Transform& t,
                                   const Partition* p) {
  if (!WritesFiles(locations)) {
    ASSIGN_OR_RETURN(std::string table, engine.Relation(StagingTable(locations)));
    if (p == nullptr || p->single) return table;
    return "(SELECT * FROM " + table + " WHERE " + PartitionWhere(t, *p, true) + ") AS skein_staged";
  }
  std::filesystem::path root = StagingRoot(locations);
  if (p == nullptr) return "read_parquet(" + QuoteLiteral((root / "*" / "data.parquet").string()) + ")";
  ASSIGN_OR_RETURN(std::string folder, PartitionFolder(t, *p));
  return "read_parquet(" + QuoteLiteral((root / folder / "data.parquet").string()) + ")";
}

Result<nlohmann::json> LoadRun(Store& store, const std::string& migration) {
  ASSIGN_OR_RETURN(std::optional<DataRunRecord> record, store.FindDataRun(migration));
  if (!record) return nlohmann::json{{"state", "none"}};
  nlohmann::json run = nlohmann::json::parse(record->body, nullptr, false);
  if (run.is_discarded() || !run.is_object()) return Status::Internal("the store's data run of " + migration + " is not JSON");
  return run;
}

Result<std::map<std::string, nlohmann::json>> LoadPartitions(Store& store, const std::string& migration) {
  ASSIGN_OR_RETURN(std::vector<DataPartitionRecord> records, store.ListDataPartitions(migration));
  std::map<std::string, nlohmann::json> out;
  for (const auto& r : records) {
    nlohmann::json body = nlohmann::json::parse(r.body, nullptr, false);
    if (!body.is_object()) return Status::Internal("the store's partition record " + r.partition + " is not JSON");
    out.emplace(r.partition, std::move(body));
  }
  return out;
}

Status SaveRun(Store& store, const std::string& migration, const nlohmann::json& run) {
  return store.PutDataRun({migration, run.dump()});
}

Result<Transform> TransformFor(const Migration& migration, const Locations& locations, SqlEngine&) {
  ASSIGN_OR_RETURN(std::unique_ptr<Warehouse> warehouse, OpenDuckDbWarehouse());
  ASSIGN_OR_RETURN(Schema v1, warehouse->ReadSchema(locations.v1));
  return PlanTransform(migration, v1);
}

}  // namespace internal

using namespace internal;

namespace {

// Files: COPY to a temporary name in the partition's staging folder, then rename it into place.
Status StageFiles(SqlEngine& engine, const Locations& locations, const Transform& t, const Partition& p,
                  const std::string& select) {
  ASSIGN_OR_RETURN(std::string folder_name, PartitionFolder(t, p));
  std::filesystem::path folder = StagingRoot(locations) / folder_name;
  std::error_code ec;
  std::filesystem::create_directories(folder, ec);
  if (ec) return Status::IoError("cannot create " + folder.string() + ": " + ec.message());
  std::filesystem::path temporary = folder / ("data.parquet.tmp-" + std::to_string(::getpid()));
  RETURN_IF_ERROR(engine.Execute("COPY (" + select + ") TO " + QuoteLiteral(temporary.string()) + " (FORMAT parquet)"));
  std::filesystem::rename(temporary, folder / "data.parquet", ec);
  if (ec) return Status::IoError("cannot move " + temporary.string() + " into place: " + ec.message());
  return Status::Ok();
}

// Tables: the staging table's rows of this partition replaced in one transaction.
Status StageTable(SqlEngine& engine, const Locations& locations, const Transform& t, const Partition& p,
                  const std::string& select) {
  ASSIGN_OR_RETURN(std::string staging, engine.TableName(StagingTable(locations)));
  RETURN_IF_ERROR(engine.Begin());
  Status status = [&]() -> Status {
    std::string where = PartitionWhere(t, p, true);
    RETURN_IF_ERROR(engine.Execute("DELETE FROM " + staging + (where.empty() ? "" : " WHERE " + where)));
    return engine.Execute("INSERT INTO " + staging + " " + select);
  }();
  if (!status.ok()) {
    (void)engine.Rollback();
    return status;
  }
  return engine.Commit();
}

Status CreateStagingTable(SqlEngine& engine, const Locations& locations, const Transform& t) {
  DatasetLocation staging = StagingTable(locations);
  ASSIGN_OR_RETURN(std::string name, engine.TableName(staging));
  std::vector<std::string> columns;
  for (const auto& c : t.columns) columns.push_back(QuoteIdentifier(c.name) + " " + c.type);
  std::vector<std::string> parts = Split(staging.table, '.', false);
  if (parts.size() == 2) {
    std::string schema = name.substr(0, name.rfind('.'));  // the quoted catalog and schema
    RETURN_IF_ERROR(engine.Execute("CREATE SCHEMA IF NOT EXISTS " + schema));
  }
  return engine.Execute("CREATE TABLE IF NOT EXISTS " + name + " (" + Join(columns, ", ") + ")");
}

}  // namespace

Result<BackfillReport> Backfill(const Migration& migration, const Locations& locations, SqlEngine& engine,
                                Store& store, const Progress& progress) {
  ASSIGN_OR_RETURN(nlohmann::json run, LoadRun(store, migration.name));
  std::string state = run.value("state", "none");
  if (state == "published") {
    return Status::Conflict(migration.name + ": v2 is already published; 'skein data rollback " + migration.name +
                            "' first to write it again");
  }
  ASSIGN_OR_RETURN(Transform t, TransformFor(migration, locations, engine));
  ASSIGN_OR_RETURN(std::string v1, engine.Relation(locations.v1));
  if (!WritesFiles(locations)) RETURN_IF_ERROR(CreateStagingTable(engine, locations, t));
  ASSIGN_OR_RETURN(std::vector<Partition> partitions, ListPartitions(engine, t, v1));
  ASSIGN_OR_RETURN(auto records, LoadPartitions(store, migration.name));

  BackfillReport report;
  for (size_t i = 0; i < partitions.size(); ++i) {
    const Partition& p = partitions[i];
    std::string select = t.Select(v1, PartitionWhere(t, p, false));
    PartitionOutcome outcome{p, 0, "", "", false};
    Result<std::string> source = Checksum(engine, t, select);
    if (!source.ok()) {
      return source.status().WithContext(migration.from + " partition " + p.Key() + " through the transform");
    }
    outcome.source_checksum = *source;
    auto record = records.find(p.Key());
    if (record != records.end() && record->second.value("source_checksum", "") == *source) {
      ASSIGN_OR_RETURN(std::string staged, StagedRelation(engine, locations, t, &p));
      Result<std::string> target = Checksum(engine, t, "SELECT * FROM " + staged);
      if (target.ok() && *target == record->second.value("target_checksum", "")) {
        outcome.target_checksum = *target;
        outcome.rows = RowsOf(*target);
        outcome.skipped = true;
      }
    }
    if (!outcome.skipped) {
      Status staged = WritesFiles(locations) ? StageFiles(engine, locations, t, p, select)
                                             : StageTable(engine, locations, t, p, select);
      RETURN_IF_ERROR(staged.WithContext(migration.to + " partition " + p.Key()));
      ASSIGN_OR_RETURN(std::string relation, StagedRelation(engine, locations, t, &p));
      ASSIGN_OR_RETURN(outcome.target_checksum, Checksum(engine, t, "SELECT * FROM " + relation));
      outcome.rows = RowsOf(outcome.target_checksum);
      nlohmann::json body = {{"state", "staged"},
                             {"rows", outcome.rows},
                             {"source_checksum", outcome.source_checksum},
                             {"target_checksum", outcome.target_checksum}};
      RETURN_IF_ERROR(store.PutDataPartition({migration.name, p.Key(), body.dump()}));
    }
    report.rows += outcome.rows;
    report.skipped += outcome.skipped ? 1 : 0;
    if (progress) {
      progress("[" + std::to_string(i + 1) + "/" + std::to_string(partitions.size()) + "] " + p.Key() + ": " +
               std::to_string(outcome.rows) + " rows" + (outcome.skipped ? " (already staged)" : ""));
    }
    report.partitions.push_back(std::move(outcome));
  }
  run["state"] = "staged";
  run.erase("approved_by");
  RETURN_IF_ERROR(SaveRun(store, migration.name, run));
  return report;
}

Result<std::string> RunState(const Migration& migration, Store& store) {
  ASSIGN_OR_RETURN(nlohmann::json run, LoadRun(store, migration.name));
  return run.value("state", "none");
}

}  // namespace skein::dataset
