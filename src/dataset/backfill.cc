// Backfill: v2 staged from v1 partition by partition, resumable (see dataset.h), and the pieces
// verify and publish share (internal.h).
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include <algorithm>
#include <cstdio>
#include <fstream>

#include "base/text.h"
#include "data/sql_text.h"
#include "dataset/compat.h"
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
    bool safe = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                c == '_' || c == '.' || c == ':' || c == ' ' || c == '+';
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

Result<std::vector<Partition>> ListPartitions(SqlEngine& engine, const Transform& t,
                                              std::string_view v1_relation) {
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

std::string ContentSumSql(EngineKind kind, const Transform& t) {
  std::vector<std::string> typed;
  for (const auto& c : t.columns)
    typed.push_back("CAST(" + QuoteIdentifier(c.name) + " AS " + c.sql_type + ")");
  if (kind == EngineKind::kDuckDb) return "coalesce(sum(hash(" + Join(typed, ", ") + ")::HUGEINT), 0)";
  return "coalesce(sum(('x' || substr(md5(ROW(" + Join(typed, ", ") +
         ")::text), 1, 16))::bit(64)::bigint::numeric), 0)";
}

Result<std::string> Checksum(SqlEngine& engine, const Transform& t, const std::string& select) {
  ASSIGN_OR_RETURN(RowSet rows, engine.Query("SELECT count(*), CAST(" + ContentSumSql(engine.kind(), t) +
                                             " AS VARCHAR) FROM (" + select + ") AS skein_rows"));
  if (rows.rows.size() != 1 || rows.rows[0].size() != 2)
    return Status::Internal("a checksum query returned no row");
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
  if (run.is_discarded() || !run.is_object())
    return Status::Internal("the store's data run of " + migration + " is not JSON");
  return run;
}

Result<std::map<std::string, nlohmann::json>> LoadPartitions(Store& store, const std::string& migration) {
  ASSIGN_OR_RETURN(std::vector<DataPartitionRecord> records, store.ListDataPartitions(migration));
  std::map<std::string, nlohmann::json> out;
  for (const auto& r : records) {
    nlohmann::json body = nlohmann::json::parse(r.body, nullptr, false);
    if (!body.is_object())
      return Status::Internal("the store's partition record " + r.partition + " is not JSON");
    out.emplace(r.partition, std::move(body));
  }
  return out;
}

Status SaveRun(Store& store, const std::string& migration, const nlohmann::json& run) {
  return store.PutDataRun({migration, run.dump()});
}

Result<Transform> TransformFor(const Migration& migration, const Locations& locations, SqlEngine& engine) {
  ASSIGN_OR_RETURN(std::unique_ptr<Warehouse> warehouse, OpenDuckDbWarehouse());
  ASSIGN_OR_RETURN(Schema v1, warehouse->ReadSchema(locations.v1));
  return PlanTransform(migration, v1, engine.kind());
}

nlohmann::json SchemaJson(const Schema& schema) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& c : schema.columns) out.push_back({c.name, c.type});
  return out;
}

Result<Transform> TransformForRun(const Migration& migration, const Locations& locations, SqlEngine& engine,
                                  const nlohmann::json& run) {
  ASSIGN_OR_RETURN(std::unique_ptr<Warehouse> warehouse, OpenDuckDbWarehouse());
  Result<Schema> v1 = warehouse->ReadSchema(locations.v1);
  if (!v1.ok()) return v1.status().WithContext(migration.from + " (v1)");
  auto recorded = run.find("v1_schema");
  if (recorded != run.end() && recorded->is_array() && *recorded != SchemaJson(*v1)) {
    std::map<std::string, std::string> before, after;
    for (const auto& c : *recorded) before[ToLower(c.at(0).get<std::string>())] = c.at(1).get<std::string>();
    for (const auto& c : v1->columns) after[ToLower(c.name)] = c.type;
    std::vector<std::string> changes;
    for (const auto& [name, type] : before) {
      auto now = after.find(name);
      if (now == after.end()) {
        changes.push_back("column " + name + " (" + type + ") is gone");
      } else if (now->second != type) {
        changes.push_back("column " + name + " was " + type + ", is " + now->second);
      }
    }
    for (const auto& [name, type] : after) {
      if (!before.contains(name)) changes.push_back("column " + name + " (" + type + ") is new");
    }
    if (changes.empty()) changes.push_back("its columns are in another order");
    return Status::InvalidInput(
        migration.from + " (v1) drifted since " + migration.name +
        " was planned and staged: " + Join(changes, "; ") +
        ". What is staged follows the old schema: check the manifest against the new one "
        "('skein plan'), then 'skein data rollback " +
        migration.name + "' and run again");
  }
  return PlanTransform(migration, *v1, engine.kind());
}

}  // namespace internal

