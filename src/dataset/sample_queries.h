// Internal to dataset/: `data.verify.sample_queries` — queries a consumer would run over the
// from-dataset, run on v1 as written and on v2 as skein's rewriter translates them; their results
// must agree.
//
// A sample query names the from-dataset by its id (`FROM core.user_profile_v1 p`), as consumer
// SQL does. It must be one SELECT (WITH and set operations allowed) that reads the from-dataset
// and nothing else: no other table, no table function. On v1 each FROM item naming the dataset is
// replaced by the v1 relation; for v2 the query is first rewritten (rewrite/rewrite.h, a spec
// from the migration with preserve_output, so output names stay v1's) and each FROM item naming
// the to-dataset is replaced by the v2 relation. Items are found with the sql/ parser, never by
// text search. A query the rewriter cannot translate provably (a retyped column without
// `reverse`, an ambiguous column, ...) is refused, not guessed.
//
// Agreement: the same output column names, in order; then the rows, as multisets, or in order
// when the query ends with its own ORDER BY. Values compare as the engine's text, NULL only
// equal to NULL, except in a column that is numeric on both sides, where numbers compare by
// value: exactly when both sides are exact types (integers, DECIMAL: 5, 5.0 and 5.00 agree), and
// to 15 significant digits when either side is DOUBLE (6 when FLOAT/REAL), the precision those
// types hold, so a DOUBLE 0.30000000000000004 agrees with a DECIMAL 0.30.
//
// The FROM-item replacement (dataset/redirect_reads.h) and the comparison
// (dataset/result_compare.h) are shared with verify/'s equivalence verifier.
//
// Thread-safety: free functions; one engine per thread.
#pragma once

#include <string_view>
#include <vector>

#include "dataset/dataset.h"

namespace skein::dataset::internal {

// The most rows a sample query may return on either side: results are compared in memory.
inline constexpr size_t kMaxSampleQueryRows = 100000;

// One Check per `migration.data.verify.sample_queries` entry, in order: name "sample_query",
// partition "". `v1_relation` and `v2_relation` are FROM items `engine` reads (a quoted table
// name, read_parquet(...), or `(SELECT ...) AS alias`). A refused query, one the engine fails to
// run, or results that differ make a failed Check whose detail starts with the query's place,
// "m.yaml:14:9: sample query 2: ..." (1-based), and shows up to `examples` differing rows. An
// error is returned only when v1's schema cannot be read or the migration does not apply to it.
Result<std::vector<Check>> SampleQueryChecks(const Migration& migration, SqlEngine& engine,
                                             std::string_view v1_relation, std::string_view v2_relation,
                                             int examples);

}  // namespace skein::dataset::internal
