// Store schema: the ordered list of versioned migrations, for both SQL dialects, in one place.
//
// A store's schema version is the highest version recorded in its `schema_migrations(version,
// applied_at)` table (0 for a new database). Opening a store applies, in one transaction, every
// step above that version (sqlite_store.cc and postgres_store.cc run them); a store whose version
// is above LatestSchemaVersion() was written by a newer skein and is refused.
//
// Adding a table or a column: append a step to kMigrations in schema.cc with the next version
// number, a one-line description, and its SQL for SQLite and for PostgreSQL (same tables and
// columns, each dialect's own types). Never edit, remove or reorder a step that has been released:
// stores in use have applied it already. Use unqualified names, so that PostgreSQL creates them in
// the schema of the connection's search_path.
//
// Thread-safety: constant data.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "base/status.h"

namespace skein::store {

struct Migration {
  int version;  // 1, 2, 3, ... without gaps
  std::string_view description;
  std::string_view sqlite_sql;    // one or more statements, separated by ';'
  std::string_view postgres_sql;  // the same change in PostgreSQL's dialect
};

// Every migration, in version order.
std::span<const Migration> Migrations();
// The version a store has once every migration this binary knows is applied.
int LatestSchemaVersion();

// The bookkeeping table, created (if absent) before migrations are read.
extern const std::string_view kSqliteSchemaMigrationsTable;
extern const std::string_view kPostgresSchemaMigrationsTable;

// Conflict when a store's schema `version` is newer than this binary knows.
Status CheckSchemaNotNewer(int version);

}  // namespace skein::store
