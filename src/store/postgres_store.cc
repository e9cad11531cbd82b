// The PostgreSQL implementation of Store: migrations on open, imports in one transaction with
// multi-row upserts, every value a query parameter.
#include "store/postgres_store.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "base/text.h"
#include "store/import_plan.h"
#include "pg/pg_conn.h"
#include "store/schema.h"

namespace skein::store {

using pg::PgConnection;
using pg::PgResult;
using pg::PgTextArray;
using pg::PgTransaction;
namespace {

// Advisory lock classes ('skn' and a number); the second key is the schema, so stores in
// different schemas of one database do not wait for each other.
constexpr std::string_view kMigrationLock = "1936420353";
constexpr std::string_view kImportLock = "1936420354";
constexpr std::string_view kEntityColumns = "key, location, origin, origin_line, body";
// Rows per multi-row INSERT: 8 parameters each, well under PostgreSQL's 65535.
constexpr size_t kRowsPerInsert = 1000;

Status LockForTransaction(PgConnection& conn, std::string_view lock_class) {
  return conn
      .Exec("SELECT pg_advisory_xact_lock($1::integer, hashtext(COALESCE(current_schema(), '')))",
            {std::string(lock_class)})
      .status();
}

Result<std::vector<Entity>> EntitiesFrom(const PgResult& result) {
  std::vector<Entity> entities;
  entities.reserve(static_cast<size_t>(result.rows()));
  for (int row = 0; row < result.rows(); ++row) {
    ASSIGN_OR_RETURN(Entity entity, EntityFromRow(result.Text(row, 0), result.Text(row, 4),
                                                  result.Text(row, 2), result.Int(row, 3)));
    entities.push_back(std::move(entity));
  }
  return entities;
}

// "($1, $2, ..., suffix), ($9, ..., suffix)": the placeholders of `rows` rows, one parameter per
// entry of `casts`, each followed by its cast (e.g. "::integer" or ""), then `suffix`.
std::string Placeholders(size_t rows, const std::vector<std::string_view>& casts, std::string_view suffix) {
  std::string text;
  int next = 1;
  for (size_t row = 0; row < rows; ++row) {
    text += row == 0 ? "(" : ", (";
    for (size_t column = 0; column < casts.size(); ++column) {
      if (column > 0) text += ", ";
      text += "$" + std::to_string(next++);
      text += casts[column];
    }
    text += suffix;
    text += ")";
  }
  return text;
}

class PostgresStore final : public Store {
 public:
  explicit PostgresStore(PgConnection conn) : conn_(std::move(conn)) {}

  std::string Kind() const override { return "postgresql"; }

  Result<int> SchemaVersion() override {
    ASSIGN_OR_RETURN(PgResult result, conn_.Exec("SELECT COALESCE(MAX(version), 0) FROM schema_migrations"));
    return result.Int(0, 0);
  }

  // Applies every migration above the stored version, in one transaction.
  Status Migrate() {
    ASSIGN_OR_RETURN(auto txn, PgTransaction::Begin(conn_));
    RETURN_IF_ERROR(LockForTransaction(conn_, kMigrationLock));
    RETURN_IF_ERROR(conn_.ExecScript(kPostgresSchemaMigrationsTable));
    ASSIGN_OR_RETURN(int version, SchemaVersion());
    RETURN_IF_ERROR(CheckSchemaNotNewer(version));
    for (const Migration& step : Migrations()) {
      if (step.version <= version) continue;
      RETURN_IF_ERROR(conn_.ExecScript(step.postgres_sql)
                          .WithContext("schema migration " + std::to_string(step.version) + " (" +
                                       std::string(step.description) + ")"));
      RETURN_IF_ERROR(
          conn_
              .Exec("INSERT INTO schema_migrations (version, applied_at) VALUES ($1::integer, now())",
                    {std::to_string(step.version)})
              .status());
    }
    return txn->Commit();
  }

  Result<ImportSummary> ImportEntities(const std::vector<ImportBatch>& batches) override {
    ASSIGN_OR_RETURN(auto txn, PgTransaction::Begin(conn_));
    RETURN_IF_ERROR(LockForTransaction(conn_, kImportLock));
    ImportLookup lookup = ImportLookupFor(batches);
    ASSIGN_OR_RETURN(PgResult found,
                     conn_.Exec("SELECT " + std::string(kEntityColumns) +
                                    " FROM entities WHERE location = ANY($1::text[]) OR key = "
                                    "ANY($2::text[])",
                                {PgTextArray(lookup.locations), PgTextArray(lookup.keys)}));
    std::vector<EntityRow> stored(static_cast<size_t>(found.rows()));
    for (int i = 0; i < found.rows(); ++i) {
      EntityRow& row = stored[static_cast<size_t>(i)];
      row.key = found.Text(i, 0);
      row.location = found.Text(i, 1);
      row.origin = found.Text(i, 2);
      row.origin_line = found.Int(i, 3);
      row.body = found.Text(i, 4);
    }
    ASSIGN_OR_RETURN(ImportPlan plan, PlanImport(batches, stored));
    RETURN_IF_ERROR(Write(plan));
    RETURN_IF_ERROR(txn->Commit());
    return plan.summary;
  }

  Result<std::vector<Entity>> ListEntities(std::string_view kind) override {
    std::string select = "SELECT " + std::string(kEntityColumns) + " FROM entities";
    if (kind.empty()) {
      ASSIGN_OR_RETURN(PgResult result, conn_.Exec(select + " ORDER BY key"));
      return EntitiesFrom(result);
    }
    // Keys start with the lower-cased kind and ':', so one kind is a range of the primary key.
    std::string lower = ToLower(kind);
    ASSIGN_OR_RETURN(PgResult result, conn_.Exec(select + " WHERE key >= $1 AND key < $2 ORDER BY key",
                                                 {lower + ":", lower + ";"}));
    return EntitiesFrom(result);
  }

