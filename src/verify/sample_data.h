// Internal to verify/: the sample data the equivalence verifier runs a consumer's queries on.
//
// v1's sample is a deterministic sample of the real v1 when its location can be read (DuckDB's
// reservoir sample with REPEATABLE(seed), read on one thread so the seed decides it), else rows
// generated from v1's schema that hold the values queries get wrong: NULLs, empty strings,
// extremes (the type's min and max integers, tiny and huge doubles, the epoch and far dates) and
// duplicate rows, deterministic by seed; a generated column with a `reverse` is replaced by its
// round trip (v1 -> transform -> reverse), so it holds only values the migration maps both ways
// (an INTEGER flag generated as 26 would read back from v2 as 1). v2's sample is the manifest's transform of
// v1's sample (dataset::PlanTransform), so it is exactly what a correct migration writes; rows outside the
// manifest's `window` are left out of both, since v2 never holds them.
//
// The samples are tables named as the datasets are: core.user_profile_v1 becomes table
// user_profile_v1 in schema core (a project part, as in proj.core.t, is dropped).
//
// Thread-safety: free functions; one engine per thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "data/engine.h"
#include "data/warehouse.h"
#include "manifest/migration.h"

namespace skein::verify {

// The table a dataset id is sampled into: {schema, table}, unquoted. {"main", t} for a bare name.
std::vector<std::string> SampleTableName(std::string_view dataset_id);

// `rows` rows for `schema`, values as text (NULL as nullopt), the same for the same seed. The
// first rows are edge rows (all NULL, empty strings, extremes); every tenth row repeats an
// earlier one. Without `extremes`, edge rows hold NULLs and empties but no min/max values.
// Columns of a type it cannot invent values for (LIST, STRUCT, MAP, ...) are NULL.
RowSet GenerateSampleRows(const Schema& schema, int rows, uint64_t seed, bool extremes = true);

struct SampleTables {
  std::string v1;  // quoted table names, ready for a FROM clause: "core"."user_profile_v1"
  std::string v2;
  Schema v1_schema;  // as the sample holds it
  int64_t v1_rows = 0;
  int64_t v2_rows = 0;
  bool real = false;     // sampled from the real v1 (else generated)
  std::string source;    // "a sample of parquet:/data/v1" or "rows generated from v1's schema"
  std::string fallback;  // why real v1 was not sampled, when a location was given; else ""
};

// Creates the v1 and v2 sample tables in `engine` (an in-memory DuckDB). InvalidInput when the
// manifest's transform does not apply to v1's schema or fails on the sample.
Result<SampleTables> LoadSampleTables(SqlEngine& engine, const Migration& migration, const Schema& v1_schema,
                                      const std::optional<DatasetLocation>& v1_location, int rows,
                                      uint64_t seed);

// Everything LoadSampleTables's tables depend on, as text: the migration (all of its manifest),
// v1's schema, rows, seed, and v1's location with the identity, size and times of every file and
// folder below it (or "absent"). Equal keys make equal tables, so a caller may keep the tables
// for the next check with an equal key. nullopt when the content cannot be vouched for: a
// PostgreSQL or remote (URL) location, a link to a folder inside it, a path that cannot be read,
// a file or folder that changed within the last second or two (a change within the same tick of
// the file system's clock would leave its times as they were).
std::optional<std::string> SampleTablesKey(const Migration& migration, const Schema& v1_schema,
                                           const std::optional<DatasetLocation>& v1_location, int rows,
                                           uint64_t seed);

}  // namespace skein::verify
