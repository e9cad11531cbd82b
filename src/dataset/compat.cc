// The compatibility view and the record of a v2 folder skein created (see compat.h).
#include "dataset/compat.h"

#include <filesystem>

#include "base/text.h"
#include "data/sql_text.h"
#include "dataset/internal.h"

namespace skein::dataset::internal {
namespace {

using Format = DatasetLocation::Format;

bool IsTable(const DatasetLocation& location) {
  return location.format == Format::kDuckDb || location.format == Format::kPostgres;
}

std::string SameFile(const std::string& path) {
  std::error_code ec;
  std::filesystem::path canonical = std::filesystem::weakly_canonical(path, ec);
  return ec ? path : canonical.string();
}

// {schema, table} of a location's "schema.table", with the engine's default schema when none.
std::pair<std::string, std::string> SchemaAndTable(const DatasetLocation& location) {
  std::vector<std::string> parts = Split(location.table, '.', false);
  std::string schema = location.format == Format::kPostgres ? "public" : "main";
  if (parts.size() >= 2) schema = parts[parts.size() - 2];
  return {schema, parts.empty() ? "" : parts.back()};
}

// The text of the first identifier of a quoted name (`"skein_db_1"."core"."t"` -> skein_db_1).
std::string FirstQuotedPart(std::string_view name) {
  std::string out;
  if (name.empty() || name[0] != '"') return out;
  for (size_t i = 1; i < name.size(); ++i) {
    if (name[i] != '"') {
      out += name[i];
    } else if (i + 1 < name.size() && name[i + 1] == '"') {
      out += '"';
      ++i;
    } else {
      break;
    }
  }
  return out;
}

const ColumnOp* OpOf(const Migration& migration, std::string_view v1_column) {
  for (const auto& op : migration.columns) {
    if (op.kind != ColumnOpKind::kAdd && EqualsIgnoreCase(op.from, v1_column)) return &op;
  }
  return nullptr;
}

bool PlainRename(const ColumnOp& op) {
  return op.kind == ColumnOpKind::kMap && op.type.empty() && op.using_expr.empty();
}

}  // namespace

Status CheckCompatView(const Migration& migration, const Locations& locations) {
  if (!migration.data.publish.compat_view) return Status::Ok();
  const char* pointer = "/spec/data/publish/compat_view";
  std::string intro = "migration " + migration.name + ": compat_view makes " + migration.from +
                      "'s name a view over " + migration.to + ", which needs ";
  for (const DatasetLocation* location : {&locations.v1, &locations.v2}) {
    if (!IsTable(*location)) {
      const std::string& id = location == &locations.v1 ? migration.from : migration.to;
      return migration.ErrorAt(
          pointer, intro + "both to be tables (a DuckDB-file or PostgreSQL table), and " + id + " is " +
                       location->ToString() +
                       ": files cannot be replaced by a view; publish without compat_view");
    }
  }
  const DatasetLocation& v1 = locations.v1;
  const DatasetLocation& v2 = locations.v2;
  bool same_database =
      v1.format == v2.format &&
      (v1.format == Format::kPostgres ? v1.path == v2.path : SameFile(v1.path) == SameFile(v2.path));
  if (!same_database) {
    return migration.ErrorAt(
        pointer, intro + "both in one database, since a view reads its own database only; " + migration.from +
                     " is " + v1.ToString() + " and " + migration.to + " " + v2.ToString());
  }
  std::vector<std::string> missing;
  for (const auto& op : migration.columns) {
    if (op.kind != ColumnOpKind::kAdd && !PlainRename(op) && op.reverse.empty()) missing.push_back(op.from);
  }
  if (!missing.empty()) {
    return migration.ErrorAt(pointer, intro + "a reverse for every retyped, recomputed or dropped column; " +
                                          "missing for " + Join(missing, ", "));
  }
  if (v1.format == Format::kPostgres && SchemaAndTable(CompatKeptTable(v1)).second.size() > 63) {
    return migration.ErrorAt(pointer, intro + "room for v1's table under the name " +
                                          CompatKeptTable(v1).table + ", longer than PostgreSQL's 63 bytes");
  }
  return Status::Ok();
}

DatasetLocation CompatKeptTable(const DatasetLocation& v1) {
  DatasetLocation kept = v1;
  kept.table += "__skein_v1";
  return kept;
}

Result<RelationKind> KindOf(SqlEngine& engine, const DatasetLocation& location) {
  ASSIGN_OR_RETURN(std::string quoted, engine.TableName(location));
  auto [schema, table] = SchemaAndTable(location);
  std::string sql =
      "SELECT table_type FROM information_schema.tables WHERE table_schema = " + QuoteLiteral(schema) +
      " AND table_name = " + QuoteLiteral(table);
  // DuckDB lists every attached file's tables: the engine's name for this file comes first.
  if (engine.kind() == EngineKind::kDuckDb)
    sql += " AND table_catalog = " + QuoteLiteral(FirstQuotedPart(quoted));
  ASSIGN_OR_RETURN(RowSet rows, engine.Query(sql));
  if (rows.rows.empty()) return RelationKind::kNone;
  return rows.rows[0][0].value_or("") == "VIEW" ? RelationKind::kView : RelationKind::kTable;
}

Result<std::vector<Column>> NativeColumns(SqlEngine& engine, const DatasetLocation& table) {
  ASSIGN_OR_RETURN(std::string name, engine.TableName(table));
  std::string sql = "SELECT column_name, column_type FROM (DESCRIBE " + name + ")";
  if (engine.kind() == EngineKind::kPostgres) {
    sql = "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = CAST(" +
          QuoteLiteral(name) + " AS regclass) AND attnum > 0 AND NOT attisdropped ORDER BY attnum";
  }
  ASSIGN_OR_RETURN(RowSet rows, engine.Query(sql));
  std::vector<Column> columns;
  for (const auto& row : rows.rows) columns.push_back({row.at(0).value_or(""), row.at(1).value_or("")});
  if (columns.empty()) return Status::NotFound("no table " + table.table + " in " + table.ToString());
  return columns;
}

Result<std::string> CompatViewSelect(SqlEngine& engine, const Migration& migration,
                                     const std::vector<Column>& v1_columns, const DatasetLocation& v2) {
  std::vector<std::string> items;
  for (const Column& column : v1_columns) {
    const ColumnOp* op = OpOf(migration, column.name);
    std::string value;
    if (op == nullptr) {
      value = QuoteIdentifier(column.name);  // carried over unchanged
    } else if (PlainRename(*op)) {
      value = QuoteIdentifier(op->to.empty() ? op->from : op->to);
    } else if (!op->reverse.empty()) {
      RETURN_IF_ERROR(CheckSqlFragment(op->reverse).WithContext(migration.name + ": reverse of " + op->from));
      value = "(" + op->reverse + ")";
    } else {
      return migration.ErrorAt(op->pointer, "compat_view needs a reverse for " + op->from);
    }
    RETURN_IF_ERROR(CheckSqlFragment(column.type).WithContext("the type of " + column.name));
    items.push_back("CAST(" + value + " AS " + column.type + ") AS " + QuoteIdentifier(column.name));
  }
  // DuckDB: the view is stored in the file and read by whoever opens it, so it names v2 without the
  // catalog this engine attached the file under (a view binds names in its own database).
  std::string from;
  if (engine.kind() == EngineKind::kDuckDb) {
    auto [schema, table] = SchemaAndTable(v2);
    from = QuoteIdentifier(schema) + "." + QuoteIdentifier(table);
  } else {
    ASSIGN_OR_RETURN(from, engine.TableName(v2));
  }
  return "SELECT " + Join(items, ", ") + " FROM " + from;
}

Status RememberCreatedV2Folder(const Migration& migration, const Locations& locations, Store& store,
                               nlohmann::json& run) {
  if (!WritesFiles(locations) || run.value("v2_folder_created", false)) return Status::Ok();
  std::error_code ec;
  if (std::filesystem::exists(locations.v2.path, ec) || ec) return Status::Ok();
  run["v2_folder_created"] = true;
  return SaveRun(store, migration.name, run);
}

}  // namespace skein::dataset::internal
