// SQL text helpers for building statements from catalog and manifest values: quoting of
// identifiers and string literals, and a lexical guard for fragments (expressions, type names)
// that are pasted into a statement. Every value that reaches DuckDB or PostgreSQL from a catalog
// or a manifest goes through one of these; none is pasted raw.
//
// Thread-safety: free functions, no state.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"

namespace skein {

// "name" with embedded double quotes doubled: a SQL identifier that means exactly `name`.
std::string QuoteIdentifier(std::string_view name);
// 'text' with embedded single quotes doubled: a SQL string literal that means exactly `text`.
std::string QuoteLiteral(std::string_view text);
// "a"."b" from "a.b": each dot-separated part quoted.
std::string QuoteQualifiedName(std::string_view dotted);

// A column type in DuckDB's spelling (as schemas and manifests write types) spelled for
// PostgreSQL: DOUBLE -> DOUBLE PRECISION, BLOB -> BYTEA, HUGEINT -> NUMERIC(38,0), INTEGER[] ->
// INTEGER[] ...; types both spell alike (BIGINT, DECIMAL(18,2), DATE, TIMESTAMP) unchanged.
std::string PostgresTypeName(std::string_view duckdb_type);

// Checks that `fragment` stays one expression (or one type name) when pasted between
// parentheses: no ';' outside string literals, quoted identifiers and comments; balanced
// parentheses, brackets and braces; every literal, identifier and block comment closed; not empty.
// InvalidInput saying what is wrong otherwise.
Status CheckSqlFragment(std::string_view fragment);

}  // namespace skein
