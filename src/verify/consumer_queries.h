// Internal to verify/: the queries of a consumer's file that read a dataset, as the equivalence
// verifier runs them.
//
// SQL files and dbt models: each statement (split and read by sql/'s parser) whose query reads
// the dataset; for INSERT .. SELECT and CREATE .. AS SELECT, the SELECT. Code (Python, Scala,
// Java, Go, JavaScript): each string literal holding such SQL, found with sql/'s lexer over the
// host text (Python read with BigQuery's string rules: '..', "..", triple quotes, r/b prefixes,
// # comments; the other languages with Spark's: backslash escapes, `raw` quoted text), escapes
// undone. A literal whose interpolation placeholders stay in the text is still listed: DuckDB
// refuses it later, which makes it not applicable.
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "sql/dialect.h"

namespace skein::verify {

struct ConsumerQuery {
  int line = 0;     // 1-based line of the file where the query starts
  std::string sql;  // the query's text (Jinja not yet rendered)
  sql::Dialect dialect = sql::Dialect::kAnsi;
  std::string dataset;  // which of the asked datasets it reads (the first one, when several)
};

// The queries of `text` (the content of `path`) reading any of `datasets` (ids such as
// "core.user_profile_v1", matched as consumer SQL names them: proj.core.t, core.t, t, source()),
// in file order. Files of other kinds have none.
std::vector<ConsumerQuery> FindDatasetQueries(std::string_view path, std::string_view text,
                                              const std::vector<std::string>& datasets);

// dbt's Jinja made plain SQL, the little that can be done without dbt: {{ source('s', 't') }}
// becomes s.t, {{ ref('m') }} becomes m, {{ config(..) }} and {# .. #} go. InvalidInput naming
// anything else ({% if %}, {{ var(..) }}, macros): what it renders to is unknown.
Result<std::string> RenderDbtJinja(std::string_view sql);

}  // namespace skein::verify
