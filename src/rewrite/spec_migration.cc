// RewriteSpec::FromMigration: a checked Migration and its from-schema -> the rewriters' spec. Kept
// apart from spec.cc, the only rewrite/ source that needs skein_manifest, so that the rewriters
// themselves build without the manifest (and DuckDB) behind it, e.g. for fuzz/rewrite.
#include <string>

#include "base/text.h"
#include "manifest/migration.h"
#include "rewrite/rewrite.h"

namespace skein {
namespace {

// Types compare as DuckDB spells them, ignoring case and the common aliases, so that
// `type: integer` over an INTEGER column is not a retype.
std::string NormalizeType(std::string_view type) {
  std::string t = ToLower(Trim(type));
  if (t == "int" || t == "int4" || t == "signed") return "integer";
  if (t == "int8" || t == "long") return "bigint";
  if (t == "string" || t == "text" || t == "char" || t == "bpchar") return "varchar";
  if (t == "bool" || t == "logical") return "boolean";
  if (t == "float8") return "double";
  if (t == "float4" || t == "real" || t == "float") return "float";
  if (t == "datetime") return "timestamp";
  return t;
}

}  // namespace

Result<RewriteSpec> RewriteSpec::FromMigration(const Migration& migration, const Schema& from) {
  RewriteSpec spec;
  spec.from_table = migration.from;
  spec.to_table = migration.to;
  spec.preserve_output = migration.consumers.preserve_output;
  ASSIGN_OR_RETURN(Schema to, TargetSchema(migration, from));
  for (const auto& c : from.columns) spec.from_columns.push_back(c.name);
  for (const auto& c : to.columns) spec.to_columns.push_back(c.name);
  for (const auto& op : migration.columns) {
    if (op.kind == ColumnOpKind::kAdd) continue;
    const Column* v1 = from.Find(op.from);
    if (v1 == nullptr) return migration.ErrorAt(op.pointer, "no column " + op.from + " in " + migration.from);
    ColumnChange change;
    change.from = v1->name;
    change.reverse = op.reverse;
    if (op.kind == ColumnOpKind::kMap) {
      change.to = op.to.empty() ? v1->name : op.to;
      change.retyped = !op.type.empty() && NormalizeType(op.type) != NormalizeType(v1->type);
      if (change.to == change.from && !change.retyped) continue;  // an identity op changes nothing
    }
    spec.columns.push_back(std::move(change));
  }
  return spec;
}

}  // namespace skein
