// Lineage: which consumers read a dataset, directly and transitively.
//
// Edges come from the catalog alone: a Component that lists a dataset's Resource in
// spec.dependsOn (or that the Resource lists in spec.dependencyOf) reads it; a Component's
// `skein.dev/produces` datasets are read in turn by their own consumers. Each consumer appears
// once, at its smallest depth; cycles end the walk instead of looping.
//
// Thread-safety: a CatalogGraph is immutable after construction; share it freely.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "catalog/entity.h"

namespace skein {

struct LineageConsumer {
  EntityRef ref;      // the consumer Component
  std::string owner;  // ref key of the owner
  std::string tier;   // "tier-1", or "" when unknown
  std::string lifecycle;
  std::string framework;
  std::string repo;
  int depth = 1;      // 1: reads the dataset itself
  std::string reads;  // the dataset id through which it was reached
  std::vector<std::string> produces;
};

struct Lineage {
  std::string dataset_id;
  EntityRef dataset;                       // the dataset's Resource
  std::vector<LineageConsumer> consumers;  // breadth-first: by depth, then by ref key
  bool truncated = false;                  // the depth limit cut the walk short
};

class CatalogGraph {
 public:
  explicit CatalogGraph(std::vector<Entity> entities);

  // A dataset by its id ("core.user_profile_v1") or its entity ref ("resource:default/x").
  const Entity* FindDataset(std::string_view id_or_ref) const;
  const Entity* FindEntity(const EntityRef& ref) const;
  // Components that read the dataset directly.
  std::vector<const Entity*> DirectConsumers(const Entity& dataset) const;
  // Datasets (Resources) that `component` reads directly: the inverse of DirectConsumers.
  std::vector<const Entity*> DatasetsReadBy(const Entity& component) const;
  // Direct and transitive consumers up to `max_depth` (0: no limit). NotFound for an unknown
  // dataset.
  Result<Lineage> LineageOf(std::string_view id_or_ref, int max_depth = 0) const;

  const std::vector<Entity>& entities() const { return entities_; }

 private:
  std::vector<Entity> entities_;
  std::map<std::string, size_t> by_key_;                // ref key -> index
  std::map<std::string, size_t> dataset_by_id_;         // lower-cased dataset id -> index
  std::map<std::string, std::vector<size_t>> readers_;  // dataset ref key -> consumer indexes
};

}  // namespace skein