using namespace internal;

namespace {

std::string Hex(XXH128_hash_t hash) {
  char text[40];
  std::snprintf(text, sizeof text, "%016llx%016llx", static_cast<unsigned long long>(hash.high64),
                static_cast<unsigned long long>(hash.low64));
  return text;
}

// The 128-bit xxHash of a file's bytes, "xxh3:<hex>": the staged file's checksum, so a re-run
// tells a whole staged file from a truncated or replaced one without reading it as Parquet.
Result<std::string> FileChecksum(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("no staged file " + path.string());
  XXH3_state_t* state = XXH3_createState();
  if (state == nullptr) return Status::Internal("out of memory");
  XXH3_128bits_reset(state);
  std::vector<char> buffer(1 << 20);
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    XXH3_128bits_update(state, buffer.data(), static_cast<size_t>(in.gcount()));
  }
  bool failed = in.bad();
  XXH128_hash_t hash = XXH3_128bits_digest(state);
  XXH3_freeState(state);
  if (failed) return Status::IoError("cannot read " + path.string());
  return "xxh3:" + Hex(hash);
}

std::string HashText(std::string_view text) { return Hex(XXH3_128bits(text.data(), text.size())); }

bool ReadsFiles(const DatasetLocation& location) {
  return location.format != DatasetLocation::Format::kDuckDb &&
         location.format != DatasetLocation::Format::kPostgres;
}

// v1's files with their size and modification time, "path|size|mtime_ns", sorted: the source
// fingerprint of files is theirs, so resuming a run reads none of them. Dot folders are skipped,
// as the readers skip them.
Result<std::vector<std::string>> SourceFiles(SqlEngine& engine, const DatasetLocation& v1) {
  std::vector<std::string> paths;
  std::error_code ec;
  std::filesystem::path root(v1.path);
  if (std::filesystem::is_regular_file(root, ec)) {
    paths.push_back(root.string());
  } else if (std::filesystem::is_directory(root, ec)) {
    for (auto it = std::filesystem::recursive_directory_iterator(root, ec);
         !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
      if (it->path().filename().string().starts_with(".")) {
        if (it->is_directory()) it.disable_recursion_pending();
        continue;
      }
      if (it->is_regular_file()) paths.push_back(it->path().string());
    }
    if (ec) return Status::IoError("cannot list " + root.string() + ": " + ec.message());
  } else {
    ASSIGN_OR_RETURN(RowSet globbed, engine.Query("SELECT file FROM glob(" + QuoteLiteral(v1.path) + ")"));
    for (const auto& row : globbed.rows) paths.push_back(row.at(0).value_or(""));
  }
  std::vector<std::string> out;
  for (const auto& path : paths) {
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0) return Status::IoError("cannot read " + path);
    int64_t mtime = static_cast<int64_t>(info.st_mtim.tv_sec) * 1000000000 + info.st_mtim.tv_nsec;
    out.push_back(path + "|" + std::to_string(info.st_size) + "|" + std::to_string(mtime));
  }
  std::sort(out.begin(), out.end());
  return out;
}

// The files that can hold a partition's rows: those under its Hive folder ("dt=2024-01-01")
// when v1 is laid out so, else (or when no folder is spelled as the value is) all of them.
std::vector<std::string> FilesOfPartition(const std::vector<std::string>& files, const Transform& t,
                                          const Partition& p) {
  if (p.single || !p.value) return files;
  std::string segment = "/" + ToLower(t.partition_v1) + "=";
  std::vector<std::string> mine;
  for (const auto& file : files) {
    size_t at = ToLower(file).find(segment);
    if (at == std::string::npos) continue;
    size_t value = at + segment.size();
    if (file.compare(value, p.value->size(), *p.value) == 0 && file.size() > value + p.value->size() &&
        file[value + p.value->size()] == '/') {
      mine.push_back(file);
    }
  }
  return mine.empty() ? files : mine;
}

int64_t CountOf(const Result<RowSet>& rows) {
  if (!rows.ok() || rows->rows.size() != 1 || rows->rows[0].empty()) return -1;
  return std::strtoll(rows->rows[0][0].value_or("-1").c_str(), nullptr, 10);
}

