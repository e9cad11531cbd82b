// Import planning: what ImportEntities must write, decided in plain code over plain data, so that
// both store backends apply the same rules (store.h states them) and only run the SQL.
//
// A backend loads the stored rows ImportLookupFor() names, calls PlanImport(), and inside one
// transaction writes the imports rows, deletes keys_to_delete and upserts rows_to_write.
//
// Thread-safety: free functions over values.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"
#include "catalog/entity.h"
#include "store/store.h"

namespace skein::store {

// One row of the entities table.
struct EntityRow {
  std::string key;  // EntityRef::Key()
  std::string kind;
  std::string ns;
  std::string name;
  std::string location;  // the import location that owns the entity
  std::string origin;
  int origin_line = 0;
  std::string body;  // Entity::ToJson(), serialized
};

// What a backend must load before planning: every stored row owned by one of `locations` or
// whose key is one of `keys`.
struct ImportLookup {
  std::vector<std::string> locations;
  std::vector<std::string> keys;
};

struct ImportedLocation {
  std::string location;
  int entity_count = 0;
};

struct ImportPlan {
  std::vector<ImportedLocation> locations;  // write first: entities reference them
  std::vector<std::string> keys_to_delete;
  std::vector<EntityRow> rows_to_write;  // added, changed or moved entities
  ImportSummary summary;
};

ImportLookup ImportLookupFor(const std::vector<ImportBatch>& batches);

// Decides the writes for `batches` given `stored` (the rows ImportLookupFor named). Conflict when
// two entities of the batches share a ref, or an entity is owned by a location not being imported;
// InvalidInput when an entity has no kind or name, or a location appears in two batches.
Result<ImportPlan> PlanImport(const std::vector<ImportBatch>& batches, const std::vector<EntityRow>& stored);

// The entity a stored row holds. Internal when its body is not an entity (a damaged store).
Result<Entity> EntityFromRow(const std::string& key, const std::string& body, std::string origin,
                             int origin_line);

}  // namespace skein::store