  Result<std::optional<Entity>> FindEntity(const EntityRef& ref) override {
    ASSIGN_OR_RETURN(
        PgResult result,
        conn_.Exec("SELECT " + std::string(kEntityColumns) + " FROM entities WHERE key = $1", {ref.Key()}));
    ASSIGN_OR_RETURN(std::vector<Entity> found, EntitiesFrom(result));
    if (found.empty()) return std::optional<Entity>();
    return std::optional<Entity>(std::move(found.front()));
  }

  Result<std::optional<DataRunRecord>> FindDataRun(std::string_view migration) override {
    ASSIGN_OR_RETURN(PgResult result,
                     conn_.Exec("SELECT body FROM data_runs WHERE migration = $1", {std::string(migration)}));
    if (result.rows() == 0) return std::optional<DataRunRecord>();
    return std::optional<DataRunRecord>(DataRunRecord{std::string(migration), result.Text(0, 0)});
  }

  Status PutDataRun(const DataRunRecord& run) override {
    return conn_
        .Exec("INSERT INTO data_runs (migration, body, updated_at) VALUES ($1, $2, now()) "
              "ON CONFLICT (migration) DO UPDATE SET body = EXCLUDED.body, updated_at = EXCLUDED.updated_at",
              {run.migration, run.body})
        .status();
  }

  Result<std::vector<DataPartitionRecord>> ListDataPartitions(std::string_view migration) override {
    ASSIGN_OR_RETURN(PgResult result, conn_.Exec("SELECT partition, body FROM data_partitions WHERE migration = $1 "
                                                 "ORDER BY partition",
                                                 {std::string(migration)}));
    std::vector<DataPartitionRecord> out;
    for (int i = 0; i < result.rows(); ++i) {
      out.push_back({std::string(migration), result.Text(i, 0), result.Text(i, 1)});
    }
    return out;
  }

  Status PutDataPartition(const DataPartitionRecord& partition) override {
    return conn_
        .Exec("INSERT INTO data_partitions (migration, partition, body, updated_at) VALUES ($1, $2, $3, now()) "
              "ON CONFLICT (migration, partition) DO UPDATE SET body = EXCLUDED.body, "
              "updated_at = EXCLUDED.updated_at",
              {partition.migration, partition.partition, partition.body})
        .status();
  }

  Status DeleteDataRun(std::string_view migration) override {
    ASSIGN_OR_RETURN(auto txn, PgTransaction::Begin(conn_));
    RETURN_IF_ERROR(conn_.Exec("DELETE FROM data_partitions WHERE migration = $1", {std::string(migration)}).status());
    RETURN_IF_ERROR(conn_.Exec("DELETE FROM data_runs WHERE migration = $1", {std::string(migration)}).status());
    return txn->Commit();
  }

 private:
  Status Write(const ImportPlan& plan) {
    for (const auto& imported : plan.locations) {
      RETURN_IF_ERROR(
          conn_
              .Exec("INSERT INTO imports (location, imported_at, entity_count) VALUES ($1, now(), "
                    "$2::integer) ON CONFLICT (location) DO UPDATE SET imported_at = "
                    "EXCLUDED.imported_at, entity_count = EXCLUDED.entity_count",
                    {imported.location, std::to_string(imported.entity_count)})
              .status());
    }
    if (!plan.keys_to_delete.empty()) {
      RETURN_IF_ERROR(
          conn_.Exec("DELETE FROM entities WHERE key = ANY($1::text[])", {PgTextArray(plan.keys_to_delete)})
              .status());
    }
    const auto& rows = plan.rows_to_write;
    for (size_t first = 0; first < rows.size(); first += kRowsPerInsert) {
      size_t count = std::min(kRowsPerInsert, rows.size() - first);
      std::vector<std::string> params;
      params.reserve(count * 8);
      for (size_t i = first; i < first + count; ++i) {
        const EntityRow& row = rows[i];
        params.insert(params.end(), {row.key, row.kind, row.ns, row.name, row.location, row.origin,
                                     std::to_string(row.origin_line), row.body});
      }
      std::string sql =
          "INSERT INTO entities (key, kind, namespace, name, location, origin, origin_line, body, "
          "updated_at) "
          "VALUES " +
          Placeholders(count, {"", "", "", "", "", "", "::integer", ""}, ", now()") +
          " ON CONFLICT (key) DO UPDATE SET kind = EXCLUDED.kind, namespace = EXCLUDED.namespace, "
          "name = EXCLUDED.name, location = EXCLUDED.location, origin = EXCLUDED.origin, "
          "origin_line = EXCLUDED.origin_line, body = EXCLUDED.body, updated_at = EXCLUDED.updated_at";
      RETURN_IF_ERROR(conn_.Exec(sql, params).status());
    }
    return Status::Ok();
  }

  PgConnection conn_;
};

}  // namespace

Result<std::unique_ptr<Store>> OpenPostgresStore(std::string_view url) {
  ASSIGN_OR_RETURN(PgConnection conn, PgConnection::Connect(url));
  std::string where = "cannot open the PostgreSQL store at " + conn.description();
  auto store = std::make_unique<PostgresStore>(std::move(conn));
  RETURN_IF_ERROR(store->Migrate().WithContext(where));
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace skein::store
