// RewriteSpec: the rewriters' view of a Migration — a table rename plus the v1 columns that
// change (renamed, retyped, dropped), with the v1 and v2 column lists for resolving names.
// FromMigration lives in spec_migration.cc (the one source that needs skein_manifest).
#include <string>

#include "base/text.h"
#include "rewrite/rewrite.h"

namespace skein {

RewriteSpec RewriteSpec::Inverse() const {
  RewriteSpec inverse;
  inverse.from_table = to_table;
  inverse.to_table = from_table;
  inverse.from_columns = to_columns;
  inverse.to_columns = from_columns;
  inverse.preserve_output = preserve_output;
  inverse.columns_of = columns_of;
  for (const auto& c : columns) {
    if (c.to.empty() || c.to == c.from) continue;  // drops and pure retypes have no inverse
    inverse.columns.push_back(ColumnChange{c.to, c.from, "", false});
  }
  return inverse;
}

const ColumnChange* RewriteSpec::FindChange(std::string_view v1_column) const {
  for (const auto& c : columns) {
    if (EqualsIgnoreCase(c.from, v1_column)) return &c;
  }
  return nullptr;
}

}  // namespace skein
