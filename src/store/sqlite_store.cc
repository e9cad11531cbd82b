// The SQLite implementation of Store: migrations on open, imports in one BEGIN IMMEDIATE
// transaction, reads from prepared statements.
#include "store/sqlite_store.h"

#include <string>
#include <utility>
#include <vector>

#include "base/text.h"
#include "store/import_plan.h"
#include "store/schema.h"
#include "store/sqlite_db.h"

namespace skein::store {
namespace {

constexpr std::string_view kNow = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";
constexpr std::string_view kEntityColumns = "key, location, origin, origin_line, body";

EntityRow StoredRowFrom(const SqliteStatement& stmt) {
  EntityRow row;
  row.key = stmt.ColumnText(0);
  row.location = stmt.ColumnText(1);
  row.origin = stmt.ColumnText(2);
  row.origin_line = static_cast<int>(stmt.ColumnInt(3));
  row.body = stmt.ColumnText(4);
  return row;
}

Result<std::vector<Entity>> EntitiesFrom(SqliteStatement& stmt) {
  std::vector<Entity> entities;
  while (true) {
    ASSIGN_OR_RETURN(bool has_row, stmt.Step());
    if (!has_row) return entities;
    EntityRow row = StoredRowFrom(stmt);
    ASSIGN_OR_RETURN(Entity entity, EntityFromRow(row.key, row.body, std::move(row.origin), row.origin_line));
    entities.push_back(std::move(entity));
  }
}

class SqliteStore final : public Store {
 public:
  explicit SqliteStore(SqliteDb db) : db_(std::move(db)) {}

  std::string Kind() const override { return "sqlite"; }

