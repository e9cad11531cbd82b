// Approve, publish, roll back and retire what a migration staged (see dataset.h).
#include <functional>
#include <optional>

#include "base/text.h"
#include "data/sql_text.h"
#include "dataset/compat.h"
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
                                                                          const Transform& t,
                                                                          const Partition& p) {
  ASSIGN_OR_RETURN(std::string folder, PartitionFolder(t, p));
  std::filesystem::path staged = StagingRoot(locations) / folder;
  std::filesystem::path target = std::filesystem::path(locations.v2.path) / folder;
  if (p.single)
    return std::make_pair(staged / "data.parquet", std::filesystem::path(locations.v2.path) / "data.parquet");
  return std::make_pair(staged, target);
}

std::string TableBaseName(const DatasetLocation& location) {
  std::vector<std::string> parts = Split(location.table, '.', false);
  return parts.back();
}

// Runs `steps` in one transaction: all of them or none.
Status InTransaction(SqlEngine& engine, const std::function<Status()>& steps) {
  RETURN_IF_ERROR(engine.Begin());
  Status status = steps();
  if (!status.ok()) {
    (void)engine.Rollback();
    return status;
  }
  return engine.Commit();
}

// Whether an earlier Publish committed the tables' transaction (and then stopped before the store
// recorded it): the staging table is gone, v2 is a table, and with the view, v1's name is a view
// and its table is kept.
Result<bool> TablesPublished(SqlEngine& engine, const Locations& locations, const DatasetLocation* kept) {
  ASSIGN_OR_RETURN(RelationKind staging, KindOf(engine, StagingTable(locations)));
  ASSIGN_OR_RETURN(RelationKind v2, KindOf(engine, locations.v2));
  if (staging != RelationKind::kNone || v2 != RelationKind::kTable) return false;
  if (kept == nullptr) return true;
  ASSIGN_OR_RETURN(RelationKind v1, KindOf(engine, locations.v1));
  ASSIGN_OR_RETURN(RelationKind v1_table, KindOf(engine, *kept));
  return v1 == RelationKind::kView && v1_table == RelationKind::kTable;
}

// Tables: v2 published in one transaction — the staging table renamed to v2 and, with compat_view,
// v1's table renamed aside and a view over v2 created under v1's name.
Status PublishTables(const Migration& migration, const Locations& locations, SqlEngine& engine,
                     const DatasetLocation* kept) {
  ASSIGN_OR_RETURN(std::string staging, engine.TableName(StagingTable(locations)));
  std::string view_select, v1_name;
  if (kept != nullptr) {
    ASSIGN_OR_RETURN(RelationKind v1_kind, KindOf(engine, locations.v1));
    ASSIGN_OR_RETURN(RelationKind kept_kind, KindOf(engine, *kept));
    if (v1_kind != RelationKind::kTable) {
      return Status::Conflict("publishing " + migration.to + " with compat_view: " + locations.v1.ToString() +
                              (v1_kind == RelationKind::kView ? " is a view" : " does not exist") +
                              ", not the table of v1");
    }
    if (kept_kind != RelationKind::kNone) {
      return Status::Conflict("publishing " + migration.to + " with compat_view: " + kept->ToString() +
                              " exists, and skein keeps v1's table under that name while the view has v1's; "
                              "drop or rename it first");
    }
    ASSIGN_OR_RETURN(std::vector<Column> v1_columns, NativeColumns(engine, locations.v1));
    ASSIGN_OR_RETURN(view_select, CompatViewSelect(engine, migration, v1_columns, locations.v2));
    ASSIGN_OR_RETURN(v1_name, engine.TableName(locations.v1));
  }
  Status status = InTransaction(engine, [&]() -> Status {
    if (kept != nullptr) {
      Status renamed =
          engine.Execute("ALTER TABLE " + v1_name + " RENAME TO " + QuoteIdentifier(TableBaseName(*kept)));
      if (!renamed.ok() && renamed.message().find("depend on it") != std::string::npos) {
        return renamed.WithContext(
            "keeping v1's table as " + kept->table +
            " (DuckDB renames no table that has an index: drop v1's indexes, or publish "
            "without compat_view)");
      }
      RETURN_IF_ERROR(renamed.WithContext("keeping v1's table as " + kept->table));
    }
    RETURN_IF_ERROR(engine.Execute("ALTER TABLE " + staging + " RENAME TO " +
                                   QuoteIdentifier(TableBaseName(locations.v2))));
    if (kept == nullptr) return Status::Ok();
    return engine.Execute("CREATE VIEW " + v1_name + " AS " + view_select)
        .WithContext("creating the compatibility view " + locations.v1.table);
  });
  return status.WithContext("publishing " + migration.to);
}

