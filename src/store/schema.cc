// The store's schema migrations. See schema.h for how to add one.
#include "store/schema.h"

#include <string>

namespace skein::store {
namespace {

constexpr Migration kMigrations[] = {
    {
        1,
        "catalog entities and the import locations that own them",
        R"sql(
CREATE TABLE imports (
  location     TEXT PRIMARY KEY,
  imported_at  TEXT NOT NULL,
  entity_count INTEGER NOT NULL
);
CREATE TABLE entities (
  key         TEXT PRIMARY KEY,
  kind        TEXT NOT NULL,
  namespace   TEXT NOT NULL,
  name        TEXT NOT NULL,
  location    TEXT NOT NULL REFERENCES imports(location),
  origin      TEXT NOT NULL,
  origin_line INTEGER NOT NULL,
  body        TEXT NOT NULL,
  updated_at  TEXT NOT NULL
);
CREATE INDEX entities_by_location ON entities(location);
)sql",
        // key sorts bytewise (COLLATE "C") so that ListEntities orders as SQLite and std::string do,
        // whatever the database's locale.
        R"sql(
CREATE TABLE imports (
  location     TEXT PRIMARY KEY,
  imported_at  TIMESTAMPTZ NOT NULL,
  entity_count INTEGER NOT NULL
);
CREATE TABLE entities (
  key         TEXT COLLATE "C" PRIMARY KEY,
  kind        TEXT NOT NULL,
  namespace   TEXT NOT NULL,
  name        TEXT NOT NULL,
  location    TEXT NOT NULL REFERENCES imports(location),
  origin      TEXT NOT NULL,
  origin_line INTEGER NOT NULL,
  body        TEXT NOT NULL,
  updated_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX entities_by_location ON entities(location);
)sql",
    },
    {
        2,
        "the data side of migrations: one record per migration and per partition written",
        R"sql(
CREATE TABLE data_runs (
  migration  TEXT PRIMARY KEY,
  body       TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE TABLE data_partitions (
  migration  TEXT NOT NULL,
  partition  TEXT NOT NULL,
  body       TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (migration, partition)
);
)sql",
        R"sql(
CREATE TABLE data_runs (
  migration  TEXT COLLATE "C" PRIMARY KEY,
  body       TEXT NOT NULL,
  updated_at TIMESTAMPTZ NOT NULL
);
CREATE TABLE data_partitions (
  migration  TEXT COLLATE "C" NOT NULL,
  partition  TEXT COLLATE "C" NOT NULL,
  body       TEXT NOT NULL,
  updated_at TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (migration, partition)
);
)sql",
    },
};

}  // namespace

const std::string_view kSqliteSchemaMigrationsTable =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    "version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)";
const std::string_view kPostgresSchemaMigrationsTable =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    "version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL)";

std::span<const Migration> Migrations() { return kMigrations; }

int LatestSchemaVersion() { return Migrations().empty() ? 0 : Migrations().back().version; }

Status CheckSchemaNotNewer(int version) {
  if (version <= LatestSchemaVersion()) return Status::Ok();
  return Status::Conflict("its schema version " + std::to_string(version) +
                          " is newer than this skein knows (" + std::to_string(LatestSchemaVersion()) +
                          "): upgrade skein to use this store");
}

}  // namespace skein::store
