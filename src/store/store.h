// Store: skein's durable state. Two real implementations behind one interface: SQLite (WAL,
// the embedded default, `.skein/skein.db` of the working folder) and PostgreSQL (libpq, shared by
// workers on many machines). Both apply versioned schema migrations when opened.
//
// Contract: every method is one transaction; a failed call leaves the store as it was.
// Thread-safety: a Store object is used by one thread at a time; open one per thread.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "catalog/entity.h"

namespace skein {

// The entities read from one import location (a path given to `catalog import`, or a Backstage
// URL). Importing a location again replaces what it brought before.
struct ImportBatch {
  std::string location;  // canonical path or URL
  std::vector<Entity> entities;
};

struct ImportSummary {
  int added = 0;
  int updated = 0;
  int removed = 0;
  int unchanged = 0;
};

// What the data side of a migration wrote (data/ and dataset/ own the meaning; the store keeps
// them). Bodies are JSON documents the dataset module reads and writes.
struct DataRunRecord {
  std::string migration;  // the manifest's metadata.name
  std::string body;       // JSON
};
struct DataPartitionRecord {
  std::string migration;
  std::string partition;  // the partition's key text
  std::string body;       // JSON
};

class Store {
 public:
  virtual ~Store() = default;

  // "sqlite" or "postgresql".
  virtual std::string Kind() const = 0;
  // The schema version now in force (the number of applied migrations).
  virtual Result<int> SchemaVersion() = 0;

  // Replaces, for each batch, every entity earlier imported from its location by the batch's
  // entities — all batches in one transaction. An entity ref already owned by another location
  // is a Conflict naming both; then nothing changes.
  virtual Result<ImportSummary> ImportEntities(const std::vector<ImportBatch>& batches) = 0;
  // All entities, or those of one kind (case-insensitive), sorted by ref key.
  virtual Result<std::vector<Entity>> ListEntities(std::string_view kind = "") = 0;
  // One entity, or nullopt.
  virtual Result<std::optional<Entity>> FindEntity(const EntityRef& ref) = 0;

  // The data run of a migration, or nullopt; inserts or replaces it.
  virtual Result<std::optional<DataRunRecord>> FindDataRun(std::string_view migration) = 0;
  virtual Status PutDataRun(const DataRunRecord& run) = 0;
  // A migration's partition records, sorted by partition; inserts or replaces one; removes all
  // of a migration's partition records and its run record (after a rollback).
  virtual Result<std::vector<DataPartitionRecord>> ListDataPartitions(std::string_view migration) = 0;
  virtual Status PutDataPartition(const DataPartitionRecord& partition) = 0;
  virtual Status DeleteDataRun(std::string_view migration) = 0;
};

// Opens the store named by `url`:
//   ""                      -> SQLite at .skein/skein.db under the current folder (created)
//   "sqlite:PATH" / a path  -> SQLite at PATH
//   "postgresql://..." / "postgres://..." -> PostgreSQL
// Applies pending schema migrations. Unavailable when the database cannot be reached.
Result<std::unique_ptr<Store>> OpenStore(std::string_view url);

// The store URL from --store, else $SKEIN_STORE, else "" (the embedded default).
std::string StoreUrlFrom(std::string_view flag_value);

}  // namespace skein
