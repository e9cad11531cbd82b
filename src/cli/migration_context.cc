// What several commands need before they work on a migration: its from-dataset in the
// catalog, and the manifest checked against that dataset's schema.
#include <memory>

#include "base/text.h"
#include "catalog/validate.h"
#include "cli/cli.h"
#include "data/warehouse.h"

namespace skein {

// The from-dataset's entity, or Fail() at spec.from naming it.
const Entity& RequireDataset(const Migration& m, const CatalogGraph& graph) {
  if (const Entity* dataset = graph.FindDataset(m.from)) return *dataset;
  std::vector<std::string> ids;
  for (const Entity& e : graph.entities()) {
    if (!e.DatasetId().empty()) ids.push_back(e.DatasetId());
  }
  std::string guess = ClosestMatch(m.from, ids);
  Fail(m.ErrorAt("/spec/from", "dataset " + m.from + " is not in the catalog" +
                                   (guess.empty() ? "" : " (did you mean '" + guess + "'?)") +
                                   "; import its descriptor with 'skein catalog import'"));
}

// The from-dataset's schema after checking the manifest against it, or Fail().
Schema CheckAgainstData(const Migration& m, const Entity& dataset) {
  std::unique_ptr<Warehouse> warehouse = OrFail(OpenDuckDbWarehouse());
  Result<Schema> schema = DatasetSchema(dataset, *warehouse);
  if (!schema.ok()) {
    Fail(m.ErrorAt(
        "/spec/from",
        "cannot check the manifest against " + m.from + ": " + schema.status().message() +
            "\nskein checks every column and expression against the from-dataset's schema first. "
            "Add a skein.dev/schema annotation (\"name TYPE, ...\") to its catalog entity, make its "
            "skein.dev/location readable from here, or pass --schema-from none to go without the check."));
  }
  OrFail(CheckMigrationAgainstData(m, *schema, *warehouse));
  return *schema;
}

}  // namespace skein
