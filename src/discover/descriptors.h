// Backstage descriptors for shadow consumers (`skein discover --emit-catalog DIR`): one
// Component per repository that references a dataset the catalog does not connect it to, so the
// next `skein catalog import DIR` makes it a known consumer.
//
//   apiVersion: backstage.io/v1alpha1
//   kind: Component
//   metadata:
//     name: growth-jobs                       # BackstageName(repository name)
//     description: Reads core.user_profile_v1; found by skein discover, not yet in the catalog.
//     labels:
//       skein.dev/discovered-by: skein-discover   # select them: a label, not an annotation, as
//                                                 # the catalog accepts only known skein.dev/
//                                                 # annotations
//     annotations:
//       skein.dev/repo: /abs/path/growth-jobs
//   spec:
//     type: data-pipeline
//     lifecycle: production
//     owner: group:default/unknown           # or from the repository's CODEOWNERS
//     dependsOn: [resource:default/user-profile-v1]      # the datasets the catalog has
//
// Thread-safety: free functions; WriteShadowDescriptors writes files (one call at a time per DIR).
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "discover/consumers.h"

namespace skein {

inline constexpr std::string_view kUnknownOwner = "group:default/unknown";

struct ShadowDescriptor {
  std::string name;                     // metadata.name, unique among the descriptors written together
  std::string repo;                     // the repository's name
  std::string repo_path;                // absolute
  std::vector<std::string> datasets;    // dataset ids it references
  std::vector<std::string> depends_on;  // Resource ref keys of those the catalog has
  std::string owner;                    // an owner ref, kUnknownOwner when unknown
};

// A valid Backstage metadata.name from any text: [a-z0-9] runs joined by single '-', '_' or
// '.', at most 63 characters; "repository" when nothing is left.
std::string BackstageName(std::string_view text);

// The owner named by the repository's CODEOWNERS (CODEOWNERS, .github/CODEOWNERS or
// docs/CODEOWNERS): the first owner of the last `*` rule, else of the first rule.
// "@org/team" -> "group:default/team", "@user" -> "user:default/user"; "" when there is none.
std::string OwnerFromCodeowners(const std::filesystem::path& repo_path);

// One descriptor per shadow consumer repository across `consumers`, sorted by name; a repository
// that references several datasets gets one descriptor reading all of them.
std::vector<ShadowDescriptor> ShadowDescriptors(const std::vector<DatasetConsumers>& consumers);

// The descriptor as a YAML document.
std::string DescriptorYaml(const ShadowDescriptor& descriptor);

// Writes DIR/<name>.yaml for each descriptor, each atomically; creates DIR. Unless `overwrite`,
// a file that exists already is a Conflict naming it, and then nothing is written. Returns the
// paths written.
Result<std::vector<std::filesystem::path>> WriteShadowDescriptors(
    const std::filesystem::path& dir, const std::vector<ShadowDescriptor>& descriptors, bool overwrite);

}  // namespace skein
