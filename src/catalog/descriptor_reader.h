// Reading Backstage descriptor files: multi-document YAML files, folders walked recursively, and
// the files that `Location` entities point at. Every entity is validated (validate.h); every
// problem is reported as "file:line:col: what is wrong" with 1-based line and column.
//
// Folder walks read *.yaml / *.yml files in sorted order, skip hidden files and folders, and
// skip YAML files that do not mention "backstage.io/" (CI configs, Helm charts, dbt projects).
// Files named explicitly (a path argument, a Location target) are always read as descriptors.
// Each file is read once per run, so Location cycles end, and an entity ref defined twice in
// one run is an error naming both places.
//
// Thread-safety: free functions; no shared state.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "catalog/entity.h"

namespace skein {

// What one path argument brought: its entities and those of the Locations it leads to.
struct DescriptorSet {
  std::string root;              // canonical absolute path of the argument
  std::vector<Entity> entities;  // in reading order; origin is the canonical file path
  int files = 0;                 // descriptor files read
};

struct CatalogRead {
  std::vector<DescriptorSet> sets;    // one per path argument, in argument order
  std::vector<std::string> errors;    // "file:line:col: message", in reading order
  std::vector<std::string> warnings;  // e.g. "file:line:col: remote target ... not read"

  bool ok() const { return errors.empty(); }
  // Ok, or InvalidInput listing the first `max_errors` errors one per line.
  Status status(size_t max_errors = 50) const;
};

// Reads every path (a file or a folder) and the Location targets they lead to. The sets are
// complete only when ok(); callers import nothing otherwise.
CatalogRead ReadCatalogPaths(const std::vector<std::filesystem::path>& paths);

// Parses one descriptor text; `origin` names it in messages and in Entity::origin. Location
// targets are not followed. InvalidInput listing every problem ("origin:line:col: ...").
Result<std::vector<Entity>> ParseDescriptors(std::string_view yaml, std::string_view origin);

}  // namespace skein
