// dataset/: the data side of a migration. From the manifest's `columns` it plans the transform
// (v2's columns as SQL over a v1 row), writes v2 from v1 partition by partition into a staging
// place, verifies the staged v2 against the transform applied to v1, and publishes it atomically
// per partition (files: a folder rename; tables: one transaction) or rolls it all back.
//
// Contracts:
// - Source data is never written: v1 is only read.
// - Every partition is staged whole or not at all (a temporary file renamed into place, or one
//   transaction), then recorded in the store. A re-run skips a partition whose recorded source
//   checksum and staged checksum still match, so a run killed at any moment finishes on the next
//   one with no duplicate rows and no half-written partition.
// - States, per migration: staged -> verified -> approved (when the manifest asks) -> published
//   -> retired (once v1's consumers moved to v2), or rolled back until retired. A failed
//   verification never publishes.
//
// Engines: v1 and v2 are read and written by one SqlEngine: DuckDB (Parquet/CSV/JSON files and
// folders, DuckDB tables; Avro files, loaded into a temporary table once per engine) or
// PostgreSQL (tables of one database).
//
// Thread-safety: one thread per call; the store serializes concurrent runs per migration.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "data/engine.h"
#include "data/warehouse.h"
#include "manifest/migration.h"
#include "store/store.h"

namespace skein::dataset {

// One v2 column and the SQL that computes it from a v1 row.
struct TargetColumn {
  std::string name;
  std::string type;        // DuckDB's spelling (schemas are compared in it)
  std::string sql_type;    // the engine's spelling: DOUBLE PRECISION on PostgreSQL
  std::string expression;  // over v1's columns, already cast to `type`
};

struct Transform {
  std::vector<TargetColumn> columns;  // v2, in order
  std::string partition_v1;           // v1's partition column, "" for one partition
  std::string partition_v2;           // its name in v2
  std::string partition_type;         // its v1 type, in the engine's spelling
  std::vector<std::string> key_v2;    // the key columns, v2 names, then the partition column
  std::string window;                 // boolean SQL over v1, "" for every row

  // SELECT <expression AS "name", ...> FROM relation [WHERE window AND where].
  std::string Select(std::string_view relation, std::string_view where) const;
};

// The transform of `migration` over v1's schema, its SQL for `engine`. InvalidInput (at the
// manifest's place) when an op names a column v1 lacks.
Result<Transform> PlanTransform(const Migration& migration, const Schema& v1,
                                EngineKind engine = EngineKind::kDuckDb);

// Where v1 is read from and v2 written to.
struct Locations {
  DatasetLocation v1;
  DatasetLocation v2;
};

// A partition: its value as text (nullopt: the NULL partition), or the single partition when
// the migration has no partition_by.
struct Partition {
  Value value;
  bool single = false;
  std::string Key() const;  // the record key: the value, "<null>", or "<all>"
};

struct PartitionOutcome {
  Partition partition;
  int64_t rows = 0;
  std::string source_checksum;  // of the transform applied to v1's partition
  std::string target_checksum;  // of the staged v2 partition
  bool skipped = false;         // already staged with matching checksums
};

struct BackfillReport {
  std::vector<PartitionOutcome> partitions;
  int64_t rows = 0;
  int skipped = 0;
};

using Progress = std::function<void(const std::string& message)>;

struct BackfillOptions {
  std::vector<std::string> partitions;  // partition keys to (re)stage; empty: all of v1's
};

// Writes v2 from v1 into the staging place, partition by partition. The run's state is
// "staging" while it runs and "staged" after. Refuses (Conflict) when the migration is already
// published (roll back first) or retired, or when its v2 is not materialized by skein;
// InvalidInput when v1's schema drifted since the run was first staged; NotFound for a named
// partition v1 lacks.
//
// A partition is skipped when its source fingerprint and its staged checksum match the record:
// for v1 files, the fingerprint is the transform and the names, sizes and modification times of
// the files that can hold the partition (a resumed run reads no v1 row it already staged); for
// tables, the checksum of the transform over the partition. A staged file's checksum is the hash
// of its bytes; a staged table partition's, the checksum of its rows.
Result<BackfillReport> Backfill(const Migration& migration, const Locations& locations, SqlEngine& engine,
                                Store& store, const Progress& progress);
Result<BackfillReport> Backfill(const Migration& migration, const Locations& locations, SqlEngine& engine,
                                Store& store, const Progress& progress, const BackfillOptions& options);

// The keys of v1's partitions, as Backfill's `partitions` option and the store's records name
// them (one key, "<all>", when the migration has no partition_by), in order.
Result<std::vector<std::string>> PartitionKeys(const Migration& migration, const Locations& locations,
                                               SqlEngine& engine);

struct Check {
  std::string name;       // "counts", "null_counts", "schema", "checksum", "keys", "key_diff", "sample_query"
  std::string partition;  // a partition key, or "" for the whole dataset
  bool passed = true;
  std::string detail;  // what differs, with example rows where there are some
};

struct VerifyReport {
  std::vector<Check> checks;
  int64_t v1_rows = 0;
  int64_t v2_rows = 0;
  int64_t mismatched_rows = 0;  // key diff: missing + extra + changed
  bool passed() const;
  nlohmann::json ToJson() const;
  std::string ToText() const;
};

// Verifies the staged v2 against the transform applied to v1, per partition and as a whole, as
// the manifest's `data.verify` asks. The run's state becomes "verified" or "failed".
Result<VerifyReport> Verify(const Migration& migration, const Locations& locations, SqlEngine& engine,
                            Store& store, int examples);

// Records who approved publishing. Conflict unless the run is verified.
Status Approve(const Migration& migration, Store& store, const std::string& by);

// Publishes every staged partition (files: each partition folder renamed into place; tables:
// the staging table renamed to v2 in one transaction). Needs a verified run, and an approval when
// the manifest asks for one. A no-op once published (or retired).
Status Publish(const Migration& migration, const Locations& locations, SqlEngine& engine, Store& store);

// Removes what the migration staged or published, as recorded in the store; v1 is untouched.
// Conflict once the migration is retired (its consumers read v2).
Status Rollback(const Migration& migration, const Locations& locations, SqlEngine& engine, Store& store);

// The end of v1's life, once no consumer reads it (the caller decides that: skein watch).
struct RetireReport {
  bool dropped_view = false;     // this call dropped the compatibility view
  bool already_retired = false;  // an earlier call retired it: nothing was done
  std::string kept_table;        // where v1's table is kept ("<table>__skein_v1"), "" when none
  std::string message;           // what was done, as a sentence for a notice
};

// Retires a published migration: with a compatibility view (as the run recorded, not the
// manifest), drops the view that has v1's name, in one transaction, and only if that name is a
// view; v1's own table stays as `<table>__skein_v1` (skein never deletes source data: that is its
// owner's call). Without a view (or with files) drops nothing. The run becomes "retired", with
// `by` and `now_ms`; Rollback then refuses and Retire again is a no-op (already_retired). A view
// found already gone (a retire stopped before recording it) is only recorded. Conflict naming the
// migration when it is not published, or when v1's name is a table again.
Result<RetireReport> Retire(const Migration& migration, const Locations& locations, SqlEngine& engine,
                            Store& store, const std::string& by, int64_t now_ms);

// The run's state ("none" when skein has no record of it).
Result<std::string> RunState(const Migration& migration, Store& store);

}  // namespace skein::dataset
