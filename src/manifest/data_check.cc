// TargetSchema and CheckMigrationAgainstData: the manifest against the from-dataset's schema.
#include <map>

#include "base/text.h"
#include "data/sql_text.h"
#include "manifest/migration.h"
#include "manifest/names.h"
#include "manifest/yaml_fields.h"

namespace skein {
namespace {

// Collects "file:line:col: message" lines in file order.
class Problems {
 public:
  explicit Problems(const Migration& migration) : migration_(migration) {}
  void Add(const std::string& pointer, const std::string& message) {
    SourcePosition at = migration_.PositionOf(pointer);
    lines_.emplace_back(std::pair(at.line, at.col), migration_.ErrorAt(pointer, message).message());
  }
  bool empty() const { return lines_.empty(); }
  Status ToStatus() const {
    if (lines_.empty()) return Status::Ok();
    auto sorted = lines_;
    std::stable_sort(sorted.begin(), sorted.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<std::string> out;
    for (const auto& [at, line] : sorted) out.push_back(line);
    return Status::InvalidInput(Join(out, "\n"));
  }

 private:
  const Migration& migration_;
  std::vector<std::pair<std::pair<int, int>, std::string>> lines_;
};

std::vector<std::string> ColumnNames(const Schema& schema) {
  std::vector<std::string> names;
  for (const auto& column : schema.columns) names.push_back(column.name);
  return names;
}

// The v1 column `name`, or nullptr after recording a problem at `pointer`.
const Column* FindV1(const Migration& m, const Schema& from, const std::string& name,
                     const std::string& pointer, Problems& problems) {
  const Column* column = from.Find(name);
  if (column == nullptr) {
    problems.Add(pointer, "column '" + name + "' is not in " + m.from + DidYouMean(name, ColumnNames(from)));
  }
  return column;
}

std::string NamePointer(const ColumnOp& op, const Migration& m) {
  if (op.kind == ColumnOpKind::kAdd) return op.pointer + "/add";
  return op.pointer + (m.source.value_positions.count(op.pointer + "/to") ? "/to" : "/from");
}

// Fails when two target columns share a name: one produced twice, or produced over a column of
// v1 that passes through unchanged.
void CheckUniqueTargets(const Migration& m, const std::vector<std::pair<Column, const ColumnOp*>>& target,
                        Problems& problems) {
  std::map<std::string, const ColumnOp*> seen;
  for (const auto& [column, op] : target) {
    auto [it, fresh] = seen.emplace(ToLower(column.name), op);
    if (fresh) continue;
    const ColumnOp* producer = op != nullptr ? op : it->second;
    if (producer == nullptr) continue;  // two unchanged v1 columns: v1's own business
    problems.Add(NamePointer(*producer, m), "v2 would have two columns named '" + column.name +
                                                "': " + m.from +
                                                " already has one that passes through unchanged "
                                                "(drop or rename it)");
  }
}

// v2's columns, each with the op that produces it (nullptr: passes through); problems recorded.
std::vector<std::pair<Column, const ColumnOp*>> TargetColumns(const Migration& m, const Schema& from,
                                                              Problems& problems) {
  std::map<std::string, const ColumnOp*> by_v1;
  for (const auto& op : m.columns) {
    if (op.kind == ColumnOpKind::kAdd) continue;
    std::string pointer = op.pointer + (op.kind == ColumnOpKind::kDrop ? "/drop" : "/from");
    if (FindV1(m, from, op.from, pointer, problems) != nullptr) by_v1[ToLower(op.from)] = &op;
  }
  std::vector<std::pair<Column, const ColumnOp*>> target;
  for (const auto& column : from.columns) {
    auto it = by_v1.find(ToLower(column.name));
    if (it == by_v1.end()) {
      target.emplace_back(column, nullptr);
    } else if (it->second->kind == ColumnOpKind::kMap) {
      const ColumnOp& op = *it->second;
      target.emplace_back(Column{op.to, op.type.empty() ? column.type : op.type}, &op);
    }
  }
  for (const auto& op : m.columns) {
    if (op.kind == ColumnOpKind::kAdd) target.emplace_back(Column{op.to, op.type}, &op);
  }
  CheckUniqueTargets(m, target, problems);
  return target;
}

void CheckExpression(Warehouse& warehouse, const Schema& input, const std::string& input_name,
                     const std::string& expression, const std::string& type, const std::string& pointer,
                     const std::string& what, Problems& problems) {
  Result<std::string> result = warehouse.CheckExpression(input, expression, type);
  if (result.ok()) return;
  problems.Add(pointer, what + " does not bind over " + input_name + (type.empty() ? "" : " as " + type) +
                            ": " + result.status().message());
}

void CheckOp(const Migration& m, const ColumnOp& op, const Schema& from, const Schema& target, bool target_ok,
             Warehouse& warehouse, Problems& problems) {
  const std::string v1 = m.from + " (v1)";
  const std::string v2 = m.to + " (v2)";
  if (op.kind == ColumnOpKind::kAdd) {
    CheckExpression(warehouse, from, v1, op.using_expr, op.type, op.pointer + "/using",
                    "using of column '" + op.to + "'", problems);
    return;
  }
  const Column* v1_column = from.Find(op.from);
  if (v1_column == nullptr) return;  // reported by TargetSchema
  if (op.kind == ColumnOpKind::kMap) {
    const Column* v2_column = target.Find(op.to);
    std::string type = v2_column ? v2_column->type : op.type;
    if (!op.using_expr.empty()) {
      CheckExpression(warehouse, from, v1, op.using_expr, type, op.pointer + "/using",
                      "using of column '" + op.to + "'", problems);
    } else if (!op.type.empty()) {
      CheckExpression(warehouse, from, v1, QuoteIdentifier(op.from), op.type, op.pointer + "/type",
                      "column '" + op.from + "' cast to " + op.type, problems);
    }
  }
  if (!op.reverse.empty() && target_ok) {
    CheckExpression(warehouse, target, v2, op.reverse, v1_column->type, op.pointer + "/reverse",
                    "reverse of column '" + op.from + "'", problems);
  }
}

// partition_by and key name v1 columns that v2 keeps: both sides are partitioned and diffed by them.
void CheckDataColumns(const Migration& m, const Schema& from, Problems& problems) {
  auto check = [&](const std::string& name, const std::string& pointer, const char* role) {
    if (FindV1(m, from, name, pointer, problems) == nullptr) return;
    for (const auto& op : m.columns) {
      if (op.kind == ColumnOpKind::kDrop && EqualsIgnoreCase(op.from, name)) {
        problems.Add(pointer,
                     std::string(role) + " column '" + name + "' is dropped by " + FieldName(op.pointer));
      }
    }
  };
  if (!m.data.partition_by.empty()) check(m.data.partition_by, "/spec/data/partition_by", "partition_by");
  for (size_t i = 0; i < m.data.key.size(); ++i)
    check(m.data.key[i], "/spec/data/key/" + std::to_string(i), "key");
}

// Each tolerance names a v2 column of a type it applies to: numbers take a number, dates and
// timestamps a number of microseconds or a duration.
void CheckTolerances(const Migration& m, const Schema& target, Problems& problems) {
  for (const auto& [name, value] : m.data.verify.tolerances) {
    std::string pointer = "/spec/data/verify/tolerances/" + name;
    const Column* column = target.Find(name);
    if (column == nullptr) {
      problems.Add(pointer, "tolerance for '" + name + "': " + m.to + " (v2) has no such column");
      continue;
    }
    std::string type = ToLower(column->type);
    bool temporal = type.starts_with("date") || type.starts_with("timestamp");
    bool numeric = type.starts_with("decimal") || type.starts_with("numeric") || type == "double" ||
                   type == "float" || type == "real" || type.ends_with("int") || type == "integer";
    bool plain_number = !value.empty() && value.find_first_not_of("0123456789.eE+-") == std::string::npos;
    if (!temporal && !numeric) {
      problems.Add(pointer, "tolerance for '" + name + "': column is " + column->type +
                                "; tolerances apply to numbers, dates and timestamps");
    } else if (numeric && !plain_number) {
      problems.Add(pointer, "tolerance for '" + name + "': column is " + column->type +
                                ", so the tolerance is a number, not '" + value + "'");
    }
  }
}

}  // namespace

Result<Schema> TargetSchema(const Migration& migration, const Schema& from) {
  Problems problems(migration);
  Schema target;
  for (auto& [column, op] : TargetColumns(migration, from, problems))
    target.columns.push_back(std::move(column));
  RETURN_IF_ERROR(problems.ToStatus());
  return target;
}

Status CheckMigrationAgainstData(const Migration& migration, const Schema& from, Warehouse& warehouse) {
  Problems problems(migration);
  Schema target;
  for (auto& [column, op] : TargetColumns(migration, from, problems))
    target.columns.push_back(std::move(column));
  // With a broken target schema, a reverse could fail for the wrong reason: check it once fixed.
  bool target_ok = problems.empty();
  for (const auto& op : migration.columns)
    CheckOp(migration, op, from, target, target_ok, warehouse, problems);
  CheckDataColumns(migration, from, problems);
  if (target_ok) CheckTolerances(migration, target, problems);
  if (!migration.data.window.empty()) {
    CheckExpression(warehouse, from, migration.from + " (v1)", migration.data.window, "BOOLEAN",
                    "/spec/data/window", "data.window", problems);
  }
  return problems.ToStatus();
}

}  // namespace skein