// Tables: publishes once, even across a crash. What is about to happen is recorded in the run
// before the transaction ("publishing", and the view in "compat_view"), so that should the process
// stop between the commit and recording "published", a re-run finds the tables published and only
// records it, and a rollback knows what to undo.
Status PublishTablesOnce(const Migration& migration, const Locations& locations, SqlEngine& engine,
                         Store& store, nlohmann::json& run) {
  RETURN_IF_ERROR(CheckCompatView(migration, locations));
  bool compat = migration.data.publish.compat_view;
  DatasetLocation kept = CompatKeptTable(locations.v1);
  if (run.value("publishing", false) && run.contains("compat_view") != compat) {
    // An earlier attempt with the other setting committed unless its staging table is still there.
    ASSIGN_OR_RETURN(RelationKind staging, KindOf(engine, StagingTable(locations)));
    if (staging == RelationKind::kNone) {
      return Status::Conflict("publishing " + migration.to + ": an earlier publish " +
                              (compat ? "without" : "with") +
                              " compat_view stopped before recording it; publish with the manifest it used, "
                              "or roll back first");
    }
  }
  run["publishing"] = true;
  if (compat) {
    run["compat_view"] = {{"view", locations.v1.table}, {"v1_table", kept.table}};
  } else {
    run.erase("compat_view");
  }
  RETURN_IF_ERROR(SaveRun(store, migration.name, run));
  ASSIGN_OR_RETURN(bool done, TablesPublished(engine, locations, compat ? &kept : nullptr));
  if (!done) RETURN_IF_ERROR(PublishTables(migration, locations, engine, compat ? &kept : nullptr));
  run.erase("publishing");
  return Status::Ok();
}

// Tables: undoes what was staged and published, in one transaction. With the view (`kept` names
// v1's table), the view is dropped and the table renamed back; when v1 is a table again and
// nothing is kept, an earlier rollback committed that already. Any other state is refused as found.
Status RollBackTables(const Migration& migration, const Locations& locations, SqlEngine& engine,
                      bool published, const DatasetLocation* kept) {
  ASSIGN_OR_RETURN(std::string staging, engine.TableName(StagingTable(locations)));
  ASSIGN_OR_RETURN(std::string v2, engine.TableName(locations.v2));
  RelationKind v1_kind = RelationKind::kNone, kept_kind = RelationKind::kNone;
  std::string v1_name, kept_name;
  if (kept != nullptr) {
    ASSIGN_OR_RETURN(v1_kind, KindOf(engine, locations.v1));
    ASSIGN_OR_RETURN(kept_kind, KindOf(engine, *kept));
    ASSIGN_OR_RETURN(v1_name, engine.TableName(locations.v1));
    ASSIGN_OR_RETURN(kept_name, engine.TableName(*kept));
    bool restored = v1_kind == RelationKind::kTable && kept_kind == RelationKind::kNone;
    bool to_restore = v1_kind != RelationKind::kTable && kept_kind == RelationKind::kTable;
    if (!restored && !to_restore) {
      return Status::Conflict("rolling back " + migration.name + ": v1's table was kept as " + kept->table +
                              ", but " + locations.v1.table + " is " +
                              (v1_kind == RelationKind::kNone ? "missing" : "a table") + " and " +
                              kept->table + (kept_kind == RelationKind::kNone ? " is missing" : " exists") +
                              ": skein leaves both as they are; restore v1 by hand");
    }
  }
  return InTransaction(engine, [&]() -> Status {
    if (kept != nullptr && kept_kind == RelationKind::kTable) {
      if (v1_kind == RelationKind::kView) RETURN_IF_ERROR(engine.Execute("DROP VIEW " + v1_name));
      RETURN_IF_ERROR(engine.Execute("ALTER TABLE " + kept_name + " RENAME TO " +
                                     QuoteIdentifier(TableBaseName(locations.v1))));
    }
    RETURN_IF_ERROR(engine.Execute("DROP TABLE IF EXISTS " + staging));
    if (published) RETURN_IF_ERROR(engine.Execute("DROP TABLE IF EXISTS " + v2));
    return Status::Ok();
  });
}

