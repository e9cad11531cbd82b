// watch/usage.h: the analysis behind schema-drift alerts and decommission checks, as pure
// functions over a file system: how a dataset's schema changed (DiffSchemas), which places in a
// consumer's repository use what changed (FindColumnUses), and which repositories still name the
// dataset at all (FindCodeReferences).
//
// Contracts: nothing is written. Column uses are found by the rewriter's scope resolution, never
// by a text search for the column's name: a query that reads only other columns of the dataset is
// no use, an unqualified column is the dataset's only when the query reads the dataset, and a
// same-named column of another table is no use. What the rewriter cannot prove (an ambiguous
// column, a schema in scope it does not know) counts as a use when it names a changed column:
// an alert too many costs less than a break nobody was told about. `SELECT *` over the dataset
// reads every column, so it uses every changed one. A file or folder that cannot be read is an
// error naming it, never a silent "no use".
//
// Calls: rewrite (RewriteFile), discover (the fleet scan, the dataset-id parser), base.
// Thread-safety: free functions; each call reads the file system and keeps no state.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "base/status.h"
#include "data/warehouse.h"
#include "discover/scanner.h"
#include "sql/dialect.h"

namespace skein::watch {

// How a dataset's schema changed between two readings of its location.
struct SchemaDrift {
  std::vector<std::string> removed;  // columns gone, in the old order
  struct Retyped {
    std::string column, from, to;
  };
  std::vector<Retyped> retyped;    // same name (case-insensitive), other type; in the old order
  std::vector<std::string> added;  // in the new order
  bool empty() const;
  bool breaking() const;  // something removed or retyped
  // "dropped email; retyped age INTEGER -> VARCHAR; added x"; "no change" when empty.
  std::string Describe() const;
};

// Compares names and types ASCII case-insensitively (SQL folds unquoted names; DuckDB spells
// types in upper case, other sources may not). Names are reported as `before` spells them, added
// ones as `after` does.
SchemaDrift DiffSchemas(const Schema& before, const Schema& after);

// One place in a consumer's code that uses a removed or retyped column.
struct ColumnUse {
  std::string file;       // relative to the repository, '/'-separated
  int line = 0, col = 0;  // 1-based; col in bytes
  std::string column;     // the removed/retyped column used, as `before` spells it
  std::string reason;     // the rewriter's finding text; for a `SELECT *`: "SELECT * over D reads its
                          // dropped column C"
};

// The places in `repo` (a folder: a consumer's repository checkout) that use a removed or retyped
// column of `dataset` (its id, e.g. "core.user_profile_v1"), sorted by file, line, column, then
// column name. `before` is the schema last seen (it resolves unqualified names). Files are walked
// like discover's scanner: hidden files and folders (.git), symbolic links, binary files (a NUL
// in the first 8 KiB) and files over 4 MiB are skipped, and so is any file that does not contain
// the dataset's table name. Nothing when the drift is not breaking. InvalidInput for a bad
// dataset id; NotFound when `repo` is not a folder; IoError naming a file or folder that cannot
// be read.
Result<std::vector<ColumnUse>> FindColumnUses(const std::filesystem::path& repo, const std::string& dataset,
                                              const Schema& before, const SchemaDrift& drift,
                                              sql::Dialect dialect = sql::Dialect::kAnsi);

// One place in a repository's files that names a dataset.
struct CodeReference {
  std::string repository;  // the repository's path, as `repos` gives it
  std::string file;        // relative to the repository, '/'-separated
  int line = 0, col = 0;   // 1-based; col in bytes
  std::string text;        // the matched text, as written
};

// Every reference to `dataset` (its id) in the files of `repos`, in discover's report order
// (repository name, path, file, line, column): what code search says still reads it. Any form
// discover knows counts (core.t, "core"."t", `proj.core.t`, source('core', 't'), ...), in
// comments and strings too. InvalidInput for a bad dataset id; IoError naming what could not be
// read, since a reference there cannot be ruled out.
Result<std::vector<CodeReference>> FindCodeReferences(const std::vector<Repository>& repos,
                                                      const std::string& dataset);

}  // namespace skein::watch
