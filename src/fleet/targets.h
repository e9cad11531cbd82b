// Where a migration's work lands, from the catalog: the datasets' locations (v1 read, v2
// written) and, per consumer, its repository, the remote its branch goes to and the forge its
// change request lives on. `skein data`, `skein migrate-consumer` and the campaign's job
// handlers all resolve them here, with the same rules and messages.
//
// Thread-safety: pure functions, except that MakeConsumerForge's forge shares `clock`.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "base/clock.h"
#include "base/status.h"
#include "catalog/lineage.h"
#include "dataset/dataset.h"
#include "manifest/migration.h"
#include "vcs/forge.h"

namespace skein {

// v1 and v2 from their catalog entities' skein.dev/location, or the overrides when not empty.
// InvalidInput at spec.from / spec.to when a dataset or its location is missing; when v1 and v2
// need two engines; when v2 overlaps v1 (skein never writes where v1 lives); when v2's format
// cannot be written.
Result<dataset::Locations> ResolveLocations(const Migration& m, const CatalogGraph& graph,
                                            const std::string& from_override = "",
                                            const std::string& to_override = "");

// The consumer's repository: its skein.dev/repo, relative to `workdir` unless absolute.
// InvalidInput when it has none, NotFound when the folder does not exist.
Result<std::filesystem::path> ConsumerRepo(const Entity& consumer, const std::filesystem::path& workdir);

// consumers.change.forge.kind, or by the consumer's annotations when "auto":
// github.com/project-slug -> GitHub, gitlab.com/project-slug -> GitLab, else git.
vcs::ForgeKind ChooseForge(const Migration& m, const Entity& consumer);

// skein.dev/remote, else the repository's origin, else "" (the repository itself).
std::string RemoteOf(const Entity& consumer, const std::filesystem::path& repo);

// The forge for the consumer's change request: for git, pushes to `remote` (or the repository
// itself); for GitHub and GitLab, the API of consumers.change.forge with its org-wide limits.
// InvalidInput when a GitHub or GitLab consumer has no remote to push to.
// With `ledger`, the limits count requests in it (shared by every worker); else in the forge.
Result<std::unique_ptr<vcs::Forge>> MakeConsumerForge(const Migration& m, const Entity& consumer,
                                                      const std::filesystem::path& repo,
                                                      const std::string& remote, Clock& clock,
                                                      vcs::RateLedger* ledger = nullptr);

}  // namespace skein