// The compatibility view the run recorded at publishing (v1's table kept aside), or none.
// Conflict when it names another view than `locations.v1`: the locations changed since.
Result<std::optional<DatasetLocation>> RecordedKeptTable(const Migration& migration,
                                                         const Locations& locations,
                                                         const nlohmann::json& run,
                                                         const std::string& doing) {
  if (!run.contains("compat_view")) return std::optional<DatasetLocation>();
  DatasetLocation kept = locations.v1;
  kept.table = run["compat_view"].value("v1_table", "");
  if (run["compat_view"].value("view", "") != locations.v1.table || kept.table.empty()) {
    return Status::Conflict(doing + " " + migration.name + ": v2 was published with the view " +
                            run["compat_view"].value("view", "") + ", not " + locations.v1.table +
                            "; use the locations it was published with");
  }
  return std::optional<DatasetLocation>(kept);
}

// Tables: drops the compatibility view in one transaction, after checking that v1's name is a view
// (never a table). Returns whether it dropped it: false when an earlier retire did and stopped
// before recording it, which shows as v1's name gone and its table kept. With neither there, this
// is not the database the view was made in, and nothing is done.
Result<bool> DropCompatView(const Migration& migration, const Locations& locations, SqlEngine& engine,
                            const DatasetLocation& kept) {
  ASSIGN_OR_RETURN(std::string v1_name, engine.TableName(locations.v1));
  bool dropped = false;
  Status status = InTransaction(engine, [&]() -> Status {
    ASSIGN_OR_RETURN(RelationKind v1_kind, KindOf(engine, locations.v1));
    if (v1_kind == RelationKind::kTable) {
      return Status::Conflict(locations.v1.ToString() +
                              " is a table, not the compatibility view (v1's table was kept as " +
                              kept.table + "); skein drops no table: restore or drop it by hand");
    }
    if (v1_kind == RelationKind::kNone) {
      ASSIGN_OR_RETURN(RelationKind kept_kind, KindOf(engine, kept));
      if (kept_kind != RelationKind::kTable) {
        return Status::Conflict("neither the view " + locations.v1.table + " nor v1's table " + kept.table +
                                " is in " + locations.v1.ToString() +
                                "; retire with the locations it was published with");
      }
      return Status::Ok();  // an earlier retire dropped it
    }
    RETURN_IF_ERROR(engine.Execute("DROP VIEW " + v1_name));  // DROP VIEW refuses a table, too
    dropped = true;
    return Status::Ok();
  });
  if (!status.ok()) {
    std::string why = status.message().find("depend") != std::string::npos
                          ? " (something still reads it; skein drops nothing that depends on it)"
                          : "";
    return status.WithContext("retiring " + migration.name + ": dropping the compatibility view " +
                              locations.v1.table + why);
  }
  return dropped;
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
  if (state == "published" || state == "retired") return Status::Ok();
  bool needs_approval = migration.data.publish.approval == PublishApproval::kRequired;
  if (state != "approved" && !(state == "verified" && !needs_approval)) {
    std::string why = state == "verified" ? "it needs an approval: skein data approve " + migration.name
                                          : "it is " + state + ", not verified";
    return Status::Conflict(migration.name + ": v2 cannot be published: " + why);
  }
  if (!WritesFiles(locations)) {
    RETURN_IF_ERROR(PublishTablesOnce(migration, locations, engine, store, run));
  } else {
    ASSIGN_OR_RETURN(Transform t, TransformFor(migration, locations, engine));  // partition folder names
    ASSIGN_OR_RETURN(auto parts, LoadPartitions(store, migration.name));
    for (auto& [key, body] : parts) {
      if (body.value("state", "") == "published") continue;
      ASSIGN_OR_RETURN(auto paths, FilePaths(locations, t, PartitionOf(key)));
      std::error_code ec;
      if (std::filesystem::exists(paths.second, ec)) {
        // A publish stopped (killed) between this rename and its record: the partition is ours
        // when its staged copy is gone and the file in place has the bytes skein staged — or, when
        // a later run staged it again (its staged copy was gone, so it made another), when the file
        // in place holds the very rows staged again (Parquet's bytes may differ between writes).
        std::filesystem::path file =
            paths.second.filename() == "data.parquet" ? paths.second : paths.second / "data.parquet";
        std::filesystem::path staged_file =
            paths.first.filename() == "data.parquet" ? paths.first : paths.first / "data.parquet";
        Result<std::string> in_place = StagedFileChecksum(file);
        bool ours = false;
        if (!std::filesystem::exists(paths.first, ec)) {
          ours = in_place.ok() && *in_place == body.value("target_checksum", "");
        } else if (in_place.ok()) {
          Result<std::string> placed_rows =
              Checksum(engine, t, "SELECT * FROM read_parquet(" + QuoteLiteral(file.string()) + ")");
          Result<std::string> staged_rows =
              Checksum(engine, t, "SELECT * FROM read_parquet(" + QuoteLiteral(staged_file.string()) + ")");
          ours = placed_rows.ok() && staged_rows.ok() && *placed_rows == *staged_rows;
        }
        if (!ours) {
          return Status::Conflict("publishing " + migration.to + ": " + paths.second.string() +
                                  " exists and skein did not write it");
        }
      } else {
        std::filesystem::rename(paths.first, paths.second, ec);  // atomic: the partition appears whole
        if (ec) return Status::IoError("cannot publish " + paths.second.string() + ": " + ec.message());
      }
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
  bool created_folder = run.value("v2_folder_created", false);
  if (state == "none" && !created_folder)
    return Status::NotFound(migration.name + ": skein has written nothing for it");
  if (state == "retired") {
    return Status::Conflict("rolling back " + migration.name + ": it is retired (by " +
                            run.value("retired_by", "?") +
                            "): v1's consumers moved to v2, and skein rolls back no retired migration");
  }
  if (!WritesFiles(locations)) {
    // The record, not the manifest, says whether a view was made: the manifest may have changed.
    ASSIGN_OR_RETURN(std::optional<DatasetLocation> kept,
                     RecordedKeptTable(migration, locations, run, "rolling back"));
    bool published = state == "published";
    if (!published && run.value("publishing", false)) {
      ASSIGN_OR_RETURN(published, TablesPublished(engine, locations, kept ? &*kept : nullptr));
    }
    RETURN_IF_ERROR(
        RollBackTables(migration, locations, engine, published, published && kept ? &*kept : nullptr));
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
    // The v2 folder goes too when skein created it and nothing else is in it: remove() takes only
    // an empty folder, so anything someone else put there keeps it.
    if (created_folder && std::filesystem::is_empty(locations.v2.path, ec)) {
      std::filesystem::remove(locations.v2.path, ec);
    }
  }
  return store.DeleteDataRun(migration.name);
}

Result<RetireReport> Retire(const Migration& migration, const Locations& locations, SqlEngine& engine,
                            Store& store, const std::string& by, int64_t now_ms) {
  ASSIGN_OR_RETURN(nlohmann::json run, LoadRun(store, migration.name));
  std::string state = run.value("state", "none");
  RetireReport report;
  if (run.contains("compat_view")) report.kept_table = run["compat_view"].value("v1_table", "");
  if (state == "retired") {
    report.already_retired = true;
    report.message = migration.name + " was retired already, by " + run.value("retired_by", "?") + ".";
    return report;
  }
  if (state != "published") {
    return Status::Conflict("retiring " + migration.name +
                            ": only a published migration can be retired, and it is " + state);
  }
  // The record, not the manifest, says whether a view was made: the manifest may have changed.
  ASSIGN_OR_RETURN(std::optional<DatasetLocation> kept,
                   RecordedKeptTable(migration, locations, run, "retiring"));
  if (kept) {
    ASSIGN_OR_RETURN(report.dropped_view, DropCompatView(migration, locations, engine, *kept));
    ASSIGN_OR_RETURN(RelationKind kept_kind, KindOf(engine, *kept));
    report.message = report.dropped_view
                         ? "Dropped the compatibility view " + locations.v1.table + "; "
                         : "The compatibility view " + locations.v1.table + " was already dropped; ";
    if (kept_kind == RelationKind::kTable) {
      report.message += "v1's table stays as " + kept->table + " (dropping it is its owner's call).";
    } else {
      report.kept_table.clear();
      report.message += "v1's table, kept as " + kept->table + ", is no longer there.";
    }
  } else {
    report.message = std::string("Nothing to drop: v2 was published ") +
                     (WritesFiles(locations) ? "as files" : "without a compatibility view") + "; " +
                     locations.v1.ToString() + " stays as it is.";
  }
  run["state"] = "retired";
  run["retired_by"] = by;
  run["retired_at_ms"] = now_ms;
  RETURN_IF_ERROR(SaveRun(store, migration.name, run));
  return report;
}

}  // namespace skein::dataset
