// DatasetSchema: a catalog dataset's schema, from its annotation or its location.
#include "base/text.h"
#include "data/warehouse.h"

namespace skein {
namespace {

constexpr std::string_view kSchemaAnnotation = "skein.dev/schema";

// The annotation's columns with their types checked and spelled as DuckDB spells them.
Result<Schema> SchemaFromAnnotation(const std::string& text, Warehouse& warehouse) {
  ASSIGN_OR_RETURN(Schema schema, ParseSchemaAnnotation(text));
  for (auto& column : schema.columns) {
    Result<std::string> type = warehouse.CheckExpression(Schema{}, "CAST(NULL AS " + column.type + ")", "");
    if (!type.ok())
      return type.status().WithContext("column '" + column.name + "' type '" + column.type + "'");
    column.type = *type;
  }
  return schema;
}

}  // namespace

Result<Schema> DatasetSchema(const Entity& dataset, Warehouse& warehouse) {
  std::string id = dataset.DatasetId().empty() ? dataset.Ref().Key() : dataset.DatasetId();
  std::string annotation = dataset.Annotation(kSchemaAnnotation);
  if (!Trim(annotation).empty()) {
    Result<Schema> schema = SchemaFromAnnotation(annotation, warehouse);
    if (!schema.ok())
      return schema.status().WithContext("dataset " + id + ": " + std::string(kSchemaAnnotation));
    return schema;
  }
  if (Trim(dataset.Location()).empty()) {
    return Status::NotFound("dataset " + id + " has neither a " + std::string(kSchemaAnnotation) +
                            " nor a skein.dev/location annotation");
  }
  Result<DatasetLocation> location = DatasetLocation::Parse(dataset.Location());
  if (!location.ok()) return location.status().WithContext("dataset " + id);
  Result<Schema> schema = warehouse.ReadSchema(*location);
  if (!schema.ok()) return schema.status().WithContext("dataset " + id);
  return schema;
}

}  // namespace skein
