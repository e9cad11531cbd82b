// Reads a PostgreSQL table's columns (information_schema.columns, through libpq) and spells
// their types as DuckDB does, so a PostgreSQL dataset's schema compares with any other.
// Internal to the data module: callers go through Warehouse::ReadSchema.
//
// Thread-safety: free functions; each call opens and closes its own connection.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"
#include "data/warehouse.h"

namespace skein {

// The columns of `table` ("schema.table", or "table" in schema public) in the database at `url`,
// in column order. NotFound when the table does not exist, Unavailable when the database cannot
// be reached.
Result<Schema> ReadPostgresSchema(std::string_view url, std::string_view table);

// DuckDB's name for a PostgreSQL column type, from information_schema's data_type, udt_name,
// numeric precision and scale ("" when NULL). Types with no DuckDB counterpart read as VARCHAR.
std::string DuckDbTypeForPostgres(std::string_view data_type, std::string_view udt_name,
                                  std::string_view precision, std::string_view scale);

// The URL with its password replaced by "***", for messages.
std::string RedactUrl(std::string_view url);

}  // namespace skein
