// Internal to data/: Avro object container files as a dataset source. Reads a file's writer schema
// as DuckDB column types and streams its rows as text values (the shape of data/engine.h's RowSet),
// so an Avro dataset can be loaded into any SqlEngine table with `Append`.
//
// libavro (Debian's avro-c) decodes the rows. Two things it does not do are done here:
//  - Logical types: avro-c 1.11 drops the `logicalType` attribute when it parses a schema, so the
//    schema's JSON text is read from the file header and parsed here; libavro decodes the
//    underlying values (a date is an int to libavro) and this module formats them.
//  - Framing checks: libavro treats a truncated last block like the end of the file and does not
//    bound a block's declared size, so every block's count, size and sync marker are checked
//    against the file before libavro reads it. A truncated file is an error, not a short read.
//
// Type mapping (a field of the top-level record is a column):
//   boolean BOOLEAN, int INTEGER, long BIGINT, float FLOAT, double DOUBLE, string VARCHAR,
//   bytes BLOB, fixed BLOB, enum VARCHAR (the symbol), null VARCHAR (always NULL);
//   logical types: date DATE; time-millis, time-micros TIME; timestamp-millis, timestamp-micros and
//   their local- forms TIMESTAMP (UTC wall-clock time); decimal(p,s) DECIMAL(p,s) when p <= 38,
//   else VARCHAR holding the exact value (up to p = 1000); uuid UUID. A logical type on the wrong
//   underlying type is ignored, as the Avro specification says, and so is one this module does
//   not know (timestamp-nanos, duration): the column has the underlying type.
//   A union [null, T] or [T, null] is a nullable T. Other unions, arrays, maps and records are
//   VARCHAR holding JSON text: a record or map is an object, an array an array, a union its
//   branch's value; inside JSON, numbers and booleans are JSON values, everything else (dates,
//   decimals, bytes, non-finite floats) is a JSON string in the text form described below. JSON
//   rather than DuckDB STRUCT/LIST/MAP because the target may be PostgreSQL or a file format
//   without nested types, and DuckDB's json functions read it back.
//
// Value text, as DuckDB's cast from VARCHAR reads it: booleans true/false; floats %.9g and
// doubles %.17g (they round-trip), nan/inf/-inf; dates YYYY-MM-DD and timestamps
// YYYY-MM-DD HH:MM:SS.ffffff (proleptic Gregorian, astronomical years: -0001 is 2 BC); times
// HH:MM:SS.ffffff; decimals exact ("-12.50"); bytes as blob escape text: printable ASCII other
// than '\' as is, every other byte \xAB, so CAST(text AS BLOB) gives the bytes back.
//
// Thread-safety: one thread at a time: libavro reports errors through one process-wide buffer.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "base/status.h"
#include "data/engine.h"
#include "data/warehouse.h"

namespace skein {

// The columns of the Avro file at `path`: its top-level record's fields, with DuckDB types (see
// the mapping above). NotFound when there is no such file; InvalidInput naming the path when it
// is a folder, not an Avro object container file, its header is truncated, its schema cannot be
// parsed (libavro's message), its top level is not a record with fields, or its codec is not
// one libavro reads (null, deflate, snappy, lzma).
Result<Schema> ReadAvroSchema(const std::string& path);

// Streams the rows of the Avro file at `path` to `sink`, in file order, in batches of at most
// `batch_rows` rows (0 counts as 1); `columns` are the field names, values are text as above,
// NULL is nullopt. Empty batches are not sent. The file's framing is checked first, so a
// truncated file or a corrupt block boundary is an InvalidInput naming the path and byte before
// any row is sent; a block libavro cannot decode (corrupt bytes inside it) is an InvalidInput
// naming the row, sent after the rows before it. A sink error stops the read and is returned.
Status ReadAvroRows(const std::string& path, size_t batch_rows,
                    const std::function<Status(const RowSet&)>& sink);

// The Avro files a location names and their common schema.
struct AvroFileSet {
  std::vector<std::string> files;  // sorted by path, at least one
  Schema schema;
};

// The Avro files a location names, sorted by path: the file itself; every *.avro file below a
// folder (recursively, skipping folders whose name starts with '.'); or the files a glob matches
// (glob(3) syntax, no '**'). Every file's schema is read and must equal the first file's (same
// column names and types, in order): InvalidInput naming the first file that differs and how.
// NotFound when nothing is there.
Result<AvroFileSet> ReadAvroFileSet(const std::string& path_or_folder_or_glob);
// ReadAvroFileSet's files only.
Result<std::vector<std::string>> AvroFiles(const std::string& path_or_folder_or_glob);

}  // namespace skein
