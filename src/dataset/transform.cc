// The transform: v2's columns as SQL over a v1 row (see dataset.h).
#include "base/text.h"
#include "data/sql_text.h"
#include "dataset/dataset.h"

namespace skein::dataset {
namespace {

const ColumnOp* OpFor(const Migration& migration, std::string_view v2_column) {
  for (const auto& op : migration.columns) {
    if (op.kind == ColumnOpKind::kDrop) continue;
    if (EqualsIgnoreCase(op.to, v2_column)) return &op;
  }
  return nullptr;
}

const ColumnOp* MapOf(const Migration& migration, std::string_view v1_column) {
  for (const auto& op : migration.columns) {
    if (op.kind == ColumnOpKind::kMap && EqualsIgnoreCase(op.from, v1_column)) return &op;
  }
  return nullptr;
}

}  // namespace

std::string Partition::Key() const {
  if (single) return "<all>";
  return value ? *value : "<null>";
}

std::string Transform::Select(std::string_view relation, std::string_view where) const {
  std::vector<std::string> items;
  for (const auto& column : columns)
    items.push_back(column.expression + " AS " + QuoteIdentifier(column.name));
  std::string sql = "SELECT " + Join(items, ", ") + " FROM " + std::string(relation);
  std::vector<std::string> conditions;
  if (!window.empty()) conditions.push_back("(" + window + ")");
  if (!where.empty()) conditions.push_back("(" + std::string(where) + ")");
  if (!conditions.empty()) sql += " WHERE " + Join(conditions, " AND ");
  return sql;
}

Result<Transform> PlanTransform(const Migration& migration, const Schema& v1, EngineKind engine) {
  auto spelled = [engine](const std::string& type) {
    return engine == EngineKind::kPostgres ? PostgresTypeName(type) : type;
  };
  ASSIGN_OR_RETURN(Schema v2, TargetSchema(migration, v1));
  Transform t;
  for (const Column& column : v2.columns) {
    TargetColumn target{column.name, column.type, spelled(column.type), ""};
    const ColumnOp* op = OpFor(migration, column.name);
    std::string value;
    if (op == nullptr) {
      value = QuoteIdentifier(column.name);  // carried over unchanged
    } else if (!op->using_expr.empty()) {
      value = "(" + op->using_expr + ")";
    } else {
      value = QuoteIdentifier(op->from);
    }
    const Column* before =
        op != nullptr && op->kind == ColumnOpKind::kMap ? v1.Find(op->from) : v1.Find(column.name);
    bool same_type = before != nullptr && EqualsIgnoreCase(before->type, column.type) &&
                     (op == nullptr || op->using_expr.empty());
    target.expression = same_type ? value : "CAST(" + value + " AS " + target.sql_type + ")";
    t.columns.push_back(std::move(target));
  }
  t.window = migration.data.window;
  if (!migration.data.partition_by.empty()) {
    const Column* part = v1.Find(migration.data.partition_by);
    if (part == nullptr)
      return migration.ErrorAt("/spec/data/partition_by", "no such column in " + migration.from);
    t.partition_v1 = part->name;
    t.partition_type = spelled(part->type);
    const ColumnOp* op = MapOf(migration, part->name);
    t.partition_v2 = op != nullptr ? op->to : part->name;
  }
  for (const auto& key : migration.data.key) {
    const ColumnOp* op = MapOf(migration, key);
    t.key_v2.push_back(op != nullptr ? op->to : key);
  }
  // A key identifies a row within its partition (a daily snapshot repeats user_id every day).
  bool has_partition = false;
  for (const auto& k : t.key_v2) has_partition |= EqualsIgnoreCase(k, t.partition_v2);
  if (!t.key_v2.empty() && !t.partition_v2.empty() && !has_partition) t.key_v2.push_back(t.partition_v2);
  return t;
}

}  // namespace skein::dataset
