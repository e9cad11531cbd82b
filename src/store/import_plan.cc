// Import planning: the rules of Store::ImportEntities, independent of SQL.
#include "store/import_plan.h"

#include <map>
#include <set>
#include <utility>

namespace skein::store {
namespace {

// "file:line" of an entity, or just the file when it has no line.
std::string OriginOf(const std::string& origin, int line) {
  std::string text = origin.empty() ? std::string("<unknown origin>") : origin;
  if (line > 0) text += ":" + std::to_string(line);
  return text;
}

Result<EntityRow> RowFor(const Entity& entity, const std::string& location) {
  if (entity.kind.empty() || entity.name.empty()) {
    return Status::InvalidInput(OriginOf(entity.origin, entity.origin_line) +
                                ": entity has no kind or no metadata.name; it cannot be stored");
  }
  EntityRow row;
  row.key = entity.Ref().Key();
  row.kind = entity.kind;
  row.ns = entity.ns;
  row.name = entity.name;
  row.location = location;
  row.origin = entity.origin;
  row.origin_line = entity.origin_line;
  try {
    row.body = entity.ToJson().dump();
  } catch (const nlohmann::json::exception& e) {  // invalid UTF-8 in a string
    return Status::InvalidInput(OriginOf(entity.origin, entity.origin_line) + ": entity " + row.key +
                                " cannot be stored: " + e.what());
  }
  return row;
}

bool SameContent(const EntityRow& a, const EntityRow& b) {
  return a.location == b.location && a.body == b.body && a.origin == b.origin &&
         a.origin_line == b.origin_line;
}

}  // namespace

ImportLookup ImportLookupFor(const std::vector<ImportBatch>& batches) {
  ImportLookup lookup;
  for (const auto& batch : batches) {
    lookup.locations.push_back(batch.location);
    for (const auto& entity : batch.entities) lookup.keys.push_back(entity.Ref().Key());
  }
  return lookup;
}

Result<ImportPlan> PlanImport(const std::vector<ImportBatch>& batches, const std::vector<EntityRow>& stored) {
  ImportPlan plan;
  std::set<std::string> importing;  // locations of this call
  std::map<std::string, EntityRow> incoming;
  for (const auto& batch : batches) {
    if (!importing.insert(batch.location).second) {
      return Status::InvalidInput("location " + batch.location + " appears twice in one import");
    }
    plan.locations.push_back({batch.location, static_cast<int>(batch.entities.size())});
    for (const auto& entity : batch.entities) {
      ASSIGN_OR_RETURN(EntityRow row, RowFor(entity, batch.location));
      auto [it, inserted] = incoming.emplace(row.key, row);
      if (!inserted) {
        return Status::Conflict(OriginOf(row.origin, row.origin_line) + ": entity " + row.key + " (from " +
                                row.location + ") is also defined at " +
                                OriginOf(it->second.origin, it->second.origin_line) + " (from " +
                                it->second.location + ")");
      }
    }
  }

  // A backend may load a row twice (once by location, once by key).
  std::map<std::string, const EntityRow*> stored_by_key;
  for (const auto& row : stored) stored_by_key.emplace(row.key, &row);

  for (auto& [key, row] : incoming) {
    auto it = stored_by_key.find(key);
    if (it == stored_by_key.end()) {
      ++plan.summary.added;
      plan.rows_to_write.push_back(std::move(row));
      continue;
    }
    const EntityRow& old = *it->second;
    // An entity may move between two locations imported together (the old one no longer has it);
    // a location not being imported keeps what it owns.
    if (old.location != row.location && importing.count(old.location) == 0) {
      return Status::Conflict(OriginOf(row.origin, row.origin_line) + ": entity " + key + " from location " +
                              row.location + " is already imported from location " + old.location + " (" +
                              OriginOf(old.origin, old.origin_line) +
                              "); remove it there or import both locations together");
    }
    if (SameContent(old, row)) {
      ++plan.summary.unchanged;
    } else {
      ++plan.summary.updated;
      plan.rows_to_write.push_back(std::move(row));
    }
  }
  for (const auto& [key, row] : stored_by_key) {
    if (importing.count(row->location) != 0 && incoming.count(key) == 0) {
      ++plan.summary.removed;
      plan.keys_to_delete.push_back(key);
    }
  }
  return plan;
}

Result<Entity> EntityFromRow(const std::string& key, const std::string& body, std::string origin,
                             int origin_line) {
  nlohmann::json json;
  try {
    json = nlohmann::json::parse(body);
  } catch (const nlohmann::json::exception& e) {
    return Status::Internal("stored entity " + key + " is damaged: " + e.what());
  }
  auto entity = Entity::FromJson(json);
  if (!entity.ok()) return entity.status().WithContext("stored entity " + key + " is damaged");
  entity->origin = std::move(origin);
  entity->origin_line = origin_line;
  return entity;
}

}  // namespace skein::store
