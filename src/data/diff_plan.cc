// The diff's plan (see diff_sql.h): columns paired by name after the columns map, the key, the
// compared columns, and how each pair compares given the two types and any tolerance.
#include <cmath>
#include <cstdlib>
#include <set>

#include "base/text.h"
#include "data/diff.h"
#include "data/diff_sql.h"

namespace skein {
namespace diff_internal {
namespace {

bool IsNumeric(TypeClass c) {
  return c == TypeClass::kInteger || c == TypeClass::kDecimal || c == TypeClass::kFloat;
}
bool IsTemporal(TypeClass c) { return c == TypeClass::kDate || c == TypeClass::kTimestamp; }

Compare PairCompare(TypeClass a, TypeClass b, bool tolerance) {
  if (IsNumeric(a) && IsNumeric(b)) {
    if (tolerance || a == TypeClass::kFloat || b == TypeClass::kFloat) return Compare::kDouble;
    if (a == TypeClass::kDecimal || b == TypeClass::kDecimal) return Compare::kDecimal;
    return Compare::kInteger;
  }
  if (IsTemporal(a) && IsTemporal(b)) {
    return a == TypeClass::kDate && b == TypeClass::kDate && !tolerance ? Compare::kDate
                                                                        : Compare::kTimestamp;
  }
  if (a == b && a == TypeClass::kBoolean) return Compare::kBoolean;
  if (a == b && a == TypeClass::kBlob) return Compare::kBlob;
  return Compare::kText;
}

// The column named `name`: the exact spelling first, else the one that matches ignoring case.
const Column* FindColumn(const Schema& schema, std::string_view name) {
  for (const auto& column : schema.columns) {
    if (column.name == name) return &column;
  }
  return schema.Find(name);
}

// The pair a user's column name means: A's or B's name, exact spelling first.
Result<size_t> ResolvePair(const std::vector<PlannedColumn>& pairs, const std::string& name,
                           std::string_view option, const Schema& a, const Schema& b,
                           const std::string& a_label, const std::string& b_label) {
  for (size_t i = 0; i < pairs.size(); ++i) {
    if (pairs[i].a_name == name || pairs[i].b_name == name) return i;
  }
  for (size_t i = 0; i < pairs.size(); ++i) {
    if (EqualsIgnoreCase(pairs[i].a_name, name) || EqualsIgnoreCase(pairs[i].b_name, name)) return i;
  }
  std::string prefix = std::string(option) + ": column '" + name + "' ";
  if (FindColumn(a, name) != nullptr) return Status::InvalidInput(prefix + "is only in " + a_label);
  if (FindColumn(b, name) != nullptr) return Status::InvalidInput(prefix + "is only in " + b_label);
  return Status::InvalidInput(prefix + "is in neither " + a_label + " nor " + b_label);
}

Result<double> ParseNumber(const std::string& text) {
  std::string trimmed(Trim(text));
  char* end = nullptr;
  double value = trimmed.empty() ? NAN : std::strtod(trimmed.c_str(), &end);
  if (trimmed.empty() || end != trimmed.c_str() + trimmed.size() || !std::isfinite(value) || value < 0) {
    return Status::InvalidInput("'" + text + "' is not a tolerance (expected a number >= 0, e.g. 0.001)");
  }
  return value;
}

}  // namespace

TypeClass ClassOf(std::string_view duckdb_type) {
  std::string type = ToLower(Trim(duckdb_type));
  if (type.ends_with("]") || type.starts_with("struct") || type.starts_with("map") ||
      type.starts_with("union")) {
    return TypeClass::kText;
  }
  std::string base = std::string(Trim(type.substr(0, type.find('('))));
  static const std::set<std::string, std::less<>> kIntegers = {
      "tinyint",  "smallint", "integer",  "int",  "bigint", "hugeint", "utinyint", "usmallint",
      "uinteger", "ubigint",  "uhugeint", "int1", "int2",   "int4",    "int8"};
  if (kIntegers.contains(base)) return TypeClass::kInteger;
  if (base == "decimal" || base == "numeric") return TypeClass::kDecimal;
  if (base == "double" || base == "float" || base == "real" || base == "float4" || base == "float8") {
    return TypeClass::kFloat;
  }
  if (base == "boolean" || base == "bool") return TypeClass::kBoolean;
  if (base == "date") return TypeClass::kDate;
  if (base.starts_with("timestamp") || base == "datetime") return TypeClass::kTimestamp;
  if (base == "blob" || base == "bytea") return TypeClass::kBlob;
  return TypeClass::kText;
}

Result<DiffPlan> PlanDiff(const Schema& a, const Schema& b, const DiffOptions& options,
                          const std::string& a_label, const std::string& b_label) {
  // --columns-map: A's old name -> B's new name; a renamed B column pairs with its A column only.
  std::map<std::string, std::string> renamed;  // A's column (lower case) -> B's column
  std::set<std::string> rename_targets;        // B's columns (lower case)
  for (const auto& [old_name, new_name] : options.columns_map) {
    std::string option = "--columns-map " + old_name + "=" + new_name;
    const Column* from = FindColumn(a, old_name);
    if (from == nullptr)
      return Status::InvalidInput(option + ": " + a_label + " has no column '" + old_name + "'");
    const Column* to = FindColumn(b, new_name);
    if (to == nullptr)
      return Status::InvalidInput(option + ": " + b_label + " has no column '" + new_name + "'");
    if (!renamed.emplace(ToLower(from->name), to->name).second ||
        !rename_targets.insert(ToLower(to->name)).second) {
      return Status::InvalidInput(option + ": a column is mapped twice");
    }
  }
  DiffPlan plan;
  std::vector<PlannedColumn> pairs;
  std::set<std::string> b_used;
  for (const Column& column : a.columns) {
    auto rename = renamed.find(ToLower(column.name));
    const Column* match = FindColumn(b, rename != renamed.end() ? rename->second : column.name);
    if (match != nullptr && rename == renamed.end() && rename_targets.contains(ToLower(match->name)))
      match = nullptr;
    if (match == nullptr || b_used.contains(ToLower(match->name))) {
      plan.only_in_a.push_back(column.name);
      continue;
    }
    b_used.insert(ToLower(match->name));
    PlannedColumn pair{column.name, match->name, column.type, match->type};
    pair.compare = PairCompare(ClassOf(column.type), ClassOf(match->type), /*tolerance=*/false);
    pairs.push_back(std::move(pair));
  }
  for (const Column& column : b.columns) {
    if (!b_used.contains(ToLower(column.name))) plan.only_in_b.push_back(column.name);
  }

  if (options.key.empty()) return Status::InvalidInput("--key: name at least one key column");
  std::set<size_t> key_pairs;
  for (const auto& name : options.key) {
    ASSIGN_OR_RETURN(size_t index, ResolvePair(pairs, name, "--key", a, b, a_label, b_label));
    if (!key_pairs.insert(index).second)
      return Status::InvalidInput("--key: column '" + name + "' is named twice");
    plan.key.push_back(pairs[index]);
  }

  std::set<size_t> compared;
  if (options.columns.empty()) {
    for (size_t i = 0; i < pairs.size(); ++i) compared.insert(i);
  } else {
    // Limiting the comparison also limits the schema check to the named columns.
    plan.only_in_a.clear();
    plan.only_in_b.clear();
    for (const auto& name : options.columns) {
      ASSIGN_OR_RETURN(size_t index, ResolvePair(pairs, name, "--columns", a, b, a_label, b_label));
      compared.insert(index);
    }
  }
  for (size_t index : key_pairs) compared.erase(index);

  std::map<size_t, const DiffTolerance*> tolerances;
  for (const auto& tolerance : options.tolerances) {
    std::string option = "--tolerance " + tolerance.column + "=" + tolerance.value;
    ASSIGN_OR_RETURN(size_t index, ResolvePair(pairs, tolerance.column, option, a, b, a_label, b_label));
    if (key_pairs.contains(index)) return Status::InvalidInput(option + ": a key column compares exactly");
    if (!compared.contains(index))
      return Status::InvalidInput(option + ": column is not compared (see --columns)");
    if (!tolerances.emplace(index, &tolerance).second) {
      return Status::InvalidInput(option + ": column '" + tolerance.column + "' has two tolerances");
    }
  }
  for (size_t index : compared) {
    PlannedColumn column = pairs[index];
    auto tolerance = tolerances.find(index);
    if (tolerance != tolerances.end()) {
      std::string option = "--tolerance " + tolerance->second->column + "=" + tolerance->second->value;
      TypeClass a_class = ClassOf(column.a_type);
      TypeClass b_class = ClassOf(column.b_type);
      if (IsNumeric(a_class) && IsNumeric(b_class)) {
        Result<double> value = ParseNumber(tolerance->second->value);
        if (!value.ok()) return value.status().WithContext(option);
        column.tolerance = *value;
      } else if (IsTemporal(a_class) && IsTemporal(b_class)) {
        Result<int64_t> value = ParseMicroseconds(tolerance->second->value);
        if (!value.ok()) return value.status().WithContext(option);
        column.tolerance_us = *value;
      } else {
        return Status::InvalidInput(option + ": column '" + column.b_name + "' is " + column.a_type + " in " +
                                    a_label + " and " + column.b_type + " in " + b_label +
                                    "; tolerances apply to numbers, dates and timestamps");
      }
      bool any = column.tolerance > 0 || column.tolerance_us > 0;
      column.compare = PairCompare(a_class, b_class, any);
    }
    plan.columns.push_back(std::move(column));
  }
  return plan;
}

}  // namespace diff_internal

Result<int64_t> ParseMicroseconds(std::string_view text) {
  std::string trimmed(Trim(text));
  size_t unit_start = trimmed.find_first_not_of("0123456789.");
  std::string number = trimmed.substr(0, unit_start);
  std::string unit = unit_start == std::string::npos ? "" : ToLower(Trim(trimmed.substr(unit_start)));
  static const std::map<std::string, double, std::less<>> kUnits = {
      {"", 1},     {"us", 1},     {"µs", 1},     {"ms", 1e3},   {"s", 1e6},
      {"m", 60e6}, {"min", 60e6}, {"h", 3600e6}, {"d", 86400e6}};
  auto factor = kUnits.find(unit);
  char* end = nullptr;
  double value = number.empty() ? NAN : std::strtod(number.c_str(), &end);
  if (factor == kUnits.end() || number.empty() || end != number.c_str() + number.size() ||
      !std::isfinite(value) || value * factor->second > 9e18) {
    return Status::InvalidInput("'" + std::string(text) +
                                "' is not a time tolerance (expected microseconds, or a number with a unit: "
                                "us, ms, s, min, h, d, e.g. 1ms)");
  }
  return static_cast<int64_t>(std::llround(value * factor->second));
}

}  // namespace skein
