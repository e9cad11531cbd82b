// fleetgen: writes a synthetic fleet of repositories for benchmarks and tests (discovery now,
// campaigns later). Deterministic for a seed: the same FleetSpec writes byte-identical files,
// whatever the thread count.
//
// Output layout under OUT (kFleetFormatVersion; bump it when any of this changes):
//   OUT/fleet.json                  the manifest (FleetManifest::ToJson): parameters, dataset ids,
//                                   per repository its kind, size, catalog facts and the number
//                                   of references planted per dataset, and totals per dataset
//   OUT/repos/<name>/...            one folder per repository, no .git: `skein discover
//                                   --repos OUT/repos` takes each subfolder as a repository
//   OUT/catalog/datasets.yaml       with `catalog`: one Backstage Resource per dataset
//   OUT/catalog/components.yaml     with `catalog`: one Component per repository the catalog
//                                   knows; skein.dev/repo is "repos/<name>" (relative to OUT)
//
// Datasets: FleetDatasetId(i); index 0 is always core.user_profile_v1 (marked deprecated in the
// catalog), every id ends in "_v1". Repository kinds: sql (jobs with CTEs and joins, configs), dbt
// (dbt_project.yml, sources.yml, staging models with {{ source() }}, marts), python (PySpark
// jobs with table names in strings and SQL in triple-quoted strings, JSON configs, tests), scala
// (Spark jobs, application.conf) and service (Go/TypeScript code that reads no dataset unless
// it is a consumer, then through a config). Every repository also has a README, some a
// CODEOWNERS, a .gitignore and a hidden .github/ folder; padding to the size target comes
// from code modules, docs, CSV/JSON fixtures, binary files (skipped by discovery), and now and
// then a multi-megabyte log or SQL seed file (read in chunks by discovery).
//
// A reference is planted only through one counted path, in every form discovery knows (bare,
// upper/mixed case, project-prefixed, quoted, quoted inside a JSON string, BigQuery, legacy
// BigQuery, dbt source() on one or several lines); near misses that are NOT references
// (core.user_profile_v10, xcore.…, …_v1_backup, the table name alone) are sprinkled in too,
// and references inside hidden folders and binary files are not counted, as discovery skips
// those files.
//
// Thread-safety: GenerateFleet runs its own threads; call it once per OUT at a time.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/status.h"

namespace skein::fleetgen {

inline constexpr int kFleetFormatVersion = 2;

struct FleetSpec {
  int repos = 100;
  int datasets = 10;
  double size_mb = 0;  // total MiB to write; 0: each repository at its natural size (~20-60 KiB)
  uint64_t seed = 1;
  bool catalog = false;         // write OUT/catalog/
  double consumer_share = 0.3;  // share of repositories that reference at least one dataset
  double known_share = 0.75;    // share of consumer repositories that the catalog knows
  int threads = 0;              // 0: one per hardware thread
};

struct PlantedRepo {
  std::string name;
  std::string kind;                       // sql, dbt, python, scala, service
  std::map<std::string, int> references;  // dataset id -> references planted (absent: 0)
  bool in_catalog = false;                // the catalog has a Component for it
  std::vector<std::string> declared;      // dataset ids its Component lists in spec.dependsOn
  uint64_t files = 0;
  uint64_t bytes = 0;       // every file written
  uint64_t text_bytes = 0;  // what discovery scans: not hidden, not binary
};

struct FleetManifest {
  FleetSpec spec;
  std::vector<std::string> datasets;
  std::vector<PlantedRepo> repos;  // by index; repos[i] lives in OUT/repos/<repos[i].name>
  uint64_t files = 0;
  uint64_t bytes = 0;
  uint64_t text_bytes = 0;

  // Totals for one dataset id.
  int References(const std::string& dataset) const;
  int ConsumerRepos(const std::string& dataset) const;
  int ShadowConsumers(const std::string& dataset) const;  // consumers the catalog does not know
  int StaleConsumers(const std::string& dataset) const;   // declare it, reference it no more

  nlohmann::json ToJson() const;
};

// The i-th dataset id: core.user_profile_v1, sales.orders_v1, ... (unique for any i >= 0).
std::string FleetDatasetId(int index);

// Writes the fleet under `out` (created; it must not hold a fleet already unless `replace`, which
// first removes OUT/repos, OUT/catalog and OUT/fleet.json). InvalidInput for a bad spec.
Result<FleetManifest> GenerateFleet(const FleetSpec& spec, const std::filesystem::path& out,
                                    bool replace = false);

}  // namespace skein::fleetgen