// Files: COPY to a temporary name in the partition's staging folder, then rename it into place.
// Returns the rows written.
Result<int64_t> StageFiles(SqlEngine& engine, const Locations& locations, const Transform& t,
                           const Partition& p, const std::string& select) {
  ASSIGN_OR_RETURN(std::string folder_name, PartitionFolder(t, p));
  std::filesystem::path folder = StagingRoot(locations) / folder_name;
  std::error_code ec;
  std::filesystem::create_directories(folder, ec);
  if (ec) return Status::IoError("cannot create " + folder.string() + ": " + ec.message());
  // What a run killed mid-COPY left behind.
  for (const auto& entry : std::filesystem::directory_iterator(folder, ec)) {
    if (entry.path().filename().string().starts_with("data.parquet.tmp-"))
      std::filesystem::remove(entry.path(), ec);
  }
  std::filesystem::path temporary = folder / ("data.parquet.tmp-" + std::to_string(::getpid()));
  Result<RowSet> copied =
      engine.Query("COPY (" + select + ") TO " + QuoteLiteral(temporary.string()) + " (FORMAT parquet)");
  if (!copied.ok()) {
    std::filesystem::remove(temporary, ec);
    return copied.status();
  }
  std::filesystem::rename(temporary, folder / "data.parquet", ec);
  if (ec) return Status::IoError("cannot move " + temporary.string() + " into place: " + ec.message());
  int64_t rows = CountOf(copied);
  if (rows < 0) {
    ASSIGN_OR_RETURN(RowSet counted, engine.Query("SELECT count(*) FROM read_parquet(" +
                                                  QuoteLiteral((folder / "data.parquet").string()) + ")"));
    rows = CountOf(counted);
  }
  return rows;
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
  for (const auto& c : t.columns) columns.push_back(QuoteIdentifier(c.name) + " " + c.sql_type);
  std::vector<std::string> parts = Split(staging.table, '.', false);
  if (parts.size() == 2) {
    std::string schema = name.substr(0, name.rfind('.'));  // the quoted catalog and schema
    RETURN_IF_ERROR(engine.Execute("CREATE SCHEMA IF NOT EXISTS " + schema));
  }
  return engine.Execute("CREATE TABLE IF NOT EXISTS " + name + " (" + Join(columns, ", ") + ")");
}

// The staged partition's checksum as recorded: the file's bytes, or the staged rows' content.
Result<std::string> TargetChecksum(SqlEngine& engine, const Locations& locations, const Transform& t,
                                   const Partition& p) {
  if (WritesFiles(locations)) {
    ASSIGN_OR_RETURN(std::string folder, PartitionFolder(t, p));
    return FileChecksum(StagingRoot(locations) / folder / "data.parquet");
  }
  ASSIGN_OR_RETURN(std::string staged, StagedRelation(engine, locations, t, &p));
  return Checksum(engine, t, "SELECT * FROM " + staged);
}

// The partitions the run asks for: all of v1's, or those named (NotFound for one v1 lacks).
Result<std::vector<Partition>> Chosen(const Migration& migration, const Transform& t,
                                      std::vector<Partition> all, const std::vector<std::string>& wanted) {
  if (wanted.empty()) return all;
  std::vector<Partition> out;
  for (const auto& name : wanted) {
    auto found = std::find_if(all.begin(), all.end(), [&](const Partition& p) { return p.Key() == name; });
    if (found == all.end()) {
      std::vector<std::string> have;
      for (size_t i = 0; i < all.size() && i < 5; ++i) have.push_back(all[i].Key());
      if (all.size() > 5) have.push_back("… " + std::to_string(all.size()) + " in all");
      std::string column = t.partition_v1.empty() ? "(one partition)" : t.partition_v1;
      return Status::NotFound(migration.from + " (v1) has no partition " + column + "=" + name +
                              (have.empty() ? " (it has no rows)" : " (it has " + Join(have, ", ") + ")"));
    }
    out.push_back(*found);
  }
  return out;
}

}  // namespace

Result<std::string> internal::StagedFileChecksum(const std::filesystem::path& path) {
  return FileChecksum(path);
}

Result<BackfillReport> Backfill(const Migration& migration, const Locations& locations, SqlEngine& engine,
                                Store& store, const Progress& progress) {
  return Backfill(migration, locations, engine, store, progress, BackfillOptions{});
}

Result<std::vector<std::string>> PartitionKeys(const Migration& migration, const Locations& locations,
                                               SqlEngine& engine) {
  ASSIGN_OR_RETURN(Transform t, TransformForRun(migration, locations, engine, nlohmann::json::object()));
  ASSIGN_OR_RETURN(std::string v1, engine.Relation(locations.v1));
  Result<std::vector<Partition>> all = ListPartitions(engine, t, v1);
  if (!all.ok()) return all.status().WithContext("listing the partitions of " + migration.from + " (v1)");
  std::vector<std::string> keys;
  for (const Partition& p : *all) keys.push_back(p.Key());
  return keys;
}

