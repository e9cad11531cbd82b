// Internal to dataset/: what publishing and rolling back need beyond moving v2 into place — the
// compatibility view (`data.publish.compat_view`) and the record of a v2 folder skein created.
//
// The compatibility view. Publishing v2 with `compat_view: true` also gives v1's name to a view
// over v2 that computes v1's columns, in v1's order, from each v2 row (a plain rename or an
// unchanged column is the v2 column; any other op's `reverse`), each cast to the v1 column's own
// type as the database spells it. Consumers not migrated yet keep reading v1's name. v1's table
// is not modified: in the transaction that publishes v2 it is renamed, whole (rows, indexes,
// constraints, grants), to `<v1 table>__skein_v1` in its schema, and the view takes its name; the
// rollback drops the view and renames the table back, in one transaction, so v1 is again the
// very same table. Only tables qualify, v1 and v2 in one database (one DuckDB file, or one
// PostgreSQL database), since a view reads its own database only.
//
// What a database does to things that named v1's table while it is renamed: DuckDB binds names
// when a query runs, so views over v1 read the compatibility view; PostgreSQL binds views and
// foreign keys to the table itself, so they keep reading the renamed table (v1 as it was), and
// grants on v1 stay on the renamed table (the view has none of its own). DuckDB cannot rename a
// table that has an index (CREATE INDEX): publishing says so and changes nothing.
//
// Thread-safety: free functions; one engine per thread.
#pragma once

#include <vector>

#include <nlohmann/json.hpp>

#include "dataset/dataset.h"

namespace skein::dataset::internal {

// Ok when the migration asks for no compatibility view, or when one can be made: v1 and v2 are
// tables of one DuckDB file or of one PostgreSQL database, and every retyped, recomputed or
// dropped v1 column has a `reverse`. InvalidInput at the manifest's `compat_view` naming the
// migration and why otherwise. Backfill calls it before staging anything; Publish again.
Status CheckCompatView(const Migration& migration, const Locations& locations);

// Where v1's table is kept while the view has its name: `<schema>.<table>__skein_v1`.
DatasetLocation CompatKeptTable(const DatasetLocation& v1);

// What a table name denotes in the engine's database now.
enum class RelationKind { kNone, kTable, kView };
Result<RelationKind> KindOf(SqlEngine& engine, const DatasetLocation& location);

// v1's columns with their types as the engine spells them (PostgreSQL: `character varying(20)`).
Result<std::vector<Column>> NativeColumns(SqlEngine& engine, const DatasetLocation& table);

// The view's query: v1's columns computed from a row of `v2`, cast to `v1_columns`' types.
// InvalidInput at the op when a column needs a `reverse` it lacks.
Result<std::string> CompatViewSelect(SqlEngine& engine, const Migration& migration,
                                     const std::vector<Column>& v1_columns, const DatasetLocation& v2);

// Files: records in the run (and saves it) that v2's folder does not exist yet, so that skein
// creates it and Rollback may remove it once empty. Call before staging creates the folder; a no-op
// for tables, when the folder exists, or when the run already says skein created it.
Status RememberCreatedV2Folder(const Migration& migration, const Locations& locations, Store& store,
                               nlohmann::json& run);

}  // namespace skein::dataset::internal
