// Consumers: which scanned repositories the catalog knows. A repository that references a
// dataset is a known consumer when some catalog Component's `skein.dev/repo` annotation names
// it, and a shadow consumer otherwise. A Component that declares it reads the dataset (a direct
// consumer in the lineage graph: spec.dependsOn, or the Resource's spec.dependencyOf) while its
// scanned repository no longer references it is stale.
//
// Thread-safety: free functions over plain values.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "catalog/entity.h"
#include "catalog/lineage.h"
#include "discover/reference.h"
#include "discover/scanner.h"

namespace skein {

// A repository that references a dataset.
struct ConsumerRepo {
  std::string repo;                   // name
  std::string repo_path;              // absolute
  size_t references = 0;              // references to the dataset in it
  std::vector<EntityRef> components;  // catalog Components for this repository; none: shadow
  bool declared = false;              // one of them declares it reads the dataset
  bool shadow() const { return components.empty(); }
};

// A catalog Component that declares it reads the dataset, whose repository was scanned and holds
// no reference to it any more.
struct StaleConsumer {
  EntityRef component;
  std::string repo;
  std::string repo_path;
};

struct DatasetConsumers {
  std::string dataset_id;
  std::optional<EntityRef> resource;    // the dataset's Resource, when the catalog has one
  std::vector<ConsumerRepo> consumers;  // by repository name, then path
  std::vector<StaleConsumer> stale;     // by component ref
  size_t references = 0;
  size_t ShadowCount() const;
};

// Whether `component`'s skein.dev/repo annotation names `repo`. A path (absolute, or relative to
// `cwd` or to the folder of the file the entity came from) that exists is compared as a resolved
// path; one that does not exist, and a URL (https://host/org/name.git, git@host:org/name), is
// compared by its last segment (less ".git") with the repository's name, case-insensitively.
bool RepoAnnotationNames(const Entity& component, const Repository& repo, const std::filesystem::path& cwd);

// For each dataset (in order): its consumers among `repos` according to `references` (a scan's
// result, whose Reference::dataset indexes `datasets`), classified against `catalog`. "Declares"
// means what lineage means: CatalogGraph::DirectConsumers of the dataset's Resource.
std::vector<DatasetConsumers> ClassifyConsumers(const CatalogGraph& catalog,
                                                const std::vector<Repository>& repos,
                                                const std::vector<DatasetPattern>& datasets,
                                                const std::vector<Reference>& references,
                                                const std::filesystem::path& cwd);

}  // namespace skein
