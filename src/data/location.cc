// DatasetLocation::Parse, ParseSchemaAnnotation and Schema::Find: the plain-text side of the
// warehouse interface (warehouse.h), no engine involved.
#include <set>

#include "base/text.h"
#include "data/sql_text.h"
#include "data/warehouse.h"

namespace skein {
namespace {

bool EndsWith(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && EqualsIgnoreCase(text.substr(text.size() - suffix.size()), suffix);
}

bool StartsWith(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() && EqualsIgnoreCase(text.substr(0, prefix.size()), prefix);
}

// Splits "FILE#schema.table" into its file and its table; the table is required.
Status SplitTable(std::string_view text, std::string_view location, DatasetLocation& out) {
  size_t hash = text.rfind('#');
  if (hash == std::string_view::npos || Trim(text.substr(hash + 1)).empty()) {
    return Status::InvalidInput("location '" + std::string(location) +
                                "' names no table (expected ...#schema.table)");
  }
  out.path = std::string(Trim(text.substr(0, hash)));
  out.table = std::string(Trim(text.substr(hash + 1)));
  std::vector<std::string> parts = Split(out.table, '.', /*skip_empty=*/false);
  for (const auto& part : parts) {
    if (Trim(part).empty() || parts.size() > 2) {
      return Status::InvalidInput("location '" + std::string(location) + "': malformed table '" + out.table +
                                  "' (expected table or schema.table)");
    }
  }
  if (out.path.empty())
    return Status::InvalidInput("location '" + std::string(location) + "' names no database");
  return Status::Ok();
}

// The format a bare path implies by its extension, or false.
bool FormatFromExtension(std::string_view path, DatasetLocation::Format& format) {
  if (EndsWith(path, ".parquet")) {
    format = DatasetLocation::Format::kParquet;
  } else if (EndsWith(path, ".csv") || EndsWith(path, ".tsv")) {
    format = DatasetLocation::Format::kCsv;
  } else if (EndsWith(path, ".json") || EndsWith(path, ".jsonl") || EndsWith(path, ".ndjson")) {
    format = DatasetLocation::Format::kJson;
  } else if (EndsWith(path, ".avro")) {
    format = DatasetLocation::Format::kAvro;
  } else {
    return false;
  }
  return true;
}

}  // namespace

const Column* Schema::Find(std::string_view name) const {
  for (const auto& column : columns) {
    if (EqualsIgnoreCase(column.name, name)) return &column;
  }
  return nullptr;
}

Result<DatasetLocation> DatasetLocation::Parse(std::string_view text) {
  std::string_view location = Trim(text);
  DatasetLocation out;
  if (location.empty()) return Status::InvalidInput("empty dataset location");
  if (StartsWith(location, "postgresql://") || StartsWith(location, "postgres://")) {
    out.format = Format::kPostgres;
    RETURN_IF_ERROR(SplitTable(location, location, out));
    return out;
  }
  static const struct {
    std::string_view prefix;
    Format format;
  } kPrefixes[] = {{"parquet:", Format::kParquet},
                   {"csv:", Format::kCsv},
                   {"json:", Format::kJson},
                   {"avro:", Format::kAvro},
                   {"duckdb:", Format::kDuckDb}};
  for (const auto& [prefix, format] : kPrefixes) {
    if (!StartsWith(location, prefix)) continue;
    out.format = format;
    std::string_view rest = Trim(location.substr(prefix.size()));
    if (format == Format::kDuckDb) {
      RETURN_IF_ERROR(SplitTable(rest, location, out));
      return out;
    }
    if (rest.empty()) return Status::InvalidInput("location '" + std::string(location) + "' names no path");
    out.path = std::string(rest);
    return out;
  }
  if (FormatFromExtension(location, out.format)) {
    out.path = std::string(location);
    return out;
  }
  return Status::InvalidInput(
      "unknown dataset location '" + std::string(location) +
      "' (expected parquet:PATH, csv:PATH, json:PATH, avro:PATH, duckdb:FILE#schema.table or "
      "postgresql://...#schema.table)");
}

namespace {

// Splits on commas outside brackets and quotes: "a DECIMAL(10,2), b INT" -> 2 pieces.
std::vector<std::string> SplitTopLevel(std::string_view text) {
  std::vector<std::string> pieces;
  int depth = 0;
  char quote = 0;
  size_t start = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quote != 0) {
      if (c == quote) quote = 0;  // a doubled quote closes and reopens: same result
    } else if (c == '\'' || c == '"') {
      quote = c;
    } else if (c == '(' || c == '[' || c == '{') {
      ++depth;
    } else if (c == ')' || c == ']' || c == '}') {
      --depth;
    } else if (c == ',' && depth == 0) {
      pieces.emplace_back(text.substr(start, i - start));
      start = i + 1;
    }
  }
  pieces.emplace_back(text.substr(start));
  return pieces;
}

// Reads "name TYPE" (name plain or "double quoted").
Result<Column> ParseColumnDefinition(std::string_view item) {
  Column column;
  size_t type_start = 0;
  if (item.front() == '"') {
    size_t i = 1;
    for (; i < item.size(); ++i) {
      if (item[i] != '"') {
        column.name += item[i];
      } else if (i + 1 < item.size() && item[i + 1] == '"') {
        column.name += '"';
        ++i;
      } else {
        break;
      }
    }
    if (i >= item.size())
      return Status::InvalidInput("unterminated quoted column name in '" + std::string(item) + "'");
    type_start = i + 1;
  } else {
    size_t end = item.find_first_of(" \t\r\n");
    column.name = std::string(item.substr(0, end));
    type_start = end == std::string_view::npos ? item.size() : end;
  }
  column.type = std::string(Trim(item.substr(type_start)));
  if (column.name.empty()) return Status::InvalidInput("column with no name in '" + std::string(item) + "'");
  if (column.type.empty()) return Status::InvalidInput("column '" + column.name + "' has no type");
  Status fragment = CheckSqlFragment(column.type);
  if (!fragment.ok()) return fragment.WithContext("column '" + column.name + "' type '" + column.type + "'");
  return column;
}

}  // namespace

Result<Schema> ParseSchemaAnnotation(std::string_view text) {
  Schema schema;
  std::set<std::string> seen;
  if (Trim(text).empty())
    return Status::InvalidInput("empty schema (expected \"name TYPE, name TYPE, ...\")");
  for (const auto& piece : SplitTopLevel(text)) {
    std::string_view item = Trim(piece);
    if (item.empty())
      return Status::InvalidInput("empty column definition in schema '" + std::string(text) + "'");
    ASSIGN_OR_RETURN(Column column, ParseColumnDefinition(item));
    if (!seen.insert(ToLower(column.name)).second) {
      return Status::InvalidInput("column '" + column.name + "' appears twice in the schema");
    }
    schema.columns.push_back(std::move(column));
  }
  return schema;
}

}  // namespace skein