  Result<int> SchemaVersion() override {
    ASSIGN_OR_RETURN(
        auto stmt, SqliteStatement::Prepare(db_, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations"));
    ASSIGN_OR_RETURN(bool has_row, stmt.Step());
    return has_row ? static_cast<int>(stmt.ColumnInt(0)) : 0;
  }

  // Applies every migration above the stored version, in one transaction.
  Status Migrate() {
    // Up to date already (the usual case): no write lock, so opening never waits behind busy
    // writers.
    if (Result<int> current = SchemaVersion(); current.ok() && *current >= LatestSchemaVersion()) {
      return CheckSchemaNotNewer(*current);
    }
    ASSIGN_OR_RETURN(auto txn, SqliteTransaction::Begin(db_));
    RETURN_IF_ERROR(db_.Exec(kSqliteSchemaMigrationsTable));
    ASSIGN_OR_RETURN(int version, SchemaVersion());
    RETURN_IF_ERROR(CheckSchemaNotNewer(version));
    ASSIGN_OR_RETURN(
        auto record,
        SqliteStatement::Prepare(db_, "INSERT INTO schema_migrations (version, applied_at) VALUES (?1, " +
                                          std::string(kNow) + ")"));
    for (const Migration& step : Migrations()) {
      if (step.version <= version) continue;
      RETURN_IF_ERROR(db_.Exec(step.sqlite_sql)
                          .WithContext("schema migration " + std::to_string(step.version) + " (" +
                                       std::string(step.description) + ")"));
      RETURN_IF_ERROR(record.Bind(1, int64_t{step.version}).Run());
    }
    return txn->Commit();
  }

  Result<ImportSummary> ImportEntities(const std::vector<ImportBatch>& batches) override {
    ASSIGN_OR_RETURN(auto txn, SqliteTransaction::Begin(db_));
    ASSIGN_OR_RETURN(std::vector<EntityRow> stored, LoadRowsFor(ImportLookupFor(batches)));
    ASSIGN_OR_RETURN(ImportPlan plan, PlanImport(batches, stored));
    RETURN_IF_ERROR(Write(plan));
    RETURN_IF_ERROR(txn->Commit());
    return plan.summary;
  }

  Result<std::vector<Entity>> ListEntities(std::string_view kind) override {
    std::string sql = "SELECT " + std::string(kEntityColumns) + " FROM entities";
    if (kind.empty()) {
      ASSIGN_OR_RETURN(auto stmt, SqliteStatement::Prepare(db_, sql + " ORDER BY key"));
      return EntitiesFrom(stmt);
    }
    // Keys start with the lower-cased kind and ':', so one kind is a range of the primary key.
    ASSIGN_OR_RETURN(auto stmt,
                     SqliteStatement::Prepare(db_, sql + " WHERE key >= ?1 AND key < ?2 ORDER BY key"));
    std::string lower = ToLower(kind);
    stmt.Bind(1, lower + ":").Bind(2, lower + ";");
    return EntitiesFrom(stmt);
  }

  Result<std::optional<Entity>> FindEntity(const EntityRef& ref) override {
    ASSIGN_OR_RETURN(auto stmt, SqliteStatement::Prepare(db_, "SELECT " + std::string(kEntityColumns) +
                                                                  " FROM entities WHERE key = ?1"));
    stmt.Bind(1, ref.Key());
    ASSIGN_OR_RETURN(std::vector<Entity> found, EntitiesFrom(stmt));
    if (found.empty()) return std::optional<Entity>();
    return std::optional<Entity>(std::move(found.front()));
  }

  Result<std::optional<DataRunRecord>> FindDataRun(std::string_view migration) override {
    ASSIGN_OR_RETURN(auto stmt,
                     SqliteStatement::Prepare(db_, "SELECT body FROM data_runs WHERE migration = ?1"));
    stmt.Bind(1, migration);
    ASSIGN_OR_RETURN(bool has_row, stmt.Step());
    if (!has_row) return std::optional<DataRunRecord>();
    return std::optional<DataRunRecord>(DataRunRecord{std::string(migration), stmt.ColumnText(0)});
  }

  Status PutDataRun(const DataRunRecord& run) override {
    ASSIGN_OR_RETURN(
        auto stmt,
        SqliteStatement::Prepare(db_, "INSERT INTO data_runs (migration, body, updated_at) VALUES (?1, ?2, " +
                                          std::string(kNow) +
                                          ") ON CONFLICT (migration) DO UPDATE SET body = excluded.body, "
                                          "updated_at = excluded.updated_at"));
    return stmt.Bind(1, run.migration).Bind(2, run.body).Run();
  }

  Result<std::vector<DataPartitionRecord>> ListDataPartitions(std::string_view migration) override {
    ASSIGN_OR_RETURN(auto stmt, SqliteStatement::Prepare(db_,
                                                         "SELECT partition, body FROM data_partitions "
                                                         "WHERE migration = ?1 ORDER BY partition"));
    stmt.Bind(1, migration);
    std::vector<DataPartitionRecord> out;
    while (true) {
      ASSIGN_OR_RETURN(bool has_row, stmt.Step());
      if (!has_row) break;
      out.push_back({std::string(migration), stmt.ColumnText(0), stmt.ColumnText(1)});
    }
    return out;
  }

  Status PutDataPartition(const DataPartitionRecord& partition) override {
    ASSIGN_OR_RETURN(auto stmt, SqliteStatement::Prepare(
                                    db_,
                                    "INSERT INTO data_partitions (migration, partition, body, updated_at) "
                                    "VALUES (?1, ?2, ?3, " +
                                        std::string(kNow) +
                                        ") ON CONFLICT (migration, partition) DO UPDATE SET body = "
                                        "excluded.body, updated_at = excluded.updated_at"));
    return stmt.Bind(1, partition.migration).Bind(2, partition.partition).Bind(3, partition.body).Run();
  }

  Status DeleteDataRun(std::string_view migration) override {
    ASSIGN_OR_RETURN(auto txn, SqliteTransaction::Begin(db_));
    ASSIGN_OR_RETURN(auto parts,
                     SqliteStatement::Prepare(db_, "DELETE FROM data_partitions WHERE migration = ?1"));
    RETURN_IF_ERROR(parts.Bind(1, migration).Run());
    ASSIGN_OR_RETURN(auto run, SqliteStatement::Prepare(db_, "DELETE FROM data_runs WHERE migration = ?1"));
    RETURN_IF_ERROR(run.Bind(1, migration).Run());
    return txn->Commit();
  }

 private:
  Result<std::vector<EntityRow>> LoadRowsFor(const ImportLookup& lookup) {
    std::vector<EntityRow> rows;
    std::string select = "SELECT " + std::string(kEntityColumns) + " FROM entities WHERE ";
    ASSIGN_OR_RETURN(auto by_location, SqliteStatement::Prepare(db_, select + "location = ?1"));
    ASSIGN_OR_RETURN(auto by_key, SqliteStatement::Prepare(db_, select + "key = ?1"));
    auto collect = [&rows](SqliteStatement& stmt, const std::string& value) -> Status {
      stmt.Bind(1, value);
      while (true) {
        auto has_row = stmt.Step();
        if (!has_row.ok() || !*has_row) {
          stmt.Reset();
          return has_row.status();
        }
        rows.push_back(StoredRowFrom(stmt));
      }
    };
    for (const auto& location : lookup.locations) RETURN_IF_ERROR(collect(by_location, location));
    for (const auto& key : lookup.keys) RETURN_IF_ERROR(collect(by_key, key));
    return rows;
  }

  Status Write(const ImportPlan& plan) {
    ASSIGN_OR_RETURN(
        auto record,
        SqliteStatement::Prepare(
            db_, "INSERT INTO imports (location, imported_at, entity_count) VALUES (?1, " +
                     std::string(kNow) +
                     ", ?2) ON CONFLICT (location) DO UPDATE SET "
                     "imported_at = excluded.imported_at, entity_count = excluded.entity_count"));
    for (const auto& imported : plan.locations) {
      RETURN_IF_ERROR(record.Bind(1, imported.location).Bind(2, int64_t{imported.entity_count}).Run());
    }
    ASSIGN_OR_RETURN(auto remove, SqliteStatement::Prepare(db_, "DELETE FROM entities WHERE key = ?1"));
    for (const auto& key : plan.keys_to_delete) RETURN_IF_ERROR(remove.Bind(1, key).Run());
    ASSIGN_OR_RETURN(
        auto upsert,
        SqliteStatement::Prepare(
            db_,
            "INSERT INTO entities (key, kind, namespace, name, location, origin, origin_line, body, "
            "updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, " +
                std::string(kNow) +
                ") ON CONFLICT (key) DO UPDATE SET kind = excluded.kind, namespace = "
                "excluded.namespace, name = excluded.name, location = excluded.location, origin = "
                "excluded.origin, origin_line = excluded.origin_line, body = excluded.body, "
                "updated_at = excluded.updated_at"));
    for (const auto& row : plan.rows_to_write) {
      upsert.Bind(1, row.key).Bind(2, row.kind).Bind(3, row.ns).Bind(4, row.name).Bind(5, row.location);
      upsert.Bind(6, row.origin).Bind(7, int64_t{row.origin_line}).Bind(8, row.body);
      RETURN_IF_ERROR(upsert.Run().WithContext("cannot store entity " + row.key));
    }
    return Status::Ok();
  }

  SqliteDb db_;
};

}  // namespace

Result<std::unique_ptr<Store>> OpenSqliteStore(const std::filesystem::path& path) {
  ASSIGN_OR_RETURN(SqliteDb db, SqliteDb::Open(path));
  auto store = std::make_unique<SqliteStore>(std::move(db));
  RETURN_IF_ERROR(store->Migrate().WithContext("cannot open the SQLite store " + path.string()));
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace skein::store
