// Consumer classification. The catalog's Components are resolved to repository identities once
// (existing paths, else names), then each scanned repository is looked up by path and by name.
#include "discover/consumers.h"

#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>

#include "base/text.h"

namespace skein {
namespace {

namespace fs = std::filesystem;

bool IsUrl(std::string_view value) {
  if (value.find("://") != std::string_view::npos) return true;
  // scp-like git remotes: user@host:org/name(.git)
  size_t at = value.find('@');
  size_t colon = value.find(':');
  return at != std::string_view::npos && colon != std::string_view::npos && at < colon;
}

// The last path or URL segment, less a trailing "/" and ".git", lower-cased.
std::string LastSegment(std::string_view value) {
  while (!value.empty() && (value.back() == '/' || value.back() == '\\')) value.remove_suffix(1);
  size_t cut = value.find_last_of("/:\\");
  if (cut != std::string_view::npos) value.remove_prefix(cut + 1);
  if (value.size() > 4 && EqualsIgnoreCase(value.substr(value.size() - 4), ".git")) value.remove_suffix(4);
  return ToLower(value);
}

// Where a Component says its repository is: resolved paths when the annotation names existing
// folders, else a name.
struct RepoIdentity {
  std::vector<fs::path> paths;
  std::string name;
};

RepoIdentity IdentityOf(const Entity& component, const fs::path& cwd) {
  RepoIdentity identity;
  std::string value(Trim(component.Repo()));
  if (value.empty()) return identity;
  if (!IsUrl(value)) {
    std::vector<fs::path> candidates;
    fs::path written(value);
    if (written.is_absolute()) {
      candidates.push_back(written);
    } else {
      candidates.push_back(cwd / written);
      if (!component.origin.empty() && !IsUrl(component.origin)) {
        candidates.push_back(fs::path(component.origin).parent_path() / written);
      }
    }
    for (const fs::path& candidate : candidates) {
      std::error_code ec;
      fs::path resolved = fs::canonical(candidate, ec);
      if (!ec) identity.paths.push_back(resolved);
    }
    if (!identity.paths.empty()) return identity;
  }
  identity.name = LastSegment(value);
  return identity;
}

bool IsComponent(const Entity& entity) { return EqualsIgnoreCase(entity.kind, "Component"); }

}  // namespace

size_t DatasetConsumers::ShadowCount() const {
  return static_cast<size_t>(
      std::count_if(consumers.begin(), consumers.end(), [](const ConsumerRepo& c) { return c.shadow(); }));
}

bool RepoAnnotationNames(const Entity& component, const Repository& repo, const fs::path& cwd) {
  RepoIdentity identity = IdentityOf(component, cwd);
  if (!identity.paths.empty()) {
    return std::find(identity.paths.begin(), identity.paths.end(), fs::path(repo.path)) !=
           identity.paths.end();
  }
  return !identity.name.empty() && identity.name == ToLower(repo.name);
}

std::vector<DatasetConsumers> ClassifyConsumers(const CatalogGraph& graph,
                                                const std::vector<Repository>& repos,
                                                const std::vector<DatasetPattern>& datasets,
                                                const std::vector<Reference>& references,
                                                const fs::path& cwd) {
  const std::vector<Entity>& catalog = graph.entities();
  // Components by the repository identity they name.
  std::map<std::string, std::vector<size_t>> by_path;
  std::map<std::string, std::vector<size_t>> by_name;
  for (size_t i = 0; i < catalog.size(); ++i) {
    if (!IsComponent(catalog[i])) continue;
    RepoIdentity identity = IdentityOf(catalog[i], cwd);
    for (const fs::path& path : identity.paths) by_path[path.native()].push_back(i);
    if (!identity.name.empty()) by_name[identity.name].push_back(i);
  }
  // The catalog components of each scanned repository, by repository index.
  std::vector<std::vector<size_t>> components_of(repos.size());
  std::unordered_map<std::string_view, size_t> repo_index;  // repo_path -> index (views into repos)
  for (size_t r = 0; r < repos.size(); ++r) {
    repo_index[repos[r].path] = r;
    std::set<size_t> found;
    if (auto it = by_path.find(repos[r].path); it != by_path.end())
      found.insert(it->second.begin(), it->second.end());
    if (auto it = by_name.find(ToLower(repos[r].name)); it != by_name.end()) {
      found.insert(it->second.begin(), it->second.end());
    }
    components_of[r].assign(found.begin(), found.end());
    std::sort(components_of[r].begin(), components_of[r].end(),
              [&](size_t a, size_t b) { return catalog[a].Ref().Key() < catalog[b].Ref().Key(); });
  }

  std::vector<DatasetConsumers> result;
  for (size_t d = 0; d < datasets.size(); ++d) {
    DatasetConsumers out;
    out.dataset_id = datasets[d].id;
    // The dataset's Resource, and the components that declare they read it.
    std::set<std::string> declared;  // component ref keys
    if (const Entity* resource = graph.FindDataset(datasets[d].id); resource != nullptr) {
      out.resource = resource->Ref();
      for (const Entity* reader : graph.DirectConsumers(*resource)) declared.insert(reader->Ref().Key());
    }
    // References per repository, in repository order (references are sorted).
    std::map<size_t, size_t> count_by_repo;
    for (const Reference& ref : references) {
      if (ref.dataset != d) continue;
      ++out.references;
      auto it = repo_index.find(ref.repo_path);
      if (it != repo_index.end()) ++count_by_repo[it->second];
    }
    for (const auto& [r, count] : count_by_repo) {
      ConsumerRepo consumer{repos[r].name, repos[r].path, count, {}, false};
      for (size_t c : components_of[r]) {
        consumer.components.push_back(catalog[c].Ref());
        consumer.declared |= declared.count(catalog[c].Ref().Key()) > 0;
      }
      out.consumers.push_back(std::move(consumer));
    }
    std::sort(out.consumers.begin(), out.consumers.end(), [](const ConsumerRepo& a, const ConsumerRepo& b) {
      return a.repo != b.repo ? a.repo < b.repo : a.repo_path < b.repo_path;
    });
    for (size_t r = 0; r < repos.size(); ++r) {
      if (count_by_repo.count(r) > 0) continue;
      for (size_t c : components_of[r]) {
        if (declared.count(catalog[c].Ref().Key()) == 0) continue;
        out.stale.push_back(StaleConsumer{catalog[c].Ref(), repos[r].name, repos[r].path});
      }
    }
    std::sort(out.stale.begin(), out.stale.end(), [](const StaleConsumer& a, const StaleConsumer& b) {
      return a.component.Key() != b.component.Key() ? a.component.Key() < b.component.Key()
                                                    : a.repo_path < b.repo_path;
    });
    result.push_back(std::move(out));
  }
  return result;
}

}  // namespace skein
