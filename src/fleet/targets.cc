// Resolving locations, repositories, remotes and forges (targets.h).
#include "fleet/targets.h"

#include "base/text.h"
#include "vcs/git.h"

namespace skein {
namespace {

namespace fs = std::filesystem;

Result<DatasetLocation> LocationOf(const Migration& m, const CatalogGraph& graph, const std::string& id,
                                   const std::string& given, const std::string& pointer) {
  std::string text = given;
  std::string flag = pointer == "/spec/from" ? "from" : "to";
  if (text.empty()) {
    const Entity* dataset = graph.FindDataset(id);
    if (dataset == nullptr) {
      return m.ErrorAt(pointer, "dataset " + id + " is not in the catalog; import its descriptor or pass --" +
                                    flag + "-location");
    }
    text = dataset->Location();
    if (text.empty()) {
      return m.ErrorAt(
          pointer,
          "dataset " + id + " has no skein.dev/location annotation; add one or pass --" + flag + "-location");
    }
  }
  Result<DatasetLocation> location = DatasetLocation::Parse(text);
  if (!location.ok()) return location.status().WithContext("dataset " + id);
  return *location;
}

bool Inside(const std::string& a, const std::string& b) {
  std::error_code ec;
  std::string ca = fs::weakly_canonical(a, ec).string();
  std::string cb = fs::weakly_canonical(b, ec).string();
  return ca == cb || ca.starts_with(cb + "/") || cb.starts_with(ca + "/");
}

}  // namespace

Result<dataset::Locations> ResolveLocations(const Migration& m, const CatalogGraph& graph,
                                            const std::string& from_override,
                                            const std::string& to_override) {
  dataset::Locations l;
  ASSIGN_OR_RETURN(l.v1, LocationOf(m, graph, m.from, from_override, "/spec/from"));
  ASSIGN_OR_RETURN(l.v2, LocationOf(m, graph, m.to, to_override, "/spec/to"));
  using F = DatasetLocation::Format;
  bool v1_pg = l.v1.format == F::kPostgres, v2_pg = l.v2.format == F::kPostgres;
  if (v1_pg != v2_pg || (v1_pg && l.v1.path != l.v2.path)) {
    return Status::InvalidInput("v1 (" + l.v1.ToString() + ") and v2 (" + l.v2.ToString() +
                                ") must be read by one engine: DuckDB for files and DuckDB tables, or one "
                                "PostgreSQL database; moving data across engines is not supported yet");
  }
  bool same_place = l.v1.format == F::kDuckDb || v1_pg ? l.v1.path == l.v2.path && l.v1.table == l.v2.table
                                                       : Inside(l.v1.path, l.v2.path);
  if (same_place) {
    return Status::InvalidInput("v2's location " + l.v2.ToString() + " overlaps v1's " + l.v1.ToString() +
                                ": skein never writes where v1 lives");
  }
  if (l.v2.format != F::kParquet && l.v2.format != F::kDuckDb && !v2_pg) {
    return Status::InvalidInput("v2 is written as Parquet files, a DuckDB table or a PostgreSQL table, not " +
                                l.v2.ToString());
  }
  return l;
}

Result<fs::path> ConsumerRepo(const Entity& consumer, const fs::path& workdir) {
  std::string key = consumer.Ref().Key();
  std::string text = consumer.Repo();
  if (text.empty()) {
    return Status::InvalidInput("consumer " + key +
                                " has no skein.dev/repo annotation: skein does not know where its code is");
  }
  fs::path repo = text;
  if (repo.is_relative() && !workdir.empty()) repo = workdir / repo;
  if (!fs::is_directory(repo)) {
    return Status::NotFound("consumer " + key + ": repository " + text + " (skein.dev/repo) does not exist" +
                            (repo.string() != text ? " (looked in " + repo.string() + ")" : ""));
  }
  return repo;
}

vcs::ForgeKind ChooseForge(const Migration& m, const Entity& consumer) {
  const std::string& kind = m.consumers.change.forge.kind;
  if (kind == "github") return vcs::ForgeKind::kGitHub;
  if (kind == "gitlab") return vcs::ForgeKind::kGitLab;
  if (kind == "git") return vcs::ForgeKind::kGit;
  if (!consumer.Annotation("github.com/project-slug").empty()) return vcs::ForgeKind::kGitHub;
  if (!consumer.Annotation("gitlab.com/project-slug").empty()) return vcs::ForgeKind::kGitLab;
  return vcs::ForgeKind::kGit;
}

std::string RemoteOf(const Entity& consumer, const fs::path& repo) {
  std::string remote = consumer.Annotation("skein.dev/remote");
  if (!remote.empty()) return remote;
  // In process: `git remote get-url origin` would cost a process per job.
  Result<std::string> origin = vcs::RemoteUrl(repo, "origin");
  return origin.ok() ? *origin : "";
}

Result<std::unique_ptr<vcs::Forge>> MakeConsumerForge(const Migration& m, const Entity& consumer,
                                                      const fs::path& repo, const std::string& remote,
                                                      Clock& clock, vcs::RateLedger* ledger) {
  vcs::ForgeKind kind = ChooseForge(m, consumer);
  if (kind == vcs::ForgeKind::kGit) {
    return vcs::MakeGitForge(repo, remote.empty() ? fs::absolute(repo).string() : remote);
  }
  if (remote.empty()) {
    return Status::InvalidInput("consumer " + consumer.Ref().Key() +
                                ": its repository has no remote to push " + m.consumers.change.branch +
                                " to (set skein.dev/remote or an origin)");
  }
  vcs::ForgeConfig config;
  config.kind = kind;
  const ForgeSpec& spec = m.consumers.change.forge;
  config.api_url = spec.api_url;
  config.token_env = spec.token_env;
  config.limits.per_minute = spec.per_minute;
  config.limits.per_hour = spec.per_hour;
  config.limits.windows = spec.windows;
  config.ledger = ledger;
  return vcs::MakeForge(config, clock);
}

}  // namespace skein
