// Pointing a consumer's query at another relation: every FROM item that names a dataset (by its
// id, `proj.core.t`, `core.t`, `t`, or dbt's {{ source('core', 't') }}) is replaced by a relation
// an engine can read, with the sql/ parser finding the items, never a text search. Shared by the
// manifest's sample queries (dataset/sample_queries.cc) and the equivalence verifier (verify/).
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "sql/dialect.h"

namespace skein::dataset {

struct RedirectOptions {
  sql::Dialect dialect = sql::Dialect::kAnsi;  // how the query text is read
  // True: the query must read the dataset and nothing else (no other table, no table function,
  // no opaque Jinja). False: other FROM items are left as written, for the engine to resolve.
  bool dataset_only = true;
};

// `text` (one SELECT; WITH and set operations allowed) with every FROM item naming `dataset`
// reading `relation` instead, written `(SELECT * FROM relation) [AS last_name_part]` so the
// query's own alias, or the table's name when it has none, still qualifies its columns;
// `core.t.col` becomes `t.col`. `columns` are the dataset's column names (to resolve qualified
// references). InvalidInput saying why ("is not one SELECT statement", "does not read core.t",
// "reads core.orders, which is not core.t: ...") when the text cannot be redirected.
Result<std::string> RedirectDatasetReads(std::string_view text, const std::string& dataset,
                                         std::string_view relation, const std::vector<std::string>& columns,
                                         const RedirectOptions& options);

}  // namespace skein::dataset
