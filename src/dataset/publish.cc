// Approve, publish and roll back what a migration staged (see dataset.h).
#include "base/text.h"
#include "data/sql_text.h"
#include "dataset/internal.h"

namespace skein::dataset {

using namespace internal;

namespace {

Partition PartitionOf(const std::string& key) {
  if (key == "<all>") return Partition{std::nullopt, true};
  if (key == "<null>") return Partition{std::nullopt, false};
  return Partition{key, false};
}

// Where a partition's published files go: the partition folder, or data.parquet for one partition.
Result<std::pair<std::filesystem::path, std::filesystem::path>> FilePaths(const Locations& locations,
                                                                          const Transform& t, const Partition& p) {
  ASSIGN_OR_RETURN(std::string folder, PartitionFolder(t, p));
  std::filesystem::path staged = StagingRoot(locations) / folder;
  std::filesystem::path target = std::filesystem::path(locations.v2.path) / folder;
  if (p.single) return std::make_pair(staged / "data.parquet", std::filesystem::path(locations.v2.path) / "data.parquet");
  return std::make_pair(staged, target);
}

std::string TableBaseName(const DatasetLocation& location) {
  std::vector<std::string> parts = Split(location.table, '.', false);
  return parts.back();
}

}  // namespace

Status Approve(const Migration& migration, Store& store, const std::string& by) {
  ASSIGN_OR_RETURN(nlohmann::json run, LoadRun(store, migration.name));
  std::string state = run.value("state", "none");
  if (state != "verified" && state != "approved") {
    return Status::Conflict(migration.name + ": only a verified v2 can be approved (it is " + state + ")");
  }
  run["state"] = "approved";
  run["approved_by"] = by;
  return SaveRun(store, migration.name, run);
}

Status Publish(const Migration& migration, const Locations& locations, SqlEngine& engine, Store& store) {
  ASSIGN_OR_RETURN(nlohmann::json run, LoadRun(store, migration.name));
  std::string state = run.value("state", "none");
  if (state == "published") return Status::Ok();
  bool needs_approval = migration.data.publish.approval == PublishApproval::kRequired;
  if (state != "approved" && !(state == "verified" && !needs_approval)) {
    std::string why = state == "verified" ? "it needs an approval: skein data approve " + migration.name
                                          : "it is " + state + ", not verified";
    return Status::Conflict(migration.name + ": v2 cannot be published: " + why);
  }
  if (!WritesFiles(locations)) {
    ASSIGN_OR_RETURN(std::string staging, engine.TableName(StagingTable(locations)));
    RETURN_IF_ERROR(engine.Begin());
    Status renamed = engine.Execute("ALTER TABLE " + staging + " RENAME TO " +
                                    QuoteIdentifier(TableBaseName(locations.v2)));
    if (!renamed.ok()) {
      (void)engine.Rollback();
      return renamed.WithContext("publishing " + migration.to);
    }
    RETURN_IF_ERROR(engine.Commit());
  } else {
    ASSIGN_OR_RETURN(Transform t, TransformFor(migration, locations, engine));  // partition folder names
    ASSIGN_OR_RETURN(auto parts, LoadPartitions(store, migration.name));
    for (auto& [key, body] : parts) {
      if (body.value("state", "") == "published") continue;
      ASSIGN_OR_RETURN(auto paths, FilePaths(locations, t, PartitionOf(key)));
      std::error_code ec;
      if (std::filesystem::exists(paths.second, ec)) {
        return Status::Conflict("publishing " + migration.to + ": " + paths.second.string() +
                                " exists and skein did not write it");
      }
      std::filesystem::rename(paths.first, paths.second, ec);  // atomic: the partition appears whole
      if (ec) return Status::IoError("cannot publish " + paths.second.string() + ": " + ec.message());
      body["state"] = "published";
      RETURN_IF_ERROR(store.PutDataPartition({migration.name, key, body.dump()}));
    }
    std::error_code ec;
    std::filesystem::remove_all(StagingRoot(locations), ec);
  }
  run["state"] = "published";
  return SaveRun(store, migration.name, run);
}

Status Rollback(const Migration& migration, const Locations& locations, SqlEngine& engine, Store& store) {
  ASSIGN_OR_RETURN(nlohmann::json run, LoadRun(store, migration.name));
  std::string state = run.value("state", "none");
  if (state == "none") return Status::NotFound(migration.name + ": skein has written nothing for it");
  if (!WritesFiles(locations)) {
    ASSIGN_OR_RETURN(std::string staging, engine.TableName(StagingTable(locations)));
    RETURN_IF_ERROR(engine.Execute("DROP TABLE IF EXISTS " + staging));
    if (state == "published") {
      ASSIGN_OR_RETURN(std::string target, engine.TableName(locations.v2));
      RETURN_IF_ERROR(engine.Execute("DROP TABLE IF EXISTS " + target));
    }
  } else {
    ASSIGN_OR_RETURN(Transform t, TransformFor(migration, locations, engine));
    ASSIGN_OR_RETURN(auto parts, LoadPartitions(store, migration.name));
    for (auto& [key, body] : parts) {
      if (body.value("state", "") != "published") continue;
      ASSIGN_OR_RETURN(auto paths, FilePaths(locations, t, PartitionOf(key)));
      std::error_code ec;
      std::filesystem::remove_all(paths.second, ec);
      if (ec) return Status::IoError("cannot remove " + paths.second.string() + ": " + ec.message());
    }
    std::error_code ec;
    std::filesystem::remove_all(StagingRoot(locations), ec);
    if (ec) return Status::IoError("cannot remove " + StagingRoot(locations).string() + ": " + ec.message());
  }
  return store.DeleteDataRun(migration.name);
}

}  // namespace skein::dataset