Result<BackfillReport> Backfill(const Migration& migration, const Locations& locations, SqlEngine& engine,
                                Store& store, const Progress& progress, const BackfillOptions& options) {
  ASSIGN_OR_RETURN(nlohmann::json run, LoadRun(store, migration.name));
  std::string state = run.value("state", "none");
  if (state == "published") {
    return Status::Conflict(migration.name + ": v2 is already published; 'skein data rollback " +
                            migration.name + "' first to write it again");
  }
  if (state == "retired") {
    return Status::Conflict(migration.name +
                            ": it is retired (v2 is published and v1's consumers moved to it); "
                            "there is nothing more to write");
  }
  RETURN_IF_ERROR(CheckCompatView(migration, locations));
  RETURN_IF_ERROR(RememberCreatedV2Folder(migration, locations, store, run));
  if (!migration.data.materialize) {
    return Status::Conflict(migration.name +
                            ": the manifest says data.materialize: false (v2 is written elsewhere); "
                            "'skein data verify " +
                            migration.name + "' checks it");
  }
  ASSIGN_OR_RETURN(Transform t, TransformForRun(migration, locations, engine, run));
  ASSIGN_OR_RETURN(std::string v1, engine.Relation(locations.v1));
  if (!WritesFiles(locations)) RETURN_IF_ERROR(CreateStagingTable(engine, locations, t));
  Result<std::vector<Partition>> all = ListPartitions(engine, t, v1);
  if (!all.ok()) return all.status().WithContext("listing the partitions of " + migration.from + " (v1)");
  ASSIGN_OR_RETURN(std::vector<Partition> partitions,
                   Chosen(migration, t, std::move(all).value(), options.partitions));
  ASSIGN_OR_RETURN(auto records, LoadPartitions(store, migration.name));
  if (!run.contains("v1_schema")) {
    ASSIGN_OR_RETURN(std::unique_ptr<Warehouse> warehouse, OpenDuckDbWarehouse());
    ASSIGN_OR_RETURN(Schema v1_schema, warehouse->ReadSchema(locations.v1));
    run["v1_schema"] = SchemaJson(v1_schema);
  }
  run["state"] = "staging";
  run.erase("approved_by");
  run.erase("verify");
  RETURN_IF_ERROR(SaveRun(store, migration.name, run));
  std::vector<std::string> files;
  if (ReadsFiles(locations.v1)) {
    ASSIGN_OR_RETURN(files, SourceFiles(engine, locations.v1));
  }

  BackfillReport report;
  for (size_t i = 0; i < partitions.size(); ++i) {
    const Partition& p = partitions[i];
    std::string where = PartitionWhere(t, p, false);
    std::string select = t.Select(v1, where);
    PartitionOutcome outcome{p, 0, "", "", false};
    // The source fingerprint: v1's files (names, sizes, times) and the transform, or for tables
    // the checksum of the transform over the partition's rows.
    if (ReadsFiles(locations.v1)) {
      outcome.source_checksum =
          "files:" + HashText(t.Select("v1", where) + "\n" + Join(FilesOfPartition(files, t, p), "\n"));
    } else {
      Result<std::string> source = Checksum(engine, t, select);
      if (!source.ok()) {
        return source.status().WithContext(migration.from + " partition " + p.Key() +
                                           " through the transform");
      }
      outcome.source_checksum = *source;
    }
    auto record = records.find(p.Key());
    if (record != records.end() && record->second.value("source_checksum", "") == outcome.source_checksum) {
      Result<std::string> target = TargetChecksum(engine, locations, t, p);
      if (target.ok() && *target == record->second.value("target_checksum", "")) {
        outcome.target_checksum = *target;
        outcome.rows = record->second.value("rows", int64_t{0});
        outcome.skipped = true;
      }
    }
    if (!outcome.skipped) {
      std::string context = migration.to + " partition " + p.Key();
      if (WritesFiles(locations)) {
        Result<int64_t> rows = StageFiles(engine, locations, t, p, select);
        RETURN_IF_ERROR(rows.status().WithContext(context));
        outcome.rows = *rows;
        ASSIGN_OR_RETURN(outcome.target_checksum, TargetChecksum(engine, locations, t, p));
      } else {
        RETURN_IF_ERROR(StageTable(engine, locations, t, p, select).WithContext(context));
        ASSIGN_OR_RETURN(outcome.target_checksum, TargetChecksum(engine, locations, t, p));
        outcome.rows = RowsOf(outcome.target_checksum);
      }
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
  RETURN_IF_ERROR(SaveRun(store, migration.name, run));
  return report;
}

Result<std::string> RunState(const Migration& migration, Store& store) {
  ASSIGN_OR_RETURN(nlohmann::json run, LoadRun(store, migration.name));
  return run.value("state", "none");
}

}  // namespace skein::dataset
