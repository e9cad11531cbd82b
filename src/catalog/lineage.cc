// CatalogGraph: the lineage walk over catalog entities (see lineage.h).
//
// The graph is built once in the constructor: an index from ref key to entity, one from dataset id
// to Resource, and the reader lists (Resource ref key -> Components that read it). LineageOf is a
// level-by-level breadth-first walk, so each consumer is met first at its smallest depth.
//
// Thread-safety: immutable after construction.
#include "catalog/lineage.h"

#include <algorithm>
#include <set>

#include "base/text.h"

namespace skein {
namespace {

bool IsKind(const Entity& entity, std::string_view kind) { return EqualsIgnoreCase(entity.kind, kind); }

// What a consumer reached through `dataset` records as `reads`: its dataset id, else its ref.
std::string DatasetLabel(const Entity& dataset) {
  std::string id = dataset.DatasetId();
  return id.empty() ? dataset.Ref().Key() : id;
}

LineageConsumer MakeConsumer(const Entity& component, int depth, std::string reads) {
  LineageConsumer c;
  c.ref = component.Ref();
  c.owner = component.Owner();
  c.tier = component.Tier();
  c.lifecycle = component.Lifecycle();
  c.framework = component.Framework();
  c.repo = component.Repo();
  c.depth = depth;
  c.reads = std::move(reads);
  c.produces = component.Produces();
  return c;
}

}  // namespace

CatalogGraph::CatalogGraph(std::vector<Entity> entities) : entities_(std::move(entities)) {
  for (size_t i = 0; i < entities_.size(); ++i) {
    by_key_.emplace(entities_[i].Ref().Key(), i);
    std::string id = entities_[i].DatasetId();
    if (IsKind(entities_[i], "Resource") && !id.empty()) dataset_by_id_.emplace(ToLower(id), i);
  }
  std::map<std::string, std::set<size_t>> readers;
  for (size_t i = 0; i < entities_.size(); ++i) {
    const Entity& e = entities_[i];
    if (IsKind(e, "Component")) {
      // Backstage requires a kind in dependsOn; "resource" is only a lenient default for the walk.
      for (const EntityRef& ref : e.SpecRefs("dependsOn", "resource")) {
        auto it = by_key_.find(ref.Key());
        if (it != by_key_.end() && IsKind(entities_[it->second], "Resource")) readers[ref.Key()].insert(i);
      }
    } else if (IsKind(e, "Resource")) {
      for (const EntityRef& ref : e.SpecRefs("dependencyOf", "component")) {
        auto it = by_key_.find(ref.Key());
        if (it != by_key_.end() && IsKind(entities_[it->second], "Component")) {
          readers[e.Ref().Key()].insert(it->second);
        }
      }
    }
  }
  for (auto& [key, indexes] : readers) {
    std::vector<size_t> sorted(indexes.begin(), indexes.end());
    std::sort(sorted.begin(), sorted.end(),
              [&](size_t a, size_t b) { return entities_[a].Ref().Key() < entities_[b].Ref().Key(); });
    readers_[key] = std::move(sorted);
  }
}

const Entity* CatalogGraph::FindDataset(std::string_view id_or_ref) const {
  std::string text(Trim(id_or_ref));
  if (text.empty()) return nullptr;
  if (auto it = dataset_by_id_.find(ToLower(text)); it != dataset_by_id_.end()) return &entities_[it->second];
  auto ref = EntityRef::Parse(text, "resource");
  if (!ref.ok()) return nullptr;
  const Entity* entity = FindEntity(*ref);
  return entity != nullptr && IsKind(*entity, "Resource") ? entity : nullptr;
}

const Entity* CatalogGraph::FindEntity(const EntityRef& ref) const {
  auto it = by_key_.find(ref.Key());
  return it == by_key_.end() ? nullptr : &entities_[it->second];
}

std::vector<const Entity*> CatalogGraph::DirectConsumers(const Entity& dataset) const {
  std::vector<const Entity*> out;
  auto it = readers_.find(dataset.Ref().Key());
  if (it == readers_.end()) return out;
  for (size_t index : it->second) out.push_back(&entities_[index]);
  return out;
}

std::vector<const Entity*> CatalogGraph::DatasetsReadBy(const Entity& component) const {
  std::vector<const Entity*> out;
  std::string key = component.Ref().Key();
  for (const auto& [dataset_key, readers] : readers_) {
    for (size_t index : readers) {
      if (entities_[index].Ref().Key() == key) out.push_back(&entities_[by_key_.at(dataset_key)]);
    }
  }
  return out;
}

Result<Lineage> CatalogGraph::LineageOf(std::string_view id_or_ref, int max_depth) const {
  const Entity* start = FindDataset(id_or_ref);
  if (start == nullptr) {
    return Status::NotFound("no dataset '" + std::string(id_or_ref) + "' in the catalog");
  }
  Lineage lineage;
  lineage.dataset_id = start->DatasetId();
  lineage.dataset = start->Ref();

  std::set<std::string> seen_datasets = {start->Ref().Key()};
  std::set<std::string> seen_consumers;
  std::vector<const Entity*> level = {start};
  for (int depth = 1; !level.empty(); ++depth) {
    std::vector<const Entity*> next;
    for (const Entity* dataset : level) {
      for (const Entity* consumer : DirectConsumers(*dataset)) {
        if (!seen_consumers.insert(consumer->Ref().Key()).second) continue;
        if (max_depth > 0 && depth > max_depth) {
          lineage.truncated = true;  // a consumer exists beyond the limit
          continue;
        }
        lineage.consumers.push_back(MakeConsumer(*consumer, depth, DatasetLabel(*dataset)));
        for (const std::string& id : consumer->Produces()) {
          auto it = dataset_by_id_.find(ToLower(id));
          if (it == dataset_by_id_.end()) continue;
          const Entity* produced = &entities_[it->second];
          // A dataset already walked is a cycle (or a diamond): its readers are already listed.
          if (seen_datasets.insert(produced->Ref().Key()).second) next.push_back(produced);
        }
      }
    }
    std::sort(next.begin(), next.end(),
              [](const Entity* a, const Entity* b) { return a->Ref().Key() < b->Ref().Key(); });
    level = std::move(next);
  }
  std::stable_sort(lineage.consumers.begin(), lineage.consumers.end(),
                   [](const LineageConsumer& a, const LineageConsumer& b) {
                     if (a.depth != b.depth) return a.depth < b.depth;
                     return a.ref.Key() < b.ref.Key();
                   });
  return lineage;
}

}  // namespace skein
