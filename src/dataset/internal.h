// Internal to dataset/: the pieces backfill, verify and publish share — where a partition is
// staged and published, order-independent checksums, and the run record in the store.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "dataset/dataset.h"

namespace skein::dataset::internal {

// v2 written as files (a Parquet folder) or as a table (DuckDB file or PostgreSQL).
bool WritesFiles(const Locations& locations);

// Files: the partition's folder name ("dt=2024-01-01", "all"). InvalidInput when the value
// cannot be a folder name safely.
Result<std::string> PartitionFolder(const Transform& t, const Partition& p);
std::filesystem::path StagingRoot(const Locations& locations);
// Tables: the staging table's location (v2's table name with a "__skein_staging" suffix).
DatasetLocation StagingTable(const Locations& locations);

// "col = CAST('v' AS type)", "col IS NULL", or "" for the single partition.
std::string PartitionWhere(const Transform& t, const Partition& p, bool v2_names);
Result<std::vector<Partition>> ListPartitions(SqlEngine& engine, const Transform& t,
                                              std::string_view v1_relation);

// "ROWS:SUM": the row count and an order-independent sum of row hashes of `select`'s rows, each
// column cast to its v2 type first (so v2 read back from files hashes as v2 computed).
Result<std::string> Checksum(SqlEngine& engine, const Transform& t, const std::string& select);
// The aggregate expression of that sum over rows of v2's columns, in `kind`'s SQL.
std::string ContentSumSql(EngineKind kind, const Transform& t);
int64_t RowsOf(const std::string& checksum);

// The relation reading what is staged for one partition (or, with no partition, all of it).
Result<std::string> StagedRelation(SqlEngine& engine, const Locations& locations, const Transform& t,
                                   const Partition* p);

// A migration's partition records, by partition key: {"state", "rows", "source_checksum",
// "target_checksum"}.
Result<std::map<std::string, nlohmann::json>> LoadPartitions(Store& store, const std::string& migration);

// The run record: {"state", "approved_by", "verify"}.
Result<nlohmann::json> LoadRun(Store& store, const std::string& migration);
Status SaveRun(Store& store, const std::string& migration, const nlohmann::json& run);

// v1's schema and the transform.
Result<Transform> TransformFor(const Migration& migration, const Locations& locations, SqlEngine& engine);
// The same, InvalidInput naming each change when v1's schema is not the one the run recorded
// ("v1_schema", written when the run first staged).
Result<Transform> TransformForRun(const Migration& migration, const Locations& locations, SqlEngine& engine,
                                  const nlohmann::json& run);
nlohmann::json SchemaJson(const Schema& schema);

// The checksum Backfill records for a staged file ("xxh3:<hex>" of its bytes).
Result<std::string> StagedFileChecksum(const std::filesystem::path& path);

}  // namespace skein::dataset::internal
